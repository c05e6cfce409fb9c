import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import StorageIcon from '@material-ui/icons/Storage';
import { datastackApiRef } from './api/DatastackApi';
import { DatastackClient } from './api/DatastackClient';
import { rootRouteRef } from './routes';

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

/** The Datastack plugin for the new frontend system. */
export default createFrontendPlugin({
  pluginId: 'datastack',
  title: 'Data platform',
  icon: <StorageIcon />,
  extensions: [datastackApi, datastackPage],
  routes: { root: rootRouteRef },
});

export { datastackApiRef };
