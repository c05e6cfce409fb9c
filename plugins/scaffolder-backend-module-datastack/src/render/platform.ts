import {
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_ARGOCD_INSTANCE_NAME,
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_ENTITY_REF,
  ANNOTATION_DATASTACK_GITOPS_REPO,
  ANNOTATION_DATASTACK_OWNER,
  ANNOTATION_DATASTACK_PLATFORM,
  ComponentRegistry,
  EnvironmentSize,
  LABEL_MANAGED_BY,
  LABEL_PLATFORM_OPERATOR,
  LABEL_TEAM,
  MANAGED_BY_DATASTACK,
  OperatorComponent,
  PLATFORM_PROJECT,
  mergeValues,
} from '@datastack/plugin-datastack-common';
import type { AppProject, Application } from '@datastack/plugin-datastack-node';
import { stringify } from 'yaml';
import {
  ANNOTATION_ARGOCD_INSTANCE,
  IN_CLUSTER,
  RESOURCES_FINALIZER,
  syncWaves,
} from './renderer';
import { helmRepoUrl, yamlFile } from './workspaceFiles';

/** A cluster the platform operators are installed on, through one Argo CD instance. */
export interface PlatformCluster {
  argocdInstance: string;
  cluster: { server?: string; name?: string };
  /** Picks the operators' Helm values (`values` of the registry). */
  size: EnvironmentSize;
}

/** The validated input of a platform render. */
export interface Platform {
  /** Name of the add-ons repository's System. */
  name: string;
  /** The platform group, normalised (`group:default/platform`). */
  owner: string;
  /** The platform group's team label. */
  team: string;
  description: string;
  repoUrl: string;
  repoRevision: string;
  /** Argo CD's own namespace: the platform Applications live there. */
  argocdNamespace: string;
  automatedSync: boolean;
  /** Registry ids of operator-based components. */
  operators: string[];
  /** Operator chart version per id; the registry's by default. */
  versions: Record<string, string>;
  clusters: PlatformCluster[];
}

export interface RenderedPlatform {
  files: Record<string, string>;
  /** Operator Applications per Argo CD instance, in sync-wave order. */
  applications: Record<string, Application[]>;
  /** The app of apps per Argo CD instance. */
  roots: Record<string, Application>;
  /** The platform AppProject each Argo CD instance needs. */
  projects: Record<string, AppProject>;
}

/** A DNS-1123 label for a cluster: its Argo CD name, or its API host. */
export function clusterSlug(cluster: { server?: string; name?: string }) {
  let raw = cluster.name;
  if (!raw) {
    raw =
      cluster.server?.replace(/\/+$/, '') === IN_CLUSTER
        ? 'in-cluster'
        : new URL(cluster.server!).hostname.split('.')[0];
  }
  return (
    raw
      .toLocaleLowerCase('en-US')
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 30)
      .replace(/-+$/, '') || 'cluster'
  );
}

function label(value: string): string {
  return value.slice(0, 63).replace(/-+$/, '');
}

/**
 * Renders the platform team's cluster add-ons repository: per Argo CD
 * instance, one Application per operator and cluster (project `platform`,
 * in Argo CD's namespace) installing the operator chart into its namespace
 * with the values that make it watch the tenant namespaces, an app of apps,
 * and the AppProject `platform` that alone may create cluster-scoped
 * resources; catalog-info.yaml with the System and a Component per operator.
 * Pure: the same input gives the same files.
 */
export function renderPlatform(
  platform: Platform,
  registry: ComponentRegistry,
): RenderedPlatform {
  const definitions = platform.operators.map(
    id => registry.get(id) as OperatorComponent,
  );
  const waves = syncWaves(definitions);
  const files: Record<string, string> = {};
  const applications: Record<string, Application[]> = {};
  const roots: Record<string, Application> = {};
  const projects: Record<string, AppProject> = {};
  const systemRef = `system:default/${platform.name}`;
  const componentName = (id: string) => `${platform.name}-${id}`;
  const ownership = (entityRef: string) => ({
    labels: {
      [LABEL_TEAM]: platform.team,
      [LABEL_MANAGED_BY]: MANAGED_BY_DATASTACK,
    },
    annotations: {
      [ANNOTATION_DATASTACK_OWNER]: platform.owner,
      [ANNOTATION_DATASTACK_ENTITY_REF]: entityRef,
    },
  });
  const instances = [...new Set(platform.clusters.map(c => c.argocdInstance))];
  const allDestinations = new Map<
    string,
    { server?: string; name?: string; namespace: string }
  >();
  const destinationsOf = (instance: string) => {
    const out = new Map<
      string,
      { server?: string; name?: string; namespace: string }
    >();
    // The app of apps writes Applications into Argo CD's namespace.
    out.set(`${IN_CLUSTER}|${platform.argocdNamespace}`, {
      server: IN_CLUSTER,
      namespace: platform.argocdNamespace,
    });
    for (const c of platform.clusters.filter(
      k => k.argocdInstance === instance,
    )) {
      for (const d of definitions) {
        const dest = { ...c.cluster, namespace: d.operator.namespace };
        out.set(
          `${c.cluster.server ?? c.cluster.name}|${d.operator.namespace}`,
          dest,
        );
      }
    }
    return [...out.entries()];
  };

  for (const instance of instances) {
    const apps: Application[] = [];
    for (const c of platform.clusters.filter(
      k => k.argocdInstance === instance,
    )) {
      const slug = clusterSlug(c.cluster);
      for (const d of definitions) {
        const valuesPath = `environments/${instance}/values/${slug}/${d.id}.yaml`;
        files[valuesPath] = yamlFile(
          mergeValues(d.values[c.size], d.operator.watchValues),
          `Helm values of the ${d.operator.title} on ${instance}/${slug} (size ${c.size}): the watch values make it serve every tenant namespace.`,
        );
        const owned = ownership(`component:default/${componentName(d.id)}`);
        apps.push({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: {
            name: label(`platform-${d.id}-${slug}`),
            namespace: platform.argocdNamespace,
            labels: {
              [LABEL_PLATFORM_OPERATOR]: d.id,
              ...owned.labels,
            },
            annotations: {
              'argocd.argoproj.io/sync-wave': String(waves.get(d.id) ?? 0),
              [ANNOTATION_ARGOCD_INSTANCE]: instance,
              ...owned.annotations,
            },
            finalizers: [RESOURCES_FINALIZER],
          },
          spec: {
            project: PLATFORM_PROJECT,
            sources: [
              {
                repoURL: helmRepoUrl(d.chart.repository),
                chart: d.chart.name,
                targetRevision: platform.versions[d.id] ?? d.chart.version,
                helm: {
                  releaseName: d.operator.releaseName,
                  valueFiles: [`$values/${valuesPath}`],
                },
              },
              {
                repoURL: platform.repoUrl,
                targetRevision: platform.repoRevision,
                ref: 'values',
              },
            ],
            destination: { ...c.cluster, namespace: d.operator.namespace },
            syncPolicy: {
              ...(platform.automatedSync
                ? { automated: { prune: true, selfHeal: true } }
                : {}),
              // CRDs of Strimzi and the Prometheus operator exceed the
              // client-side apply annotation limit.
              syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
            },
          },
        });
      }
    }
    apps.sort(
      (a, b) =>
        Number(a.metadata.annotations!['argocd.argoproj.io/sync-wave']) -
          Number(b.metadata.annotations!['argocd.argoproj.io/sync-wave']) ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
    for (const app of apps) {
      files[`environments/${instance}/applications/${app.metadata.name}.yaml`] =
        yamlFile(app);
    }
    applications[instance] = apps;

    const rootOwned = ownership(systemRef);
    const root: Application = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: label(`${platform.name}-${instance}`),
        namespace: platform.argocdNamespace,
        labels: { ...rootOwned.labels },
        annotations: {
          [ANNOTATION_ARGOCD_INSTANCE]: instance,
          ...rootOwned.annotations,
        },
        finalizers: [RESOURCES_FINALIZER],
      },
      spec: {
        project: PLATFORM_PROJECT,
        source: {
          repoURL: platform.repoUrl,
          targetRevision: platform.repoRevision,
          path: `environments/${instance}/applications`,
        },
        destination: {
          server: IN_CLUSTER,
          namespace: platform.argocdNamespace,
        },
        syncPolicy: platform.automatedSync
          ? { automated: { prune: true, selfHeal: true } }
          : {},
      },
    };
    roots[instance] = root;
    files[`environments/${instance}/root.yaml`] = yamlFile(
      root,
      `App of apps of the platform operators on Argo CD instance ${instance}.`,
    );

    const destinations = destinationsOf(instance);
    destinations.forEach(([key, dest]) => allDestinations.set(key, dest));
    projects[instance] = platformProject(
      platform,
      definitions,
      destinations.map(([, d]) => d),
      { [ANNOTATION_ARGOCD_INSTANCE]: instance },
    );
    files[`environments/${instance}/project.yaml`] = yamlFile(
      projects[instance],
      `The platform AppProject on Argo CD instance ${instance} (datastack:argocd:apply creates or extends it).`,
    );
  }
  files['projects/platform.yaml'] = yamlFile(
    platformProject(platform, definitions, [...allDestinations.values()], {}),
    'The platform AppProject: the only project that may create cluster-scoped resources. No tenant namespace may ever appear in its sourceNamespaces.',
  );

  const entities: unknown[] = [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: {
        name: platform.name,
        description: platform.description,
        annotations: {
          [ANNOTATION_DATASTACK_PLATFORM]: 'true',
          [ANNOTATION_DATASTACK_GITOPS_REPO]: platform.repoUrl,
        },
        tags: ['datastack', 'platform'],
      },
      spec: { owner: platform.owner },
    },
    ...definitions.map(d => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: componentName(d.id),
        title: d.operator.title,
        description: `${d.operator.title} for ${d.title}, installed once per cluster in namespace ${d.operator.namespace}.`,
        annotations: {
          [ANNOTATION_DATASTACK_COMPONENT]: d.id,
          [ANNOTATION_DATASTACK_PLATFORM]: 'true',
          [ANNOTATION_ARGOCD_APP_SELECTOR]: `${LABEL_PLATFORM_OPERATOR}=${d.id}`,
          [ANNOTATION_ARGOCD_INSTANCE_NAME]: instances.join(','),
        },
        tags: ['datastack', 'platform-operator', d.id],
        links: [{ url: d.docsUrl, title: `${d.title} documentation` }],
      },
      spec: {
        type: 'platform-operator',
        lifecycle: 'production',
        owner: platform.owner,
        system: platform.name,
      },
    })),
  ];
  files['catalog-info.yaml'] = entities
    .map(e => stringify(e, { lineWidth: 0 }))
    .join('---\n');
  files['README.md'] = readme(platform, definitions, applications);
  return { files, applications, roots, projects };
}

function platformProject(
  platform: Platform,
  definitions: OperatorComponent[],
  destinations: Array<{ server?: string; name?: string; namespace: string }>,
  annotations: Record<string, string>,
): AppProject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: {
      name: PLATFORM_PROJECT,
      namespace: platform.argocdNamespace,
      labels: {
        [LABEL_TEAM]: platform.team,
        [LABEL_MANAGED_BY]: MANAGED_BY_DATASTACK,
      },
      annotations: {
        [ANNOTATION_DATASTACK_OWNER]: platform.owner,
        ...annotations,
      },
    },
    spec: {
      description: `Cluster add-ons of ${platform.owner}: the operators every pipeline's instances need, managed by Datastack`,
      sourceRepos: [
        ...new Set([
          platform.repoUrl,
          ...definitions.map(d => helmRepoUrl(d.chart.repository)),
        ]),
      ].sort(),
      destinations: [...destinations].sort((a, b) =>
        `${a.server ?? a.name}/${a.namespace}`.localeCompare(
          `${b.server ?? b.name}/${b.namespace}`,
        ),
      ),
      // Exactly the cluster-scoped kinds the operators' charts install:
      // CRDs, cluster RBAC, admission webhooks and their namespaces.
      clusterResourceWhitelist: [
        { group: '', kind: 'Namespace' },
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
        {
          group: 'admissionregistration.k8s.io',
          kind: 'MutatingWebhookConfiguration',
        },
        {
          group: 'admissionregistration.k8s.io',
          kind: 'ValidatingWebhookConfiguration',
        },
      ],
      // Only Applications in Argo CD's own namespace: no tenant may use it.
      sourceNamespaces: [],
      roles: [
        {
          name: 'platform',
          description: `Members of ${platform.owner}`,
          policies: [
            `p, proj:${PLATFORM_PROJECT}:platform, applications, get, ${PLATFORM_PROJECT}/*, allow`,
            `p, proj:${PLATFORM_PROJECT}:platform, applications, sync, ${PLATFORM_PROJECT}/*, allow`,
          ],
          groups: [platform.team],
        },
      ],
    },
  };
}

function readme(
  platform: Platform,
  definitions: OperatorComponent[],
  applications: Record<string, Application[]>,
): string {
  const rows = definitions.map(
    d =>
      `| ${d.operator.title} | \`${d.chart.name}\` ${
        platform.versions[d.id] ?? d.chart.version
      } | \`${d.operator.namespace}\` | ${d.instance.resources
        .map(r => r.kind)
        .join(', ')} |`,
  );
  const clusters = Object.entries(applications).map(
    ([instance, apps]) =>
      `- **${instance}**: ${apps.length} Applications (\`environments/${instance}/root.yaml\` creates them).`,
  );
  return `# ${platform.name}

${platform.description}

Cluster add-ons rendered by Datastack: the operators installed once per
cluster, owned by ${platform.owner}. Pipelines get namespaced instances of
them (Kafka, FlinkDeployment, ClickHouseInstallation, …) in their own
namespaces and AppProjects; only the \`${PLATFORM_PROJECT}\` AppProject
(\`projects/${PLATFORM_PROJECT}.yaml\`) may create cluster-scoped resources.

## Operators

| operator | chart | namespace | serves |
|---|---|---|---|
${rows.join('\n')}

## Argo CD instances

${clusters.join('\n')}
`;
}
