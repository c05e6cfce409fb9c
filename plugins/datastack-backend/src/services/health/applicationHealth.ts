import {
  ApplicationHealth,
  ApplicationSettling,
  ComponentRegistry,
  FailingResource,
  HealthFinding,
  ComponentDefinition,
  DeploymentRecord,
  LABEL_ENVIRONMENT,
  LABEL_PLATFORM_OPERATOR,
  RollupStatus,
} from '@datastack/plugin-datastack-common';
import type {
  Application,
  ResourceStatus,
} from '@datastack/plugin-datastack-node';

function findingFor(
  resource: ResourceStatus,
  rule: string,
  message: string,
  severity: HealthFinding['severity'] = 'error',
): HealthFinding {
  return {
    rule,
    severity,
    message,
    resource: {
      kind: resource.kind,
      name: resource.name,
      namespace: resource.namespace,
    },
  };
}

const because = (r: ResourceStatus) =>
  r.health?.message ? `: ${r.health.message}` : '';

/** The name of a component's operator Deployment, from the registry. */
export function operatorDeploymentName(
  definition: ComponentDefinition,
): string | undefined {
  return definition.operator?.deployment ?? definition.operatorDeployment;
}

/**
 * The operator Deployment of a component in an Application's resource list:
 * the registry's name, or that name behind a release prefix
 * (`<release>-<name>`). Undefined when the list does not have it.
 */
export function findOperatorDeployment(
  resources: ResourceStatus[],
  definition: ComponentDefinition,
): ResourceStatus | undefined {
  const name = operatorDeploymentName(definition);
  if (!name) return undefined;
  return resources.find(
    r =>
      r.kind === 'Deployment' &&
      (!r.group || r.group === 'apps') &&
      (r.name === name || r.name.endsWith(`-${name}`)),
  );
}

/**
 * Data-stack health rules beyond Argo CD's own: what a Strimzi Kafka, a
 * Flink job, a Spark application or a platform operator being unwell means,
 * in words a data engineer acts on. Argo CD's built-in health checks for
 * these kinds set `health.status`; the rules read it.
 *
 * The operator rule (`operator-unavailable`) applies only to a platform
 * operator's Application (`platformOperator`, the value of its
 * `datastack.io/platform-operator` label): operators are installed once per
 * cluster by the platform layer, so a pipeline's instance Application never
 * contains the operator Deployment, and its absence there says nothing.
 */
export function dataStackFindings(
  resources: ResourceStatus[],
  platformOperator: string | undefined,
  registry: ComponentRegistry,
): HealthFinding[] {
  const findings: HealthFinding[] = [];
  const definition = platformOperator
    ? registry.find(platformOperator)
    : undefined;
  const operator = definition
    ? findOperatorDeployment(resources, definition)
    : undefined;
  for (const r of resources) {
    const status = r.health?.status;
    if (!status || status === 'Healthy') continue;
    if (r.group === 'kafka.strimzi.io' && r.kind === 'Kafka') {
      findings.push(
        findingFor(
          r,
          'strimzi-kafka-ready',
          status === 'Progressing'
            ? `Kafka cluster ${r.name} is not Ready yet${because(r)}`
            : `Kafka cluster ${r.name} is not Ready (${status})${because(r)}`,
          status === 'Progressing' ? 'warning' : 'error',
        ),
      );
    } else if (r.group === 'flink.apache.org' && r.kind === 'FlinkDeployment') {
      findings.push(
        findingFor(
          r,
          'flink-job-state',
          `Flink job ${r.name} is ${
            status === 'Degraded' ? 'failing' : status.toLowerCase()
          }${because(r)}`,
          status === 'Degraded' ? 'error' : 'warning',
        ),
      );
    } else if (
      r.group === 'sparkoperator.k8s.io' &&
      (r.kind === 'SparkApplication' || r.kind === 'ScheduledSparkApplication')
    ) {
      findings.push(
        findingFor(
          r,
          'spark-application-state',
          status === 'Degraded'
            ? `Spark application ${r.name} failed${because(r)}`
            : `Spark application ${r.name} is ${status.toLowerCase()}${because(
                r,
              )}`,
          status === 'Degraded' ? 'error' : 'warning',
        ),
      );
    } else if (definition && r === operator) {
      const title =
        definition.operator?.title ?? `${definition.title} operator`;
      findings.push(
        findingFor(
          r,
          'operator-unavailable',
          `The ${title} (Deployment ${
            r.name
          }) is unavailable, so the custom resources it serves on this cluster are not reconciled${because(
            r,
          )}`,
        ),
      );
    }
  }
  return findings;
}

/**
 * How long after an operation started (while it runs) or ended (after it)
 * the data-stack rules wait before they call what they see a problem: a
 * fresh Kafka or operator is not Ready in its first minutes, as Argo CD's own
 * Progressing says. Kubernetes' Deployment `progressDeadlineSeconds`
 * defaults to 600 for the same reason.
 */
export const DEFAULT_PROGRESS_DEADLINE_MS = 10 * 60_000;

const RUNNING_PHASES = new Set(['Running', 'Terminating']);
const FAILED_PHASES = new Set(['Failed', 'Error']);

function epoch(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * Whether an Application is settling: Argo CD's operation runs, or it ended
 * (or, never synced, it was created) less than the progress deadline ago and
 * Argo CD still reports the Application Progressing or Missing. Undefined when Argo CD itself says it
 * failed (Degraded health, a Failed or Error operation), or when nothing is
 * in progress.
 */
export function settlingOf(
  app: Application,
  now: number,
  progressDeadlineMs: number,
): ApplicationSettling | undefined {
  const health = app.status?.health?.status;
  const operation = app.status?.operationState;
  const phase = operation?.phase;
  if (health === 'Degraded' || (phase && FAILED_PHASES.has(phase))) {
    return undefined;
  }
  const syncing = !!phase && RUNNING_PHASES.has(phase);
  let since: number | undefined;
  if (syncing) {
    since = epoch(operation?.startedAt) ?? now;
  } else if (health === 'Progressing' || health === 'Missing') {
    const history = app.status?.history ?? [];
    // After the last operation, the last deployment, or (never synced yet)
    // the Application's creation.
    since =
      epoch(operation?.finishedAt) ??
      epoch(history[history.length - 1]?.deployedAt) ??
      epoch(app.metadata.creationTimestamp);
    if (since === undefined || now - since >= progressDeadlineMs) {
      return undefined;
    }
  } else {
    return undefined;
  }
  return {
    syncing,
    since: new Date(since).toISOString(),
    until: new Date(since + progressDeadlineMs).toISOString(),
  };
}

/** Whether the progress deadline of a settling Application is still ahead. */
function withinDeadline(
  settling: ApplicationSettling | undefined,
  now: number,
): boolean {
  return !!settling && now < Date.parse(settling.until);
}

/**
 * Argo CD's sync, health and operation summed up in one status, with Argo
 * CD's meaning: a running operation is `progressing`, never `degraded`,
 * unless Argo CD reports the Application Degraded or a data-stack rule has
 * fired (is past its progress deadline, see {@link applicationHealth}).
 */
export function rollup(
  app: Application,
  findings: HealthFinding[],
  settling?: ApplicationSettling,
  now: number = Date.now(),
): RollupStatus {
  const health = app.status?.health?.status ?? 'Unknown';
  const sync = app.status?.sync?.status ?? 'Unknown';
  const phase = app.status?.operationState?.phase;
  if (
    health === 'Degraded' ||
    (phase && FAILED_PHASES.has(phase)) ||
    findings.some(f => f.severity === 'error' && !f.pendingUntil)
  ) {
    return 'degraded';
  }
  if (settling?.syncing) return 'progressing';
  if (health === 'Missing') {
    return withinDeadline(settling, now) ? 'progressing' : 'missing';
  }
  if (health === 'Progressing') return 'progressing';
  if (sync === 'OutOfSync') return 'out-of-sync';
  if (health === 'Healthy' && sync === 'Synced') return 'healthy';
  if (health === 'Suspended' && sync === 'Synced') return 'healthy';
  return 'unknown';
}

/** Resources listed on the entity view; `resourcesTotal` says how many there are. */
const MAX_RESOURCES = 100;
/** Deployments listed on the entity view, newest first. */
const MAX_HISTORY = 5;

/**
 * The health of one Application as Datastack answers it: Argo CD's status,
 * the chart and version deployed (single or multi-source), the resources
 * that are not Healthy or not Synced, and the data-stack findings.
 */
export function applicationHealth(
  app: Application,
  options: {
    instance: string;
    url: string;
    registry: ComponentRegistry;
    /** The web page of a commit of a repository, where its host is known. */
    commitUrl?: (repoURL: string, sha: string) => string | undefined;
    /**
     * How long the data-stack rules wait after an operation started or
     * ended before they fire; {@link DEFAULT_PROGRESS_DEADLINE_MS} by default.
     */
    progressDeadlineMs?: number;
    /** The current time, epoch milliseconds; `Date.now()` by default. */
    now?: number;
    /** The entity view: the latest deployments and every resource too. */
    detail?: boolean;
  },
): ApplicationHealth {
  const sources =
    app.spec.sources ?? (app.spec.source ? [app.spec.source] : []);
  const revisions =
    app.status?.sync?.revisions ??
    (app.status?.sync?.revision ? [app.status.sync.revision] : []);
  const chartIndex = sources.findIndex(s => s.chart);
  const chartSource = chartIndex >= 0 ? sources[chartIndex] : undefined;
  // The Git source's revision: each of `revisions` belongs to the source at its index.
  const gitIndex = sources.findIndex(s => !s.chart);
  const revisionUrl =
    gitIndex >= 0 && revisions[gitIndex]
      ? options.commitUrl?.(sources[gitIndex].repoURL, revisions[gitIndex])
      : undefined;
  const resources = app.status?.resources ?? [];
  const failingResources: FailingResource[] = resources
    .filter(
      r =>
        (r.health?.status && r.health.status !== 'Healthy') ||
        (r.status && r.status !== 'Synced'),
    )
    .map(r => ({
      group: r.group || undefined,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      sync: r.status,
      health: r.health?.status,
      message: r.health?.message,
    }));
  const now = options.now ?? Date.now();
  const settling = settlingOf(
    app,
    now,
    options.progressDeadlineMs ?? DEFAULT_PROGRESS_DEADLINE_MS,
  );
  // Within the progress deadline a rule only says what it waits for.
  const pendingUntil = withinDeadline(settling, now)
    ? settling!.until
    : undefined;
  const findings = dataStackFindings(
    resources,
    app.metadata.labels?.[LABEL_PLATFORM_OPERATOR],
    options.registry,
  ).map(f => (pendingUntil ? { ...f, pendingUntil } : f));
  const history = app.status?.history ?? [];
  const operation = app.status?.operationState;
  return {
    instance: options.instance,
    name: app.metadata.name,
    namespace: app.metadata.namespace,
    url: options.url,
    environment: app.metadata.labels?.[LABEL_ENVIRONMENT],
    project: app.spec.project,
    sync: {
      status: app.status?.sync?.status ?? 'Unknown',
      revision: app.status?.sync?.revision,
      revisions: app.status?.sync?.revisions,
    },
    ...(revisionUrl && { revisionUrl }),
    health: {
      status: app.status?.health?.status ?? 'Unknown',
      message: app.status?.health?.message,
    },
    operation: operation
      ? {
          phase: operation.phase,
          message: operation.message,
          startedAt: operation.startedAt,
          finishedAt: operation.finishedAt,
        }
      : undefined,
    lastDeployedAt: history.length
      ? history[history.length - 1].deployedAt
      : undefined,
    images: app.status?.summary?.images ?? [],
    chart: chartSource
      ? {
          repoURL: chartSource.repoURL,
          name: chartSource.chart!,
          version: revisions[chartIndex] ?? chartSource.targetRevision,
        }
      : undefined,
    failingResources,
    findings,
    ...(options.detail && {
      history: deploymentHistory(app, options.commitUrl),
      resources: resources.slice(0, MAX_RESOURCES).map(r => ({
        group: r.group || undefined,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        sync: r.status,
        health: r.health?.status,
      })),
      resourcesTotal: resources.length,
    }),
    ...(settling && { settling }),
    status: rollup(app, findings, settling, now),
  };
}

/**
 * The latest deployments of `status.history`, newest first: each with the
 * chart version and the Git revision it deployed (by the sources it
 * recorded, which may differ from today's), and the revision's commit page.
 */
export function deploymentHistory(
  app: Application,
  commitUrl?: (repoURL: string, sha: string) => string | undefined,
): DeploymentRecord[] {
  return (app.status?.history ?? [])
    .slice(-MAX_HISTORY)
    .reverse()
    .map(h => {
      const sources =
        h.sources ??
        (h.source ? [h.source] : undefined) ??
        app.spec.sources ??
        (app.spec.source ? [app.spec.source] : []);
      const revisions = h.revisions ?? (h.revision ? [h.revision] : []);
      const chartAt = sources.findIndex(s => s.chart);
      const gitAt = sources.findIndex(s => !s.chart);
      const revision = gitAt >= 0 ? revisions[gitAt] : undefined;
      const revisionUrl =
        revision && gitAt >= 0
          ? commitUrl?.(sources[gitAt].repoURL, revision)
          : undefined;
      return {
        id: h.id,
        deployedAt: h.deployedAt,
        ...(chartAt >= 0 &&
          revisions[chartAt] && { chartVersion: revisions[chartAt] }),
        ...(revision && { revision }),
        ...(revisionUrl && { revisionUrl }),
      };
    });
}
