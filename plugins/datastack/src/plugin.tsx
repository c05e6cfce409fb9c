import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
  EntityContentLayoutBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import {
  isDatastackAvailable,
  isDatastackPipeline,
} from '@datastack/plugin-datastack-common';
import StorageIcon from '@material-ui/icons/Storage';
import { datastackApiRef } from './api/DatastackApi';
import { DatastackClient } from './api/DatastackClient';
import { rootRouteRef } from './routes';
import {
  datastackSearchResultListItem,
  datastackSearchResultType,
} from './search/extensions';

const datastackApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: datastackApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DatastackClient({ discoveryApi, fetchApi }),
    }),
});

const datastackPage = PageBlueprint.make({
  params: {
    path: '/datastack',
    title: 'Data platform',
    icon: <StorageIcon />,
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/PlatformPage').then(m => <m.PlatformPage />),
  },
});

const deploymentHealthCard = EntityCardBlueprint.make({
  name: 'deployment-health',
  params: {
    filter: isDatastackAvailable,
    loader: () =>
      import('./components/DeploymentHealthCard').then(m => (
        <m.DeploymentHealthCard />
      )),
  },
});

/**
 * The Overview of Datastack entities: Deployment health full width at the
 * top, the other cards below as the default layout has them.
 * `entity-content-layout:datastack/overview`.
 */
const overviewLayout = EntityContentLayoutBlueprint.make({
  name: 'overview',
  params: {
    filter: isDatastackAvailable,
    loader: () =>
      import('./components/OverviewLayout').then(
        m => m.DatastackOverviewLayout,
      ),
  },
});

/** Entity content "Upgrades" of a data-stack component: `entity-content:datastack/upgrades`. */
const upgradesContent = EntityContentBlueprint.make({
  name: 'upgrades',
  params: {
    path: 'upgrades',
    title: 'Upgrades',
    filter: isDatastackAvailable,
    loader: () =>
      import('./components/UpgradesContent').then(m => <m.UpgradesContent />),
  },
});

/** Entity content "Pipeline" of a pipeline's System: `entity-content:datastack/pipeline`. */
const pipelineContent = EntityContentBlueprint.make({
  name: 'pipeline',
  params: {
    path: 'pipeline',
    title: 'Pipeline',
    filter: isDatastackPipeline,
    loader: () =>
      import('./components/PipelineContent').then(m => <m.PipelineContent />),
  },
});

const argoCdInstancePicker = FormFieldBlueprint.make({
  name: 'argocd-instance-picker',
  params: {
    field: () =>
      import('./components/fields').then(m => m.argoCdInstancePickerField),
  },
});

const clusterPicker = FormFieldBlueprint.make({
  name: 'cluster-picker',
  params: {
    field: () => import('./components/fields').then(m => m.clusterPickerField),
  },
});

/** The readable environments of the templates' review step. */
const environmentsSummary = FormFieldBlueprint.make({
  name: 'environments-summary',
  params: {
    field: () =>
      import('./components/fields').then(m => m.environmentsSummaryField),
  },
});

/** The Datastack plugin for the new frontend system. */
export default createFrontendPlugin({
  pluginId: 'datastack',
  title: 'Data platform',
  icon: <StorageIcon />,
  extensions: [
    datastackApi,
    deploymentHealthCard,
    overviewLayout,
    upgradesContent,
    pipelineContent,
    datastackPage,
    argoCdInstancePicker,
    clusterPicker,
    environmentsSummary,
    datastackSearchResultListItem,
    datastackSearchResultType,
  ],
  routes: { root: rootRouteRef },
});
