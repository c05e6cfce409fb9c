import { jsonCache } from './__testUtils__/jsonCache';
import { mockCredentials } from '@backstage/backend-test-utils';
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
  const config = new ConfigReader(
    ttlMs === undefined
      ? {}
      : { datastack: { health: { entityCacheTtlMs: ttlMs } } },
  );
  const replica = () => CatalogEntities.fromConfig(config, { catalog, cache });
  return { getEntitiesByRefs, cache, replica };
}

describe('CatalogEntities', () => {
  it("reads with the caller's credentials, and another replica answers the same caller from the shared cache", async () => {
    const { getEntitiesByRefs, replica } = setup();
    const alice = mockCredentials.user('user:default/alice');
    expect(await replica().get(REF, alice)).toEqual(
      expect.objectContaining({ metadata: entity.metadata }),
    );
    expect(getEntitiesByRefs).toHaveBeenCalledWith(
      { entityRefs: [REF] },
      { credentials: alice },
    );
    expect(await replica().get(REF, alice)).toEqual(
      expect.objectContaining({ metadata: entity.metadata }),
    );
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(1);
  });

  it('never answers one caller with what the catalog showed another', async () => {
    const { getEntitiesByRefs, replica } = setup();
    const entities = replica();
    await entities.get(REF, mockCredentials.user('user:default/alice'));
    await entities.get(REF, mockCredentials.user('user:default/bob'));
    await entities.get(REF, mockCredentials.service('external:ci'));
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(3);
  });

  it('does not cache a missing entity', async () => {
    const { getEntitiesByRefs, cache, replica } = setup();
    const entities = replica();
    const alice = mockCredentials.user('user:default/alice');
    expect(await entities.get('component:default/nope', alice)).toBeUndefined();
    expect(await entities.get('component:default/nope', alice)).toBeUndefined();
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(2);
    expect(cache.store.size).toBe(0);
  });

  it('reads the catalog every time with entityCacheTtlMs 0, and refuses a bad value naming the key', async () => {
    const { getEntitiesByRefs, replica } = setup(0);
    const alice = mockCredentials.user('user:default/alice');
    await replica().get(REF, alice);
    await replica().get(REF, alice);
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(2);
    expect(() => setup(-1).replica()).toThrow(
      'Invalid configuration at datastack.health.entityCacheTtlMs: must be a whole number of milliseconds between 0 and 60000',
    );
  });

  it("reads the entities one caller needs in one turn in one getEntitiesByRefs, each caller's apart, and fails them together", async () => {
    const { getEntitiesByRefs, replica } = setup();
    const entities = replica();
    const alice = mockCredentials.user('user:default/alice');
    const bob = mockCredentials.user('user:default/bob');
    const answers = await Promise.all([
      entities.get(REF, alice),
      entities.get('component:default/orders-trino', alice),
      entities.get('component:default/nope', alice),
      entities.get(REF, bob),
    ]);
    expect(answers.map(e => e?.metadata.name)).toEqual([
      'orders-kafka',
      'orders-trino',
      undefined,
      'orders-kafka',
    ]);
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(2);
    expect(getEntitiesByRefs).toHaveBeenCalledWith(
      {
        entityRefs: [
          REF,
          'component:default/orders-trino',
          'component:default/nope',
        ],
      },
      { credentials: alice },
    );
    expect(getEntitiesByRefs).toHaveBeenCalledWith(
      { entityRefs: [REF] },
      { credentials: bob },
    );

    // Two tokens of one user (other group claims) are two batches.
    getEntitiesByRefs.mockClear();
    const dave = mockCredentials.user('user:default/dave');
    const earlier = { ...dave, expiresAt: new Date('2026-12-07T10:00:00Z') };
    const later = { ...dave, expiresAt: new Date('2026-12-07T11:00:00Z') };
    await Promise.all([
      entities.get(REF, earlier),
      entities.get('component:default/orders-trino', later),
    ]);
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(2);

    getEntitiesByRefs.mockRejectedValueOnce(new Error('catalog is down'));
    const carol = mockCredentials.user('user:default/carol');
    const failed = await Promise.allSettled([
      entities.get(REF, carol),
      entities.get('component:default/orders-trino', carol),
    ]);
    expect(failed.map(r => r.status)).toEqual(['rejected', 'rejected']);
    // Nothing of a failed read is kept: the next one asks again.
    expect(await entities.get(REF, carol)).toBeDefined();
  });
});
