import {
  mockServices,
  registerMswTestHooks,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import type { ChartRelease } from '@datastack/plugin-datastack-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { chartArchive } from './__testUtils__/charts';
import { ChartRepositoryClient } from './ChartRepositoryClient';
import { ChartValuesService } from './ChartValuesService';
import { ChartVersionStore } from './ChartVersionStore';

const REPO = 'https://charts.example.com';
const coordinates = { componentId: 'trino', repository: REPO, chart: 'trino' };

const release = (chartVersion: string): ChartRelease => ({
  componentId: 'trino',
  chartVersion,
  deprecated: false,
  dependencies: [],
  urls: [`${REPO}/trino-${chartVersion}.tgz`],
  breakingNotes: [],
});

/** values.yaml whose nine levels of aliases expand to 10^9 strings. */
const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => {
    const prev = 'abcdefghi'[i];
    return `${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`;
  }),
].join('\n');

const server = setupServer();
registerMswTestHooks(server);
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function service(options: { maxYamlAliases?: number } = {}) {
  const knex = await databases.init('SQLITE_3');
  const store = await ChartVersionStore.create({
    getClient: async () => knex,
  });
  return new ChartValuesService({
    client: new ChartRepositoryClient({
      repositories: [],
      timeoutMs: 5_000,
      maxIndexBytes: 1024 * 1024,
      maxArchiveBytes: 1024 * 1024,
      ociMaxVersions: 20,
    }),
    store,
    urlReader: mockServices.urlReader.mock(),
    integrations: ScmIntegrations.fromConfig(new ConfigReader({})),
    logger: mockServices.logger.mock(),
    ttlMs: 60_000,
    maxValuesBytes: 1024 * 1024,
    ...options,
  });
}

describe('ChartValuesService', () => {
  function serve(valuesByVersion: Record<string, string>) {
    server.use(
      http.get(`${REPO}/trino-:version.tgz`, ({ params }) => {
        const version = String(params.version);
        const archive = chartArchive({
          name: 'trino',
          version,
          values: {},
          files: { 'values.yaml': valuesByVersion[version] },
        });
        return HttpResponse.arrayBuffer(
          archive.buffer.slice(
            archive.byteOffset,
            archive.byteOffset + archive.length,
          ) as ArrayBuffer,
        );
      }),
    );
  }

  it('diffs the values of two versions', async () => {
    serve({
      '1.0.0': 'server:\n  workers: 2\n',
      '1.1.0': 'server:\n  workers: 3\n',
    });
    const diff = await (
      await service()
    ).diff(coordinates, release('1.0.0'), release('1.1.0'), []);
    expect(diff.status).toBe('ok');
    expect(diff.changes).toEqual([
      expect.objectContaining({ key: 'server.workers' }),
    ]);
  });

  it('answers a billion-laughs values.yaml as unavailable, the event loop ticking', async () => {
    serve({ '1.0.0': 'server:\n  workers: 2\n', '1.1.0': BILLION_LAUGHS });
    const values = await service();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const diff = await values
      .diff(coordinates, release('1.0.0'), release('1.1.0'), [])
      .finally(() => clearInterval(timer));
    expect(diff.status).toBe('unavailable');
    expect(diff.error).toMatch(
      /^values\.yaml of trino 1\.1\.0 is not usable YAML: .*\(at most 100 alias expansions, datastack\.upgrades\.maxYamlAliases\)$/,
    );
    expect(ticks).toBeGreaterThan(0);
  });

  it('asks a failing repository once a minute, not on every view, until forgotten', async () => {
    let archiveRequests = 0;
    server.use(
      http.get(`${REPO}/trino-:version.tgz`, () => {
        archiveRequests++;
        return new HttpResponse('unavailable', { status: 503 });
      }),
    );
    const values = await service();
    const diff = () =>
      values.diff(coordinates, release('1.0.0'), release('1.1.0'), []);
    const first = await diff();
    expect(first.status).toBe('unavailable');
    expect(first.error).toMatch(/503/);
    const asked = archiveRequests;
    expect(asked).toBeGreaterThan(0);
    expect(await diff()).toEqual(first);
    expect(archiveRequests).toBe(asked);

    values.forget(coordinates.componentId);
    expect((await diff()).status).toBe('unavailable');
    // The diff fails as soon as one archive does; the other request may
    // still be on its way.
    for (let i = 0; i < 100 && archiveRequests <= asked; i++) {
      await new Promise(r => setTimeout(r, 10));
    }
    expect(archiveRequests).toBeGreaterThan(asked);
  });
});
