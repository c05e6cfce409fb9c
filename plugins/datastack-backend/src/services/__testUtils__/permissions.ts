import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';

/**
 * A policy that answers `result` for every Datastack permission and lets
 * the caller read the catalog, as a real policy denying a team Datastack's
 * routes does: the entity is visible, the route is not allowed (403).
 */
export function datastackPermissions(
  result: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
) {
  const answer = (name: string) =>
    name.startsWith('datastack.') ? result : AuthorizeResult.ALLOW;
  return mockServices.permissions.mock({
    authorize: async requests =>
      requests.map(r => ({ result: answer(r.permission.name) })),
    authorizeConditional: async requests =>
      requests.map(r => ({ result: answer(r.permission.name) })),
  }).factory;
}
