/**
 * The checks Argo CD's API server makes before it stores an Application
 * (server/application `validateAndNormalizeApp`, util/argo
 * `ValidateDestination` and `ValidatePermissions`), with its error wording.
 */

import { ArgoCdApiError, GrpcCode } from './errors';
import { sourcesOf } from './lifecycle';
import type {
  AppProject,
  ApplicationDestination,
  ApplicationSpec,
  ObjectMeta,
} from './types';

/** A cluster Argo CD knows, as the validation needs it. */
export interface KnownCluster {
  name: string;
  server: string;
}

const globCache = new Map<string, RegExp>();

/** Argo CD's glob match (`*` and `?`), as used for repos and destinations. */
export function globMatch(pattern: string, value: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map(ch => {
        if (ch === '*') return '.*';
        if (ch === '?') return '.';
        return ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
      })
      .join('');
    re = new RegExp(`^${body}$`);
    globCache.set(pattern, re);
  }
  return re.test(value);
}

/** Whether a glob list (with `!` negations) admits a value. */
function admits(patterns: string[], value: string): boolean {
  const denied = patterns.some(
    p => p.startsWith('!') && globMatch(p.slice(1), value),
  );
  return (
    !denied && patterns.some(p => !p.startsWith('!') && globMatch(p, value))
  );
}

function destinationPermitted(
  project: AppProject,
  server: string,
  clusterName: string | undefined,
  namespace: string,
): boolean {
  const destinations = project.spec.destinations ?? [];
  const matches = (d: ApplicationDestination, negated: boolean): boolean => {
    const strip = (p: string | undefined) =>
      negated ? p?.replace(/^!/, '') : p;
    const serverPattern = strip(d.server);
    const namePattern = strip(d.name);
    const clusterOk =
      (serverPattern !== undefined &&
        serverPattern !== '' &&
        globMatch(serverPattern, server)) ||
      (namePattern !== undefined &&
        namePattern !== '' &&
        clusterName !== undefined &&
        globMatch(namePattern, clusterName));
    return clusterOk && globMatch(strip(d.namespace) ?? '', namespace);
  };
  const isNegated = (d: ApplicationDestination) =>
    !!(
      d.server?.startsWith('!') ||
      d.namespace?.startsWith('!') ||
      d.name?.startsWith('!')
    );
  if (destinations.some(d => isNegated(d) && matches(d, true))) return false;
  return destinations.some(d => !isNegated(d) && matches(d, false));
}

const NAME_RE =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Validates `metadata.name` as Kubernetes would (an RFC 1123 subdomain). */
export function validateName(
  kind: string,
  metadata: ObjectMeta | undefined,
): string {
  const name = metadata?.name;
  if (!name) {
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      `${kind}.argoproj.io "" is invalid: metadata.name: Required value: name or generateName is required`,
    );
  }
  if (name.length > 253 || !NAME_RE.test(name)) {
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      `${kind}.argoproj.io "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  }
  return name;
}

/**
 * Validates an Application's spec against its AppProject and the known
 * clusters and normalizes it (an empty project becomes `default`).
 *
 * @throws ArgoCdApiError InvalidArgument with Argo CD's messages.
 */
export function validateApplication(
  name: string,
  spec: ApplicationSpec | undefined,
  findProject: (name: string) => AppProject | undefined,
  clusters: KnownCluster[],
): ApplicationSpec {
  if (!spec || typeof spec !== 'object') {
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      `application spec for ${name} is invalid: InvalidSpecError: spec.source.repoURL and either spec.source.path or spec.source.chart are required`,
    );
  }
  const normalized: ApplicationSpec = {
    ...spec,
    project: spec.project || 'default',
    destination: spec.destination ?? {},
  };
  const project = findProject(normalized.project);
  if (!project) {
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      `application references project ${normalized.project} which does not exist`,
    );
  }

  const dest = normalized.destination;
  let server = dest.server ?? '';
  let clusterName: string | undefined;
  const destinationError = (why: string) =>
    new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      `application destination spec for ${name} is invalid: ${why}`,
    );
  if (dest.name) {
    if (dest.server) {
      throw destinationError(
        `application destination can't have both name and server defined: ${dest.name} ${dest.server}`,
      );
    }
    const cluster = clusters.find(c => c.name === dest.name);
    if (!cluster) {
      throw destinationError(
        `unable to find destination server: there are no clusters with this name: ${dest.name}`,
      );
    }
    server = cluster.server;
    clusterName = cluster.name;
  } else if (!server) {
    throw destinationError('Destination server missing from app spec');
  } else {
    clusterName = clusters.find(c => c.server === server)?.name;
  }

  const conditions: string[] = [];
  const { multiSource, sources } = sourcesOf(normalized);
  if (sources.length === 0) {
    conditions.push(
      'spec.source.repoURL and either spec.source.path or spec.source.chart are required',
    );
  }
  for (const source of sources) {
    if (!source.repoURL || (!multiSource && !source.path && !source.chart)) {
      conditions.push(
        multiSource
          ? 'spec.source.repoURL and either source.path, source.chart, or source.ref are required'
          : 'spec.source.repoURL and either spec.source.path or spec.source.chart are required',
      );
      continue;
    }
    if (source.chart && !source.targetRevision) {
      conditions.push(
        'spec.source.targetRevision is required if the manifest source is a helm chart',
      );
    }
    if (!admits(project.spec.sourceRepos ?? [], source.repoURL)) {
      conditions.push(
        `application repo ${source.repoURL} is not permitted in project '${normalized.project}'`,
      );
    }
  }
  const namespace = dest.namespace ?? '';
  if (!destinationPermitted(project, server, clusterName, namespace)) {
    conditions.push(
      `application destination server '${server}' and namespace '${namespace}' do not match any of the allowed destinations in project '${normalized.project}'`,
    );
  }
  if (!clusters.some(c => c.server === server)) {
    conditions.push(`cluster '${server}' has not been configured`);
  }
  if (conditions.length) {
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      `application spec for ${name} is invalid: ${conditions
        .map(c => `InvalidSpecError: ${c}`)
        .join(';')}`,
    );
  }
  return normalized;
}
