import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { datastackApiRef } from '../../api/DatastackApi';
import {
  notAllowed,
  ordersFleet,
  ordersPlan,
} from '../../__testUtils__/fixtures';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { PlatformPage } from './PlatformPage';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';

const permissionApi = (allowed: boolean) =>
  ({
    authorize: async () => ({
      result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
    }),
  } as any);

const components = createDefaultRegistry().list();

function Search() {
  return <output aria-label="query">{useLocation().search}</output>;
}

function renderPage(api: ReturnType<typeof mockDatastackApi>, url = '/') {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [datastackApiRef, api],
        [permissionApiRef, permissionApi(true)],
      ]}
    >
      <PlatformPage />
      <Search />
    </TestApiProvider>,
    {
      routeEntries: [url],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}

const query = () => screen.getByRole('status', { name: 'query' }).textContent;

describe('PlatformPage', () => {
  describe('Components', () => {
    it('lists the registry components the backend answers, with chart and version', async () => {
      const trino = components.find(c => c.id === 'trino')!;
      await renderPage(
        mockDatastackApi({ listComponents: jest.fn(async () => components) }),
        '/?tab=components',
      );

      expect(await screen.findByText(trino.title)).toBeInTheDocument();
      expect(
        screen.getByText(
          `${trino.chart!.version} (app ${trino.chart!.appVersion})`,
        ),
      ).toBeInTheDocument();
      expect(screen.getAllByRole('row')).toHaveLength(components.length + 1);
    });

    it('shows the backend error instead of an empty table', async () => {
      const error = await notAllowed('Not allowed to read the registry');
      await renderPage(
        mockDatastackApi({
          listComponents: jest.fn(() => Promise.reject(error)),
        }),
        '/?tab=components',
      );
      expect(
        (await screen.findAllByText(/Not allowed to read the registry/))[0],
      ).toBeInTheDocument();
      expect(screen.queryByRole('table')).not.toBeInTheDocument();
    });
  });

  describe('Fleet', () => {
    const api = () =>
      mockDatastackApi({
        listComponents: jest.fn(async () => components),
        getFleet: jest.fn(async () => ({ ...ordersFleet, limit: 100 })),
      });

    it('shows every component × environment with pipeline, owner, skew and instance states', async () => {
      const mock = api();
      await renderPage(mock);
      const matrix = await screen.findByRole('table', {
        name: 'Fleet: components by environment',
      });
      expect(mock.getFleet).toHaveBeenCalledWith({ offset: 0, limit: 100 });
      expect(
        within(matrix)
          .getAllByRole('columnheader')
          .map(h => h.textContent),
      ).toEqual(['Component', 'Pipeline', 'Owner', 'dev', 'prod']);
      const trino = within(matrix)
        .getByRole('cell', { name: /^trino/ })
        .closest('tr')!;
      expect(trino).toHaveTextContent('Version skew: 1.38.0, 1.42.0');
      // A rendered instance shows the commit Argo CD deployed.
      const kafka = within(matrix)
        .getByRole('cell', { name: /^kafka/ })
        .closest('tr')!;
      expect(kafka).toHaveTextContent('revision 8d7938f');
      expect(kafka).not.toHaveTextContent('version unknown');
      expect(
        within(trino).getByRole('link', { name: 'data-engineering' }),
      ).toHaveAttribute('href', '/catalog/default/group/data-engineering');
      expect(screen.getAllByRole('alert').map(a => a.textContent)).toContain(
        'Error Argo CD staging: Argo CD answered 401: invalid session',
      );
      expect(screen.getByText(/Argo CD dev: ok, read/)).toBeInTheDocument();
    });

    it('reads its filters and page from the URL', async () => {
      const mock = api();
      await renderPage(
        mock,
        '/?component=trino&status=degraded&owner=group%3Adefault%2Fdata-engineering&page=2&pageSize=250',
      );
      await screen.findByRole('table', {
        name: 'Fleet: components by environment',
      });
      expect(mock.getFleet).toHaveBeenCalledWith({
        component: 'trino',
        status: 'degraded',
        owner: 'group:default/data-engineering',
        offset: 500,
        limit: 250,
      });
      expect(screen.getByLabelText('Component')).toHaveValue('trino');
      expect(screen.getByLabelText('Status')).toHaveValue('degraded');
      expect(screen.getByLabelText('Owner')).toHaveValue(
        'group:default/data-engineering',
      );
    });

    it('writes a changed filter to the URL and asks the backend again, from the first page', async () => {
      const mock = api();
      await renderPage(mock, '/?page=1');
      await screen.findByRole('table', {
        name: 'Fleet: components by environment',
      });
      await waitFor(() =>
        expect(
          within(screen.getByLabelText('Component')).getByRole('option', {
            name: 'Apache Airflow',
          }),
        ).toBeInTheDocument(),
      );

      fireEvent.change(screen.getByLabelText('Component'), {
        target: { value: 'airflow' },
      });
      await waitFor(() =>
        expect(mock.getFleet).toHaveBeenLastCalledWith({
          component: 'airflow',
          offset: 0,
          limit: 100,
        }),
      );
      expect(query()).toBe('?component=airflow');

      fireEvent.change(screen.getByLabelText('Status'), {
        target: { value: 'out-of-sync' },
      });
      await waitFor(() =>
        expect(query()).toBe('?component=airflow&status=out-of-sync'),
      );

      fireEvent.change(screen.getByLabelText('Environment'), {
        target: { value: 'prod ' },
      });
      await waitFor(() =>
        expect(mock.getFleet).toHaveBeenLastCalledWith({
          component: 'airflow',
          status: 'out-of-sync',
          environment: 'prod',
          offset: 0,
          limit: 100,
        }),
      );
      expect(query()).toBe(
        '?component=airflow&status=out-of-sync&environment=prod',
      );

      fireEvent.change(screen.getByLabelText('Component'), {
        target: { value: '' },
      });
      await waitFor(() =>
        expect(query()).toBe('?status=out-of-sync&environment=prod'),
      );
    });

    it('says when no deployment matches the filters', async () => {
      const mock = mockDatastackApi({
        listComponents: jest.fn(async () => components),
        getFleet: jest.fn(async () => ({
          ...ordersFleet,
          items: [],
          total: 0,
        })),
      });
      await renderPage(mock, '/?environment=qa');
      expect(
        await screen.findByText('No deployment matches these filters.'),
      ).toBeInTheDocument();
    });

    it('shows a refused fleet read as a permission message', async () => {
      const error = await notAllowed('Not allowed to read the fleet');
      await renderPage(
        mockDatastackApi({
          listComponents: jest.fn(async () => components),
          getFleet: jest.fn(() => Promise.reject(error)),
        }),
      );
      expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
      expect(
        screen.getByText('Not allowed to read the fleet'),
      ).toBeInTheDocument();
      expect(screen.queryByRole('table')).not.toBeInTheDocument();
    });
  });

  describe('Clusters', () => {
    it('shows every cluster and Argo CD instance with its state', async () => {
      const mock = mockDatastackApi({
        getClusterHealth: jest.fn(async () => ({
          clusters: [
            {
              name: 'eks-prod',
              url: 'https://eks.example.com',
              status: 'ok' as const,
              version: 'v1.30.4-eks-a737599',
              nodesReady: 2,
              nodesTotal: 3,
              lastSeenAt: '2026-11-22T04:00:00Z',
              fetchedAt: '2026-11-22T04:00:00Z',
            },
            {
              name: 'onprem',
              url: 'https://k8s.onprem.example.com',
              status: 'unreachable' as const,
              error: 'connect ECONNREFUSED 10.0.0.1:6443',
              fetchedAt: '2026-11-22T04:00:00Z',
            },
          ],
          argocd: [
            {
              name: 'prod',
              uiUrl: 'https://argocd-prod.example.com',
              status: 'ok' as const,
              clusters: [
                {
                  name: 'eks-prod',
                  server: 'https://eks.example.com',
                  serverVersion: '1.30',
                  connectionState: 'Successful',
                },
              ],
              fetchedAt: '2026-11-22T04:00:00Z',
            },
          ],
        })),
      });
      await renderPage(mock, '/?tab=clusters');
      const clusters = await screen.findByRole('table', {
        name: 'Kubernetes clusters',
      });
      const rows = within(clusters).getAllByRole('row');
      expect(rows[1]).toHaveTextContent('eks-prod');
      expect(rows[1]).toHaveTextContent('v1.30.4-eks-a737599');
      expect(rows[1]).toHaveTextContent('2 of 3');
      expect(rows[2]).toHaveTextContent('Unreachable');
      expect(rows[2]).toHaveTextContent('connect ECONNREFUSED 10.0.0.1:6443');
      expect(
        within(
          screen.getByRole('table', { name: 'Argo CD instances' }),
        ).getByText('eks-prod (1.30)'),
      ).toBeInTheDocument();
    });

    it('shows a refused cluster read as a permission message', async () => {
      const error = await notAllowed('Not allowed to read cluster health');
      await renderPage(
        mockDatastackApi({
          getClusterHealth: jest.fn(() => Promise.reject(error)),
        }),
        '/?tab=clusters',
      );
      expect(
        await screen.findByText('Not allowed to read cluster health'),
      ).toBeInTheDocument();
    });
  });

  describe('Upgrades', () => {
    it('shows the fleet plan with pipelines and every chart repository, stale ones clearly', async () => {
      const mock = mockDatastackApi({
        getFleetUpgradePlan: jest.fn(async () => ({
          ...ordersPlan,
          scope: 'fleet' as const,
        })),
        listChartVersions: jest.fn(async () => [
          ...ordersPlan.versions,
          {
            componentId: 'trino',
            repository: 'https://trinodb.github.io/charts',
            chart: 'trino',
            status: 'ok' as const,
            fetchedAt: '2026-11-22T04:00:00Z',
            versionCount: 80,
            latest: '1.42.0',
          },
        ]),
      });
      await renderPage(mock, '/?tab=upgrades');
      const steps = await screen.findByRole('table', {
        name: 'Upgrade steps in order',
      });
      expect(
        within(steps)
          .getAllByRole('columnheader')
          .map(h => h.textContent),
      ).toContain('Pipeline');
      const charts = await screen.findByRole('table', {
        name: 'Chart repositories',
      });
      expect(
        within(charts).getByText('superset').closest('tr'),
      ).toHaveTextContent(
        `Versions may be out of date: last fetched ${new Date(
          '2026-11-20T04:00:00Z',
        ).toLocaleString()}`,
      );
      expect(
        within(charts).getByText('superset').closest('tr'),
      ).toHaveTextContent('503 Service Unavailable');
      expect(within(charts).getByText('trino').closest('tr')).toHaveTextContent(
        '80 versions of trino from https://trinodb.github.io/charts, latest 1.42.0',
      );
    });

    it('keeps the chart repositories when the plan is refused', async () => {
      const error = await notAllowed('Not allowed to read the fleet');
      await renderPage(
        mockDatastackApi({
          getFleetUpgradePlan: jest.fn(() => Promise.reject(error)),
          listChartVersions: jest.fn(async () => ordersPlan.versions),
        }),
        '/?tab=upgrades',
      );
      expect(
        await screen.findByText('Not allowed to read the fleet'),
      ).toBeInTheDocument();
      expect(
        await screen.findByRole('table', { name: 'Chart repositories' }),
      ).toBeInTheDocument();
    });
  });

  it('switches tabs through the URL', async () => {
    const mock = mockDatastackApi({
      listComponents: jest.fn(async () => components),
      getFleet: jest.fn(async () => ordersFleet),
      getClusterHealth: jest.fn(async () => ({ clusters: [], argocd: [] })),
    });
    await renderPage(mock, '/?owner=team-a');
    fireEvent.click(await screen.findByRole('tab', { name: 'Clusters' }));
    expect(
      await screen.findByText('No Argo CD instance is configured.'),
    ).toBeInTheDocument();
    expect(query()).toBe('?tab=clusters');
  });
});
