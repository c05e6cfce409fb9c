import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ScmIntegrations } from '@backstage/integration';
import {
  ArgoCdClient,
  ChartBumper,
  GitHostPolicy,
  LocalGitRepositories,
  loadComponentRegistry,
  readArgoCdConfig,
  readTenancyConfig,
} from '@datastack/plugin-datastack-node';
import { createApplyAction } from './actions/apply';
import { createBumpAction } from './actions/bump';
import { createPublishAction } from './actions/publish';
import { createRenderAction } from './actions/render';
import { createPlatformRenderAction } from './actions/platformRender';
import { createPreflightAction } from './actions/preflight';
import { OwnershipGuard } from './tenancy/OwnershipGuard';

/**
 * The Datastack scaffolder actions: `datastack:gitops:render`,
 * `datastack:gitops:publish`, `datastack:argocd:apply`,
 * `datastack:gitops:bump` and `datastack:platform:render`.
 *
 * @public
 */
export const scaffolderModuleDatastack = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'datastack',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        catalog: catalogServiceRef,
        scaffolder: scaffolderActionsExtensionPoint,
      },
      async init({ config, userInfo, permissions, catalog, scaffolder }) {
        const registry = loadComponentRegistry(config);
        const argocd = readArgoCdConfig(config);
        const repositories = LocalGitRepositories.enabledFromConfig(config);
        const integrations = ScmIntegrations.fromConfig(config);
        const gitHosts = new GitHostPolicy({ integrations, repositories });
        const tenancy = readTenancyConfig(config);
        const guard = new OwnershipGuard({
          userInfo,
          adminGroups: tenancy.adminGroups,
        });
        const clients = new Map(
          argocd.instances.map(instance => [
            instance.name,
            new ArgoCdClient({
              instance,
              timeoutMs: argocd.requestTimeoutMs,
              maxResponseBytes: argocd.maxResponseBytes,
            }),
          ]),
        );
        scaffolder.addActions(
          createRenderAction({
            registry,
            argocdInstances: argocd.instances.map(i => i.name),
            gitHosts,
            naming: tenancy,
          }),
          createPlatformRenderAction({
            registry,
            argocdInstances: argocd.instances.map(i => i.name),
            gitHosts,
            naming: tenancy,
            permissions,
          }),
          createPublishAction({
            integrations,
            repositories,
            config,
            gitHosts,
            guard,
          }),
          createPreflightAction({
            registry,
            catalog,
            clients,
            guard,
            createProjects: tenancy.createProjects,
          }),
          createApplyAction({
            clients,
            guard,
            createProjects: tenancy.createProjects,
          }),
          // The action logs through each task's ctx.logger.
          createBumpAction({
            bumper: ChartBumper.fromConfig(config),
            catalog,
            guard,
            gitHosts,
          }),
        );
      },
    });
  },
});
