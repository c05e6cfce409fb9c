import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { datastackPermissions } from '@datastack/plugin-datastack-common';
import {
  loadComponentRegistry,
  readArgoCdConfig,
  readTimeout,
} from '@datastack/plugin-datastack-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { createRouter } from './router';
import { EntityHealthService } from './services/health/EntityHealthService';
import { FleetService } from './services/health/FleetService';
import { ClusterHealthService } from './services/clusters/ClusterHealthService';
import { readKubernetesClusters } from './services/clusters/KubernetesClusters';
import { ArgoCdInstancesService } from './services/ArgoCdInstancesService';

/**
 * The Datastack backend plugin: deployment health across Argo CD instances
 * and Kubernetes clusters, and upgrade compatibility of data-stack components.
 * It only wires core services to the service classes that hold the logic.
 */
export const datastackPlugin = createBackendPlugin({
  pluginId: 'datastack',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        auditor: coreServices.auditor,
        cache: coreServices.cache,
        catalog: catalogServiceRef,
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({
        config,
        auditor,
        cache,
        catalog,
        logger,
        httpAuth,
        httpRouter,
        permissions,
        permissionsRegistry,
      }) {
        // These throw naming the key at fault: bad configuration fails start-up.
        const argocd = readArgoCdConfig(config);
        const registry = loadComponentRegistry(config);
        const cacheTtlMs = readTimeout(
          config,
          'datastack.health.cacheTtlMs',
          15_000,
        );

        permissionsRegistry.addPermissions(datastackPermissions);
        const clusters = new ClusterHealthService({
          clusters: readKubernetesClusters(config),
          cache,
          logger,
          timeoutMs: argocd.requestTimeoutMs,
        });
        const instances = ArgoCdInstancesService.create({
          config: argocd,
          logger,
        });

        httpRouter.use(
          await createRouter({
            status: async () => ({
              status: 'ok',
              argocdInstances: argocd.instances.map(i => i.name),
              components: registry.list().map(c => c.id),
            }),
            registry,
            instances,
            health: EntityHealthService.create({
              clients: instances.clients(),
              registry,
              cache,
              logger,
              cacheTtlMs,
              workloads: selector => clusters.workloads(selector),
            }),
            fleet: FleetService.create({
              clients: instances.clients(),
              registry,
              cache,
              logger,
              cacheTtlMs,
            }),
            clusters,
            catalog,
            auditor,
            httpAuth,
            permissions,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/status', allow: 'unauthenticated' });
      },
    });
  },
});
