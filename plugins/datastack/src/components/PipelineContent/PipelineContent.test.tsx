import type { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import { datastackApiRef } from '../../api/DatastackApi';
import {
  notAllowed,
  ordersFleet,
  ordersPlan,
} from '../../__testUtils__/fixtures';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { PipelineContent, loadPipelineFleet } from './PipelineContent';

const system: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: {
    name: 'orders-system',
    namespace: 'data',
    annotations: { 'datastack.io/pipeline': 'orders' },
  },
  spec: { owner: 'group:default/data-engineering' },
};

function renderContent(api: ReturnType<typeof mockDatastackApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[datastackApiRef, api]]}>
      <EntityProvider entity={system}>
        <PipelineContent />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('PipelineContent', () => {
  it('shows components × environments with status, version, Argo CD links and the version skew', async () => {
    const api = mockDatastackApi({
      getFleet: jest.fn(async () => ordersFleet),
      getPipelineUpgradePlan: jest.fn(async () => ordersPlan),
    });
    await renderContent(api);

    const matrix = await screen.findByRole('table', {
      name: 'Components of orders by environment',
    });
    expect(api.getFleet).toHaveBeenCalledWith({
      pipeline: 'orders',
      limit: 500,
    });
    const headers = within(matrix)
      .getAllByRole('columnheader')
      .map(h => h.textContent);
    expect(headers).toEqual(['Component', 'dev', 'prod']);

    const trino = within(matrix)
      .getByRole('cell', { name: /^trino/ })
      .closest('tr')!;
    expect(trino).toHaveTextContent('Version skew: 1.38.0, 1.42.0');
    expect(trino).toHaveTextContent('1.38.0 (behind 1.42.0)');
    expect(within(trino).getByText('Degraded')).toBeInTheDocument();
    expect(
      within(trino).getByRole('link', {
        name: /^orders-trino-prod in Argo CD prod/,
      }),
    ).toHaveAttribute(
      'href',
      'https://argocd-prod.example.com/applications/argocd/orders-trino-prod',
    );
    expect(within(trino).getByRole('link', { name: 'trino' })).toHaveAttribute(
      'href',
      '/catalog/default/component/orders-trino',
    );
    const airflow = within(matrix)
      .getByRole('cell', { name: /^airflow/ })
      .closest('tr')!;
    expect(airflow).not.toHaveTextContent('Version skew');

    expect(screen.getAllByRole('alert').map(a => a.textContent)).toContain(
      'Error Argo CD staging: Argo CD answered 401: invalid session',
    );
  });

  it('shows the ordered plan with hops, blockers, cycles and what the next cluster minor breaks', async () => {
    const api = mockDatastackApi({
      getFleet: jest.fn(async () => ordersFleet),
      getPipelineUpgradePlan: jest.fn(async () => ordersPlan),
    });
    await renderContent(api);
    const steps = await screen.findByRole('table', {
      name: 'Upgrade steps in order',
    });
    expect(api.getPipelineUpgradePlan).toHaveBeenCalledWith({
      namespace: 'data',
      name: 'orders-system',
    });
    const rows = within(steps).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('1trino');
    expect(rows[0]).toHaveTextContent('1.38.0 → 1.42.0');
    expect(rows[0]).toHaveTextContent('Blocking');
    expect(rows[0]).toHaveTextContent(
      'eks-prod runs Kubernetes 1.24; trino 1.42.0 needs 1.25 or newer.',
    );
    expect(rows[1]).toHaveTextContent('2superset');
    expect(rows[1]).toHaveTextContent('0.13.0');
    expect(rows[1]).toHaveTextContent('trino');

    expect(
      screen.getByText(/Dependency cycle: dagster → dbt → dagster/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Chart versions of superset may be incomplete/),
    ).toBeInTheDocument();
    const clusters = screen.getByRole('table', {
      name: 'Cluster upgrade impact',
    });
    expect(clusters).toHaveTextContent('v1.24.17-eks-a737599 → 1.25');
    expect(clusters).toHaveTextContent(
      'PodDisruptionBudget policy/v1beta1 is no longer served in Kubernetes 1.25',
    );
  });

  it('reads every page of a large pipeline', async () => {
    const page = (offset: number, count: number) => ({
      ...ordersFleet,
      total: 700,
      offset,
      items: Array.from({ length: count }, (_, i) => ({
        ...ordersFleet.items[0],
        component: `c${offset + i}`,
        application: `orders-c${offset + i}-dev`,
      })),
    });
    const api = mockDatastackApi({
      getFleet: jest
        .fn()
        .mockResolvedValueOnce(page(0, 500))
        .mockResolvedValueOnce(page(500, 200)),
    });
    const fleet = await loadPipelineFleet(api, 'orders');
    expect(fleet.items).toHaveLength(700);
    expect(fleet.items[699].component).toBe('c699');
    expect(api.getFleet).toHaveBeenCalledTimes(2);
    expect(api.getFleet).toHaveBeenLastCalledWith({
      pipeline: 'orders',
      limit: 500,
      offset: 500,
    });
  });

  it('says when nothing is deployed and nothing is to be upgraded', async () => {
    const api = mockDatastackApi({
      getFleet: jest.fn(async () => ({
        ...ordersFleet,
        items: [],
        total: 0,
        instances: [],
      })),
      getPipelineUpgradePlan: jest.fn(async () => ({
        ...ordersPlan,
        steps: [],
        cycles: [],
        clusters: [],
        versions: [],
      })),
    });
    await renderContent(api);
    expect(
      await screen.findByText(
        'No Argo CD Application carries the label datastack.io/pipeline=orders yet.',
      ),
    ).toBeInTheDocument();
    expect(await screen.findByText(/Nothing to upgrade/)).toBeInTheDocument();
  });

  it('shows a refused fleet read and a failed plan, each in its own card', async () => {
    const api = mockDatastackApi({
      getFleet: jest.fn(async () => {
        throw await notAllowed('Not allowed to read the fleet');
      }),
      getPipelineUpgradePlan: jest.fn(() =>
        Promise.reject(new TypeError('Failed to fetch')),
      ),
    });
    await renderContent(api);
    expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
    expect(
      screen.getByText('Not allowed to read the fleet'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/The upgrade plan could not be read/),
    ).toBeInTheDocument();
  });
});
