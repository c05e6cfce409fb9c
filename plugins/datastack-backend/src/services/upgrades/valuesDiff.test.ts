import { createGzip } from 'node:zlib';
import { Header } from 'tar';
import { chartArchive } from './__testUtils__/charts';
import {
  ArchiveTooLargeError,
  diffValues,
  readArchiveValues,
} from './valuesDiff';

/** A gzipped tar whose one file `name` holds `size` zero bytes: kilobytes on the wire. */
async function tarBomb(name: string, size: number): Promise<Buffer> {
  const header = Buffer.alloc(512);
  new Header({
    path: name,
    mode: 0o644,
    size,
    mtime: new Date(0),
    type: 'File',
  }).encode(header, 0);
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise(resolve => gzip.on('end', resolve));
  gzip.write(header);
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += zeros.length) {
    if (
      !gzip.write(zeros.subarray(0, Math.min(zeros.length, size - written)))
    ) {
      await new Promise(resolve => gzip.once('drain', resolve));
    }
  }
  gzip.end(Buffer.alloc(1024));
  await done;
  return Buffer.concat(out);
}

/** Counts timer ticks while `work` runs: a blocked event loop counts none. */
async function ticksDuring(work: Promise<unknown>) {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const result = await work.then(
    () => undefined,
    e => e,
  );
  clearInterval(timer);
  return { ticks, error: result as Error | undefined };
}

describe('readArchiveValues', () => {
  it('reads the chart’s own values.yaml and schema, not a subchart’s', async () => {
    const archive = chartArchive({
      name: 'trino',
      version: '1.0.0',
      values: { server: { workers: 2 } },
      schema: { type: 'object' },
    });
    const values = await readArchiveValues(archive, 'trino');
    expect(values.valuesYaml).toContain('workers: 2');
    expect(JSON.parse(values.valuesSchema!)).toEqual({ type: 'object' });
  });

  it('stops a values.yaml that inflates past maxValuesBytes, the event loop answering meanwhile', async () => {
    const bomb = await tarBomb('trino/values.yaml', 64 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { ticks, error } = await ticksDuring(
      readArchiveValues(bomb, 'trino', {
        maxValuesBytes: 1024 * 1024,
        maxInflatedBytes: 1024 * 1024 * 1024,
      }),
    );
    expect(error).toBeInstanceOf(ArchiveTooLargeError);
    expect(error!.message).toBe(
      'trino/values.yaml inflates to more than the 1048576 bytes allowed (datastack.upgrades.maxValuesBytes)',
    );
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops an archive that inflates past its bound, whatever file does it', async () => {
    const bomb = await tarBomb(
      'trino/templates/padding.yaml',
      48 * 1024 * 1024,
    );
    const { ticks, error } = await ticksDuring(
      readArchiveValues(bomb, 'trino', {
        maxValuesBytes: 1024 * 1024,
        maxInflatedBytes: 8 * 1024 * 1024,
      }),
    );
    expect(error).toBeInstanceOf(ArchiveTooLargeError);
    expect(error!.message).toBe(
      'the archive inflates to more than 8388608 bytes (16 × datastack.upgrades.maxArchiveBytes); it was not read further',
    );
    expect(ticks).toBeGreaterThan(0);
  });

  it('names a missing values.yaml', async () => {
    const archive = await tarBomb('other/values.yaml', 10);
    await expect(readArchiveValues(archive, 'trino')).rejects.toThrow(
      'the archive has no trino/values.yaml',
    );
  });
});

describe('diffValues moves', () => {
  const files = [
    {
      file: 'environments/prod/values/trino.yaml',
      values: { server: { workers: 8 } },
    },
  ];

  it('pairs a removed key with the one added beside it that has its default', () => {
    const { changes } = diffValues(
      { server: { workers: 2, node: 'a' } },
      { server: { workerCount: 2, node: 'a' } },
      files,
    );
    expect(changes).toEqual([
      {
        key: 'server.workerCount',
        change: 'added',
        to: 2,
        overriddenIn: [],
        movedFrom: 'server.workers',
      },
      {
        key: 'server.workers',
        change: 'removed',
        from: 2,
        overriddenIn: ['environments/prod/values/trino.yaml'],
        movedTo: 'server.workerCount',
      },
    ]);
  });

  it('pairs a key moved under another parent with its name and default', () => {
    const { changes } = diffValues(
      { server: { workers: 2 } },
      { worker: { workers: 2 } },
      files,
    );
    expect(changes.find(c => c.key === 'server.workers')?.movedTo).toBe(
      'worker.workers',
    );
  });

  it('guesses no move when more than one key could be meant, or the default differs', () => {
    const ambiguous = diffValues(
      { server: { a: true, b: true } },
      { server: { c: true } },
      [],
    );
    expect(ambiguous.changes.some(c => c.movedTo || c.movedFrom)).toBe(false);
    const twoTargets = diffValues(
      { server: { a: 1 } },
      { server: { b: 1, c: 1 } },
      [],
    );
    expect(twoTargets.changes.some(c => c.movedTo || c.movedFrom)).toBe(false);
    const otherDefault = diffValues(
      { server: { workers: 2 } },
      { server: { workerCount: 3 } },
      [],
    );
    expect(otherDefault.changes.some(c => c.movedTo)).toBe(false);
  });
});
