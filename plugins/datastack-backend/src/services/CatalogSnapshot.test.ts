import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { jsonCache } from './__testUtils__/jsonCache';
import { CatalogEntities } from './CatalogEntities';
import { CatalogSnapshot } from './CatalogSnapshot';

const component = (
  name: string,
  annotations: Record<string, string> = {},
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { owner: 'group:default/data-engineering' },
});

// 1,200 of Datastack's (more than two pages), in each of the four ways an
// entity can be one, and entities that are not.
const ours = Array.from({ length: 1200 }, (_, i) =>
  component(
    `orders-${i}`,
    [
      { 'datastack.io/component': 'kafka' },
      { 'datastack.io/pipeline': 'orders' },
      { 'argocd/app-name': `orders-${i}` },
      { 'argocd/app-selector': `app=orders-${i}` },
    ][i % 4],
  ),
);
const others = [
  component('website'),
  component('billing', { 'backstage.io/techdocs-ref': 'dir:.' }),
];

function setup(entities: Entity[] = [...ours, ...others]) {
  let now = 1_000_000;
  const catalog = catalogServiceMock({ entities });
  const queryEntities = jest.spyOn(catalog, 'queryEntities');
  const logger = mockServices.logger.mock();
  const snapshot = new CatalogSnapshot({
    catalog,
    auth: mockServices.auth({ pluginId: 'datastack' }),
    logger,
    intervalMs: 10_000,
    now: () => now,
  });
  return {
    catalog,
    queryEntities,
    logger,
    snapshot,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('CatalogSnapshot', () => {
  it("holds every entity with a Datastack or Argo CD annotation, read page by page with the plugin's credentials", async () => {
    const { snapshot, queryEntities, logger } = setup();
    expect(snapshot.lookup('component:default/orders-1')).toBeUndefined();
    expect(snapshot.state()).toEqual({
      entities: 0,
      current: false,
      intervalMs: 10_000,
    });

    await snapshot.refresh();

    expect(queryEntities).toHaveBeenCalledTimes(3);
    for (const [, options] of queryEntities.mock.calls) {
      expect(options).toEqual({
        credentials: mockCredentials.service('plugin:datastack'),
      });
    }
    expect(snapshot.state()).toEqual({
      entities: 1200,
      asOf: new Date(1_000_000).toISOString(),
      current: true,
      intervalMs: 10_000,
    });
    for (const i of [0, 1, 2, 3, 1199]) {
      expect(
        snapshot.lookup(`component:default/orders-${i}`)?.metadata.name,
      ).toBe(`orders-${i}`);
    }
    // The catalog's references are case-insensitive; so is the copy.
    expect(snapshot.lookup('Component:Default/ORDERS-7')?.metadata.name).toBe(
      'orders-7',
    );
    expect(snapshot.lookup('component:default/website')).toBeUndefined();
    expect(snapshot.lookup('component:default/billing')).toBeUndefined();
    expect(logger.info).toHaveBeenCalledWith(
      "The copy of the catalog's Datastack entities holds 1200 entities",
    );
  });

  it('drops an entity removed from the catalog at the next read, and logs only when the count changes', async () => {
    const { snapshot, queryEntities, logger } = setup(ours.slice(0, 3));
    await snapshot.refresh();
    await snapshot.refresh();
    expect(logger.info).toHaveBeenCalledTimes(1);

    queryEntities.mockResolvedValueOnce({
      items: ours.slice(0, 2),
      pageInfo: {},
      totalItems: 2,
    });
    await snapshot.refresh();
    expect(snapshot.lookup('component:default/orders-2')).toBeUndefined();
    expect(snapshot.lookup('component:default/orders-1')).toBeDefined();
    expect(logger.info).toHaveBeenLastCalledWith(
      "The copy of the catalog's Datastack entities holds 2 entities",
    );
  });

  it('keeps the last copy while the catalog fails, for three intervals at the most, and says so once', async () => {
    const { snapshot, queryEntities, logger, advance } = setup();
    await snapshot.refresh();
    queryEntities.mockRejectedValue(new Error('connect ECONNREFUSED'));

    advance(10_000);
    await snapshot.refresh();
    advance(10_000);
    await snapshot.refresh();
    expect(snapshot.lookup('component:default/orders-1')).toBeDefined();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      "Could not read the catalog's Datastack entities; pages read them one by one until it answers: connect ECONNREFUSED",
    );

    advance(10_001);
    expect(snapshot.lookup('component:default/orders-1')).toBeUndefined();
    expect(snapshot.state()).toEqual(
      expect.objectContaining({ entities: 1200, current: false }),
    );

    queryEntities.mockRestore();
    await snapshot.refresh();
    expect(snapshot.lookup('component:default/orders-1')).toBeDefined();
    expect(logger.info).toHaveBeenLastCalledWith(
      "The copy of the catalog's Datastack entities holds 1200 entities",
    );
  });

  it('runs on the scheduler every 5 s, reads when due, and retries within 5 s while the catalog does not answer yet', async () => {
    const { snapshot, queryEntities, advance } = setup();
    let task:
      | {
          fn: (signal: AbortSignal) => Promise<void>;
          frequency: unknown;
          scope?: string;
        }
      | undefined;
    await snapshot.schedule({
      scheduleTask: async (t: typeof task) => {
        task = t;
      },
    } as never);
    expect(task).toEqual(
      expect.objectContaining({
        frequency: { milliseconds: 5_000 },
        scope: 'local',
      }),
    );
    const tick = () => task!.fn(new AbortController().signal);
    queryEntities.mockRejectedValueOnce(
      new Error('Service has not started up yet'),
    );
    await tick();
    expect(snapshot.state().entities).toBe(0);
    advance(5_000);
    await tick();
    expect(snapshot.state().entities).toBe(1200);
    // Every 10 s (this copy's interval): not at the next tick, at the one after.
    const reads = queryEntities.mock.calls.length;
    advance(5_000);
    await tick();
    expect(queryEntities.mock.calls.length).toBe(reads);
    advance(5_000);
    await tick();
    expect(queryEntities.mock.calls.length).toBe(reads + 3);
  });

  it('stops between two pages once its run is aborted, keeping what it had', async () => {
    const { snapshot, queryEntities } = setup();
    await snapshot.refresh();
    const calls = queryEntities.mock.calls.length;
    const controller = new AbortController();
    controller.abort();
    await snapshot.refresh(controller.signal);
    expect(queryEntities.mock.calls.length).toBe(calls);
    expect(snapshot.state().entities).toBe(1200);
  });

  it('refuses an answer that is not a list and keeps what it had', async () => {
    const { snapshot, queryEntities, logger } = setup();
    await snapshot.refresh();
    queryEntities.mockResolvedValueOnce({ items: 'nope' } as never);
    await snapshot.refresh();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('the catalog did not answer a list of entities'),
    );
    expect(snapshot.state().entities).toBe(1200);
  });

  it('reads its interval from config: 0 turns it off, a bad value names the key', () => {
    const deps = {
      catalog: catalogServiceMock(),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
    };
    const read = (value?: unknown) =>
      CatalogSnapshot.fromConfig(
        new ConfigReader(
          value === undefined
            ? {}
            : { datastack: { health: { entitySnapshotIntervalMs: value } } },
        ),
        deps,
      );
    expect(read()?.state().intervalMs).toBe(30_000);
    expect(read(0)).toBeUndefined();
    expect(read(30_000)?.state().intervalMs).toBe(30_000);
    for (const bad of [500, 1.5, -1, 600_001]) {
      expect(() => read(bad)).toThrow(
        'Invalid configuration at datastack.health.entitySnapshotIntervalMs: must be 0 (off) or a whole number of milliseconds between 1000 and 600000',
      );
    }
  });
});

describe('CatalogEntities with a snapshot', () => {
  it('answers an entity the copy holds without reading the catalog, and reads the others', async () => {
    const { snapshot, catalog } = setup();
    await snapshot.refresh();
    const getEntitiesByRefs = jest.spyOn(catalog, 'getEntitiesByRefs');
    const entities = new CatalogEntities({
      catalog,
      auth: mockServices.auth({ pluginId: 'datastack' }),
      cache: jsonCache(),
      ttlMs: 5_000,
      snapshot,
    });

    expect(
      (await entities.get('component:default/orders-5'))?.metadata.name,
    ).toBe('orders-5');
    expect(getEntitiesByRefs).not.toHaveBeenCalled();

    expect(
      (await entities.get('component:default/website'))?.metadata.name,
    ).toBe('website');
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(1);
    expect(entities.snapshotState()?.entities).toBe(1200);
  });
});
