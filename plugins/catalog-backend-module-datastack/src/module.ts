import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { loadComponentRegistry } from '@datastack/plugin-datastack-node';
import { DatastackComponentProvider } from './DatastackComponentProvider';

/**
 * Catalog module of Datastack: the component registry as catalog entities.
 *
 * @public
 */
export const catalogModuleDatastack = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'datastack',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        catalog: catalogProcessingExtensionPoint,
      },
      async init({ config, catalog }) {
        catalog.addEntityProvider(
          new DatastackComponentProvider({
            registry: loadComponentRegistry(config),
            owner:
              config.getOptionalString('datastack.catalog.owner') ??
              'group:default/platform-team',
          }),
        );
      },
    });
  },
});
