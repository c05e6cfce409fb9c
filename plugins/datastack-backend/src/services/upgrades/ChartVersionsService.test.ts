import {
  TestDatabases,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { chartIndex } from './__testUtils__/charts';
import { ChartRepositoryClient } from './ChartRepositoryClient';
import { ChartVersionStore } from './ChartVersionStore';
import { ChartVersionsService } from './ChartVersionsService';

if (process.env.DATASTACK_TEST_POSTGRES_URL) {
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING =
    process.env.DATASTACK_TEST_POSTGRES_URL;
}
const databases = TestDatabases.create({
  ids: process.env.DATASTACK_TEST_POSTGRES_URL
    ? ['POSTGRES_15', 'SQLITE_3']
    : ['SQLITE_3'],
});

const server = setupServer();
registerMswTestHooks(server);

const INDEX = 'https://trinodb.github.io/charts/index.yaml';
const index = chartIndex([
  { name: 'trino', version: '1.42.2', values: {} },
  { name: 'trino', version: '1.41.0', values: {} },
]);

/** The service over the real client (default registry, no mirrors) and a store. */
function serviceOn(store: ChartVersionStore) {
  return ChartVersionsService.create({
    registry: createDefaultRegistry(),
    client: new ChartRepositoryClient({
      repositories: [],
      timeoutMs: 200,
      maxIndexBytes: 1024 * 1024,
      maxArchiveBytes: 1024 * 1024,
      ociMaxVersions: 5,
    }),
    store,
    logger: mockServices.logger.mock(),
  });
}

describe.each(databases.eachSupportedId())('ChartVersionsService on %s', id => {
  it('keeps the versions of a repository that goes down, says since when, and revalidates with the ETag', async () => {
    const knex = await databases.init(id);
    const store = await ChartVersionStore.create(
      mockServices.database({ knex }),
    );
    const service = serviceOn(store);
    let answer: 'ok' | 'down' | 'unchanged' = 'ok';
    const conditional: Array<string | null> = [];
    server.use(
      http.get(INDEX, ({ request }) => {
        conditional.push(request.headers.get('if-none-match'));
        if (answer === 'down') {
          return HttpResponse.json({ message: 'maintenance' }, { status: 503 });
        }
        if (answer === 'unchanged')
          return new HttpResponse(null, { status: 304 });
        return new HttpResponse(index, { headers: { etag: '"e1"' } });
      }),
    );

    const first = await service.releases('trino');
    expect(first.state).toMatchObject({
      status: 'ok',
      versionCount: 2,
      latest: '1.42.2',
    });
    const fetchedAt = first.state.fetchedAt;

    answer = 'down';
    await service.refresh('trino');
    const stale = await service.releases('trino');
    expect(stale.state).toMatchObject({
      status: 'stale',
      fetchedAt,
      error:
        'the index of https://trinodb.github.io/charts answered HTTP 503: maintenance',
      versionCount: 2,
    });
    expect(stale.releases.map(r => r.chartVersion)).toEqual([
      '1.42.2',
      '1.41.0',
    ]);

    answer = 'unchanged';
    await service.refresh('trino');
    const fresh = await service.releases('trino');
    expect(fresh.state.status).toBe('ok');
    expect(fresh.state.error).toBeUndefined();
    expect(conditional).toEqual([null, '"e1"', '"e1"']);
  });

  it('fetches a component never fetched on first use, once for concurrent callers', async () => {
    const knex = await databases.init(id);
    const store = await ChartVersionStore.create(
      mockServices.database({ knex }),
    );
    let calls = 0;
    server.use(
      http.get(INDEX, () => {
        calls++;
        return new HttpResponse(index);
      }),
    );
    const service = serviceOn(store);
    const answers = await Promise.all(
      [1, 2, 3].map(() => service.releases('trino')),
    );
    expect(answers.map(a => a.state.versionCount)).toEqual([2, 2, 2]);
    expect(calls).toBe(1);
  });
});
