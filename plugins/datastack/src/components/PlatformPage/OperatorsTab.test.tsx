import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import { datastackApiRef } from '../../api/DatastackApi';
import { notAllowed, platformOperators } from '../../__testUtils__/fixtures';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { PlatformPage } from './PlatformPage';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { SWRConfig } from 'swr';

const permissionApi = (allowed: boolean) =>
  ({
    authorize: async () => ({
      result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
    }),
  } as any);

// usePermission keeps decisions in swr's cache: each render gets its own.
function renderPage(
  api: ReturnType<typeof mockDatastackApi>,
  url: string,
  allowed = true,
) {
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider
        apis={[
          [datastackApiRef, api],
          [permissionApiRef, permissionApi(allowed)],
        ]}
      >
        <PlatformPage />
      </TestApiProvider>
    </SWRConfig>,
    { routeEntries: [url] },
  );
}

describe('PlatformPage › Operators', () => {
  it('shows each operator per cluster with version, status, health, sync, namespace and its Argo CD page', async () => {
    const api = mockDatastackApi({
      getPlatformOperators: jest.fn(async () => platformOperators),
    });
    await renderPage(api, '/?tab=operators');
    const table = await screen.findByRole('table', {
      name: 'Platform operators by cluster',
    });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map(h => h.textContent),
    ).toEqual([
      'Cluster',
      'Operator',
      'Version',
      'Status',
      'Health',
      'Sync',
      'Namespace',
      'Argo CD',
    ]);

    const rows = within(table).getAllByRole('row');
    const rowOf = (cluster: string) =>
      rows.find(r => r.querySelector('th')?.textContent?.startsWith(cluster))!;
    /** Cluster, operator, version, status, health, sync, namespace, Argo CD. */
    const cellsOf = (row: HTMLElement) => Array.from(row.children);
    const kafka = rowOf('dev/in-cluster');
    const kafkaCells = cellsOf(kafka);
    expect(kafkaCells[1]).toHaveTextContent('Strimzi operator');
    // On the registry's version: no second version.
    expect(kafkaCells[2]).toHaveTextContent(/^1\.2\.0$/);
    expect(kafkaCells[3]).toHaveTextContent(
      'Healthy' + 'Deployment strimzi-cluster-operator available',
    );
    expect(kafkaCells[6]).toHaveTextContent('strimzi');
    expect(
      within(kafka).getByRole('link', { name: /platform-kafka-in-cluster/ }),
    ).toHaveAttribute(
      'href',
      'https://argocd-dev.example.com/applications/platform-kafka-in-cluster',
    );

    const flink = rowOf('dev/eks-prod');
    expect(flink).toHaveTextContent('https://eks.example.com');
    const flinkCells = cellsOf(flink);
    expect(flinkCells[2]).toHaveTextContent('1.14.0registry 1.15.0');
    expect(flinkCells[3]).toHaveTextContent(
      'Degraded' +
        'Deployment flink-kubernetes-operator unavailable (Degraded)',
    );
    expect(flinkCells[4]).toHaveTextContent(
      'Degraded' +
        'Deployment "flink-kubernetes-operator" exceeded its progress deadline',
    );
    expect(flinkCells[5]).toHaveTextContent('Synced');

    // The instance that did not answer is an alert in its own row.
    const alert = within(table).getByRole('alert');
    expect(alert).toHaveTextContent(
      'Error Argo CD staging: Argo CD instance "staging" refused GET Applications matching "datastack.io/platform-operator": 403 permission denied',
    );
    expect(alert.closest('tr')!.querySelector('td')).toHaveAttribute(
      'colspan',
      '8',
    );
    expect(rows).toHaveLength(1 + 2 + 1);
    expect(api.getPlatformOperators).toHaveBeenCalledTimes(1);
  });

  it('says how to install operators when no cluster has any', async () => {
    const api = mockDatastackApi({
      getPlatformOperators: jest.fn(async () => ({
        instances: platformOperators.instances.filter(
          i => i.instance === 'prod',
        ),
      })),
    });
    await renderPage(api, '/?tab=operators');
    expect(
      await screen.findByText(/No platform operator is installed/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: '"Platform operators" template' }),
    ).toHaveAttribute(
      'href',
      '/create/templates/default/datastack-platform-operators',
    );
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('tells a user outside the platform team who installs the operators, without the link', async () => {
    const api = mockDatastackApi({
      getPlatformOperators: jest.fn(async () => ({
        instances: platformOperators.instances.filter(
          i => i.instance === 'prod',
        ),
      })),
    });
    await renderPage(api, '/?tab=operators', false);
    expect(
      await screen.findByText(/Ask the platform team to install them/),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('link', { name: '"Platform operators" template' }),
    ).not.toBeInTheDocument();
  });

  it('keeps the last known operators of an instance that stopped answering, under its alert', async () => {
    const dev = platformOperators.instances.find(i => i.instance === 'dev')!;
    const lastKnownAt = new Date();
    lastKnownAt.setHours(14, 2, 0, 0);
    const api = mockDatastackApi({
      getPlatformOperators: jest.fn(async () => ({
        instances: [
          {
            ...dev,
            status: 'unreachable' as const,
            error: 'Argo CD instance "dev" is unreachable (GET Applications)',
            lastKnownAt: lastKnownAt.toISOString(),
          },
        ],
      })),
    });
    await renderPage(api, '/?tab=operators');
    const table = await screen.findByRole('table', {
      name: 'Platform operators by cluster',
    });
    const rows = within(table).getAllByRole('row');
    // The header, the alert, then dev's operators as it last answered.
    expect(rows).toHaveLength(1 + 1 + dev.operators.length);
    expect(within(rows[1]).getByRole('alert')).toHaveTextContent(
      /^Unreachable Argo CD dev: .*\. Its operators below are as it last answered, at /,
    );
    expect(
      rows
        .slice(2)
        .map(r => r.textContent)
        .join(),
    ).toMatch(/Strimzi operator/);
  });

  it('keeps a failing instance visible when the others have no operator', async () => {
    const api = mockDatastackApi({
      getPlatformOperators: jest.fn(async () => ({
        instances: platformOperators.instances.filter(
          i => i.instance !== 'dev',
        ),
      })),
    });
    await renderPage(api, '/?tab=operators');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Argo CD staging',
    );
    expect(
      screen.getByText(
        'The instances that answered have no platform operator.',
      ),
    ).toBeInTheDocument();
  });

  it('shows a refused read as a permission message, not a table', async () => {
    const error = await notAllowed(
      'Not allowed to read the platform operators',
    );
    await renderPage(
      mockDatastackApi({
        getPlatformOperators: jest.fn(() => Promise.reject(error)),
      }),
      '/?tab=operators',
    );
    expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
    expect(
      screen.getByText('Not allowed to read the platform operators'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('is a tab of the page, between Clusters and Upgrades', async () => {
    const api = mockDatastackApi({
      getClusterHealth: jest.fn(async () => ({ clusters: [], argocd: [] })),
      getPlatformOperators: jest.fn(async () => platformOperators),
    });
    await renderPage(api, '/?tab=clusters');
    expect(screen.getAllByRole('tab').map(t => t.textContent)).toEqual([
      'Fleet',
      'Clusters',
      'Operators',
      'Upgrades',
      'Components',
    ]);
    // Lazy: nothing is asked before the tab is opened.
    expect(api.getPlatformOperators).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('tab', { name: 'Operators' }));
    expect(
      await screen.findByRole('table', {
        name: 'Platform operators by cluster',
      }),
    ).toBeInTheDocument();
  });
});
