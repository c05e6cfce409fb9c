/**
 * The sandbox's "application controller": how an Application moves from
 * OutOfSync/Missing through a running sync operation to Synced/Healthy (or
 * Degraded, or a failed operation), computed from timestamps whenever the
 * Application is read. No timers run per Application, so thousands of
 * Applications cost nothing while nobody reads them.
 */

import { ArgoCdApiError, GrpcCode } from './errors';
import { InventoryItem, hasHealth, inventoryFor, isWorkload } from './charts';
import type {
  Application,
  ApplicationCondition,
  ApplicationSource,
  ApplicationSpec,
  ApplicationStatus,
  HealthStatus,
  HealthStatusCode,
  ObjectMeta,
  Operation,
  OperationInitiator,
  OperationState,
  ResourceResult,
  ResourceStatus,
  RevisionHistory,
  SyncOperation,
} from './types';
import type { GitSourceState } from './gitSource';
import { directoryDocuments, manifestItems } from './gitSource';
import { iso, sha1 } from './util';

/** Label that decides how the sandbox's syncs of an Application end. */
export const OUTCOME_LABEL = 'sandbox.datastack.io/outcome';
/** Label that adds resources of removed Kubernetes APIs to the inventory. */
export const LEGACY_APIS_LABEL = 'sandbox.datastack.io/legacy-apis';

/** How a sync of an Application ends. */
export type Outcome = 'healthy' | 'degraded' | 'failed';

/** Time and bookkeeping the lifecycle needs from the store. */
export interface LifecycleContext {
  /** Current time, epoch milliseconds. */
  now: number;
  /** How long a sync operation runs. */
  syncDurationMs: number;
  /** A fresh `metadata.resourceVersion`. */
  nextResourceVersion(): string;
  /**
   * Called after every change the lifecycle makes to a record (each one
   * bumps its `metadata.resourceVersion`): the store publishes it to the
   * watch stream.
   */
  changed?(record: AppRecord): void;
  /** What a Git source under the git root resolved to; undefined for other sources. */
  gitSource?(source: ApplicationSource): GitSourceState | undefined;
  /** Changes whenever Git sources were re-read (invalidates resolutions). */
  gitEpoch?: number;
  /**
   * The resources of a sync the Application's project refuses, and why
   * (the controller's permission check before anything is applied).
   */
  permissionErrors?(
    record: AppRecord,
    inventory: InventoryItem[],
    syncOptions: string[],
  ): Refusal[];
  /**
   * Applies the Argo CD objects a finished sync created (child
   * Applications, AppProjects) and prunes the children it no longer
   * renders; answers those that were refused.
   */
  applyObjects?(
    record: AppRecord,
    inventory: InventoryItem[],
    previous: InventoryItem[] | undefined,
    prune: boolean,
  ): Refusal[];
}

/** A resource a sync could not create, and why. */
export interface Refusal {
  item: InventoryItem;
  message: string;
}

/** The revisions an Application's sources resolve to. */
interface Resolved {
  multiSource: boolean;
  sources: ApplicationSource[];
  revisions: string[];
  inventory: InventoryItem[];
  /** Why the manifests of a Git source could not be read. */
  manifestError?: string;
}

/** What the last successful (non dry-run) sync left in the cluster. */
interface Deployed extends Resolved {
  generation: number;
  outcome: 'healthy' | 'degraded';
  startedAt: number;
  finishedAt: number;
}

/** A sync operation in progress. */
interface Running extends Resolved {
  operation: Operation;
  generation: number;
  startedAt: number;
  dryRun: boolean;
  outcome: Outcome;
  /** Resources the project refuses: the operation fails at once. */
  refused: Refusal[];
  /**
   * Past half the sync duration with a workload: the operation waits for
   * its health (a status change of its own, with its own resourceVersion).
   */
  waiting?: boolean;
}

/** Everything the sandbox keeps about one Application. */
export interface AppRecord {
  /** `namespace/name` */
  key: string;
  metadata: ObjectMeta & { namespace: string; generation: number };
  spec: ApplicationSpec;
  createdAt: number;
  /** When the spec last changed. */
  specChangedAt: number;
  /** Last refresh. */
  reconciledAt: number;
  deployed?: Deployed;
  running?: Running;
  lastOperation?: OperationState;
  failedAttempt?: { generation: number; revisions: string[]; message: string };
  history: RevisionHistory[];
  /** Set by a cascading delete of an Application with the resources finalizer. */
  deletingAt?: number;
  /** Resolution cache of the current generation. */
  cache?: { generation: number; epoch: number; resolved: Resolved };
  /** Materialized view while nothing runs, keyed by resourceVersion. */
  view?: { resourceVersion: string; epoch: number; app: Application };
}

/** The body of POST /api/v1/applications/{name}/sync, as far as it is used. */
export interface SyncRequest {
  revision?: string;
  revisions?: string[];
  sourcePositions?: number[];
  prune?: boolean;
  dryRun?: boolean;
  syncOptions?: { items?: string[] };
  strategy?: Record<string, unknown>;
}

const HEALTH_ORDER: HealthStatusCode[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

/** The sources of a spec, and whether it is a multi-source Application. */
export function sourcesOf(spec: ApplicationSpec): {
  multiSource: boolean;
  sources: ApplicationSource[];
} {
  if (spec.sources && spec.sources.length > 0) {
    return { multiSource: true, sources: spec.sources };
  }
  return { multiSource: false, sources: spec.source ? [spec.source] : [] };
}

/** A Helm chart version from a target revision that may be a range. */
function chartVersion(target: string): string {
  const exact = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/;
  if (exact.test(target)) return target;
  const match = /(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(target);
  if (!match) return '1.0.0';
  const part = (p: string | undefined) => (p && /^\d+$/.test(p) ? p : '0');
  return `${match[1]}.${part(match[2])}.${part(match[3])}`;
}

/**
 * The revision a source resolves to: the chart version for a Helm chart,
 * a 40-hex commit derived from repository and target revision for Git.
 */
export function resolveRevision(
  source: ApplicationSource,
  override?: string,
): string {
  const target = override || source.targetRevision || '';
  if (source.chart) return chartVersion(target || '*');
  if (/^[0-9a-f]{40}$/.test(target)) return target;
  return sha1(`${source.repoURL}@${target || 'HEAD'}`);
}

function lastSegment(path: string | undefined): string {
  const parts = (path ?? '').split('/').filter(p => p && p !== '.');
  return parts[parts.length - 1] ?? '';
}

function simulatedInventory(
  metadata: ObjectMeta,
  spec: ApplicationSpec,
  sources: ApplicationSource[],
  revisions: string[],
): InventoryItem[] {
  const index = Math.max(
    0,
    sources.findIndex(s => s.chart) >= 0
      ? sources.findIndex(s => s.chart)
      : sources.findIndex(s => s.path),
  );
  const source = sources[index];
  const chart = source?.chart ?? lastSegment(source?.path) ?? '';
  const targetTag = source?.targetRevision ?? '';
  let tag = 'latest';
  if (source?.chart) tag = revisions[index];
  else if (/^v?\d+\.\d+/.test(targetTag)) tag = targetTag;
  return inventoryFor(chart || metadata.name, {
    release: source?.helm?.releaseName || metadata.name,
    namespace: spec.destination.namespace || 'default',
    tag,
    legacyApis: metadata.labels?.[LEGACY_APIS_LABEL] === 'true',
  });
}

function resolve(
  record: AppRecord,
  ctx: LifecycleContext,
  overrides?: { revision?: string; revisions?: string[]; positions?: number[] },
): Resolved {
  const epoch = ctx.gitEpoch ?? 0;
  if (
    !overrides &&
    record.cache?.generation === record.metadata.generation &&
    record.cache.epoch === epoch
  ) {
    return record.cache.resolved;
  }
  const { multiSource, sources } = sourcesOf(record.spec);
  const git = sources.map(source => ctx.gitSource?.(source));
  const revisions = sources.map((source, i) => {
    const state = git[i];
    if (state?.revision) return state.revision;
    let override: string | undefined;
    if (!multiSource) override = overrides?.revision;
    else if (overrides?.revisions) {
      const at = overrides.positions?.length
        ? overrides.positions.indexOf(i + 1)
        : i;
      override = at >= 0 ? overrides.revisions[at] : undefined;
    }
    return resolveRevision(source, override);
  });
  const local = git.some(state => state !== undefined);
  const inventory: InventoryItem[] = [];
  let manifestError: string | undefined;
  if (!local || sources.some(source => source.chart)) {
    const simulated = local ? sources.filter(s => s.chart) : sources;
    inventory.push(
      ...simulatedInventory(record.metadata, record.spec, simulated, [
        ...revisions.filter((_, i) => !local || sources[i].chart),
      ]),
    );
  }
  for (const [i, state] of git.entries()) {
    if (!state) continue;
    if (state.error !== undefined) manifestError ??= state.error;
    else {
      inventory.push(
        ...manifestItems(
          directoryDocuments(sources[i], state.documents),
          record.spec.destination.namespace || 'default',
        ),
      );
    }
  }
  const resolved: Resolved = {
    multiSource,
    sources,
    revisions,
    inventory,
    ...(manifestError ? { manifestError } : {}),
  };
  if (!overrides) {
    record.cache = { generation: record.metadata.generation, epoch, resolved };
  }
  return resolved;
}

function sameRevisions(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function outcomeOf(metadata: ObjectMeta): Outcome {
  const value = metadata.labels?.[OUTCOME_LABEL];
  return value === 'degraded' || value === 'failed' ? value : 'healthy';
}

/** Whether the spec asks for automated sync. */
export function isAutomated(spec: ApplicationSpec): boolean {
  const automated = spec.syncPolicy?.automated;
  return !!automated && automated.enabled !== false;
}

function itemKey(item: InventoryItem): string {
  return `${item.group}/${item.kind}/${item.namespace}/${item.name}`;
}

function apiName(item: InventoryItem): string {
  const kind = item.kind.toLowerCase();
  return item.group
    ? `${kind}.${item.group}/${item.name}`
    : `${kind}/${item.name}`;
}

/** The resource a degraded or failed sync blames. */
function culprit(inventory: InventoryItem[]): InventoryItem | undefined {
  return (
    inventory.find(i => i.kind === 'Deployment') ??
    inventory.find(i => isWorkload(i.kind)) ??
    inventory.find(i => hasHealth(i.kind))
  );
}

function degradedMessage(item: InventoryItem): string {
  return item.kind === 'Deployment'
    ? `Deployment "${item.name}" exceeded its progress deadline`
    : `${item.kind} "${item.name}" has 0 of ${
        item.replicas ?? 1
      } ready replicas`;
}

function failureMessage(item: InventoryItem | undefined): string {
  const name = item
    ? `${item.kind}.${item.group || 'core'} "${item.name}"`
    : 'resource';
  return `${name} is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "8Gi": must be less than or equal to memory limit of 4Gi`;
}

function revisionFields(r: Resolved): {
  revision?: string;
  revisions?: string[];
  source?: ApplicationSource;
  sources?: ApplicationSource[];
} {
  return r.multiSource
    ? { revisions: r.revisions, sources: r.sources }
    : { revision: r.revisions[0], source: r.sources[0] };
}

/** Starts a sync operation. */
function start(
  record: AppRecord,
  resolved: Resolved,
  at: number,
  initiatedBy: OperationInitiator,
  request: SyncRequest,
  ctx: LifecycleContext,
): void {
  const sync: SyncOperation = resolved.multiSource
    ? { revisions: resolved.revisions }
    : { revision: resolved.revisions[0] };
  if (request.prune) sync.prune = true;
  if (request.dryRun) sync.dryRun = true;
  if (request.syncOptions?.items?.length)
    sync.syncOptions = request.syncOptions.items;
  if (request.sourcePositions?.length)
    sync.sourcePositions = request.sourcePositions;
  if (request.strategy) sync.syncStrategy = request.strategy;
  const operation: Operation = {
    sync,
    initiatedBy,
    retry: record.spec.syncPolicy?.retry ?? {},
  };
  record.running = {
    ...resolved,
    operation,
    generation: record.metadata.generation,
    startedAt: at,
    dryRun: !!request.dryRun,
    outcome: outcomeOf(record.metadata),
    refused: resolved.manifestError
      ? []
      : ctx.permissionErrors?.(
          record,
          resolved.inventory,
          request.syncOptions?.items ??
            record.spec.syncPolicy?.syncOptions ??
            [],
        ) ?? [],
  };
  record.metadata.resourceVersion = ctx.nextResourceVersion();
  ctx.changed?.(record);
}

function resultsOf(
  running: Running,
  previous: Deployed | undefined,
  failed: Map<string, string>,
  phase: 'Running' | 'Succeeded' | 'Failed',
): ResourceResult[] {
  const before = new Set(previous?.inventory.map(itemKey) ?? []);
  return running.inventory.map(item => {
    const failure = failed.get(itemKey(item));
    let verb = before.has(itemKey(item)) ? 'configured' : 'created';
    if (running.dryRun) verb += ' (dry run)';
    let hookPhase: ResourceResult['hookPhase'] =
      phase === 'Running' ? 'Running' : 'Succeeded';
    if (failure !== undefined) hookPhase = 'Failed';
    return {
      group: item.group,
      version: item.version,
      kind: item.kind,
      namespace: item.namespace,
      name: item.name,
      status: failure !== undefined ? 'SyncFailed' : 'Synced',
      message: failure ?? `${apiName(item)} ${verb}`,
      hookPhase,
      syncPhase: 'Sync',
    };
  });
}

/**
 * gitops-engine's answer when tasks fail validation: nothing is applied,
 * only the refused resources have a result (without hook phase).
 */
function invalidResults(refused: Refusal[]): ResourceResult[] {
  return refused.map(({ item, message }) => ({
    group: item.group,
    version: item.version,
    kind: item.kind,
    namespace: item.namespace,
    name: item.name,
    status: 'SyncFailed',
    message,
    syncPhase: 'Sync',
  }));
}

/** How long an operation runs: at once over when it cannot start. */
function durationOf(running: Running, ctx: LifecycleContext): number {
  return running.manifestError || running.refused.length
    ? 0
    : ctx.syncDurationMs;
}

/** Ends the running operation at `at`. */
function finish(record: AppRecord, at: number, ctx: LifecycleContext): void {
  const running = record.running;
  if (!running) return;
  // Over before anything it applies is read back (an app of apps may
  // manage itself).
  record.running = undefined;
  if (running.manifestError || running.refused.length) {
    const reasons = [...new Set(running.refused.map(r => r.message))].sort();
    const message =
      running.manifestError ??
      `one or more synchronization tasks are not valid: ${reasons.join('; ')}`;
    record.lastOperation = {
      operation: running.operation,
      phase: running.manifestError ? 'Error' : 'Failed',
      message,
      syncResult: {
        ...(running.refused.length
          ? { resources: invalidResults(running.refused) }
          : {}),
        ...revisionFields(running),
      },
      startedAt: iso(running.startedAt),
      finishedAt: iso(at),
    };
    record.failedAttempt = {
      generation: running.generation,
      revisions: running.revisions,
      message,
    };
    record.running = undefined;
    record.reconciledAt = Math.max(record.reconciledAt, at);
    record.metadata.resourceVersion = ctx.nextResourceVersion();
    ctx.changed?.(record);
    return;
  }
  let failed = running.outcome === 'failed' && !running.dryRun;
  const failures = new Map<string, string>();
  let message = 'successfully synced (all tasks run)';
  if (failed) {
    const blamed = culprit(running.inventory);
    if (blamed) failures.set(itemKey(blamed), failureMessage(blamed));
    message = `one or more objects failed to apply, reason: ${failureMessage(
      blamed,
    )}`;
  } else if (!running.dryRun && ctx.applyObjects) {
    const refused = ctx.applyObjects(
      record,
      running.inventory,
      record.deployed?.inventory,
      running.operation.sync.prune === true,
    );
    for (const r of refused) failures.set(itemKey(r.item), r.message);
    if (refused.length) {
      message = `one or more objects failed to apply, reason: ${refused
        .map(r => r.message)
        .join(',')}`;
    }
  }
  const partial = !failed && failures.size > 0;
  record.lastOperation = {
    operation: running.operation,
    phase: failed || partial ? 'Failed' : 'Succeeded',
    message,
    syncResult: {
      resources: resultsOf(
        running,
        record.deployed,
        failures,
        failed || partial ? 'Failed' : 'Succeeded',
      ),
      ...revisionFields(running),
    },
    startedAt: iso(running.startedAt),
    finishedAt: iso(at),
  };
  if (partial) {
    // What was applied is live; what was refused is not, and the failed
    // attempt is remembered so that automated sync does not loop.
    record.deployed = {
      multiSource: running.multiSource,
      sources: running.sources,
      revisions: running.revisions,
      inventory: running.inventory.filter(i => !failures.has(itemKey(i))),
      generation: running.generation,
      outcome: 'healthy',
      startedAt: running.startedAt,
      finishedAt: at,
    };
    failed = true;
  }
  if (failed) {
    record.failedAttempt = {
      generation: running.generation,
      revisions: running.revisions,
      message,
    };
  } else if (!running.dryRun) {
    record.failedAttempt = undefined;
    record.deployed = {
      multiSource: running.multiSource,
      sources: running.sources,
      revisions: running.revisions,
      inventory: running.inventory,
      generation: running.generation,
      outcome: running.outcome === 'degraded' ? 'degraded' : 'healthy',
      startedAt: running.startedAt,
      finishedAt: at,
    };
    const last = record.history[record.history.length - 1];
    record.history.push({
      id: last ? last.id + 1 : 0,
      ...(running.multiSource
        ? { revisions: running.revisions }
        : { revision: running.revisions[0] }),
      deployedAt: iso(at),
      deployStartedAt: iso(running.startedAt),
      ...(running.multiSource
        ? { sources: running.sources }
        : { source: running.sources[0] }),
      initiatedBy: running.operation.initiatedBy,
    });
    const limit = record.spec.revisionHistoryLimit ?? 10;
    if (record.history.length > limit) {
      record.history.splice(0, record.history.length - limit);
    }
  }
  record.running = undefined;
  record.reconciledAt = Math.max(record.reconciledAt, at);
  record.metadata.resourceVersion = ctx.nextResourceVersion();
  ctx.changed?.(record);
}

/** When a running operation starts waiting for the health of its workloads. */
function waitingAt(
  running: Running,
  ctx: LifecycleContext,
): number | undefined {
  if (durationOf(running, ctx) === 0) return undefined;
  if (!running.inventory.some(i => isWorkload(i.kind))) return undefined;
  return running.startedAt + ctx.syncDurationMs / 2;
}

/**
 * The next time at which {@link advance} would change the record by
 * itself (an operation that starts waiting for health or ends, a deletion
 * that completes); undefined when only a request can change it.
 */
export function nextDueAt(
  record: AppRecord,
  ctx: LifecycleContext,
): number | undefined {
  if (record.deletingAt !== undefined)
    return record.deletingAt + ctx.syncDurationMs;
  const running = record.running;
  if (!running) return undefined;
  const waiting = running.waiting ? undefined : waitingAt(running, ctx);
  return waiting ?? running.startedAt + durationOf(running, ctx);
}

/**
 * Brings a record up to `ctx.now`: ends operations whose time is up and
 * starts the automated syncs the spec calls for, as Argo CD's controller
 * would have done in the meantime.
 *
 * @returns `'gone'` when a cascading delete has completed.
 */
export function advance(
  record: AppRecord,
  ctx: LifecycleContext,
): 'present' | 'gone' {
  if (record.deletingAt !== undefined) {
    return ctx.now >= record.deletingAt + ctx.syncDurationMs
      ? 'gone'
      : 'present';
  }
  for (let i = 0; i < 8; i++) {
    const running = record.running;
    if (running) {
      const end = running.startedAt + durationOf(running, ctx);
      // Half-way the operation waits for health: a change of its own, also
      // when it is caught up late, so a watcher sees every step.
      const waiting = running.waiting ? undefined : waitingAt(running, ctx);
      if (waiting !== undefined && ctx.now >= waiting) {
        running.waiting = true;
        record.metadata.resourceVersion = ctx.nextResourceVersion();
        ctx.changed?.(record);
      }
      if (ctx.now < end) return 'present';
      finish(record, end, ctx);
      continue;
    }
    if (!isAutomated(record.spec)) return 'present';
    const resolved = resolve(record, ctx);
    const generation = record.metadata.generation;
    const deployed = record.deployed;
    const inSync =
      deployed !== undefined &&
      deployed.generation === generation &&
      sameRevisions(deployed.revisions, resolved.revisions);
    const attempted =
      record.failedAttempt !== undefined &&
      record.failedAttempt.generation === generation &&
      sameRevisions(record.failedAttempt.revisions, resolved.revisions);
    if (inSync || attempted) return 'present';
    const lastEnd = record.lastOperation?.finishedAt
      ? Date.parse(record.lastOperation.finishedAt)
      : 0;
    const at = Math.min(ctx.now, Math.max(record.specChangedAt, lastEnd));
    const automated = record.spec.syncPolicy?.automated;
    start(
      record,
      resolved,
      at,
      { automated: true },
      { prune: automated?.prune },
      ctx,
    );
  }
  return 'present';
}

/**
 * Starts a sync that a user asked for.
 *
 * @throws ArgoCdApiError FailedPrecondition while another operation runs.
 */
export function requestSync(
  record: AppRecord,
  request: SyncRequest,
  username: string,
  ctx: LifecycleContext,
): void {
  if (record.running) {
    throw new ArgoCdApiError(
      GrpcCode.FailedPrecondition,
      'another operation is already in progress',
    );
  }
  const overridden =
    request.revision || request.revisions?.length
      ? resolve(record, ctx, {
          revision: request.revision,
          revisions: request.revisions,
          positions: request.sourcePositions,
        })
      : resolve(record, ctx);
  start(record, overridden, ctx.now, { username }, request, ctx);
}

/**
 * Marks a record as deployed successfully `ctx.syncDurationMs` ago: how
 * seeded Applications start out.
 */
export function markDeployed(record: AppRecord, ctx: LifecycleContext): void {
  const resolved = resolve(record, ctx);
  const startedAt = record.createdAt;
  start(
    record,
    resolved,
    startedAt,
    isAutomated(record.spec) ? { automated: true } : { username: 'admin' },
    {},
    ctx,
  );
  finish(record, startedAt + ctx.syncDurationMs, ctx);
}

/** One resource as the sandbox's cluster has it. */
export interface LiveResource {
  item: InventoryItem;
  health?: HealthStatus;
  createdAt: number;
  /** Whether the current spec still renders it. */
  requiresPruning: boolean;
  /** When the sync that left it in the cluster ended (a deployed resource). */
  deployedAt?: number;
  /**
   * Set while a running sync applies it: when that sync started, and
   * whether it existed before (an update rather than a creation).
   */
  syncing?: { startedAt: number; existed: boolean };
}

function runningHealth(item: InventoryItem): HealthStatus | undefined {
  if (!hasHealth(item.kind)) return undefined;
  if (!isWorkload(item.kind)) return { status: 'Healthy' };
  return {
    status: 'Progressing',
    message: `Waiting for rollout to finish: 0 of ${
      item.replicas ?? 1
    } updated replicas are available...`,
  };
}

/** The resources that exist in the cluster for this Application, with their health. */
export function liveResources(
  record: AppRecord,
  ctx: LifecycleContext,
): LiveResource[] {
  const desired = new Set(resolve(record, ctx).inventory.map(itemKey));
  const live = new Map<string, LiveResource>();
  const deployed = record.deployed;
  if (deployed) {
    const bad =
      deployed.outcome === 'degraded' ? culprit(deployed.inventory) : undefined;
    for (const item of deployed.inventory) {
      const degraded = bad !== undefined && itemKey(bad) === itemKey(item);
      let health: HealthStatus | undefined;
      if (hasHealth(item.kind)) {
        health = degraded
          ? { status: 'Degraded', message: degradedMessage(item) }
          : { status: 'Healthy' };
      }
      live.set(itemKey(item), {
        item,
        health,
        createdAt: deployed.startedAt,
        requiresPruning: !desired.has(itemKey(item)),
        deployedAt: deployed.finishedAt,
      });
    }
  }
  const running = record.running;
  if (
    running &&
    !running.dryRun &&
    !running.refused.length &&
    !running.manifestError &&
    ctx.now >= running.startedAt
  ) {
    for (const item of running.inventory) {
      const existing = live.get(itemKey(item));
      live.set(itemKey(item), {
        item,
        health: runningHealth(item),
        createdAt: existing?.createdAt ?? running.startedAt,
        requiresPruning: !desired.has(itemKey(item)),
        syncing: { startedAt: running.startedAt, existed: !!existing },
      });
    }
  }
  return [...live.values()];
}

function worst(healths: Array<HealthStatus | undefined>): HealthStatusCode {
  let index = 0;
  for (const health of healths) {
    if (health) index = Math.max(index, HEALTH_ORDER.indexOf(health.status));
  }
  return HEALTH_ORDER[index];
}

function runningState(running: Running, record: AppRecord): OperationState {
  // `waiting` is set by advance() half-way through, with its own
  // resourceVersion, so that the view changes only with a new version.
  const workload = running.inventory.find(i => isWorkload(i.kind));
  const message =
    !running.waiting || !workload
      ? 'one or more tasks are running'
      : `waiting for healthy state of ${workload.group}/${workload.kind}/${workload.name}`;
  return {
    operation: running.operation,
    phase: 'Running',
    message,
    syncResult: {
      resources: resultsOf(running, record.deployed, new Map(), 'Running'),
      ...revisionFields(running),
    },
    startedAt: iso(running.startedAt),
  };
}

function sourceTypeOf(source: ApplicationSource): string {
  if (source.chart || source.helm) return 'Helm';
  if (source.kustomize) return 'Kustomize';
  if (source.plugin) return 'Plugin';
  return 'Directory';
}

function sourceTypes(resolved: Resolved): {
  sourceType?: string;
  sourceTypes?: string[];
} {
  if (resolved.multiSource)
    return { sourceTypes: resolved.sources.map(sourceTypeOf) };
  return resolved.sources[0]
    ? { sourceType: sourceTypeOf(resolved.sources[0]) }
    : {};
}

/**
 * The Application as Argo CD's API returns it, with `status` computed for
 * `ctx.now`. Call {@link advance} first.
 */
export function materialize(
  record: AppRecord,
  ctx: LifecycleContext,
): Application {
  const resolved = resolve(record, ctx);
  const deployed = record.deployed;
  const generation = record.metadata.generation;
  const live = liveResources(record, ctx);
  const liveByKey = new Map(live.map(l => [itemKey(l.item), l]));
  const current =
    deployed !== undefined &&
    deployed.generation === generation &&
    sameRevisions(deployed.revisions, resolved.revisions);
  const synced =
    current && resolved.inventory.every(item => liveByKey.has(itemKey(item)));
  const resources: ResourceStatus[] = resolved.inventory.map(item => {
    const existing = liveByKey.get(itemKey(item));
    let health: HealthStatus | undefined = existing?.health;
    if (!existing && hasHealth(item.kind)) health = { status: 'Missing' };
    return {
      ...(item.group ? { group: item.group } : {}),
      version: item.version,
      kind: item.kind,
      namespace: item.namespace,
      name: item.name,
      status: current && existing ? 'Synced' : 'OutOfSync',
      ...(health ? { health } : {}),
    };
  });
  for (const extra of live.filter(l => l.requiresPruning)) {
    resources.push({
      ...(extra.item.group ? { group: extra.item.group } : {}),
      version: extra.item.version,
      kind: extra.item.kind,
      namespace: extra.item.namespace,
      name: extra.item.name,
      status: 'OutOfSync',
      ...(extra.health ? { health: extra.health } : {}),
      requiresPruning: true,
    });
  }

  const images = new Set<string>();
  const externalURLs = new Set<string>();
  for (const { item } of live) {
    item.images?.forEach(image => images.add(image));
    if (item.host) externalURLs.add(`http://${item.host}`);
  }

  const conditions: ApplicationCondition[] = [];
  const failed = record.failedAttempt;
  if (
    failed &&
    isAutomated(record.spec) &&
    failed.generation === generation &&
    sameRevisions(failed.revisions, resolved.revisions)
  ) {
    const revs =
      failed.revisions.length === 1
        ? failed.revisions[0]
        : `[${failed.revisions.join(' ')}]`;
    conditions.push({
      type: 'SyncError',
      message: `Failed last sync attempt to ${revs}: ${failed.message}`,
      lastTransitionTime: record.lastOperation?.finishedAt,
    });
  }

  const operationState = record.running
    ? runningState(record.running, record)
    : record.lastOperation;
  const reconciledAt = Math.max(
    record.reconciledAt,
    record.running?.startedAt ?? 0,
  );
  const status: ApplicationStatus = {
    ...(resources.length ? { resources } : {}),
    sync: {
      status: synced ? 'Synced' : 'OutOfSync',
      comparedTo: {
        ...(resolved.multiSource
          ? { sources: resolved.sources }
          : { source: resolved.sources[0] }),
        destination: record.spec.destination,
      },
      ...(resolved.multiSource
        ? { revisions: resolved.revisions }
        : { revision: resolved.revisions[0] }),
    },
    health: { status: worst(resources.map(r => r.health)) },
    ...(record.history.length ? { history: record.history } : {}),
    ...(conditions.length ? { conditions } : {}),
    reconciledAt: iso(reconciledAt),
    ...(operationState ? { operationState } : {}),
    ...sourceTypes(resolved),
    summary: {
      ...(externalURLs.size ? { externalURLs: [...externalURLs].sort() } : {}),
      ...(images.size ? { images: [...images].sort() } : {}),
    },
    controllerNamespace: 'argocd',
  };
  if (resources.length === 0) status.health = { status: 'Healthy' };
  return {
    metadata: record.metadata,
    spec: record.spec,
    ...(record.running ? { operation: record.running.operation } : {}),
    status,
  };
}

/**
 * {@link materialize}, cached while no operation or deletion is under way
 * (then the view does not depend on the time): listing thousands of settled
 * Applications costs little more than serializing them.
 */
export function view(record: AppRecord, ctx: LifecycleContext): Application {
  const settled = !record.running && record.deletingAt === undefined;
  const resourceVersion = record.metadata.resourceVersion ?? '';
  const epoch = ctx.gitEpoch ?? 0;
  if (
    settled &&
    record.view?.resourceVersion === resourceVersion &&
    record.view.epoch === epoch
  ) {
    return record.view.app;
  }
  const app = materialize(record, ctx);
  record.view = settled ? { resourceVersion, epoch, app } : undefined;
  return app;
}
