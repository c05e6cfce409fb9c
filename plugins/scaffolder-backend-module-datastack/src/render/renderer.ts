import {
  ANNOTATION_ARGOCD_APP_SELECTOR,
  ANNOTATION_ARGOCD_INSTANCE_NAME,
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_ENVIRONMENTS,
  ANNOTATION_DATASTACK_GITOPS_REPO,
  ANNOTATION_DATASTACK_PIPELINE,
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_DATASTACK_ENTITY_REF,
  ANNOTATION_DATASTACK_OWNER,
  ComponentDefinition,
  ComponentRegistry,
  LABEL_COMPONENT,
  LABEL_ENVIRONMENT,
  LABEL_MANAGED_BY,
  LABEL_PIPELINE,
  LABEL_TEAM,
  MANAGED_BY_DATASTACK,
  isOperatorBased,
  mergeValues,
} from '@datastack/plugin-datastack-common';
import type {
  AppProject,
  Application,
  ApplicationSource,
} from '@datastack/plugin-datastack-node';
import { stringify } from 'yaml';
import { renderDbt } from './dbt';
import { instanceFileText, renderInstance } from './instances';
import type { Pipeline } from './input';
import { helmRepoUrl, yamlFile } from './workspaceFiles';

export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** Which configured Argo CD instance an Application is applied to, for datastack:argocd:apply. */
export const ANNOTATION_ARGOCD_INSTANCE = 'datastack.io/argocd-instance';
/**
 * On an instance Application: the operator version its custom resources
 * were rendered for (pre-flight checks each cluster runs one serving them).
 */
export const ANNOTATION_OPERATOR_VERSION = 'datastack.io/operator-version';
/** The cluster Argo CD itself runs in, where Applications are created. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** What a render produced: files by path, and the Applications per environment. */
export interface RenderedPipeline {
  files: Record<string, string>;
  /** Component Applications per environment, in sync-wave order. */
  applications: Record<string, Application[]>;
  /** The app-of-apps root Application per environment. */
  roots: Record<string, Application>;
  /**
   * Per environment, what the team's AppProject must allow for this
   * pipeline there: the repositories, destinations and Application
   * namespace (datastack:argocd:apply creates or extends the project when
   * datastack.tenancy.createProjects allows it, and checks it otherwise).
   */
  projects: Record<string, AppProject>;
}

/**
 * Sync waves from the `requires` constraints between the pipeline's
 * components: a component deploys one wave after everything it requires.
 */
export function syncWaves(
  components: ComponentDefinition[],
): Map<string, number> {
  const byId = new Map(components.map(c => [c.id, c]));
  const waves = new Map<string, number>();
  const visiting = new Set<string>();
  const wave = (id: string): number => {
    const known = waves.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) {
      throw new Error(
        `Components require each other in a cycle through "${id}"`,
      );
    }
    visiting.add(id);
    const deps = byId.get(id)!.requires.filter(r => byId.has(r.componentId));
    const value = deps.length
      ? 1 + Math.max(...deps.map(d => wave(d.componentId)))
      : 0;
    visiting.delete(id);
    waves.set(id, value);
    return value;
  };
  components.forEach(c => wave(c.id));
  return waves;
}

function join(...parts: string[]): string {
  return parts.filter(p => p && p !== '.').join('/');
}

/**
 * Renders a pipeline's GitOps repository. Pure: the same pipeline always
 * gives the same files, so a retried step writes the same tree.
 */
export function renderPipeline(
  pipeline: Pipeline,
  registry: ComponentRegistry,
): RenderedPipeline {
  const definitions = pipeline.components.map(c => registry.get(c.id));
  const charts = definitions.filter(d => d.type === 'helm-chart');
  const waves = syncWaves(charts);
  const files: Record<string, string> = {};
  const applications: Record<string, Application[]> = {};
  const roots: Record<string, Application> = {};
  const dbtDefinition = definitions.find(d => d.type === 'dbt-project');
  const dbt = dbtDefinition ? renderDbt(pipeline, dbtDefinition) : undefined;
  if (dbt) Object.assign(files, dbt.files);

  const componentEntityName = (id: string) => `${pipeline.name}-${id}`;
  const { placement } = pipeline;
  const projects: Record<string, AppProject> = {};
  /** Labels and annotations that let every later write prove the object is this pipeline's. */
  const ownership = (entityRef: string) => ({
    labels: {
      [LABEL_TEAM]: placement.team,
      [LABEL_MANAGED_BY]: MANAGED_BY_DATASTACK,
    },
    annotations: {
      [ANNOTATION_DATASTACK_OWNER]: placement.owner,
      [ANNOTATION_DATASTACK_ENTITY_REF]: entityRef,
    },
  });
  const componentRef = (id: string) =>
    `component:default/${componentEntityName(id)}`;
  const systemRef = `system:default/${pipeline.system}`;
  const appName = (id: string, env: string) => `${pipeline.name}-${id}-${env}`;
  const selector = (id: string) =>
    `${LABEL_PIPELINE}=${pipeline.name},${LABEL_COMPONENT}=${id}`;

  for (const component of pipeline.components) {
    const definition = registry.get(component.id);
    // Operator-based components get instances, not the operator's chart.
    if (definition.type !== 'helm-chart' || isOperatorBased(definition)) {
      continue;
    }
    const base =
      dbt && component.id === dbt.orchestrator
        ? mergeValues(dbt.orchestratorValues, component.values)
        : component.values;
    files[`components/${component.id}/values.yaml`] = yamlFile(
      base,
      `Helm values of ${definition.title} shared by every environment of ${pipeline.name}.`,
    );
  }

  const namespaceOf = (
    env: Pipeline['environments'][number],
    componentId: string,
  ) => `${env.namespacePrefix}-${componentId}`.slice(0, 63).replace(/-+$/, '');
  const orchestrator = pipeline.components.find(
    c => registry.get(c.id).layer === 'orchestrate',
  )?.id;

  for (const env of pipeline.environments) {
    const envApps: Application[] = [];
    for (const component of pipeline.components) {
      const definition = registry.get(component.id);
      if (definition.type !== 'helm-chart' || !definition.chart) continue;
      const chart = definition.chart;
      const name = appName(component.id, env.name);
      const owned = ownership(componentRef(component.id));
      let sources: ApplicationSource[];
      if (isOperatorBased(definition)) {
        // The operator is the platform's (installed once per cluster); the
        // pipeline syncs its namespaced instance from its own repository.
        const instancePath = `environments/${env.name}/instances/${component.id}`;
        const instance = renderInstance({
          definition,
          pipeline: pipeline.name,
          environment: { name: env.name, size: env.size },
          namespace: namespaceOf(env, component.id),
          // A component's version is the operator version it is rendered
          // for; pre-flight checks each cluster runs one that serves it.
          operatorVersion: component.version,
          topics: component.topics,
          metadata: {
            labels: {
              [LABEL_PIPELINE]: pipeline.name,
              [LABEL_COMPONENT]: component.id,
              [LABEL_ENVIRONMENT]: env.name,
              ...owned.labels,
            },
            annotations: owned.annotations,
          },
          values: mergeValues(component.values, env.values[component.id] ?? {}),
          monitored: pipeline.components
            .filter(c => c.id !== component.id)
            .map(c => ({
              definition: registry.get(c.id),
              namespace: namespaceOf(env, c.id),
            })),
          field: `environments[${pipeline.environments.indexOf(env)}].values.${
            component.id
          }`,
        })!;
        for (const [file, manifests] of Object.entries(instance.files)) {
          files[`${instancePath}/${file}`] = instanceFileText(
            manifests,
            `${definition.title} in ${env.name} (size ${env.size}), served by the platform's ${definition.operator.title}.`,
          );
        }
        for (const [file, manifests] of Object.entries(instance.jobs ?? {})) {
          files[
            `orchestration/${orchestrator ?? component.id}/${component.id}/${
              env.name
            }/${file}`
          ] = instanceFileText(
            manifests,
            `Submitted by the orchestrator in ${env.name}, not synced by Argo CD.`,
          );
        }
        sources = [
          {
            repoURL: pipeline.repoUrl,
            targetRevision: pipeline.repoRevision,
            path: join(pipeline.targetPath, instancePath),
          },
        ];
      } else {
        const valuesPath = `environments/${env.name}/values/${component.id}.yaml`;
        files[valuesPath] = yamlFile(
          mergeValues(
            definition.values[env.size],
            env.values[component.id] ?? {},
          ),
          `Helm values of ${definition.title} in ${env.name} (size ${env.size}).`,
        );
        sources = [
          {
            repoURL: helmRepoUrl(chart.repository),
            chart: chart.name,
            targetRevision: component.version ?? chart.version,
            helm: {
              releaseName: component.id,
              valueFiles: [
                `$values/${join(
                  pipeline.targetPath,
                  `components/${component.id}/values.yaml`,
                )}`,
                `$values/${join(pipeline.targetPath, valuesPath)}`,
              ],
            },
          },
          {
            repoURL: pipeline.repoUrl,
            targetRevision: pipeline.repoRevision,
            ref: 'values',
          },
        ];
      }
      const application: Application = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name,
          namespace: pipeline.argocdNamespace,
          labels: {
            [LABEL_PIPELINE]: pipeline.name,
            [LABEL_COMPONENT]: component.id,
            [LABEL_ENVIRONMENT]: env.name,
            ...owned.labels,
          },
          annotations: {
            'argocd.argoproj.io/sync-wave': String(
              waves.get(component.id) ?? 0,
            ),
            [ANNOTATION_ARGOCD_INSTANCE]: env.argocdInstance,
            ...(isOperatorBased(definition)
              ? {
                  [ANNOTATION_OPERATOR_VERSION]:
                    component.version ?? chart.version,
                }
              : {}),
            ...owned.annotations,
          },
          finalizers: [RESOURCES_FINALIZER],
        },
        spec: {
          project: pipeline.project,
          ...(sources.length === 1 ? { source: sources[0] } : { sources }),
          destination: {
            ...env.cluster,
            namespace: namespaceOf(env, component.id),
          },
          syncPolicy: {
            ...(pipeline.automatedSync
              ? { automated: { prune: true, selfHeal: true } }
              : {}),
            syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
          },
        },
      };
      envApps.push(application);
    }
    envApps.sort(
      (a, b) =>
        Number(a.metadata.annotations!['argocd.argoproj.io/sync-wave']) -
          Number(b.metadata.annotations!['argocd.argoproj.io/sync-wave']) ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
    for (const app of envApps) {
      files[`environments/${env.name}/applications/${app.metadata.name}.yaml`] =
        yamlFile(app);
    }
    applications[env.name] = envApps;

    const rootOwned = ownership(systemRef);
    const root: Application = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: `${pipeline.name}-${env.name}`,
        namespace: pipeline.argocdNamespace,
        labels: {
          [LABEL_PIPELINE]: pipeline.name,
          [LABEL_ENVIRONMENT]: env.name,
          ...rootOwned.labels,
        },
        annotations: {
          [ANNOTATION_ARGOCD_INSTANCE]: env.argocdInstance,
          ...rootOwned.annotations,
        },
        finalizers: [RESOURCES_FINALIZER],
      },
      spec: {
        project: pipeline.project,
        source: {
          repoURL: pipeline.repoUrl,
          targetRevision: pipeline.repoRevision,
          path: join(
            pipeline.targetPath,
            `environments/${env.name}/applications`,
          ),
        },
        // The component Applications live in the team's Application
        // namespace of the cluster Argo CD runs in: whatever the team pushes
        // there is admitted only by its own project (sourceNamespaces).
        destination: {
          server: IN_CLUSTER,
          namespace: pipeline.argocdNamespace,
        },
        syncPolicy: pipeline.automatedSync
          ? { automated: { prune: true, selfHeal: true } }
          : {},
      },
    };
    files[`environments/${env.name}/root.yaml`] = yamlFile(
      root,
      `App of apps of ${pipeline.name} in ${env.name}: apply this one Application and Argo CD creates the others.`,
    );
    roots[env.name] = root;
    projects[env.name] = teamProject(pipeline, env, envApps, root);
    files[`environments/${env.name}/project.yaml`] = yamlFile(
      projects[env.name],
      `What AppProject ${pipeline.project} on Argo CD instance ${env.argocdInstance} must allow for ${pipeline.name} in ${env.name}. Outside the app of apps' path: only the platform (or datastack:argocd:apply where datastack.tenancy.createProjects allows it) applies it.`,
    );
  }

  // Catalog entities: the pipeline as a System, each component as a Component.
  const instances = [
    ...new Set(pipeline.environments.map(e => e.argocdInstance)),
  ].join(',');
  const envNames = pipeline.environments.map(e => e.name).join(',');
  const entities: unknown[] = [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: {
        name: pipeline.system,
        description: pipeline.description,
        annotations: {
          [ANNOTATION_DATASTACK_PIPELINE]: pipeline.name,
          [ANNOTATION_DATASTACK_ENVIRONMENTS]: envNames,
          [ANNOTATION_DATASTACK_GITOPS_REPO]: pipeline.repoUrl,
        },
        tags: ['datastack', 'data-pipeline'],
      },
      spec: { owner: pipeline.owner },
    },
  ];
  for (const component of pipeline.components) {
    const definition = registry.get(component.id);
    const dependsOn = definition.requires
      .filter(r => pipeline.components.some(c => c.id === r.componentId))
      .map(r => `component:${componentEntityName(r.componentId)}`);
    if (definition.type === 'dbt-project' && dbt) {
      dependsOn.push(
        `component:${componentEntityName(dbt.warehouse)}`,
        `component:${componentEntityName(dbt.orchestrator)}`,
      );
    }
    const annotations: Record<string, string> = {
      [ANNOTATION_DATASTACK_COMPONENT]: component.id,
      [ANNOTATION_DATASTACK_PIPELINE]: pipeline.name,
      [ANNOTATION_DATASTACK_ENVIRONMENTS]: envNames,
      [ANNOTATION_KUBERNETES_ID]: componentEntityName(component.id),
    };
    if (definition.type === 'helm-chart') {
      annotations[ANNOTATION_ARGOCD_APP_SELECTOR] = selector(component.id);
      annotations[ANNOTATION_ARGOCD_INSTANCE_NAME] = instances;
    }
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: componentEntityName(component.id),
        title: `${definition.title} (${pipeline.name})`,
        description: definition.description,
        annotations,
        tags: ['datastack', definition.layer, component.id],
        links: [
          {
            url: definition.docsUrl,
            title: `${definition.title} documentation`,
          },
        ],
      },
      spec: {
        type:
          definition.type === 'dbt-project'
            ? 'dbt-project'
            : 'data-stack-component',
        lifecycle: pipeline.lifecycle,
        owner: pipeline.owner,
        system: pipeline.system,
        ...(dependsOn.length ? { dependsOn: [...new Set(dependsOn)] } : {}),
      },
    });
  }
  files['catalog-info.yaml'] = entities
    .map(e => stringify(e, { lineWidth: 0 }))
    .join('---\n');
  files['README.md'] = renderReadme(pipeline, registry, applications, roots);
  return { files, applications, roots, projects };
}

/**
 * The team's AppProject as one environment of this pipeline needs it: the
 * pipeline's repository and the charts it installs as sources, exactly the
 * namespaces it deploys to (no globs, so no other team's namespace can ever
 * match), the team's Application namespace as the only source namespace,
 * Namespace as the only cluster-scoped kind, and a role for the team's group.
 */
export function teamProject(
  pipeline: Pipeline,
  env: Pipeline['environments'][number],
  apps: Application[],
  root: Application,
): AppProject {
  const { placement } = pipeline;
  const repos = new Set<string>([pipeline.repoUrl]);
  const destinations = new Map<
    string,
    { server?: string; name?: string; namespace: string }
  >();
  for (const app of [...apps, root]) {
    for (const source of app.spec.sources ?? [app.spec.source!]) {
      if (source?.repoURL) repos.add(source.repoURL);
    }
    const dest = app.spec.destination;
    const key = `${dest.server ?? ''}|${dest.name ?? ''}|${dest.namespace}`;
    destinations.set(key, {
      ...(dest.server ? { server: dest.server } : { name: dest.name }),
      namespace: dest.namespace!,
    });
  }
  const team = placement.team;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: {
      name: placement.project,
      namespace: 'argocd',
      labels: {
        [LABEL_TEAM]: team,
        [LABEL_MANAGED_BY]: MANAGED_BY_DATASTACK,
      },
      annotations: {
        [ANNOTATION_DATASTACK_OWNER]: placement.owner,
        [ANNOTATION_ARGOCD_INSTANCE]: env.argocdInstance,
      },
    },
    spec: {
      description: `Applications of ${placement.owner}, managed by Datastack`,
      sourceRepos: [...repos].sort(),
      destinations: [...destinations.values()].sort((a, b) =>
        `${a.server ?? a.name}/${a.namespace}`.localeCompare(
          `${b.server ?? b.name}/${b.namespace}`,
        ),
      ),
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      namespaceResourceBlacklist: [
        { group: '', kind: 'ResourceQuota' },
        { group: '', kind: 'LimitRange' },
      ],
      sourceNamespaces: [placement.applicationNamespace],
      roles: [
        {
          name: 'team',
          description: `Members of ${placement.owner}`,
          policies: [
            `p, proj:${placement.project}:team, applications, get, ${placement.project}/*, allow`,
            `p, proj:${placement.project}:team, applications, sync, ${placement.project}/*, allow`,
          ],
          groups: [team],
        },
      ],
    },
  };
}

function renderReadme(
  pipeline: Pipeline,
  registry: ComponentRegistry,
  applications: Record<string, Application[]>,
  roots: Record<string, Application>,
): string {
  const rows = pipeline.components.map(c => {
    const d = registry.get(c.id);
    const version = c.version ?? d.chart?.version ?? d.dbt?.coreVersion ?? '';
    let where = 'this repository (`dbt/`)';
    if (isOperatorBased(d)) {
      where = `instance of the platform's ${d.operator.title} (\`${d.chart.name}\`), \`environments/<env>/instances/${d.id}/\``;
    } else if (d.chart) {
      where = `${d.chart.repository} \`${d.chart.name}\``;
    }
    return `| ${d.title} | ${d.layer} | ${where} | ${version} |`;
  });
  const envs = pipeline.environments.map(
    e =>
      `- **${e.name}**: Argo CD \`${e.argocdInstance}\`, cluster \`${
        e.cluster.server ?? e.cluster.name
      }\`, size ${e.size}; root Application \`${
        roots[e.name].metadata.name
      }\` (\`environments/${e.name}/root.yaml\`) creates ${
        applications[e.name].length
      } Applications.`,
  );
  return `# ${pipeline.name}

${pipeline.description}

GitOps repository rendered by Datastack. Argo CD deploys what is on the default branch.

## Components

| component | layer | chart | version |
|---|---|---|---|
${rows.join('\n')}

## Environments

${envs.join('\n')}

## Layout

- \`components/<id>/values.yaml\`: Helm values shared by every environment.
- \`environments/<env>/values/<id>.yaml\`: the environment's values, applied after the shared ones.
- \`environments/<env>/instances/<id>/\`: the namespaced resources of an operator-based component (Kafka, Flink, ClickHouse, Spark, monitoring); the operators themselves are the platform team's, installed once per cluster.
- \`environments/<env>/applications/\`: one Argo CD Application per component.
- \`environments/<env>/root.yaml\`: the app of apps; \`kubectl apply -n ${
    pipeline.argocdNamespace
  } -f environments/<env>/root.yaml\` when Datastack did not apply it.
- \`catalog-info.yaml\`: the pipeline (System) and its components for the Backstage catalog.

To change a version or a value, open a pull request here: Argo CD syncs the change.
`;
}
