import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  loadComponentRegistry,
  readArgoCdConfig,
} from '@datastack/plugin-datastack-node';
import { createRenderAction } from './actions/render';

/**
 * The Datastack scaffolder actions: `datastack:gitops:render`,
 * `datastack:gitops:publish` and `datastack:argocd:apply`.
 */
export const scaffolderModuleDatastack = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'datastack',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        scaffolder: scaffolderActionsExtensionPoint,
      },
      async init({ config, scaffolder }) {
        const registry = loadComponentRegistry(config);
        const argocd = readArgoCdConfig(config);
        scaffolder.addActions(
          createRenderAction({
            registry,
            argocdInstances: argocd.instances.map(i => i.name),
          }),
        );
      },
    });
  },
});
