import {
  ROLLUP_ORDER,
  datastackApplicationSyncPermission,
  datastackClusterReadPermission,
  datastackFleetReadPermission,
  datastackHealthReadPermission,
} from '@datastack/plugin-datastack-common';
import type express from 'express';
import { z } from 'zod';
import type { ArgoCdInstancesService } from '../services/ArgoCdInstancesService';
import type { ClusterHealthService } from '../services/clusters/ClusterHealthService';
import type { EntityHealthService } from '../services/health/EntityHealthService';
import type { FleetService } from '../services/health/FleetService';
import type { SyncService } from '../services/health/SyncService';
import type { LiveInventory } from '../services/inventory/LiveInventory';
import type { CatalogEntities } from '../services/CatalogEntities';
import {
  Authorizers,
  entityParams,
  entityPart,
  parse,
  sendPrepared,
} from './common';

const applicationParams = entityParams.extend({
  instance: entityPart,
  application: entityPart,
  action: z.enum(['sync', 'refresh']),
});
const applicationQuery = z
  .object({ appNamespace: entityPart.optional() })
  .strict();
const fleetQuery = z
  .object({
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    component: entityPart.optional(),
    environment: entityPart.optional(),
    pipeline: entityPart.optional(),
    status: z.enum(ROLLUP_ORDER).optional(),
    owner: z
      .string()
      .regex(
        /^[a-z0-9._-]+:[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/i,
        'must be an entity ref such as group:default/team-a',
      )
      .optional(),
  })
  .strict();

export interface HealthRoutesOptions {
  auth: Authorizers;
  health: EntityHealthService;
  sync: SyncService;
  fleet: FleetService;
  clusters: ClusterHealthService;
  instances: ArgoCdInstancesService;
  /** Undefined when `datastack.inventory.enabled` is false. */
  inventory?: LiveInventory;
  entities: CatalogEntities;
}

/** Deployment health: an entity's, the fleet's, the clusters'; sync and refresh. */
export function addHealthRoutes(
  router: express.Router,
  options: HealthRoutesOptions,
) {
  const { auth } = options;

  /**
   * Deployment health of one entity: a row per Argo CD instance, each
   * Application with sync, health, operation, version, images, failing
   * resources and data-stack findings.
   */
  router.get('/health/entity/:namespace/:kind/:name', async (req, res) => {
    const entity = await auth.authorizedEntity(
      req,
      parse(entityParams, req.params, 'path parameter'),
      datastackHealthReadPermission,
      'read the health of',
    );
    sendPrepared(req, res, await options.health.prepared(entity));
  });

  /**
   * Sync or refresh one Application of an entity, behind the write
   * permission, audited, and only when the Application's own metadata names
   * the entity.
   */
  router.post(
    '/health/entity/:namespace/:kind/:name/applications/:instance/:application/:action',
    async (req, res) => {
      const params = parse(applicationParams, req.params, 'path parameter');
      const query = parse(applicationQuery, req.query, 'query parameter');
      const entity = await auth.authorizedEntity(
        req,
        params,
        datastackApplicationSyncPermission,
        'sync the Applications of',
      );
      res.json(
        await options.sync.act(
          entity,
          {
            instance: params.instance,
            application: params.application,
            action: params.action,
            appNamespace: query.appNamespace,
          },
          { request: req },
        ),
      );
    },
  );

  /**
   * Cluster health: every configured Kubernetes cluster (version, nodes,
   * when last seen) and every Argo CD instance with the clusters it reports.
   */
  router.get('/health/clusters', async (req, res) => {
    await auth.authorizeBasic(
      req,
      datastackClusterReadPermission,
      'read cluster health',
    );
    const [clusters, argocd] = await Promise.all([
      options.clusters.list(),
      options.instances.list(),
    ]);
    res.json({ clusters, argocd });
  });

  /** Every data-stack component × environment, a page at a time. */
  router.get('/health/fleet', async (req, res) => {
    const query = parse(fleetQuery, req.query, 'query parameter');
    await auth.authorizeBasic(
      req,
      datastackFleetReadPermission,
      'read the fleet',
    );
    res.json(await options.fleet.page(query));
  });

  /**
   * Where the live inventory of each Argo CD instance stands, and this
   * replica's copy of the catalog's Datastack entities.
   */
  router.get('/health/inventory', async (req, res) => {
    await auth.authorizeBasic(
      req,
      datastackFleetReadPermission,
      'read the fleet',
    );
    const copy = options.entities.snapshotState();
    res.json({
      enabled: Boolean(options.inventory),
      instances: options.inventory?.states() ?? [],
      catalog: copy ? { enabled: true, ...copy } : { enabled: false },
    });
  });
}
