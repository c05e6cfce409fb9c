import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { loadComponentRegistry } from '@datastack/plugin-datastack-node';
import { DatastackComponentCollatorFactory } from './DatastackComponentCollatorFactory';
import { DatastackFleetReader } from './DatastackFleetReader';
import { OfferingDocumentFilter } from './OfferingDocumentFilter';
import {
  readDatastackCollatorSchedule,
  readFleetRequestTimeoutMs,
} from './config';

/**
 * Search module of Datastack: the registry's data-stack components as
 * `datastack-component` documents, with where they run, rebuilt on the
 * schedule at `search.collators.datastack.schedule`. The catalog collator's
 * documents of the same offering entities are left out, so each component
 * is found once.
 *
 * @public
 */
export const searchModuleDatastackCollator = createBackendModule({
  pluginId: 'search',
  moduleId: 'datastack-collator',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
        indexRegistry: searchIndexRegistryExtensionPoint,
      },
      async init({
        config,
        auth,
        discovery,
        logger,
        scheduler,
        catalog,
        indexRegistry,
      }) {
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(
            readDatastackCollatorSchedule(config),
          ),
          factory: DatastackComponentCollatorFactory.create({
            registry: loadComponentRegistry(config),
            fleet: new DatastackFleetReader({
              discovery,
              auth,
              timeoutMs: readFleetRequestTimeoutMs(config),
            }),
            catalog,
            auth,
            logger,
          }),
        });
        // The datastack-component document replaces the catalog's document
        // of the same offering entity.
        indexRegistry.addDecorator({ factory: new OfferingDocumentFilter() });
      },
    });
  },
});
