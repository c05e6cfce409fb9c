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
import { DatastackClient } from '../api/DatastackClient';
import { rootRouteRef } from '../routes';
import { createSearchResultListItemExtension } from '@backstage/plugin-search-react';
import { DATASTACK_COMPONENT_RESULT_TYPE } from '../search/resultType';

/** The Datastack plugin for apps on the legacy frontend system. */
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

/** The data platform page, for `<Route path="/datastack" element={<DatastackPage />} />`. */
export const DatastackPage = datastackPlugin.provide(
  createRoutableExtension({
    name: 'DatastackPage',
    component: () =>
      import('../components/PlatformPage').then(m => m.PlatformPage),
    mountPoint: rootRouteRef,
  }),
);

/** Scaffolder field `DatastackArgoCdInstancePicker`, for `<ScaffolderFieldExtensions>`. */
export const DatastackArgoCdInstancePickerFieldExtension =
  datastackPlugin.provide(
    createScaffolderFieldExtension({
      name: 'DatastackArgoCdInstancePicker',
      component: ArgoCdInstancePicker,
    }),
  );

/** Scaffolder field `DatastackClusterPicker`, for `<ScaffolderFieldExtensions>`. */
export const DatastackClusterPickerFieldExtension = datastackPlugin.provide(
  createScaffolderFieldExtension({
    name: 'DatastackClusterPicker',
    component: ClusterPicker,
  }),
);

/** Entity card "Deployment health", for `<EntitySwitch.Case if={isDatastackAvailable}>`. */
export const EntityDeploymentHealthCard = datastackPlugin.provide(
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
 */
export const EntityUpgradesContent = datastackPlugin.provide(
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
 */
export const EntityPipelineContent = datastackPlugin.provide(
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
