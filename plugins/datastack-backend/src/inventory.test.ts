import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  type SignalPayload,
  signalsServiceRef,
} from '@backstage/plugin-signals-node';
import {
  type ArgoCdSandbox,
  startArgoCdSandbox,
} from '@datastack/argocd-sandbox';
import type {
  ComponentUpgrade,
  EntityHealth,
  FleetPage,
  PlatformOperatorsOverview,
} from '@datastack/plugin-datastack-common';
import request from 'supertest';
import { datastackPlugin } from './plugin';

/**
 * Issue #12 through the real plugin: entity health and the fleet answered
 * from the live inventory (no call to Argo CD per page view), a change in
 * Argo CD visible in the next answer, the change announced on the
 * datastack:inventory signal, and an instance that stops answering keeping
 * its rows as they last were.
 */

const TOKEN = 'inventory-plugin-token';

const trino: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders-trino',
    namespace: 'default',
    annotations: {
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'orders',
    },
  },
  spec: {
    type: 'data-stack-component',
    owner: 'team-a',
    lifecycle: 'production',
  },
};

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/** Calls to the sandbox's Argo CD API, but the watch stream and its stall probe. */
const pageViewCalls = (sandbox: ArgoCdSandbox) =>
  sandbox.requests.entries.filter(
    r =>
      r.area === 'argocd' &&
      !r.path.startsWith('/api/v1/stream/') &&
      !r.path.includes('inventory-probe'),
  );

describe('the live inventory through the plugin', () => {
  let sandbox: ArgoCdSandbox;
  const published: SignalPayload[] = [];

  beforeEach(async () => {
    published.length = 0;
    sandbox = await startArgoCdSandbox({
      name: 'dev',
      token: TOKEN,
      syncDurationMs: 500,
      streamKeepaliveMs: 200,
    });
    sandbox.seedApplications(1, {
      namePrefix: 'orders-trino-dev',
      charts: ['trino'],
      labels: {
        'datastack.io/pipeline': 'orders',
        'datastack.io/component': 'trino',
        'datastack.io/environment': 'dev',
      },
    });
    sandbox.seedApplications(40, {
      charts: ['kafka'],
      labels: { 'datastack.io/component': 'kafka' },
    });
    // The platform team's Strimzi operator, in the platform project.
    sandbox.seedApplications(1, {
      namePrefix: 'platform-kafka',
      project: 'platform',
      charts: ['strimzi-kafka-operator'],
      labels: { 'datastack.io/platform-operator': 'kafka' },
    });
  });
  afterEach(() => sandbox.close());

  async function backend() {
    const { server } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({
          data: {
            datastack: {
              argocd: {
                requestTimeoutMs: 2_000,
                instances: [{ name: 'dev', url: sandbox.url, token: TOKEN }],
              },
              inventory: {
                pollIntervalMs: 50,
                probeIntervalMs: 300,
                reconnectMaxMs: 300,
                flushMs: 10,
                streamIdleTimeoutMs: 1_000,
              },
            },
          },
        }),
        catalogServiceMock.factory({ entities: [trino] }),
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({
            publish: async (signal: SignalPayload) => {
              published.push(signal);
            },
          }),
        }),
      ],
    });
    const get = (path: string) =>
      request(server)
        .get(`/api/datastack${path}`)
        .set('authorization', mockCredentials.user.header());
    await eventually('the inventory to go live', async () => {
      const res = await get('/health/inventory');
      return res.body.instances?.[0]?.state === 'live';
    });
    return { server, get };
  }

  it('answers entity health and the fleet from the inventory, and follows a sync without asking Argo CD per view', async () => {
    const { get } = await backend();
    const states = await get('/health/inventory');
    expect(states.body).toEqual({
      enabled: true,
      catalog: expect.objectContaining({ enabled: true, intervalMs: 30_000 }),
      instances: [
        expect.objectContaining({
          instance: 'dev',
          state: 'live',
          applications: sandbox.applications().length,
        }),
      ],
    });
    sandbox.requests.clear();

    const first = await get('/health/entity/default/component/orders-trino');
    expect(first.status).toBe(200);
    const health = first.body as EntityHealth;
    expect(health.rows[0]).toMatchObject({
      instance: 'dev',
      status: 'ok',
      inventory: { state: 'live' },
    });
    expect(health.rows[0].applications.map(a => a.name)).toEqual([
      'orders-trino-dev-00001',
    ]);
    for (let i = 0; i < 20; i++) {
      await get('/health/entity/default/component/orders-trino');
      await get('/health/fleet?component=kafka&limit=5');
    }
    const fleet = (await get('/health/fleet?component=kafka&limit=5'))
      .body as FleetPage;
    expect(fleet.total).toBe(40);
    expect(fleet.instances[0]).toMatchObject({
      status: 'ok',
      inventory: { state: 'live' },
    });
    // Revision metadata of the history is read once and kept; no list, no get.
    expect(
      pageViewCalls(sandbox).filter(r => !r.path.includes('/revisions/')),
    ).toEqual([]);

    // The Operators tab too: the platform's operators from the inventory,
    // with only the cluster names asked of Argo CD, once.
    for (let i = 0; i < 5; i++) {
      const operators = (await get('/platform/operators'))
        .body as PlatformOperatorsOverview;
      expect(operators.instances).toEqual([
        expect.objectContaining({
          instance: 'dev',
          status: 'ok',
          inventory: expect.objectContaining({ state: 'live' }),
          operators: [
            expect.objectContaining({
              componentId: 'kafka',
              application: expect.stringMatching(/^platform-kafka-/),
              project: 'platform',
              cluster: 'in-cluster',
            }),
          ],
        }),
      ]);
    }
    expect(
      pageViewCalls(sandbox)
        .filter(r => !r.path.includes('/revisions/'))
        .map(r => `${r.method} ${r.path}`),
    ).toEqual(['GET /api/v1/clusters']);

    // A sync made in Argo CD (not through Datastack) shows in the next answers.
    published.length = 0;
    await fetch(
      `${sandbox.url}/api/v1/applications/orders-trino-dev-00001/sync`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
        },
        body: '{}',
      },
    );
    const seen = new Set<string>();
    await eventually('the sync to run and finish in the answer', async () => {
      const res = await get('/health/entity/default/component/orders-trino');
      const app = (res.body as EntityHealth).rows[0].applications[0];
      seen.add(app.status);
      return seen.has('progressing') && app.status === 'healthy';
    });
    expect(seen).not.toContain('degraded');
    expect(published.length).toBeGreaterThan(0);
    expect(published[0]).toMatchObject({
      recipients: { type: 'broadcast' },
      channel: 'datastack:inventory',
      message: { instances: ['dev'] },
    });
    // The signal names instances only, never an Application.
    expect(JSON.stringify(published)).not.toContain('orders-trino');
  });

  it('keeps an instance that stops answering in its rows, unreachable with the last known Applications', async () => {
    const { get } = await backend();
    await sandbox.close();
    const row = await eventually('the instance to be unreachable', async () => {
      const res = await get('/health/entity/default/component/orders-trino');
      const r = (res.body as EntityHealth).rows[0];
      return r.status === 'unreachable' ? r : undefined;
    });
    expect(row.inventory).toMatchObject({ state: 'unreachable' });
    expect(row.error).toMatch(/Argo CD instance "dev"/);
    expect(row.lastKnown?.applications.map(a => a.name)).toEqual([
      'orders-trino-dev-00001',
    ]);

    const fleet = (
      await get('/health/fleet?status=unreachable&component=trino')
    ).body as FleetPage;
    expect(fleet.items).toHaveLength(1);
    expect(fleet.items[0]).toMatchObject({
      application: 'orders-trino-dev-00001',
      status: 'unreachable',
      lastKnown: { status: 'healthy' },
    });

    // The Operators tab keeps the platform's operators, as last seen.
    const operators = (await get('/platform/operators'))
      .body as PlatformOperatorsOverview;
    expect(operators.instances[0]).toMatchObject({
      status: 'unreachable',
      lastKnownAt: row.lastKnown!.fetchedAt,
      operators: [{ application: expect.stringMatching(/^platform-kafka-/) }],
    });

    // The Upgrades tab keeps the environment too, marked as last known.
    const upgrade = (
      await get('/upgrades/entity/default/component/orders-trino')
    ).body as ComponentUpgrade;
    expect(upgrade.failures).toEqual([
      expect.objectContaining({
        instance: 'dev',
        status: 'unreachable',
        lastKnownAt: row.lastKnown!.fetchedAt,
      }),
    ]);
    expect(upgrade.deployed).toEqual([
      expect.objectContaining({
        application: 'orders-trino-dev-00001',
        environment: 'dev',
        lastKnown: {
          status: 'unreachable',
          fetchedAt: row.lastKnown!.fetchedAt,
        },
      }),
    ]);
    sandbox = await startArgoCdSandbox({ name: 'dev', token: TOKEN });
  });
});
