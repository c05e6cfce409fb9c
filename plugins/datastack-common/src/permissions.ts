import { createPermission } from '@backstage/plugin-permission-common';

/** The catalog's resource type: Datastack permissions on one entity use it. */
export const RESOURCE_TYPE_CATALOG_ENTITY = 'catalog-entity';

/** Read the deployment health of one entity. */
export const datastackHealthReadPermission = createPermission({
  name: 'datastack.health.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Refresh or sync the Argo CD Applications of one entity. */
export const datastackApplicationSyncPermission = createPermission({
  name: 'datastack.application.sync',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Read the upgrade compatibility of one entity. */
export const datastackUpgradeReadPermission = createPermission({
  name: 'datastack.upgrade.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Propose an upgrade of one entity (writes a branch to its GitOps repository). */
export const datastackUpgradeProposePermission = createPermission({
  name: 'datastack.upgrade.propose',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Read the fleet view: every component in every environment. */
export const datastackFleetReadPermission = createPermission({
  name: 'datastack.fleet.read',
  attributes: { action: 'read' },
});

/** Read cluster and Argo CD instance health. */
export const datastackClusterReadPermission = createPermission({
  name: 'datastack.cluster.read',
  attributes: { action: 'read' },
});

/** Every permission Datastack declares, for the permission integration router. */
export const datastackPermissions = [
  datastackHealthReadPermission,
  datastackApplicationSyncPermission,
  datastackUpgradeReadPermission,
  datastackUpgradeProposePermission,
  datastackFleetReadPermission,
  datastackClusterReadPermission,
];
