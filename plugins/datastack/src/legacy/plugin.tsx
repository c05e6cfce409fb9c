import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { datastackApiRef } from '../api/DatastackApi';
import {
  ArgoCdInstancePicker,
  ClusterPicker,
} from '../components/fields/ArgoCdPickers';
import { EnvironmentsSummaryField } from '../components/fields/EnvironmentsSummary';
import { DatastackClient } from '../api/DatastackClient';
import { rootRouteRef } from '../routes';
import { createSearchResultListItemExtension } from '@backstage/plugin-search-react';
import { DATASTACK_COMPONENT_RESULT_TYPE } from '../search/resultType';

/**
 * The Datastack plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const datastackPlugin = createPlugin({
  id: 'datastack',
  apis: [
    createApiFactory({
      api: datastackApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DatastackClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/**
 * The data platform page, for `<Route path="/datastack" element={<DatastackPage />} />`.
 *
 * @public
 */
export const DatastackPage: () => JSX.Element = datastackPlugin.provide(
  createRoutableExtension({
    name: 'DatastackPage',
    component: () =>
      import('../components/PlatformPage').then(m => m.PlatformPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * Scaffolder field `DatastackArgoCdInstancePicker`, for `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const DatastackArgoCdInstancePickerFieldExtension =
  datastackPlugin.provide(
    createScaffolderFieldExtension({
      name: 'DatastackArgoCdInstancePicker',
      component: ArgoCdInstancePicker,
    }),
  );

/**
 * Scaffolder field `DatastackClusterPicker`, for `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const DatastackClusterPickerFieldExtension = datastackPlugin.provide(
  createScaffolderFieldExtension({
    name: 'DatastackClusterPicker',
    component: ClusterPicker,
  }),
);

/**
 * Scaffolder field `DatastackEnvironmentsSummary` (the readable environments
 * of the review step), for `<ScaffolderFieldExtensions>`.
 *
 * @public
 */
export const DatastackEnvironmentsSummaryFieldExtension =
  datastackPlugin.provide(
    createScaffolderFieldExtension({
      name: 'DatastackEnvironmentsSummary',
      component: EnvironmentsSummaryField,
    }),
  );

/**
 * Entity card "Deployment health", for `<EntitySwitch.Case if={isDatastackAvailable}>`.
 *
 * @public
 */
export const EntityDeploymentHealthCard: () => JSX.Element =
  datastackPlugin.provide(
    createComponentExtension({
      name: 'EntityDeploymentHealthCard',
      component: {
        lazy: () =>
          import('../components/DeploymentHealthCard').then(
            m => m.DeploymentHealthCard,
          ),
      },
    }),
  );

/**
 * Entity content "Upgrades" of a data-stack component, for
 * `<EntityLayout.Route path="/upgrades" title="Upgrades" if={isDatastackAvailable}>`.
 *
 * @public
 */
export const EntityUpgradesContent: () => JSX.Element = datastackPlugin.provide(
  createComponentExtension({
    name: 'EntityUpgradesContent',
    component: {
      lazy: () =>
        import('../components/UpgradesContent').then(m => m.UpgradesContent),
    },
  }),
);

/**
 * Entity content "Pipeline" of a pipeline's System, for
 * `<EntityLayout.Route path="/pipeline" title="Pipeline" if={isDatastackPipeline}>`.
 *
 * @public
 */
export const EntityPipelineContent: () => JSX.Element = datastackPlugin.provide(
  createComponentExtension({
    name: 'EntityPipelineContent',
    component: {
      lazy: () =>
        import('../components/PipelineContent').then(m => m.PipelineContent),
    },
  }),
);

/**
 * Search result item of `datastack-component` documents, for the legacy
 * search page: `<SearchResult><DatastackSearchResultListItemExtension /></SearchResult>`.
 *
 * @public
 */
export const DatastackSearchResultListItemExtension = datastackPlugin.provide(
  createSearchResultListItemExtension({
    name: 'DatastackSearchResultListItem',
    component: () =>
      import('../search/DatastackSearchResultListItem').then(
        m => m.DatastackSearchResultListItem,
      ),
    predicate: result => result.type === DATASTACK_COMPONENT_RESULT_TYPE,
  }),
);
