import type { AppProject } from '@datastack/plugin-datastack-node';

/**
 * Argo CD's glob match for project rules (`*` any run of characters, `?`
 * one), as util/glob applies it to sourceRepos, destinations and
 * sourceNamespaces. Written here because no npm glob library has this
 * semantic (they treat `/` as a separator), and it is a few lines.
 */
export function argoGlob(pattern: string, value: string): boolean {
  const body = pattern
    .split('')
    .map(ch => {
      if (ch === '*') return '.*';
      if (ch === '?') return '.';
      return ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`).test(value);
}

/** Whether a glob list, with `!` negations, admits a value, as Argo CD decides. */
export function admits(patterns: string[] | undefined, value: string): boolean {
  const list = patterns ?? [];
  if (list.some(p => p.startsWith('!') && argoGlob(p.slice(1), value))) {
    return false;
  }
  return list.some(p => !p.startsWith('!') && argoGlob(p, value));
}

type Destination = NonNullable<AppProject['spec']['destinations']>[number];

function destinationAdmitted(
  existing: Destination[] | undefined,
  wanted: Destination,
): boolean {
  return (existing ?? []).some(d => {
    const clusterOk =
      (wanted.server !== undefined &&
        d.server !== undefined &&
        d.server !== '' &&
        argoGlob(d.server, wanted.server)) ||
      (wanted.name !== undefined &&
        d.name !== undefined &&
        d.name !== '' &&
        argoGlob(d.name, wanted.name)) ||
      // Argo CD resolves a named destination to its server before matching;
      // without the cluster list only "every server" is known to admit it.
      (wanted.name !== undefined && d.server === '*');
    return clusterOk && argoGlob(d.namespace ?? '', wanted.namespace ?? '');
  });
}

/** What an existing AppProject lacks of what a pipeline needs, one line each. */
export function missingFromProject(
  existing: AppProject,
  needed: AppProject,
): string[] {
  const missing: string[] = [];
  for (const repo of needed.spec.sourceRepos ?? []) {
    if (!admits(existing.spec.sourceRepos, repo)) {
      missing.push(`sourceRepos: ${repo}`);
    }
  }
  for (const dest of needed.spec.destinations ?? []) {
    if (!destinationAdmitted(existing.spec.destinations, dest)) {
      missing.push(
        `destinations: ${dest.server ?? dest.name} namespace ${dest.namespace}`,
      );
    }
  }
  for (const ns of needed.spec.sourceNamespaces ?? []) {
    if (!admits(existing.spec.sourceNamespaces, ns)) {
      missing.push(`sourceNamespaces: ${ns}`);
    }
  }
  return missing;
}

function unique<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/**
 * Merges what several pipelines' environments need into one project: the
 * union of repositories, destinations and source namespaces (a team's
 * project grows with its pipelines; nothing already granted is removed).
 */
export function mergeProjects(base: AppProject, add: AppProject): AppProject {
  const destKey = (d: Destination) =>
    `${d.server ?? ''}|${d.name ?? ''}|${d.namespace ?? ''}`;
  return {
    ...base,
    spec: {
      ...base.spec,
      sourceRepos: unique(
        [...(base.spec.sourceRepos ?? []), ...(add.spec.sourceRepos ?? [])],
        r => r,
      ),
      destinations: unique(
        [...(base.spec.destinations ?? []), ...(add.spec.destinations ?? [])],
        destKey,
      ),
      sourceNamespaces: unique(
        [
          ...(base.spec.sourceNamespaces ?? []),
          ...(add.spec.sourceNamespaces ?? []),
        ],
        n => n,
      ),
      clusterResourceWhitelist:
        base.spec.clusterResourceWhitelist ?? add.spec.clusterResourceWhitelist,
      namespaceResourceBlacklist:
        base.spec.namespaceResourceBlacklist ??
        add.spec.namespaceResourceBlacklist,
      roles: base.spec.roles ?? add.spec.roles,
    },
  };
}
