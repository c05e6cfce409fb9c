import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
  ResourcePermission,
  isPermission,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogEntityRefreshPermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  createScaffolderActionConditionalDecision,
  createScaffolderTemplateConditionalDecision,
  scaffolderActionConditions,
  scaffolderTemplateConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  actionExecutePermission,
  templateParameterReadPermission,
  templateStepReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  DATASTACK_PLATFORM_ACTION_IDS,
  DATASTACK_PLATFORM_TEMPLATE_TAG,
  datastackApplicationSyncPermission,
  datastackPlatformManagePermission,
  datastackUpgradeProposePermission,
} from '@datastack/plugin-datastack-common';

/**
 * What the policy is configured with.
 *
 * @public
 */
export interface DatastackPermissionPolicyOptions {
  /**
   * Group entity refs (`group:default/platform-team`) whose members are
   * allowed everything. Compared case-insensitively with the user's
   * ownership claims.
   */
  adminGroups: readonly string[];
  /** Scaffolder action ids only the admin groups may run. */
  platformActionIds?: readonly string[];
  /** The tag on template parameters and steps only the admin groups see. */
  platformTemplateTag?: string;
}

/** Entity writes that need ownership of the entity. */
const OWNER_WRITES: ResourcePermission<'catalog-entity'>[] = [
  datastackApplicationSyncPermission,
  datastackUpgradeProposePermission,
  catalogEntityDeletePermission,
  catalogEntityRefreshPermission,
];

function lower(value: string) {
  return value.toLocaleLowerCase('en-US');
}

/**
 * Datastack's permission policy:
 *
 * - members of the admin groups are allowed everything;
 * - every signed-in user reads (catalog, Datastack health, upgrades, fleet
 *   and clusters, search, templates) and may do whatever no rule below
 *   restricts;
 * - syncing an entity's Applications, proposing an upgrade of it and
 *   refreshing or deleting it need ownership: a conditional decision the
 *   catalog resolves with `isEntityOwner` on the user's ownership claims;
 * - `datastack.platform.manage`, the platform template's parameters and
 *   steps (tagged `datastack-platform`) and the `datastack:platform:*`
 *   scaffolder actions are for the admin groups only;
 * - a request without a user (the `none` principal, which only reaches the
 *   policy when `backend.auth.dangerouslyDisableDefaultAuthPolicy` is set)
 *   is denied. Service principals never reach a policy: Backstage's
 *   permissions service decides them from their access restrictions.
 *
 * @public
 */
export class DatastackPermissionPolicy implements PermissionPolicy {
  private readonly adminGroups: Set<string>;
  private readonly platformActionIds: string[];
  private readonly platformTemplateTag: string;

  constructor(options: DatastackPermissionPolicyOptions) {
    this.adminGroups = new Set(options.adminGroups.map(lower));
    this.platformActionIds = [
      ...(options.platformActionIds ?? DATASTACK_PLATFORM_ACTION_IDS),
    ];
    this.platformTemplateTag =
      options.platformTemplateTag ?? DATASTACK_PLATFORM_TEMPLATE_TAG;
  }

  /** Whether the user's ownership claims include one of the admin groups. */
  isAdmin(user: PolicyQueryUser | undefined): boolean {
    return (user?.info.ownershipEntityRefs ?? []).some(ref =>
      this.adminGroups.has(lower(ref)),
    );
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) {
      return { result: AuthorizeResult.DENY };
    }
    if (this.isAdmin(user)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const { permission } = request;
    if (isPermission(permission, datastackPlatformManagePermission)) {
      return { result: AuthorizeResult.DENY };
    }
    if (
      isResourcePermission(permission, 'catalog-entity') &&
      OWNER_WRITES.some(p => isPermission(permission, p))
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({
          claims: user.info.ownershipEntityRefs,
        }),
      );
    }
    if (
      isResourcePermission(permission, 'scaffolder-template') &&
      this.isTemplateRead(permission)
    ) {
      return createScaffolderTemplateConditionalDecision(permission, {
        not: scaffolderTemplateConditions.hasTag({
          tag: this.platformTemplateTag,
        }),
      });
    }
    if (
      isResourcePermission(permission, 'scaffolder-action') &&
      isPermission(permission, actionExecutePermission)
    ) {
      const [first, ...rest] = this.platformActionIds.map(actionId =>
        scaffolderActionConditions.hasActionId({ actionId }),
      );
      if (first) {
        return createScaffolderActionConditionalDecision(permission, {
          not: { anyOf: [first, ...rest] },
        });
      }
    }
    // Reads, and everything no rule above restricts, for signed-in users.
    return { result: AuthorizeResult.ALLOW };
  }

  private isTemplateRead(permission: Permission) {
    return (
      isPermission(permission, templateParameterReadPermission) ||
      isPermission(permission, templateStepReadPermission)
    );
  }
}
