import { mockServices } from '@backstage/backend-test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import type {
  Application,
  ArgoCdClient,
} from '@datastack/plugin-datastack-node';
import type { LiveInventory } from '../inventory/LiveInventory';
import { jsonCache } from '../__testUtils__/jsonCache';
import { FleetService } from './FleetService';

function app(name: string, component: string, rv: string): Application {
  return {
    metadata: {
      name,
      namespace: 'argocd',
      resourceVersion: rv,
      labels: {
        'datastack.io/component': component,
        'datastack.io/environment': 'dev',
      },
    },
    spec: {
      project: 'default',
      destination: { name: 'in-cluster', namespace: name },
    },
    status: {
      sync: { status: 'Synced', revision: 'c0ffee1' },
      health: { status: 'Healthy' },
    },
  } as Application;
}

/** An inventory of one instance whose Applications the test sets. */
function inventory() {
  let apps: Application[] = [];
  let version = 0;
  const listeners = new Set<(instances: string[]) => void>();
  const fake = {
    answer: () => ({
      applications: apps,
      version,
      state: {
        instance: 'dev',
        state: 'live',
        since: '2026-12-07T10:00:00Z',
        asOf: '2026-12-07T10:00:00Z',
      },
    }),
    onChange: (listener: (instances: string[]) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    inventory: fake as unknown as LiveInventory,
    set(next: Application[]) {
      apps = next;
      version++;
      for (const l of listeners) l(['dev']);
    },
  };
}

describe('FleetService from the live inventory', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('builds the rows in the background after the inventory changes, at most once a second and while the fleet is viewed, so a page only cuts them', async () => {
    const applicationUrl = jest.fn(
      (name: string) => `https://argocd.dev/applications/${name}`,
    );
    const client = { name: 'dev', applicationUrl } as unknown as ArgoCdClient;
    const live = inventory();
    const fleet = FleetService.create({
      clients: [client],
      registry: createDefaultRegistry(),
      cache: jsonCache(),
      logger: mockServices.logger.mock(),
      cacheTtlMs: 30_000,
      inventory: live.inventory,
    });

    // Three Applications, trino's at resourceVersion `trinoRv`.
    const three = (trinoRv: string) => [
      app('b-trino', 'trino', trinoRv),
      app('a-airflow', 'airflow', '1'),
      app('c-superset', 'superset', '1'),
    ];
    live.set(three('1').slice(0, 2));
    live.set(three('1'));
    expect(applicationUrl).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1_000);
    // Two changes within the second: one build, each row once.
    expect(applicationUrl).toHaveBeenCalledTimes(3);

    const page = await fleet.page({ offset: 0, limit: 10 });
    expect(page.items.map(r => r.application)).toEqual([
      'a-airflow',
      'c-superset',
      'b-trino',
    ]);
    expect(applicationUrl).toHaveBeenCalledTimes(3);
    // Rendered from a repository (no chart): the row names the commit.
    expect(page.items[0]).toEqual(
      expect.objectContaining({ revision: 'c0ffee1', version: undefined }),
    );

    // One Application changed: only its row is built again.
    live.set(three('2'));
    jest.advanceTimersByTime(1_000);
    expect(applicationUrl).toHaveBeenCalledTimes(4);
    expect((await fleet.page({ offset: 0, limit: 10 })).total).toBe(3);
    expect(applicationUrl).toHaveBeenCalledTimes(4);

    // Nobody has looked for ten minutes: a change waits for the next page.
    jest.advanceTimersByTime(10 * 60_000 + 1);
    live.set(three('3'));
    jest.advanceTimersByTime(1_000);
    expect(applicationUrl).toHaveBeenCalledTimes(4);
    await fleet.page({ offset: 0, limit: 10 });
    expect(applicationUrl).toHaveBeenCalledTimes(5);
  });
});
