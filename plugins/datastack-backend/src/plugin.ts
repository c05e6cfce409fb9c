import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { datastackPermissions } from '@datastack/plugin-datastack-common';
import {
  loadComponentRegistry,
  readArgoCdConfig,
  DatastackConfigError,
  readTimeout,
  ChartBumper,
  GitHostPolicy,
  LocalGitRepositories,
} from '@datastack/plugin-datastack-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { createRouter } from './router';
import { CatalogEntities } from './services/CatalogEntities';
import { CatalogSnapshot } from './services/CatalogSnapshot';
import { PermissionDecisions } from './services/PermissionDecisions';
import { PlatformOperatorsService } from './services/platform/PlatformOperatorsService';
import { EntityHealthService } from './services/health/EntityHealthService';
import { FleetService } from './services/health/FleetService';
import { DEFAULT_PROGRESS_DEADLINE_MS } from './services/health/applicationHealth';
import { ClusterHealthService } from './services/clusters/ClusterHealthService';
import { ArgoCdInstancesService } from './services/ArgoCdInstancesService';
import { ScmIntegrations } from '@backstage/integration';
import { readUpgradesConfig } from './services/upgrades/config';
import { ChartRepositoryClient } from './services/upgrades/ChartRepositoryClient';
import { ChartVersionStore } from './services/upgrades/ChartVersionStore';
import { ChartVersionsService } from './services/upgrades/ChartVersionsService';
import { ChartValuesService } from './services/upgrades/ChartValuesService';
import { DeploymentInventory } from './services/upgrades/DeploymentInventory';
import { UpgradeService } from './services/upgrades/UpgradeService';
import { ProposeService } from './services/upgrades/ProposeService';
import { SyncService } from './services/health/SyncService';
import { catalogOwners } from './services/health/catalogOwners';
import { commitUrl } from './services/scm';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { migrateDatabase } from './services/database';
import { readInventoryConfig } from './services/inventory/config';
import { startInventory } from './services/inventory/startInventory';

/**
 * The Datastack backend plugin: deployment health across Argo CD instances
 * and Kubernetes clusters, and upgrade compatibility of data-stack components.
 * It only wires core services to the service classes that hold the logic.
 *
 * @public
 */
export const datastackPlugin = createBackendPlugin({
  pluginId: 'datastack',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        auditor: coreServices.auditor,
        cache: coreServices.cache,
        catalog: catalogServiceRef,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        urlReader: coreServices.urlReader,
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        signals: signalsServiceRef,
      },
      async init({
        config,
        auth,
        auditor,
        cache,
        catalog,
        database,
        scheduler,
        urlReader,
        logger,
        httpAuth,
        httpRouter,
        permissions,
        permissionsRegistry,
        lifecycle,
        signals,
      }) {
        // These throw naming the key at fault: bad configuration fails start-up.
        const argocd = readArgoCdConfig(config);
        const registry = loadComponentRegistry(config);
        const cacheTtlMs = readTimeout(
          config,
          'datastack.health.cacheTtlMs',
          15_000,
        );

        const progressDeadlineMs =
          config.getOptionalNumber('datastack.health.progressDeadlineMs') ??
          DEFAULT_PROGRESS_DEADLINE_MS;
        if (
          !Number.isInteger(progressDeadlineMs) ||
          progressDeadlineMs < 0 ||
          progressDeadlineMs > 86_400_000
        ) {
          throw new DatastackConfigError(
            'datastack.health.progressDeadlineMs',
            'must be a whole number of milliseconds between 0 and 86400000',
          );
        }

        const upgradesConfig = readUpgradesConfig(config);
        const inventoryConfig = readInventoryConfig(config);
        const integrations = ScmIntegrations.fromConfig(config);

        permissionsRegistry.addPermissions(datastackPermissions);
        const clusters = ClusterHealthService.create({
          config,
          catalog,
          auth,
          cache,
          logger,
          cacheTtlMs,
        });
        const instances = ArgoCdInstancesService.create({
          config: argocd,
          logger,
        });

        const chartClient = new ChartRepositoryClient({
          repositories: upgradesConfig.repositories,
          timeoutMs: upgradesConfig.requestTimeoutMs,
          maxIndexBytes: upgradesConfig.maxIndexBytes,
          maxArchiveBytes: upgradesConfig.maxArchiveBytes,
          ociMaxVersions: upgradesConfig.ociMaxVersions,
          maxYamlAliases: upgradesConfig.maxYamlAliases,
          concurrency: upgradesConfig.concurrency,
        });
        const db = await migrateDatabase(database);
        const chartStore = new ChartVersionStore(db);
        const inventory = startInventory({
          db,
          clients: instances.clients(),
          config: inventoryConfig,
          logger,
          lifecycle,
          signals,
        });
        const chartVersions = ChartVersionsService.create({
          registry,
          client: chartClient,
          store: chartStore,
          logger,
        });
        await chartVersions.schedule(scheduler, upgradesConfig.refreshMinutes);
        const snapshot = CatalogSnapshot.fromConfig(config, {
          catalog,
          auth,
          logger,
        });
        await snapshot?.schedule(scheduler);
        const upgrades = UpgradeService.create({
          registry,
          inventory: DeploymentInventory.create({
            clients: instances.clients(),
            registry,
            cache,
            logger,
            cacheTtlMs,
            kubernetesClusters: () => clusters.list(),
            inventory,
          }),
          versions: chartVersions,
          values: new ChartValuesService({
            client: chartClient,
            store: chartStore,
            urlReader,
            integrations,
            logger,
            ttlMs: upgradesConfig.cacheTtlMs,
            maxValuesBytes: upgradesConfig.maxValuesBytes,
            // A .tgz may inflate to at most 16 times its own limit.
            maxInflatedBytes: 16 * upgradesConfig.maxArchiveBytes,
            maxYamlAliases: upgradesConfig.maxYamlAliases,
          }),
          maxCandidates: upgradesConfig.maxCandidates,
        });

        const health = EntityHealthService.create({
          clients: instances.clients(),
          registry,
          cache,
          logger,
          cacheTtlMs,
          progressDeadlineMs,
          workloads: selector => clusters.workloads(selector),
          commitUrl: (repoURL, sha) => commitUrl(integrations, repoURL, sha),
          inventory,
        });
        const hosts = new GitHostPolicy({
          integrations,
          repositories: LocalGitRepositories.enabledFromConfig(config),
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
            health,
            sync: SyncService.create({ health, auditor, logger }),
            fleet: FleetService.create({
              clients: instances.clients(),
              registry,
              cache,
              logger,
              cacheTtlMs,
              progressDeadlineMs,
              owners: catalogOwners({ catalog, auth, cacheTtlMs }),
              inventory,
            }),
            clusters,
            upgrades,
            propose: ProposeService.create({
              catalog,
              permissions,
              auditor,
              logger,
              chartVersions,
              bumper: ChartBumper.fromConfig(config, { logger }),
              hosts,
              valuesDiff: (entity, query) => upgrades.valuesDiff(entity, query),
            }),
            chartVersions,
            platformOperators: PlatformOperatorsService.create({
              clients: instances.clients(),
              registry,
              cache,
              logger,
              cacheTtlMs,
              progressDeadlineMs,
              inventory,
            }),
            entities: CatalogEntities.fromConfig(config, {
              catalog,
              auth,
              cache,
              snapshot,
            }),
            httpAuth,
            decisions: PermissionDecisions.fromConfig(config, permissions),
            inventory,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/status', allow: 'unauthenticated' });
      },
    });
  },
});
