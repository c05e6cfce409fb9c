import {
  ComponentRegistry,
  LABEL_PLATFORM_OPERATOR,
  PLATFORM_PROJECT,
  OperatorComponent,
  instanceResources,
  isOperatorBased,
  operatorRangeFor,
} from '@datastack/plugin-datastack-common';
import type {
  Application,
  ArgoCdClient,
  ArgoCdCluster,
} from '@datastack/plugin-datastack-node';
import semver from 'semver';

/** The cluster Argo CD runs in, as Argo CD names it. */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
const IN_CLUSTER_NAME = 'in-cluster';

/** A destination environment of a pipeline, as pre-flight checks it. */
export interface OperatorCheckEnvironment {
  name: string;
  argocdInstance: string;
  cluster: { server?: string; name?: string };
}

/** Why an operator a pipeline needs is not usable on a cluster. */
export type OperatorProblemReason =
  | 'missing'
  | 'unhealthy'
  | 'version'
  | 'unreachable';

/** One thing that stops a pipeline from deploying, named for the person who fixes it. */
export interface OperatorProblem {
  reason: OperatorProblemReason;
  environment: string;
  argocdInstance: string;
  /** `<argocd instance>/<cluster name or server>`. */
  cluster: string;
  /** The registry id of the operator's component; absent when the instance did not answer. */
  componentId?: string;
  /** The operator chart. */
  chart?: string;
  /** Operator chart versions that serve what the pipeline renders. */
  needed?: string;
  /** The version on the cluster, when there is one. */
  found?: string;
  /** The platform Application read, when there is one. */
  application?: string;
  message: string;
}

export interface CheckOperatorsOptions {
  registry: ComponentRegistry;
  /** The pipeline's components (registry ids); only operator-based ones need a platform operator. */
  components: Array<string | { id: string }>;
  environments: OperatorCheckEnvironment[];
  /** Argo CD clients by instance name. */
  clients: Map<string, ArgoCdClient>;
  /**
   * The operator version each component's instance is rendered for; the
   * registry's chart version by default (what the renderer uses).
   */
  operatorVersions?: Record<string, string>;
  signal?: AbortSignal;
}

/** The version of the operator chart an Application deploys, preferring what is deployed. */
function deployedVersion(app: Application, chart: string): string | undefined {
  const sources =
    app.spec.sources ?? (app.spec.source ? [app.spec.source] : []);
  const index = sources.findIndex(s => s.chart === chart);
  const synced =
    index >= 0
      ? app.status?.sync?.revisions?.[index] ??
        (sources.length === 1 ? app.status?.sync?.revision : undefined)
      : undefined;
  for (const candidate of [synced, sources[index]?.targetRevision]) {
    if (candidate && semver.valid(candidate)) return candidate;
  }
  return undefined;
}

function clusterLabel(env: OperatorCheckEnvironment): string {
  return `${env.argocdInstance}/${env.cluster.name ?? env.cluster.server}`;
}

/** Whether an Application's destination is the environment's cluster. */
function sameCluster(
  dest: { server?: string; name?: string },
  cluster: { server?: string; name?: string },
  clusters: ArgoCdCluster[],
): boolean {
  const serverOf = (c: { server?: string; name?: string }) => {
    if (c.server) return c.server.replace(/\/+$/, '');
    if (c.name === IN_CLUSTER_NAME) return IN_CLUSTER_SERVER;
    return clusters.find(k => k.name === c.name)?.server?.replace(/\/+$/, '');
  };
  if (dest.name && cluster.name) return dest.name === cluster.name;
  const a = serverOf(dest);
  return a !== undefined && a === serverOf(cluster);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Pre-flight of a pipeline's platform layer: reads, through each
 * environment's Argo CD instance, the platform operator Applications (label
 * `datastack.io/platform-operator`) deployed to that environment's cluster,
 * and returns one problem per environment and needed operator that is
 * missing, not Healthy, or at a version that does not serve the custom
 * resource apiVersions the pipeline renders. An instance that does not answer
 * is one problem naming it; nothing throws. Read-only.
 */
export async function checkOperators(
  options: CheckOperatorsOptions,
): Promise<OperatorProblem[]> {
  const ids = [
    ...new Set(options.components.map(c => (typeof c === 'string' ? c : c.id))),
  ];
  const needed = ids
    .map(id => options.registry.find(id))
    .filter((d): d is OperatorComponent => Boolean(d && isOperatorBased(d)));
  if (needed.length === 0) return [];

  // One read per Argo CD instance, shared by its environments.
  const reads = new Map<
    string,
    Promise<
      { apps: Application[]; clusters: ArgoCdCluster[] } | { error: string }
    >
  >();
  const readInstance = (name: string) => {
    let read = reads.get(name);
    if (!read) {
      const client = options.clients.get(name);
      read = client
        ? (async () => {
            try {
              const [apps, clusters] = await Promise.all([
                client.listApplications({
                  selector: LABEL_PLATFORM_OPERATOR,
                  signal: options.signal,
                }),
                client
                  .listClusters({ signal: options.signal })
                  .catch(() => [] as ArgoCdCluster[]),
              ]);
              return { apps, clusters };
            } catch (error) {
              return { error: errorText(error) };
            }
          })()
        : Promise.resolve({
            error: `Argo CD instance "${name}" is not configured`,
          });
      reads.set(name, read);
    }
    return read;
  };

  const problems: OperatorProblem[] = [];
  for (const env of options.environments) {
    const cluster = clusterLabel(env);
    const base = {
      environment: env.name,
      argocdInstance: env.argocdInstance,
      cluster,
    };
    const where =
      env.name === env.argocdInstance
        ? `cluster ${cluster}`
        : `cluster ${cluster} (environment ${env.name})`;
    const read = await readInstance(env.argocdInstance);
    if ('error' in read) {
      problems.push({
        ...base,
        reason: 'unreachable',
        message: `Argo CD instance ${env.argocdInstance} did not answer, so the operators on ${where} could not be checked: ${read.error}`,
      });
      continue;
    }
    for (const definition of needed) {
      const chart = definition.chart.name;
      const operator = definition.operator.title;
      const rendered = instanceResources(
        definition,
        options.operatorVersions?.[definition.id],
      );
      const range = operatorRangeFor(rendered);
      const template = 'with the "Platform operators" template';
      const subject = {
        ...base,
        componentId: definition.id,
        chart,
        needed: range,
      };
      // Only the platform's own Applications count: a team could put the
      // label on an Application of its own project, but no team namespace
      // may use the platform project.
      const apps = read.apps.filter(
        a =>
          a.metadata.labels?.[LABEL_PLATFORM_OPERATOR] === definition.id &&
          a.spec.project === PLATFORM_PROJECT &&
          sameCluster(a.spec.destination ?? {}, env.cluster, read.clusters),
      );
      if (apps.length === 0) {
        problems.push({
          ...subject,
          reason: 'missing',
          message: `${where} has no ${operator}; install ${chart} ${range} ${template}`,
        });
        continue;
      }
      const versioned = apps.map(app => ({
        app,
        version: deployedVersion(app, chart),
      }));
      const fitting = versioned.find(
        v =>
          v.version &&
          semver.satisfies(v.version, range, { includePrerelease: true }),
      );
      if (!fitting) {
        const found = versioned.find(v => v.version) ?? versioned[0];
        const kinds = rendered.map(r => `${r.apiVersion} ${r.kind}`).join(', ');
        problems.push({
          ...subject,
          reason: 'version',
          found: found.version,
          application: found.app.metadata.name,
          message: found.version
            ? `${where} runs ${chart} ${found.version}, which does not serve ${kinds}; upgrade it to ${range} ${template}`
            : `${where} has ${operator} (Application ${found.app.metadata.name}) at no chart version Datastack can read; it needs ${chart} ${range}`,
        });
        continue;
      }
      const health = fitting.app.status?.health?.status ?? 'Unknown';
      if (health !== 'Healthy') {
        const detail = fitting.app.status?.health?.message;
        problems.push({
          ...subject,
          reason: 'unhealthy',
          found: fitting.version,
          application: fitting.app.metadata.name,
          message: `${operator} on ${where} is ${health}${
            detail ? ` (${detail})` : ''
          }, not Healthy: Application ${
            fitting.app.metadata.name
          } must be Healthy before a pipeline uses ${chart} ${range}`,
        });
      }
    }
  }
  return problems;
}
