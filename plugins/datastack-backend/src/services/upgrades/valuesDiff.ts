import type { ValuesChange } from '@datastack/plugin-datastack-common';
import { isDeepStrictEqual } from 'node:util';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, ReadEntry } from 'tar';

/** The files of a chart archive that a values diff reads. */
export interface ChartArchiveValues {
  valuesYaml: string;
  valuesSchema?: string;
}

/** Limits of {@link readArchiveValues}. */
export interface ArchiveValuesLimits {
  /** Bytes of `values.yaml` or `values.schema.json` (`datastack.upgrades.maxValuesBytes`). */
  maxValuesBytes: number;
  /** Bytes the whole archive may inflate to (a tar bomb stops here). */
  maxInflatedBytes: number;
}

/** A chart archive that inflates past a limit; the message names the limit. */
export class ArchiveTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveTooLargeError';
  }
}

/**
 * `values.yaml` and `values.schema.json` of the chart at the top of a chart
 * archive (`<chart>/values.yaml`, not a subchart's `<chart>/charts/…`).
 * Everything else in the archive is skipped without being buffered. The
 * archive is inflated by zlib's asynchronous stream (off the event loop, in
 * chunks), counting what comes out: a values file past `maxValuesBytes` or
 * an archive past `maxInflatedBytes` stops the inflation there.
 */
export async function readArchiveValues(
  archive: Buffer,
  chart: string,
  limits: ArchiveValuesLimits = {
    maxValuesBytes: 8 * 1024 * 1024,
    maxInflatedBytes: 256 * 1024 * 1024,
  },
): Promise<ChartArchiveValues> {
  const files = new Map<string, Buffer>();
  const wanted = new Set([
    `${chart}/values.yaml`,
    `${chart}/values.schema.json`,
  ]);
  const gzipped = archive[0] === 0x1f && archive[1] === 0x8b;
  const source = Readable.from(
    (function* chunks() {
      for (let i = 0; i < archive.length; i += 64 * 1024) {
        yield archive.subarray(i, i + 64 * 1024);
      }
    })(),
  );
  let inflated = 0;
  let failure: Error | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const name = entry.path.replace(/^\.\//, '');
      if (!wanted.has(name)) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxValuesBytes) {
          stop(
            new ArchiveTooLargeError(
              `${name} inflates to more than the ${limits.maxValuesBytes} bytes allowed (datastack.upgrades.maxValuesBytes)`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      entry.on('end', () => files.set(name, Buffer.concat(chunks)));
    },
  });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      inflated += chunk.length;
      if (inflated > limits.maxInflatedBytes) {
        callback(
          new ArchiveTooLargeError(
            `the archive inflates to more than ${limits.maxInflatedBytes} bytes (16 × datastack.upgrades.maxArchiveBytes); it was not read further`,
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  const abort = new AbortController();
  function stop(error: Error) {
    failure ??= error;
    abort.abort(error);
  }
  parser.on('warn', (_code: string, message: string | Error) =>
    stop(new Error(typeof message === 'string' ? message : message.message)),
  );
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (failure) {
        callback(failure);
        return;
      }
      parser.write(chunk);
      callback(failure ?? null);
    },
    final(callback) {
      parser.end();
      callback(failure ?? null);
    },
  });
  const end = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  try {
    if (gzipped) {
      await pipeline(source, createGunzip(), counter, sink, {
        signal: abort.signal,
      });
    } else {
      await pipeline(source, counter, sink, { signal: abort.signal });
    }
    await end;
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
  const values = files.get(`${chart}/values.yaml`);
  if (!values) {
    throw new Error(`the archive has no ${chart}/values.yaml`);
  }
  const schema = files.get(`${chart}/values.schema.json`);
  return {
    valuesYaml: values.toString('utf8'),
    ...(schema && { valuesSchema: schema.toString('utf8') }),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The leaves of a values document by dotted key (`server.workers`). Lists
 * and empty maps are leaves: Helm replaces a list whole, it never merges it.
 */
export function flattenValues(
  value: unknown,
  prefix = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) {
      flattenValues(child, prefix ? `${prefix}.${key}` : key, out);
    }
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}

/** True when one key is the other or lies under it (`a.b` and `a.b.c`). */
function related(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/**
 * The keys added, removed and whose default changed between two charts'
 * values, with the user's values files that set each key (or a key under or
 * above it), and the user's keys that a removal or a changed default touches.
 */
export function diffValues(
  from: unknown,
  to: unknown,
  overrides: Array<{ file: string; values: unknown }>,
): { changes: ValuesChange[]; affectedOverrides: string[] } {
  const before = flattenValues(from);
  const after = flattenValues(to);
  const userKeys = overrides.map(o => ({
    file: o.file,
    keys: [...flattenValues(o.values).keys()],
  }));
  const changes: ValuesChange[] = [];
  const affected = new Set<string>();
  const record = (change: ValuesChange) => {
    const overriddenIn: string[] = [];
    for (const user of userKeys) {
      const hits = user.keys.filter(k => related(k, change.key));
      if (hits.length === 0) continue;
      overriddenIn.push(user.file);
      if (change.change !== 'added') hits.forEach(k => affected.add(k));
    }
    changes.push({ ...change, overriddenIn });
  };
  for (const [key, value] of before) {
    if (!after.has(key)) {
      record({ key, change: 'removed', from: value, overriddenIn: [] });
    } else if (!isDeepStrictEqual(value, after.get(key))) {
      record({
        key,
        change: 'default-changed',
        from: value,
        to: after.get(key),
        overriddenIn: [],
      });
    }
  }
  for (const [key, value] of after) {
    if (!before.has(key)) {
      record({ key, change: 'added', to: value, overriddenIn: [] });
    }
  }
  pairMoves(changes);
  changes.sort((a, b) => a.key.localeCompare(b.key));
  return { changes, affectedOverrides: [...affected].sort() };
}

const parentOf = (key: string) => key.split('.').slice(0, -1).join('.');
const leafOf = (key: string) => key.split('.').pop()!;

/**
 * Marks a removed key and an added key as one move when nothing else could
 * be meant: the added key sits beside the removed one (a rename) or has its
 * name under another parent (a move), its default is the same, and neither
 * has another such partner. A guess that is not unique is no move.
 */
function pairMoves(changes: ValuesChange[]): void {
  const removed = changes.filter(c => c.change === 'removed');
  const added = changes.filter(c => c.change === 'added');
  const partners = (r: ValuesChange) =>
    added.filter(
      a =>
        isDeepStrictEqual(a.to, r.from) &&
        (parentOf(a.key) === parentOf(r.key) ||
          leafOf(a.key) === leafOf(r.key)),
    );
  for (const r of removed) {
    const [a, other] = partners(r);
    if (!a || other) continue;
    const rivals = removed.filter(x => x !== r && partners(x).includes(a));
    if (rivals.length) continue;
    r.movedTo = a.key;
    a.movedFrom = r.key;
  }
}

/** Whether two `values.schema.json` texts describe different schemas (formatting aside). */
export function schemaChanged(a?: string, b?: string): boolean {
  if (a === undefined || b === undefined) return a !== b;
  try {
    return !isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return a.trim() !== b.trim();
  }
}
