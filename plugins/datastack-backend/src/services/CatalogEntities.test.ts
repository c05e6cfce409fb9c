import { jsonCache } from './__testUtils__/jsonCache';
import { mockCredentials } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { CatalogEntities } from './CatalogEntities';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'orders-kafka', namespace: 'default' },
  spec: { owner: 'group:default/data-engineering' },
};
const REF = 'component:default/orders-kafka';

function setup(ttlMs?: number) {
  const catalog = catalogServiceMock({ entities: [entity] });
  const getEntityByRef = jest.spyOn(catalog, 'getEntityByRef');
  const cache = jsonCache();
  const config = new ConfigReader(
    ttlMs === undefined
      ? {}
      : { datastack: { health: { entityCacheTtlMs: ttlMs } } },
  );
  const replica = () => CatalogEntities.fromConfig(config, { catalog, cache });
  return { getEntityByRef, cache, replica };
}

describe('CatalogEntities', () => {
  it("reads with the caller's credentials, and another replica answers the same caller from the shared cache", async () => {
    const { getEntityByRef, replica } = setup();
    const alice = mockCredentials.user('user:default/alice');
    expect(await replica().get(REF, alice)).toEqual(
      expect.objectContaining({ metadata: entity.metadata }),
    );
    expect(getEntityByRef).toHaveBeenCalledWith(REF, { credentials: alice });
    expect(await replica().get(REF, alice)).toEqual(
      expect.objectContaining({ metadata: entity.metadata }),
    );
    expect(getEntityByRef).toHaveBeenCalledTimes(1);
  });

  it('never answers one caller with what the catalog showed another', async () => {
    const { getEntityByRef, replica } = setup();
    const entities = replica();
    await entities.get(REF, mockCredentials.user('user:default/alice'));
    await entities.get(REF, mockCredentials.user('user:default/bob'));
    await entities.get(REF, mockCredentials.service('external:ci'));
    expect(getEntityByRef).toHaveBeenCalledTimes(3);
  });

  it('does not cache a missing entity', async () => {
    const { getEntityByRef, cache, replica } = setup();
    const entities = replica();
    const alice = mockCredentials.user('user:default/alice');
    expect(await entities.get('component:default/nope', alice)).toBeUndefined();
    expect(await entities.get('component:default/nope', alice)).toBeUndefined();
    expect(getEntityByRef).toHaveBeenCalledTimes(2);
    expect(cache.store.size).toBe(0);
  });

  it('reads the catalog every time with entityCacheTtlMs 0, and refuses a bad value naming the key', async () => {
    const { getEntityByRef, replica } = setup(0);
    const alice = mockCredentials.user('user:default/alice');
    await replica().get(REF, alice);
    await replica().get(REF, alice);
    expect(getEntityByRef).toHaveBeenCalledTimes(2);
    expect(() => setup(-1).replica()).toThrow(
      'Invalid configuration at datastack.health.entityCacheTtlMs: must be a whole number of milliseconds between 0 and 60000',
    );
  });
});
