import type { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  FieldExtensionOptions,
  ScaffolderFieldExtensions,
  useCustomFieldExtensions,
} from '@backstage/plugin-scaffolder-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import { fireEvent, screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import type { DatastackComponentSearchDocument } from '../search';
import {
  kafkaUpgrade,
  ordersFleet,
  ordersKafkaEntity as kafka,
  ordersKafkaHealth as health,
  ordersPlan,
} from '../__testUtils__/fixtures';
import { mockDatastackApi } from '../__testUtils__/mockDatastackApi';
import * as legacy from '.';
import {
  DatastackArgoCdInstancePickerFieldExtension,
  DatastackClusterPickerFieldExtension,
  DatastackEnvironmentsSummaryFieldExtension,
  DatastackPage,
  DatastackSearchResultListItemExtension,
  EntityDeploymentHealthCard,
  EntityPipelineContent,
  EntityUpgradesContent,
  datastackApiRef,
  datastackPlugin,
} from '.';

// Every export of `@datastack/plugin-datastack/legacy`, mounted in a legacy
// app (renderInTestApp builds one with the legacy core-app-api) as a
// legacy App.tsx or EntityPage.tsx would place it.

const orders: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: {
    name: 'orders',
    namespace: 'default',
    annotations: { 'datastack.io/pipeline': 'orders' },
  },
  spec: {},
};

function api() {
  return mockDatastackApi({
    getEntityHealth: jest.fn(async () => health),
    getComponentUpgrade: jest.fn(async () => kafkaUpgrade),
    getFleet: jest.fn(async () => ordersFleet),
    getPipelineUpgradePlan: jest.fn(async () => ordersPlan),
    listComponents: jest.fn(async () => createDefaultRegistry().list()),
    listArgoCdInstances: jest.fn(async () => [
      {
        name: 'dev',
        uiUrl: 'https://argocd-dev.example.com',
        status: 'ok' as const,
        fetchedAt: '2026-11-22T04:00:00Z',
        clusters: [
          {
            name: 'in-cluster',
            server: 'https://kubernetes.default.svc',
            serverVersion: '1.30',
            connectionState: 'Successful',
          },
        ],
      },
    ]),
  });
}

const allow = {
  authorize: jest.fn(async () => ({ result: AuthorizeResult.ALLOW })),
};

function mount(element: JSX.Element, datastack = api(), url = '/') {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [datastackApiRef, datastack],
        [permissionApiRef, allow as any],
      ]}
    >
      {element}
    </TestApiProvider>,
    {
      routeEntries: [url],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}

describe('@datastack/plugin-datastack/legacy in a legacy app', () => {
  it('exports the legacy plugin under the id the backend and the new system use', () => {
    expect(datastackPlugin.getId()).toBe('datastack');
    expect(Object.keys(legacy).sort()).toEqual([
      'DatastackArgoCdInstancePickerFieldExtension',
      'DatastackClusterPickerFieldExtension',
      'DatastackEnvironmentsSummaryFieldExtension',
      'DatastackPage',
      'DatastackSearchResultListItem',
      'DatastackSearchResultListItemExtension',
      'EntityDeploymentHealthCard',
      'EntityPipelineContent',
      'EntityUpgradesContent',
      'datastackApiRef',
      'datastackPlugin',
      'isDatastackAvailable',
      'isDatastackPipeline',
    ]);
  });

  it('mounts DatastackPage as a routable page', async () => {
    const datastack = api();
    await mount(
      <Routes>
        <Route path="/datastack/*" element={<DatastackPage />} />
      </Routes>,
      datastack,
      '/datastack',
    );
    expect(
      await screen.findByRole('tab', { name: 'Components' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('Trino')).toBeInTheDocument();
    expect(datastack.listComponents).toHaveBeenCalled();
  });

  it('mounts EntityDeploymentHealthCard on a component entity', async () => {
    const datastack = api();
    await mount(
      <EntityProvider entity={kafka}>
        <EntityDeploymentHealthCard />
      </EntityProvider>,
      datastack,
    );
    expect(await screen.findByText('orders-kafka-dev')).toBeInTheDocument();
    expect(datastack.getEntityHealth).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'orders-kafka',
    });
  });

  it('mounts EntityUpgradesContent on a component entity', async () => {
    const datastack = api();
    await mount(
      <EntityProvider entity={kafka}>
        <EntityUpgradesContent />
      </EntityProvider>,
      datastack,
    );
    expect(
      await screen.findByText('Recommended: 0.49.1 · Latest: 1.2.0'),
    ).toBeInTheDocument();
  });

  it('mounts EntityPipelineContent on a pipeline System', async () => {
    const datastack = api();
    await mount(
      <EntityProvider entity={orders}>
        <EntityPipelineContent />
      </EntityProvider>,
      datastack,
    );
    expect(
      await screen.findByRole('table', {
        name: 'Components of orders by environment',
      }),
    ).toHaveTextContent('trino');
    expect(datastack.getFleet).toHaveBeenCalledWith(
      expect.objectContaining({ pipeline: 'orders' }),
    );
    expect(datastack.getPipelineUpgradePlan).toHaveBeenCalled();
  });

  it('registers the scaffolder fields under their ui:field names, each picker rendering its choices', async () => {
    function Fields() {
      const fields = useCustomFieldExtensions<FieldExtensionOptions>(
        <ScaffolderFieldExtensions>
          <DatastackArgoCdInstancePickerFieldExtension />
          <DatastackClusterPickerFieldExtension />
          <DatastackEnvironmentsSummaryFieldExtension />
        </ScaffolderFieldExtensions>,
      );
      return (
        <>
          {fields.map(({ name, component: Field }) => (
            <section key={name} aria-label={name}>
              <Field
                {...({
                  onChange: () => {},
                  formData: '',
                  schema: { title: name },
                  required: true,
                  rawErrors: [],
                  idSchema: { $id: `root_${name}` },
                  uiSchema: {},
                } as any)}
              />
            </section>
          ))}
        </>
      );
    }
    await mount(<Fields />);
    // The summary holds the review's lines and shows nothing in the form.
    expect(
      screen.getByRole('region', { name: 'DatastackEnvironmentsSummary' }),
    ).toBeEmptyDOMElement();
    expect(
      screen.getByRole('region', { name: 'DatastackArgoCdInstancePicker' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('region', { name: 'DatastackClusterPicker' }),
    ).toBeInTheDocument();
    fireEvent.mouseDown(
      within(
        screen.getByRole('region', { name: 'DatastackArgoCdInstancePicker' }),
      ).getByRole('textbox'),
    );
    expect(
      await screen.findByText('dev (https://argocd-dev.example.com)'),
    ).toBeInTheDocument();
  });

  it('mounts DatastackSearchResultListItemExtension for a datastack-component result', async () => {
    const trino: DatastackComponentSearchDocument = {
      title: 'Trino',
      text: 'Distributed SQL query engine for big data.',
      location:
        '/catalog/default/component/datastack-trino#datastack-component',
      componentId: 'trino',
      layer: 'store',
      chart: 'trino',
      chartVersion: '1.42.2',
      appVersion: '480',
      deployedVersions: ['1.42.2'],
      environments: ['dev'],
      owners: ['group:default/orders-team'],
      pipelines: ['orders'],
    };
    await mount(<DatastackSearchResultListItemExtension result={trino} />);
    expect(await screen.findByRole('link', { name: 'Trino' })).toHaveAttribute(
      'href',
      '/catalog/default/component/datastack-trino#datastack-component',
    );
  });
});
