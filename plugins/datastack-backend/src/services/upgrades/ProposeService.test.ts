import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConflictError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { ValuesDiff } from '@datastack/plugin-datastack-common';
import { ProposeService, overrideMigration } from './ProposeService';

const component: Entity = {
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
  spec: { system: 'orders' },
};
const system: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: {
    name: 'orders',
    namespace: 'default',
    annotations: {
      'datastack.io/pipeline': 'orders',
      'datastack.io/gitops-repo': 'orders',
    },
  },
  spec: {},
};

const diff = (changes: ValuesDiff['changes']): ValuesDiff =>
  ({
    componentId: 'trino',
    from: '1.0.0',
    to: '2.0.0',
    status: 'ok',
    changes,
    affectedOverrides: [],
    schemaChanged: false,
    source: 'https://trinodb.github.io/charts/trino-2.0.0.tgz',
    fetchedAt: '2026-12-03T06:00:00Z',
  } as ValuesDiff);

function service(valuesDiff: () => Promise<ValuesDiff>) {
  const bumper = {
    propose: jest.fn(async () => ({
      branch: 'datastack/upgrade-trino-2.0.0',
      commitHash: 'a'.repeat(40),
      files: [],
      repository: 'file:///gitops/orders.git',
    })),
  };
  const propose = ProposeService.create({
    catalog: catalogServiceMock({ entities: [component, system] }),
    permissions: mockServices.permissions.mock({
      authorize: async () => [{ result: AuthorizeResult.ALLOW }],
    }),
    auditor: mockServices.auditor.mock(),
    logger: mockServices.logger.mock(),
    chartVersions: {
      releases: async () =>
        ({
          state: { status: 'unknown', chart: 'trino' },
          releases: [],
        } as any),
    },
    bumper: bumper as any,
    hosts: {
      resolve: () =>
        ({ kind: 'local', url: 'file:///gitops/orders.git' } as any),
    },
    valuesDiff,
  });
  const run = (environments?: string[]) =>
    propose.propose(
      component,
      { version: '2.0.0', environments },
      { credentials: mockCredentials.user() },
    );
  return { bumper, run };
}

describe('ProposeService and the overrides', () => {
  const moved = diff([
    {
      key: 'server.workers',
      change: 'removed',
      from: 2,
      overriddenIn: [
        'components/trino/values.yaml',
        'environments/prod/values/trino.yaml',
      ],
      movedTo: 'server.workerCount',
    },
    {
      key: 'server.workerCount',
      change: 'added',
      to: 2,
      overriddenIn: [],
      movedFrom: 'server.workers',
    },
  ]);

  it('moves a renamed override in every file of the environments upgraded', async () => {
    const { bumper, run } = service(async () => moved);
    await run();
    expect(bumper.propose).toHaveBeenCalledWith(
      expect.objectContaining({
        valueMoves: [
          {
            file: 'components/trino/values.yaml',
            from: 'server.workers',
            to: 'server.workerCount',
          },
          {
            file: 'environments/prod/values/trino.yaml',
            from: 'server.workers',
            to: 'server.workerCount',
          },
        ],
      }),
    );
  });

  it('refuses, before the bump, an override the new chart drops or a shared file other environments still read', async () => {
    const dropped = diff([
      {
        key: 'server.legacy',
        change: 'removed',
        from: true,
        overriddenIn: ['environments/dev/values/trino.yaml'],
      },
    ]);
    const first = service(async () => dropped);
    await expect(first.run(['dev'])).rejects.toThrow(
      new ConflictError(
        'Upgrading trino to 2.0.0 would silently drop overrides: server.legacy in environments/dev/values/trino.yaml, which chart version 2.0.0 no longer has. Move or remove them by hand first; nothing was pushed.',
      ),
    );
    expect(first.bumper.propose).not.toHaveBeenCalled();

    expect(overrideMigration(moved, ['prod'])).toEqual({
      moves: [
        {
          file: 'environments/prod/values/trino.yaml',
          from: 'server.workers',
          to: 'server.workerCount',
        },
      ],
      byHand: [
        'server.workers in components/trino/values.yaml, which the environments that stay on the old chart read too',
      ],
    });
    // Another environment's file is not this proposal's business.
    expect(overrideMigration(dropped, ['prod'])).toEqual({
      moves: [],
      byHand: [],
    });
  });

  it('proposes without moves when the values diff cannot be had, and says so in the description', async () => {
    const { bumper, run } = service(async () => {
      throw new Error('trino 2.0.0 is not in https://trinodb.github.io/charts');
    });
    await run(['dev']);
    const [input] = bumper.propose.mock.calls[0] as unknown as [
      { valueMoves?: unknown; description: string },
    ];
    expect(input.valueMoves).toBeUndefined();
    expect(input.description).toContain(
      'The values changes of 2.0.0 could not be read (trino 2.0.0 is not in https://trinodb.github.io/charts): check the overrides by hand before merging.',
    );
  });
});
