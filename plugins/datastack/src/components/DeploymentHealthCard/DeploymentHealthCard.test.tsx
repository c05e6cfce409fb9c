import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import type { EntityHealth } from '@datastack/plugin-datastack-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import {
  kafkaUpgrade,
  ordersKafkaEntity as entity,
  ordersKafkaHealth as health,
} from '../../__testUtils__/fixtures';
import { datastackApiRef } from '../../api/DatastackApi';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { DeploymentHealthCard } from './DeploymentHealthCard';

function renderCard(
  api: ReturnType<typeof mockDatastackApi>,
  allowed = true,
  shown: Entity = entity,
) {
  const permissionApi = {
    authorize: jest.fn(async () => ({
      result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
    })),
  };
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [datastackApiRef, api],
        [permissionApiRef, permissionApi as any],
      ]}
    >
      <EntityProvider entity={shown}>
        <DeploymentHealthCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('DeploymentHealthCard', () => {
  it('shows each environment with status, version, findings, and the instance that did not answer', async () => {
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(async () => health),
    });
    await renderCard(api);

    expect(
      (await screen.findByText('orders-kafka-dev')).closest('a'),
    ).toHaveAttribute(
      'href',
      'https://argocd-dev.example.com/applications/orders-kafka-dev',
    );
    expect(api.getEntityHealth).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'orders-kafka',
    });
    const table = screen.getByRole('table', {
      name: 'Deployments by environment',
    });
    expect(within(table).getByText('Degraded')).toBeInTheDocument();
    expect(within(table).getByText('1.2.0')).toBeInTheDocument();
    // The deployed GitOps revision links to its commit.
    expect(screen.getByText('9f1c2a7').closest('a')).toHaveAttribute(
      'href',
      'https://github.com/acme/orders-gitops/commit/9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
    );
    expect(
      screen.getByText('2 problems in orders-kafka-dev'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Kafka cluster orders is not Ready (Degraded)', {
        exact: false,
      }),
    ).toBeInTheDocument();
    // What the operator's status suggests, under the finding.
    expect(
      screen.getByText(
        'What to do: Check the Strimzi cluster operator log: kubectl -n strimzi logs deploy/strimzi-cluster-operator',
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Argo CD prod: Argo CD instance "prod" did not answer within 10000 ms',
    );
  });

  it("keeps an unreachable instance's Applications in place, as last known, without actions", async () => {
    const devApp = health.rows[0].applications[0];
    const lastKnownAt = new Date();
    lastKnownAt.setHours(14, 2, 0, 0);
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(async () => ({
        ...health,
        rows: [
          health.rows[0],
          {
            ...health.rows[1],
            lastKnown: {
              fetchedAt: lastKnownAt.toISOString(),
              applications: [
                {
                  ...devApp,
                  instance: 'prod',
                  name: 'orders-kafka-prod',
                  environment: 'prod',
                  status: 'healthy' as const,
                  health: { status: 'Healthy' },
                  failingResources: [],
                  findings: [],
                },
              ],
            },
          },
        ],
      })),
    });
    await renderCard(api);

    const row = (await screen.findByText('orders-kafka-prod')).closest('tr')!;
    expect(row).toHaveTextContent('Unreachable');
    expect(row).toHaveTextContent(
      `last known Healthy 1.2.0 at ${lastKnownAt.toLocaleTimeString([], {
        hour: '2-digit',
        minute: '2-digit',
      })}`,
    );
    // Nothing to sync or refresh on an instance that does not answer.
    expect(
      screen.queryByRole('button', { name: 'Sync orders-kafka-prod' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Sync orders-kafka-dev' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Argo CD prod:');
    // At a glance too: prod is unreachable, then what it last said.
    const prod = screen.getByRole('listitem', { name: 'prod at a glance' });
    expect(prod).toHaveTextContent(/^prod Unreachable/);
    expect(prod).toHaveTextContent('last known Healthy');
    expect(
      screen.getByRole('listitem', { name: 'dev at a glance' }),
    ).not.toHaveTextContent('Unreachable');
  });

  it('syncs an Application when the user may, and shows the fresh answer', async () => {
    const synced: EntityHealth = {
      ...health,
      status: 'healthy',
      rows: [
        {
          ...health.rows[0],
          applications: [
            {
              ...health.rows[0].applications[0],
              status: 'healthy',
              health: { status: 'Healthy' },
              failingResources: [],
              findings: [],
            },
          ],
        },
      ],
    };
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(async () => health),
      actOnApplication: jest.fn(async () => synced),
    });
    await renderCard(api);
    fireEvent.click(
      await screen.findByRole('button', { name: 'Sync orders-kafka-dev' }),
    );
    await waitFor(() =>
      expect(api.actOnApplication).toHaveBeenCalledWith(
        { kind: 'Component', namespace: 'default', name: 'orders-kafka' },
        'dev',
        'orders-kafka-dev',
        'sync',
      ),
    );
    expect(await screen.findAllByText('Healthy')).not.toHaveLength(0);
    expect(
      screen.queryByText('2 problems in orders-kafka-dev'),
    ).not.toBeInTheDocument();
  });

  it('asks before a Sync in production, and syncs nothing when cancelled', async () => {
    const prodApp = {
      ...health.rows[0].applications[0],
      instance: 'prod',
      name: 'orders-kafka-prod',
      environment: 'prod',
    };
    const prodHealth: EntityHealth = {
      ...health,
      rows: [{ ...health.rows[0], instance: 'prod', applications: [prodApp] }],
    };
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(async () => prodHealth),
      actOnApplication: jest.fn(async () => prodHealth),
    });
    await renderCard(api);
    fireEvent.click(
      await screen.findByRole('button', { name: 'Sync orders-kafka-prod' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Sync orders-kafka-prod in prod?');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(api.actOnApplication).not.toHaveBeenCalled();

    fireEvent.click(
      screen.getByRole('button', { name: 'Sync orders-kafka-prod' }),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Sync prod' }));
    await waitFor(() =>
      expect(api.actOnApplication).toHaveBeenCalledWith(
        { kind: 'Component', namespace: 'default', name: 'orders-kafka' },
        'prod',
        'orders-kafka-prod',
        'sync',
      ),
    );
  });

  it('offers no sync button to a user without the write permission, but still refresh', async () => {
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(async () => health),
    });
    // Another entity: usePermission caches decisions per resource.
    await renderCard(api, false, {
      ...entity,
      metadata: { ...entity.metadata, name: 'orders-kafka-readonly' },
    });
    expect(
      await screen.findByRole('button', { name: 'Refresh orders-kafka-dev' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Sync orders-kafka-dev' }),
    ).not.toBeInTheDocument();
  });

  it('says so when nothing is deployed yet', async () => {
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(
        async (): Promise<EntityHealth> => ({
          ...health,
          status: 'unknown',
          rows: [{ ...health.rows[0], applications: [] }],
        }),
      ),
    });
    await renderCard(api);
    expect(
      await screen.findByText(
        /No Argo CD Application matches selector datastack.io\/pipeline=orders/,
      ),
    ).toBeInTheDocument();
  });

  it('shows a refused read as an error, not an empty card', async () => {
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: {
            name: 'NotAllowedError',
            message:
              'Not allowed to read the health of component:default/orders-kafka',
          },
        }),
        {
          status: 403,
          statusText: 'Forbidden',
          headers: { 'content-type': 'application/json' },
        },
      ),
    );
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(() => Promise.reject(error)),
    });
    await renderCard(api);
    expect(
      (
        await screen.findAllByText(
          /Not allowed to read the health of component:default\/orders-kafka/,
        )
      )[0],
    ).toBeInTheDocument();
  });

  describe('while Argo CD syncs', () => {
    const app = health.rows[0].applications[0];
    // The sandbox's progression mid-sync: OutOfSync, Progressing, Running,
    // the operator not available yet and its rule pending.
    const syncing: EntityHealth = {
      ...health,
      status: 'progressing',
      rows: [
        {
          ...health.rows[0],
          applications: [
            {
              ...app,
              sync: { status: 'OutOfSync', revision: '1.2.0' },
              health: { status: 'Progressing' },
              operation: {
                phase: 'Running',
                message: 'one or more tasks are running',
                startedAt: '2026-11-22T04:00:00Z',
              },
              failingResources: [
                {
                  group: 'apps',
                  version: 'v1',
                  kind: 'Deployment',
                  namespace: 'orders',
                  name: 'strimzi-cluster-operator',
                  sync: 'OutOfSync',
                  health: 'Progressing',
                  message:
                    'Waiting for rollout to finish: 0 of 1 updated replicas are available...',
                },
              ],
              findings: [
                {
                  rule: 'operator-unavailable',
                  severity: 'error',
                  message:
                    'The Strimzi operator (Deployment strimzi-cluster-operator) is unavailable',
                  pendingUntil: '2026-11-22T04:10:00Z',
                },
              ],
              settling: {
                syncing: true,
                since: '2026-11-22T04:00:00Z',
                until: '2026-11-22T04:10:00Z',
              },
              status: 'progressing',
            },
          ],
        },
      ],
    };
    const settled: EntityHealth = {
      ...health,
      status: 'healthy',
      rows: [
        {
          ...health.rows[0],
          applications: [
            {
              ...app,
              health: { status: 'Healthy' },
              failingResources: [],
              findings: [],
              status: 'healthy',
            },
          ],
        },
      ],
    };

    afterEach(() => jest.useRealTimers());

    it('shows Syncing, counts no problem, and re-reads every 3 s until it settles, then every 30 s', async () => {
      jest.useFakeTimers();
      const getEntityHealth = jest
        .fn<Promise<EntityHealth>, []>()
        .mockResolvedValueOnce(syncing)
        .mockResolvedValue(settled);
      await renderCard(mockDatastackApi({ getEntityHealth }));

      expect((await screen.findAllByText('Syncing'))[0]).toBeInTheDocument();
      expect(screen.queryByText(/problems? in/)).not.toBeInTheDocument();
      expect(screen.queryByText('Degraded')).not.toBeInTheDocument();
      expect(
        screen.getByText('Syncing: 2 not ready yet in orders-kafka-dev'),
      ).toBeInTheDocument();
      expect(getEntityHealth).toHaveBeenCalledTimes(1);

      await act(async () => {
        jest.advanceTimersByTime(3_000);
      });
      expect(getEntityHealth).toHaveBeenCalledTimes(2);
      expect((await screen.findAllByText('Healthy'))[0]).toBeInTheDocument();
      expect(screen.queryByText('Syncing')).not.toBeInTheDocument();

      // Settled: back to the 30 s cadence.
      await act(async () => {
        jest.advanceTimersByTime(27_000);
      });
      expect(getEntityHealth).toHaveBeenCalledTimes(2);
      await act(async () => {
        jest.advanceTimersByTime(3_000);
      });
      expect(getEntityHealth).toHaveBeenCalledTimes(3);
    });

    it('still shows a real failure in red while the sync settles', async () => {
      const failing: EntityHealth = {
        ...syncing,
        status: 'degraded',
        rows: [
          {
            ...syncing.rows[0],
            applications: [
              {
                ...syncing.rows[0].applications[0],
                health: { status: 'Degraded' },
                operation: {
                  phase: 'Failed',
                  message: 'one or more objects failed to apply',
                },
                findings: [
                  {
                    rule: 'operator-unavailable',
                    severity: 'error',
                    message:
                      'The Strimzi operator (Deployment strimzi-cluster-operator) is unavailable',
                  },
                ],
                settling: undefined,
                status: 'degraded',
              },
            ],
          },
        ],
      };
      await renderCard(
        mockDatastackApi({ getEntityHealth: jest.fn(async () => failing) }),
      );
      expect((await screen.findAllByText('Degraded'))[0]).toBeInTheDocument();
      expect(
        screen.getByText('2 problems in orders-kafka-dev'),
      ).toBeInTheDocument();
      expect(screen.queryByText('Syncing')).not.toBeInTheDocument();
    });
  });
  it('opens with each environment at a glance and the safe and breaking upgrade, then lists deployments and resources', async () => {
    const dev = health.rows[0].applications[0];
    const withDetail: EntityHealth = {
      ...health,
      rows: [
        {
          ...health.rows[0],
          applications: [
            {
              ...dev,
              history: [
                {
                  id: 2,
                  deployedAt: '2026-11-22T03:00:30Z',
                  chartVersion: '1.2.0',
                  revision: '9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
                  revisionUrl:
                    'https://github.com/acme/orders-gitops/commit/9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
                  author: 'Alice <alice@example.com>',
                  message: 'chore(datastack): upgrade kafka to 1.2.0',
                  committedAt: '2026-11-22T02:58:00Z',
                },
                {
                  id: 1,
                  deployedAt: '2026-11-20T09:00:00Z',
                  chartVersion: '1.1.0',
                },
              ],
              resources: [
                {
                  group: 'kafka.strimzi.io',
                  kind: 'Kafka',
                  namespace: 'orders-dev-kafka',
                  name: 'orders',
                  sync: 'Synced',
                  health: 'Degraded',
                },
              ],
              resourcesTotal: 1,
            },
          ],
        },
        health.rows[1],
      ],
    };
    const api = mockDatastackApi({
      getEntityHealth: jest.fn(async () => withDetail),
      getComponentUpgrade: jest.fn(async () => kafkaUpgrade),
    });
    await renderCard(api);

    const strip = await screen.findByRole('list', {
      name: 'Environments at a glance',
    });
    expect(
      within(strip)
        .getAllByRole('listitem')
        .map(item => item.getAttribute('aria-label')),
    ).toEqual(['dev at a glance']);
    expect(
      within(strip).getByRole('listitem', { name: 'dev at a glance' }),
    ).toHaveTextContent('dev DegradedSynced · 1.2.0');
    expect(await screen.findByText('Safe upgrade 0.49.1')).toBeInTheDocument();
    expect(screen.getByText('Breaking 1.2.0')).toBeInTheDocument();
    expect(api.getComponentUpgrade).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'orders-kafka',
    });

    fireEvent.click(
      screen.getByText(
        'History and resources of orders-kafka-dev (2 deployments, 1 resource)',
      ),
    );
    const deployments = screen.getByRole('table', {
      name: 'Deployments of orders-kafka-dev',
    });
    const rows = within(deployments).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('1.2.0');
    expect(rows[0]).toHaveTextContent(
      'chore(datastack): upgrade kafka to 1.2.0',
    );
    expect(rows[0]).toHaveTextContent('Alice');
    expect(rows[0]).not.toHaveTextContent('alice@example.com');
    expect(within(rows[0]).getByText('9f1c2a7').closest('a')).toHaveAttribute(
      'href',
      'https://github.com/acme/orders-gitops/commit/9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
    );
    expect(rows[1]).toHaveTextContent('1.1.0');
    expect(
      screen.getByRole('table', { name: 'Resources of orders-kafka-dev' }),
    ).toHaveTextContent('Kafkaorders-dev-kafka/ordersDegradedSynced');
  });
});
