import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ComponentRegistry,
  DatastackStatus,
  datastackClusterReadPermission,
} from '@datastack/plugin-datastack-common';
import express from 'express';
import Router from 'express-promise-router';
import type { ArgoCdInstancesService } from './services/ArgoCdInstancesService';

export interface RouterOptions {
  /** Answers the readiness route. */
  status: () => Promise<DatastackStatus>;
  /** The component registry, with app-config overrides applied. */
  registry: ComponentRegistry;
  instances: ArgoCdInstancesService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
}

/**
 * The Datastack HTTP API. Routes only parse and authorise; the answers come
 * from the service classes handed in.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

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
    const credentials = await options.httpAuth.credentials(req);
    const [decision] = await options.permissions.authorize(
      [{ permission: datastackClusterReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('Not allowed to read Argo CD instances');
    }
    res.json({ items: await options.instances.list() });
  });

  return router;
}
