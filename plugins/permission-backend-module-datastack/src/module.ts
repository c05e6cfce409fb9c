import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { readTenancyConfig } from '@datastack/plugin-datastack-node';
import { DatastackPermissionPolicy } from './DatastackPermissionPolicy';

/**
 * Installs Datastack's permission policy in the permission backend. The
 * admin groups come from `datastack.tenancy.adminGroups`; a value that is
 * not a group entity reference fails start-up naming the key.
 *
 * @public
 */
export const permissionModuleDatastackPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'datastack-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ policy, config, logger }) {
        const { adminGroups } = readTenancyConfig(config);
        if (adminGroups.length === 0) {
          logger.warn(
            'No datastack.tenancy.adminGroups: nobody may manage the platform layer or act on entities they do not own',
          );
        } else {
          logger.info('Datastack permission policy', { adminGroups });
        }
        policy.setPolicy(new DatastackPermissionPolicy({ adminGroups }));
      },
    });
  },
});
