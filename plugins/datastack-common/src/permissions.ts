import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The catalog's resource type: Datastack permissions on one entity use it.
 *
 * @public
 */
export const RESOURCE_TYPE_CATALOG_ENTITY = 'catalog-entity';

/**
 * Read the deployment health of one entity.
 *
 * @public
 */
export const datastackHealthReadPermission = createPermission({
  name: 'datastack.health.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Refresh or sync the Argo CD Applications of one entity.
 *
 * @public
 */
export const datastackApplicationSyncPermission = createPermission({
  name: 'datastack.application.sync',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read the upgrade compatibility of one entity.
 *
 * @public
 */
export const datastackUpgradeReadPermission = createPermission({
  name: 'datastack.upgrade.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Propose an upgrade of one entity (writes a branch to its GitOps repository).
 *
 * @public
 */
export const datastackUpgradeProposePermission = createPermission({
  name: 'datastack.upgrade.propose',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read the fleet view: every component in every environment.
 *
 * @public
 */
export const datastackFleetReadPermission = createPermission({
  name: 'datastack.fleet.read',
  attributes: { action: 'read' },
});

/**
 * Refetch one component's chart repository now, instead of at the next
 * scheduled refresh (and forget the values diffs that failed on it).
 *
 * @public
 */
export const datastackChartsRefreshPermission = createPermission({
  name: 'datastack.charts.refresh',
  attributes: { action: 'update' },
});

/**
 * Read cluster and Argo CD instance health.
 *
 * @public
 */
export const datastackClusterReadPermission = createPermission({
  name: 'datastack.cluster.read',
  attributes: { action: 'read' },
});

/**
 * Administer the platform layer: the operators installed once per cluster
 * and the platform AppProject. Only the platform-admin groups hold it.
 *
 * @public
 */
export const datastackPlatformManagePermission = createPermission({
  name: 'datastack.platform.manage',
  attributes: { action: 'update' },
});

/**
 * The tag that the "Platform operators" template puts on its parameters and
 * steps (`backstage:permissions: { tags: [datastack-platform] }`); the
 * policy hides what carries it from everyone outside the admin groups.
 *
 * @public
 */
export const DATASTACK_PLATFORM_TEMPLATE_TAG = 'datastack-platform';

/**
 * Every scaffolder action of the platform layer has an id with this prefix.
 *
 * @public
 */
export const DATASTACK_PLATFORM_ACTION_PREFIX = 'datastack:platform:';

/**
 * The scaffolder actions of the platform layer, which only the admin groups
 * may run. The scaffolder matches action ids exactly, so a new
 * `datastack:platform:*` action must be listed here.
 *
 * @public
 */
export const DATASTACK_PLATFORM_ACTION_IDS: readonly string[] = [
  'datastack:platform:render',
];

/**
 * Every permission Datastack declares, for the permission integration router.
 *
 * @public
 */
export const datastackPermissions = [
  datastackHealthReadPermission,
  datastackApplicationSyncPermission,
  datastackUpgradeReadPermission,
  datastackUpgradeProposePermission,
  datastackFleetReadPermission,
  datastackChartsRefreshPermission,
  datastackClusterReadPermission,
  datastackPlatformManagePermission,
];
