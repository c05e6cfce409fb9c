import type {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { sameEntityRef } from '@datastack/plugin-datastack-common';

/**
 * How the caller is entitled to act for an owner.
 *
 * @public
 */
export type Entitlement = 'member' | 'admin';

/**
 * Proves that the user who started a scaffolder task may act for a
 * pipeline's owner: the owner group is among the user's ownership entity
 * refs (the claims of their Backstage token, as the sign-in resolver set
 * them), or the user is in one of `datastack.tenancy.adminGroups`. Every
 * Datastack action that writes checks this before its first side effect,
 * so a template cannot be used to create or change another team's pipeline.
 *
 * @public
 */
export class OwnershipGuard {
  readonly #userInfo: UserInfoService;
  readonly #adminGroups: string[];

  constructor(options: { userInfo: UserInfoService; adminGroups: string[] }) {
    this.#userInfo = options.userInfo;
    this.#adminGroups = options.adminGroups;
  }

  /** @throws NotAllowedError naming the owner and the user when they may not. */
  async assertMayActFor(
    ctx: { getInitiatorCredentials(): Promise<BackstageCredentials> },
    owner: string,
  ): Promise<Entitlement> {
    const credentials = await ctx.getInitiatorCredentials();
    const principal = credentials.principal as {
      type?: string;
      userEntityRef?: string;
    };
    if (principal?.type !== 'user' || !principal.userEntityRef) {
      throw new NotAllowedError(
        `Only a signed-in user may act for ${owner}; this task was started by a ${
          principal?.type ?? 'unknown'
        } principal`,
      );
    }
    const { ownershipEntityRefs } = await this.#userInfo.getUserInfo(
      credentials,
    );
    if (
      ownershipEntityRefs.some(ref =>
        this.#adminGroups.some(admin => sameEntityRef(admin, ref)),
      )
    ) {
      return 'admin';
    }
    if (ownershipEntityRefs.some(ref => sameEntityRef(ref, owner))) {
      return 'member';
    }
    throw new NotAllowedError(
      `${principal.userEntityRef} may not act for ${owner}: not a member of it${
        ownershipEntityRefs.length
          ? ` (member of ${ownershipEntityRefs.join(', ')})`
          : ''
      }; pick one of your own teams as the owner`,
    );
  }
}
