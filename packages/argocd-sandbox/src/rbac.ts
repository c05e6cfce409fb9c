/**
 * Argo CD's RBAC for project-scoped tokens (util/rbac, assets/model.conf):
 * a token bound to `proj:<project>:<role>` may do what that role's Casbin
 * policies in the AppProject allow, plus `projects, get, <project>`.
 * Every other valid token is an admin, as before.
 */

import type { Identity } from './auth';
import { ArgoCdApiError, GrpcCode } from './errors';
import { CONTROL_PLANE_NAMESPACE, glob } from './projectRules';
import type { AppProject } from './types';
import { iso } from './util';

/** `proj:<project>:<role>` split. */
export interface ProjectRoleRef {
  subject: string;
  project: string;
  role: string;
}

/** Parses `proj:<project>:<role>`; undefined for anything else. */
export function parseProjectRole(value: string): ProjectRoleRef | undefined {
  const match = /^proj:([^:]+):([^:]+)$/.exec(value);
  return match
    ? { subject: value, project: match[1], role: match[2] }
    : undefined;
}

/** util/security `RBACName`: `<project>/<app>`, or `<project>/<namespace>/<app>` outside argocd. */
export function rbacName(
  project: string,
  namespace: string | undefined,
  name: string,
): string {
  return namespace && namespace !== CONTROL_PLANE_NAMESPACE
    ? `${project}/${namespace}/${name}`
    : `${project}/${name}`;
}

/** The RBAC decisions of one sandbox instance. */
export class SandboxRbac {
  constructor(
    private readonly findProject: (name: string) => AppProject | undefined,
    /** When the sandbox's project tokens count as issued (`iat`). */
    private readonly issuedAt: number,
  ) {}

  /** Casbin's `some(allow) && !some(deny)` over the role's policies. */
  enforce(
    identity: Identity,
    resource: string,
    action: string,
    object: string,
  ): boolean {
    const role = identity.projectRole;
    if (!role) return true;
    const project = this.findProject(role.project);
    const spec = project?.spec.roles?.find(r => r.name === role.role);
    if (!project || !spec) return false;
    const lines = [
      `p, ${role.subject}, projects, get, ${role.project}, allow`,
      ...(spec.policies ?? []),
    ];
    let allowed = false;
    for (const line of lines) {
      const [kind, sub, res, act, obj, eft] = line
        .split(',')
        .map(part => part.trim());
      if (kind !== 'p' || sub !== role.subject) continue;
      if (!glob(res ?? '', resource) || !glob(act ?? '', action)) continue;
      if (!glob(obj ?? '', object)) continue;
      if ((eft ?? 'allow') === 'deny') return false;
      allowed = true;
    }
    return allowed;
  }

  /**
   * `EnforceErr`: PermissionDenied naming what was asked and who asked,
   * `permission denied: applications, sync, team-x/app, sub: proj:team-x:ci, iat: …`.
   */
  enforceErr(
    identity: Identity,
    resource: string,
    action: string,
    object: string,
  ): void {
    if (this.enforce(identity, resource, action, object)) return;
    const who = identity.projectRole
      ? `, sub: ${identity.projectRole.subject}, iat: ${iso(this.issuedAt)}`
      : '';
    throw new ArgoCdApiError(
      GrpcCode.PermissionDenied,
      `permission denied: ${resource}, ${action}, ${object}${who}`,
    );
  }
}
