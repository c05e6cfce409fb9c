import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { z } from 'zod';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ComponentRegistry,
  DatastackStatus,
  datastackClusterReadPermission,
  datastackHealthReadPermission,
} from '@datastack/plugin-datastack-common';
import express from 'express';
import Router from 'express-promise-router';
import type { ArgoCdInstancesService } from './services/ArgoCdInstancesService';
import type { EntityHealthService } from './services/health/EntityHealthService';

const entityPart = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be an entity name part');
const entityParams = z.object({
  namespace: entityPart,
  kind: entityPart,
  name: entityPart,
});

export interface RouterOptions {
  /** Answers the readiness route. */
  status: () => Promise<DatastackStatus>;
  /** The component registry, with app-config overrides applied. */
  registry: ComponentRegistry;
  instances: ArgoCdInstancesService;
  health: EntityHealthService;
  catalog: CatalogService;
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

  /**
   * Deployment health of one entity: a row per Argo CD instance, each
   * Application with sync, health, operation, version, images, failing
   * resources and data-stack findings.
   */
  router.get('/health/entity/:namespace/:kind/:name', async (req, res) => {
    const parsed = entityParams.safeParse(req.params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(`${issue.path.join('.')} ${issue.message}`);
    }
    const { namespace, kind, name } = parsed.data;
    const credentials = await options.httpAuth.credentials(req);
    const entityRef = stringifyEntityRef({ kind, namespace, name });
    const [decision] = await options.permissions.authorize(
      [{ permission: datastackHealthReadPermission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to read the health of ${entityRef}`,
      );
    }
    const entity = await options.catalog.getEntityByRef(entityRef, {
      credentials,
    });
    if (!entity) {
      throw new NotFoundError(`No entity ${entityRef} in the catalog`);
    }
    res.json(await options.health.forEntity(entity));
  });

  return router;
}
