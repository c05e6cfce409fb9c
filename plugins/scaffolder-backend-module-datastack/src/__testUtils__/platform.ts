import {
  createDefaultRegistry,
  isOperatorBased,
} from '@datastack/plugin-datastack-common';
import { ArgoCdClient } from '@datastack/plugin-datastack-node';
import { renderPlatform } from '../render/platform';

/**
 * What the platform team's "Platform operators" renders for one Argo CD
 * instance: the platform AppProject and an Application per operator (every
 * operator-based component, or `operators`) on each given cluster. Shared by
 * the tests, `yarn dev`, the e2e tests and the benchmarks
 * (scripts/lib/platformSeed.mjs).
 */
export function platformLayer(options: {
  instance: string;
  clusters: Array<{ server?: string; name?: string }>;
  operators?: string[];
}) {
  const registry = createDefaultRegistry();
  const rendered = renderPlatform(
    {
      name: 'platform-operators',
      owner: 'group:default/platform-team',
      team: 'platform-team',
      description: 'Cluster add-ons',
      repoUrl: 'https://git.example.com/platform/cluster-addons.git',
      repoRevision: 'HEAD',
      argocdNamespace: 'argocd',
      automatedSync: true,
      operators:
        options.operators ??
        registry
          .list()
          .filter(isOperatorBased)
          .map(c => c.id),
      versions: {},
      clusters: options.clusters.map(cluster => ({
        argocdInstance: options.instance,
        cluster,
        size: 'small' as const,
      })),
    },
    registry,
  );
  return {
    project: rendered.projects[options.instance],
    applications: rendered.applications[options.instance],
  };
}

/**
 * Applies {@link platformLayer} to a sandbox instance through its REST API,
 * so a pipeline's pre-flight finds its operators.
 */
export async function seedPlatformLayer(options: {
  instance: string;
  url: string;
  token: string;
  clusters: Array<{ server?: string; name?: string }>;
}) {
  const { project, applications } = platformLayer(options);
  const client = new ArgoCdClient({
    instance: {
      name: options.instance,
      url: options.url,
      uiUrl: options.url,
      auth: { type: 'token', token: options.token },
    },
    timeoutMs: 10_000,
  });
  await client.createProject(project);
  for (const app of applications) {
    await client.upsertApplication(app);
  }
}
