import {
  ComponentRegistry,
  DatastackStatus,
  datastackClusterReadPermission,
} from '@datastack/plugin-datastack-common';
import type express from 'express';
import type { ArgoCdInstancesService } from '../services/ArgoCdInstancesService';
import type { Authorizers } from './common';

export interface PlatformRoutesOptions {
  auth: Authorizers;
  /** Answers the readiness route. */
  status: () => Promise<DatastackStatus>;
  /** The component registry, with app-config overrides applied. */
  registry: ComponentRegistry;
  instances: ArgoCdInstancesService;
}

/** What the platform offers: readiness, the components, the Argo CD instances. */
export function addPlatformRoutes(
  router: express.Router,
  options: PlatformRoutesOptions,
) {
  /** Readiness: the plugin is up and knows its configuration. */
  router.get('/status', async (_req, res) => {
    res.json(await options.status());
  });

  /** The data-stack components the platform offers. */
  router.get('/components', async (_req, res) => {
    res.json({ items: options.registry.list() });
  });

  /**
   * The configured Argo CD instances and their clusters (for the template's
   * pickers and the cluster panel). Each instance is its own row: one that
   * fails says so without failing the answer.
   */
  router.get('/argocd/instances', async (req, res) => {
    await options.auth.authorizeBasic(
      req,
      datastackClusterReadPermission,
      'read Argo CD instances',
    );
    res.json({ items: await options.instances.list() });
  });
}
