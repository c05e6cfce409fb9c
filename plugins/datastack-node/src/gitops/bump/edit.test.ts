import { ConflictError } from '@backstage/errors';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { moveValues } from './edit';

describe('moveValues', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datastack-move-'));
    fs.mkdirSync(path.join(dir, 'environments', 'prod', 'values'), {
      recursive: true,
    });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) =>
    fs.writeFileSync(path.join(dir, file), text);

  it('moves each override to where the new chart reads it, comments kept, an emptied parent removed', async () => {
    const file = 'environments/prod/values/trino.yaml';
    write(
      file,
      [
        '# prod overrides',
        'server:',
        '  # eight workers for the month-end load',
        '  workers: 8',
        'legacy:',
        '  exchange: false',
        '',
      ].join('\n'),
    );
    const edits = await moveValues(dir, [
      { file, from: 'server.workers', to: 'server.workerCount' },
      { file, from: 'legacy.exchange', to: 'server.exchange.legacy' },
      { file, from: 'not.there', to: 'not.here' },
    ]);
    expect(edits).toEqual([
      {
        file,
        moved: [
          { from: 'server.workers', to: 'server.workerCount' },
          { from: 'legacy.exchange', to: 'server.exchange.legacy' },
        ],
        text: [
          '# prod overrides',
          'server:',
          '  # eight workers for the month-end load',
          '  workerCount: 8',
          '  exchange:',
          '    legacy: false',
          '',
        ].join('\n'),
      },
    ]);
  });

  it('refuses a file that already sets the new key, and skips a file that does not exist', async () => {
    const file = 'environments/prod/values/trino.yaml';
    write(file, 'server:\n  workers: 8\n  workerCount: 4\n');
    await expect(
      moveValues(dir, [
        { file, from: 'server.workers', to: 'server.workerCount' },
      ]),
    ).rejects.toThrow(ConflictError);
    await expect(
      moveValues(dir, [
        {
          file: 'environments/dev/values/trino.yaml',
          from: 'a',
          to: 'b',
        },
      ]),
    ).resolves.toEqual([]);
  });
});
