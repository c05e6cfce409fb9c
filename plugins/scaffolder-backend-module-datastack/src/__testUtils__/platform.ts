import {
  createDefaultRegistry,
  isOperatorBased,
} from '@datastack/plugin-datastack-common';
import { ArgoCdClient } from '@datastack/plugin-datastack-node';
import { renderPlatform } from '../render/platform';

/**
 * Applies the platform layer to a sandbox instance through its REST API, as
 * the platform team's "Platform operators" would have: the platform
 * AppProject and one operator Application per operator-based component on
 * each given cluster, so a pipeline's pre-flight finds its operators.
 */
export async function seedPlatformLayer(options: {
  instance: string;
  url: string;
  token: string;
  clusters: Array<{ server?: string; name?: string }>;
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
      operators: registry
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
  const client = new ArgoCdClient({
    instance: {
      name: options.instance,
      url: options.url,
      uiUrl: options.url,
      auth: { type: 'token', token: options.token },
    },
    timeoutMs: 10_000,
  });
  await client.createProject(rendered.projects[options.instance]);
  for (const app of rendered.applications[options.instance]) {
    await client.upsertApplication(app);
  }
}
