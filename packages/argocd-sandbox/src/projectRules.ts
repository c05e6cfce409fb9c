/**
 * AppProject rules as Argo CD applies them: "Applications in any namespace"
 * (util/security `IsNamespaceEnabled`, AppProject `IsAppNamespacePermitted`),
 * the resource white- and blacklists (`IsGroupKindNamePermitted`) and the
 * permission check the controller runs on every resource of a sync
 * (controller/sync.go `validateSyncPermissions`), with Argo CD's wording.
 */

import { ArgoCdApiError, GrpcCode } from './errors';
import type { AppProject, ApplicationDestination } from './types';

/** Argo CD's own (control-plane) namespace. */
export const CONTROL_PLANE_NAMESPACE = 'argocd';

const globCache = new Map<string, RegExp>();

function escapeRe(ch: string): string {
  return ch.replace(/[.+^${}()|[\]\\/*?]/g, '\\$&');
}

/**
 * gobwas/glob as Argo CD compiles patterns without separators: `*`, `?`,
 * `[abc]`, `[!abc]`, `[a-z]`, `{a,b}` and `\` escapes.
 */
export function glob(pattern: string, value: string): boolean {
  return compiled(pattern, false).test(value);
}

function compiled(pattern: string, path: boolean): RegExp {
  const key = `${path ? 'p' : 'g'}:${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const any = path ? '[^/]' : '.';
    let body = '';
    let depth = 0;
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i];
      if (ch === '\\' && i + 1 < pattern.length) {
        body += escapeRe(pattern[++i]);
      } else if (ch === '*') {
        body += `${any}*`;
      } else if (ch === '?') {
        body += any;
      } else if (ch === '[') {
        const end = pattern.indexOf(']', i + 1);
        if (end < 0) {
          body += '\\[';
        } else {
          let set = pattern.slice(i + 1, end);
          const negated = set.startsWith('!');
          if (negated) set = set.slice(1);
          body += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
          i = end;
        }
      } else if (ch === '{' && !path) {
        depth += 1;
        body += '(?:';
      } else if (ch === '}' && depth > 0) {
        depth -= 1;
        body += ')';
      } else if (ch === ',' && depth > 0) {
        body += '|';
      } else {
        body += escapeRe(ch);
      }
    }
    try {
      re = new RegExp(`^${body}$`, 's');
    } catch {
      re = /$^/;
    }
    globCache.set(key, re);
  }
  return re;
}

/** Go's `filepath.Match` (the resource lists): `*` and `?` never match `/`. */
export function pathMatch(pattern: string, value: string): boolean {
  return compiled(pattern, true).test(value);
}

/**
 * util/glob `MatchStringInList` in REGEXP mode: an item wrapped in `/` is a
 * regular expression, anything else a glob.
 */
export function matchStringInList(list: string[], item: string): boolean {
  return list.some(pattern => {
    if (
      pattern.length > 1 &&
      pattern.startsWith('/') &&
      pattern.endsWith('/')
    ) {
      try {
        return new RegExp(pattern.slice(1, -1)).test(item);
      } catch {
        return false;
      }
    }
    return glob(pattern, item);
  });
}

/** Whether the API server and controller watch Applications in `namespace`. */
export function isNamespaceEnabled(
  namespace: string,
  enabledNamespaces: string[],
): boolean {
  return (
    namespace === CONTROL_PLANE_NAMESPACE ||
    matchStringInList(enabledNamespaces, namespace)
  );
}

/** Whether an Application in `appNamespace` may use `project` (`spec.sourceNamespaces`). */
export function isAppNamespacePermitted(
  project: AppProject,
  appNamespace: string,
): boolean {
  if (!appNamespace || appNamespace === CONTROL_PLANE_NAMESPACE) return true;
  return matchStringInList(project.spec.sourceNamespaces ?? [], appNamespace);
}

/**
 * server/application `getAppProject`: the same answer whether the project
 * is missing or does not admit the Application's namespace.
 */
export function appNotAllowedInProject(project: string): ArgoCdApiError {
  return new ArgoCdApiError(
    GrpcCode.InvalidArgument,
    `app is not allowed in project "${project}", or the project does not exist`,
  );
}

/**
 * util/security `NamespaceNotPermittedError`: a plain Go error, so gRPC code
 * 2 (Unknown) and HTTP 500.
 */
export function namespaceNotPermitted(namespace: string): ArgoCdApiError {
  return new ArgoCdApiError(
    GrpcCode.Unknown,
    `namespace '${namespace}' is not permitted`,
  );
}

/**
 * Kinds Kubernetes serves cluster-scoped (what API discovery would say).
 * Every other kind, custom resources included, is namespaced.
 */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'policy/PodSecurityPolicy',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'cert-manager.io/ClusterIssuer',
  'monitoring.coreos.com/PrometheusRuleGroup',
]);

/** Whether Kubernetes serves this kind cluster-scoped. */
export function isClusterScoped(group: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${group}/${kind}`);
}

interface GroupKind {
  group?: string;
  kind?: string;
  name?: string;
}

function inList(
  group: string,
  kind: string,
  name: string,
  list: GroupKind[],
  named: boolean,
): boolean {
  return list.some(
    item =>
      pathMatch(item.kind ?? '', kind) &&
      pathMatch(item.group ?? '', group) &&
      (!named || !item.name || pathMatch(item.name, name)),
  );
}

function groupKinds(value: unknown): GroupKind[] {
  return Array.isArray(value)
    ? value.filter((v): v is GroupKind => typeof v === 'object' && v !== null)
    : [];
}

/**
 * AppProject `IsGroupKindNamePermitted`: an empty cluster whitelist allows
 * no cluster-scoped resource; an empty namespace whitelist allows every
 * namespaced kind; blacklists win.
 */
export function isGroupKindNamePermitted(
  project: AppProject,
  group: string,
  kind: string,
  name: string,
  namespaced: boolean,
): boolean {
  const spec = project.spec;
  if (namespaced) {
    const white = groupKinds(spec.namespaceResourceWhitelist);
    const black = groupKinds(spec.namespaceResourceBlacklist);
    const whitelisted =
      white.length === 0 || inList(group, kind, name, white, false);
    return whitelisted && !inList(group, kind, name, black, false);
  }
  const white = groupKinds(spec.clusterResourceWhitelist);
  const black = groupKinds(spec.clusterResourceBlacklist);
  return (
    inList(group, kind, name, white, true) &&
    !inList(group, kind, name, black, true)
  );
}

function denyPattern(pattern: string | undefined): boolean {
  return !!pattern && pattern.startsWith('!');
}

function projectGlob(pattern: string | undefined, value: string): boolean {
  const p = pattern ?? '';
  if (denyPattern(p)) return !glob(p.slice(1), value);
  if (p === '*') return true;
  return glob(p, value);
}

/** AppProject `isDestinationMatched`, deny patterns (`!`) included. */
export function isDestinationPermitted(
  project: AppProject,
  cluster: { server: string; name?: string },
  namespace: string,
): boolean {
  let matched = false;
  for (const item of (project.spec.destinations ??
    []) as ApplicationDestination[]) {
    const nameMatched = !!cluster.name && projectGlob(item.name, cluster.name);
    const serverMatched =
      !!cluster.server && projectGlob(item.server, cluster.server);
    const namespaceMatched = projectGlob(item.namespace, namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) {
      matched = true;
    } else if (
      (!nameMatched && denyPattern(item.name)) ||
      (!serverMatched && denyPattern(item.server) && namespaceMatched)
    ) {
      return false;
    } else if (
      !namespaceMatched &&
      denyPattern(item.namespace) &&
      serverMatched
    ) {
      return false;
    }
  }
  return matched;
}

/** A resource an Application syncs, as the permission check needs it. */
export interface ResourceKey {
  group: string;
  kind: string;
  name: string;
  /** Empty for cluster-scoped resources. */
  namespace: string;
}

/**
 * controller/sync.go `validateSyncPermissions`: why the project refuses the
 * resource, or undefined when it is permitted.
 */
export function syncPermissionError(
  project: AppProject,
  cluster: { server: string; name?: string },
  resource: ResourceKey,
): string | undefined {
  const namespaced = !isClusterScoped(resource.group, resource.kind);
  if (
    !isGroupKindNamePermitted(
      project,
      resource.group,
      resource.kind,
      resource.name,
      namespaced,
    )
  ) {
    return `resource ${resource.group}:${resource.kind} is not permitted in project ${project.metadata.name}`;
  }
  if (
    namespaced &&
    !isDestinationPermitted(project, cluster, resource.namespace)
  ) {
    return `namespace ${resource.namespace} is not permitted in project '${project.metadata.name}'`;
  }
  return undefined;
}

const PROJECT_SCOPED_RESOURCES = new Set([
  'applications',
  'applicationsets',
  'repositories',
  'exec',
  'logs',
  'clusters',
]);
const ACTIONS = new Set([
  'get',
  'create',
  'update',
  'delete',
  'sync',
  'override',
  'rollback',
  '*',
]);
const ROLE_NAME = /^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function invalid(message: string): ArgoCdApiError {
  return new ArgoCdApiError(GrpcCode.InvalidArgument, message);
}

function validatePolicy(project: string, role: string, policy: string) {
  const parts = policy.split(',');
  if (parts.length !== 6 || parts[0].trim() !== 'p') {
    throw invalid(
      `invalid policy rule '${policy}': must be of the form: 'p, sub, res, act, obj, eft'`,
    );
  }
  const [, subject, resource, action, object, effect] = parts.map(p =>
    p.trim(),
  );
  const expected = `proj:${project}:${role}`;
  if (subject !== expected) {
    throw invalid(
      `invalid policy rule '${policy}': policy subject must be: '${expected}', not '${subject}'`,
    );
  }
  if (!PROJECT_SCOPED_RESOURCES.has(resource)) {
    throw invalid(
      `invalid policy rule '${policy}': project resource must be: 'applications', 'applicationsets', 'repositories', 'exec', 'logs' or 'clusters', not '${resource}'`,
    );
  }
  if (!ACTIONS.has(action) && !/(action|update|delete)\/.*/.test(action)) {
    throw invalid(
      `invalid policy rule '${policy}': invalid action '${action}'`,
    );
  }
  const quoted = project.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!new RegExp(`^${quoted}(/[*\\w-.]+)?/[*\\w-.]+$`).test(object)) {
    throw invalid(
      `invalid policy rule '${policy}': object must be of form '${project}/*', '${project}[/<NAMESPACE>]/<APPNAME>' or '${project}/<APPNAME>', not '${object}'`,
    );
  }
  if (effect !== 'allow' && effect !== 'deny') {
    throw invalid(
      `invalid policy rule '${policy}': effect must be: 'allow' or 'deny'`,
    );
  }
}

/**
 * AppProject `ValidateProject` (destinations, source namespaces and
 * repositories, roles, their policies and groups), with Argo CD's wording.
 * A role's policies may only grant its own project's objects, so a project
 * cannot hand out another team's Applications.
 */
export function validateProject(project: AppProject): void {
  const spec = project.spec;
  const destinations = new Set<string>();
  for (const dest of (spec.destinations ?? []) as ApplicationDestination[]) {
    if (dest.name === '!*') throw invalid("name has an invalid format, '!*'");
    if (dest.server === '!*')
      throw invalid("server has an invalid format, '!*'");
    if (dest.namespace === '!*')
      throw invalid("namespace has an invalid format, '!*'");
    const key =
      !dest.server && dest.name
        ? `${dest.name}/${dest.namespace ?? ''}`
        : `${dest.server ?? ''}/${dest.namespace ?? ''}`;
    if (destinations.has(key))
      throw invalid(`destination '${key}' already added`);
    destinations.add(key);
  }
  const namespaces = new Set<string>();
  for (const ns of spec.sourceNamespaces ?? []) {
    if (namespaces.has(ns))
      throw invalid(`source namespace '${ns}' already added`);
    namespaces.add(ns);
  }
  const repos = new Set<string>();
  for (const repo of spec.sourceRepos ?? []) {
    if (repo === '!*')
      throw invalid("source repository has an invalid format, '!*'");
    if (repos.has(repo))
      throw invalid(`source repository '${repo}' already added`);
    repos.add(repo);
  }
  const roles = new Set<string>();
  for (const role of spec.roles ?? []) {
    if (roles.has(role.name)) {
      throw new ArgoCdApiError(
        GrpcCode.AlreadyExists,
        `role '${role.name}' already exists`,
      );
    }
    if (!ROLE_NAME.test(role.name ?? '')) {
      throw invalid(
        `invalid role name '${role.name}'. Must consist of alphanumeric characters, '-' or '_', and must start and end with an alphanumeric character`,
      );
    }
    const policies = new Set<string>();
    for (const policy of role.policies ?? []) {
      if (policies.has(policy)) {
        throw new ArgoCdApiError(
          GrpcCode.AlreadyExists,
          `policy '${policy}' already exists for role '${role.name}'`,
        );
      }
      validatePolicy(project.metadata.name, role.name, policy);
      policies.add(policy);
    }
    const groups = new Set<string>();
    for (const group of role.groups ?? []) {
      if (groups.has(group)) {
        throw new ArgoCdApiError(
          GrpcCode.AlreadyExists,
          `group '${group}' already exists for role '${role.name}'`,
        );
      }
      groups.add(group);
    }
    roles.add(role.name);
  }
}
