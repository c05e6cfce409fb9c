import type { HttpAuthService } from '@backstage/backend-plugin-api';
import type {
  ComponentRegistry,
  DatastackStatus,
} from '@datastack/plugin-datastack-common';
import type express from 'express';
import Router from 'express-promise-router';
import { authorizers, jsonBody, revalidatedAnswers } from './routes/common';
import { addHealthRoutes } from './routes/health';
import {
  addPlatformOperatorsRoutes,
  addPlatformRoutes,
} from './routes/platform';
import { addUpgradeRoutes } from './routes/upgrades';
import type { ArgoCdInstancesService } from './services/ArgoCdInstancesService';
import type { CatalogEntities } from './services/CatalogEntities';
import type { LiveInventory } from './services/inventory/LiveInventory';
import type { PermissionDecisions } from './services/PermissionDecisions';
import type { ClusterHealthService } from './services/clusters/ClusterHealthService';
import type { EntityHealthService } from './services/health/EntityHealthService';
import type { FleetService } from './services/health/FleetService';
import type { SyncService } from './services/health/SyncService';
import type { ChartVersionsService } from './services/upgrades/ChartVersionsService';
import type { ProposeService } from './services/upgrades/ProposeService';
import type { UpgradeService } from './services/upgrades/UpgradeService';
import type { PlatformOperatorsService } from './services/platform/PlatformOperatorsService';

export interface RouterOptions {
  /** Answers the readiness route. */
  status: () => Promise<DatastackStatus>;
  /** The component registry, with app-config overrides applied. */
  registry: ComponentRegistry;
  instances: ArgoCdInstancesService;
  health: EntityHealthService;
  sync: SyncService;
  fleet: FleetService;
  clusters: ClusterHealthService;
  upgrades: UpgradeService;
  propose: ProposeService;
  chartVersions: ChartVersionsService;
  platformOperators: PlatformOperatorsService;
  entities: CatalogEntities;
  httpAuth: HttpAuthService;
  /** The permission framework's decisions, batched per tick and briefly reused for reads. */
  decisions: PermissionDecisions;
  /** The live inventory; undefined when `datastack.inventory.enabled` is false. */
  inventory?: LiveInventory;
}

/**
 * The Datastack HTTP API. It only wires: each module under `routes/`
 * parses, authorises and calls one service.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const router = Router();
  const auth = authorizers(options);
  router.use(...jsonBody());
  router.use(revalidatedAnswers());
  addPlatformRoutes(router, { auth, ...options });
  addPlatformOperatorsRoutes(router, {
    auth,
    operators: options.platformOperators,
  });
  addHealthRoutes(router, { auth, ...options });
  addUpgradeRoutes(router, { auth, ...options });
  return router;
}
