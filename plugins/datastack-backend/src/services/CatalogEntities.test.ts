import { jsonCache } from './__testUtils__/jsonCache';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { CatalogEntities } from './CatalogEntities';

const other: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'orders-trino', namespace: 'default' },
  spec: { owner: 'group:default/data-engineering' },
};
const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'orders-kafka', namespace: 'default' },
  spec: { owner: 'group:default/data-engineering' },
};
const REF = 'component:default/orders-kafka';

function setup(ttlMs?: number) {
  const catalog = catalogServiceMock({ entities: [entity, other] });
  const getEntitiesByRefs = jest.spyOn(catalog, 'getEntitiesByRefs');
  const cache = jsonCache();
  const auth = mockServices.auth({ pluginId: 'datastack' });
  const config = new ConfigReader(
    ttlMs === undefined
      ? {}
      : { datastack: { health: { entityCacheTtlMs: ttlMs } } },
  );
  const replica = () =>
    CatalogEntities.fromConfig(config, { catalog, auth, cache });
  return { getEntitiesByRefs, cache, replica };
}

const plugin = mockCredentials.service('plugin:datastack');

describe('CatalogEntities', () => {
  it("reads with the plugin's own credentials, and another replica answers from the shared cache", async () => {
    const { getEntitiesByRefs, replica } = setup();
    expect(await replica().get(REF)).toEqual(
      expect.objectContaining({ metadata: entity.metadata }),
    );
    expect(getEntitiesByRefs).toHaveBeenCalledWith(
      { entityRefs: [REF] },
      { credentials: plugin },
    );
    expect(await replica().get(REF)).toEqual(
      expect.objectContaining({ metadata: entity.metadata }),
    );
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(1);
  });

  it('does not cache a missing entity', async () => {
    const { getEntitiesByRefs, cache, replica } = setup();
    const entities = replica();
    expect(await entities.get('component:default/nope')).toBeUndefined();
    expect(await entities.get('component:default/nope')).toBeUndefined();
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(2);
    expect(cache.store.size).toBe(0);
  });

  it('reads the catalog every time with entityCacheTtlMs 0, and refuses a bad value naming the key', async () => {
    const { getEntitiesByRefs, replica } = setup(0);
    await replica().get(REF);
    await replica().get(REF);
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(2);
    expect(() => setup(-1).replica()).toThrow(
      'Invalid configuration at datastack.health.entityCacheTtlMs: must be a whole number of milliseconds between 0 and 60000',
    );
  });

  it('reads the entities needed in one turn in one getEntitiesByRefs, and fails them together', async () => {
    const { getEntitiesByRefs, replica } = setup();
    const entities = replica();
    const answers = await Promise.all([
      entities.get(REF),
      entities.get('component:default/orders-trino'),
      entities.get('component:default/nope'),
      entities.get(REF),
    ]);
    expect(answers.map(e => e?.metadata.name)).toEqual([
      'orders-kafka',
      'orders-trino',
      undefined,
      'orders-kafka',
    ]);
    // The same entity twice in one turn is one read (the loads coalesce).
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(1);
    expect(getEntitiesByRefs).toHaveBeenCalledWith(
      {
        entityRefs: [
          REF,
          'component:default/orders-trino',
          'component:default/nope',
        ],
      },
      { credentials: plugin },
    );

    const fresh = setup();
    fresh.getEntitiesByRefs.mockRejectedValueOnce(new Error('catalog is down'));
    const down = fresh.replica();
    const failed = await Promise.allSettled([
      down.get(REF),
      down.get('component:default/orders-trino'),
    ]);
    expect(failed.map(r => r.status)).toEqual(['rejected', 'rejected']);
    // Nothing of a failed read is kept: the next one asks again.
    expect(await down.get(REF)).toBeDefined();
  });
});
