/**
 * Deployment health of data-stack components, as the Datastack backend
 * answers it: one row per Argo CD instance, each Application with Argo CD's
 * own status and the data-stack findings Datastack adds.
 */

/**
 * One status that sums up an Application, an instance row or an entity. Worst first.
 *
 * @public
 */
export const ROLLUP_ORDER = [
  'error',
  'unreachable',
  'degraded',
  'missing',
  'out-of-sync',
  'progressing',
  'unknown',
  'healthy',
] as const;
/** @public */
export type RollupStatus = (typeof ROLLUP_ORDER)[number];

/**
 * The worst of several statuses; `unknown` for none.
 *
 * @public
 */
export function worstStatus(statuses: RollupStatus[]): RollupStatus {
  if (statuses.length === 0) return 'unknown';
  return statuses.reduce((worst, s) =>
    ROLLUP_ORDER.indexOf(s) < ROLLUP_ORDER.indexOf(worst) ? s : worst,
  );
}

/**
 * A resource of an Application that is not Healthy or not Synced.
 *
 * @public
 */
export interface FailingResource {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  sync?: string;
  health?: string;
  message?: string;
}

/**
 * A data-stack rule beyond Argo CD's own health (Strimzi, Flink, Spark, operators).
 *
 * @public
 */
export interface HealthFinding {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  resource?: { kind: string; name: string; namespace?: string };
  /** What to do about it, when the rule knows (read from the resource's own status). */
  action?: string;
  /**
   * Set while the Application is settling (a sync runs or has just ended):
   * the rule is not a problem yet and becomes one at this time if it has not
   * cleared by then (the progress deadline).
   */
  pendingUntil?: string;
}

/**
 * An Application in the middle of, or just after, an operation: what Argo CD
 * reports as in progress. Resources that are Progressing, Missing or
 * OutOfSync and pending findings are expected then, not problems.
 *
 * @public
 */
export interface ApplicationSettling {
  /** True while Argo CD's operation runs (`operationState.phase` Running or Terminating). */
  syncing: boolean;
  /** When the operation started (while it runs) or ended (after). */
  since: string;
  /** The progress deadline: after it, the data-stack rules fire as problems. */
  until: string;
}

/**
 * One deployment of an Application, from Argo CD's `status.history`, with
 * the Git revision's metadata where Argo CD could read it.
 *
 * @public
 */
export interface DeploymentRecord {
  /** Argo CD's history id. */
  id: number;
  deployedAt: string;
  /** The chart version deployed, for a Helm source. */
  chartVersion?: string;
  /** The Git revision of the GitOps repository. */
  revision?: string;
  /** The commit page of `revision`, when the repository's host is known. */
  revisionUrl?: string;
  /** From Argo CD's revision metadata: the commit's author, message and time. */
  author?: string;
  message?: string;
  committedAt?: string;
}

/**
 * One resource an Application manages, from Argo CD's `status.resources`.
 *
 * @public
 */
export interface ApplicationResource {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  sync?: string;
  health?: string;
}

/**
 * One Argo CD Application of an entity.
 *
 * @public
 */
export interface ApplicationHealth {
  instance: string;
  name: string;
  namespace?: string;
  /** The Argo CD UI page of the Application. */
  url: string;
  environment?: string;
  project: string;
  sync: { status: string; revision?: string; revisions?: string[] };
  /** The commit page of the deployed Git revision, when the repository's host is known. */
  revisionUrl?: string;
  health: { status: string; message?: string };
  operation?: {
    phase: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
  };
  lastDeployedAt?: string;
  images: string[];
  /** The chart and version deployed, from the Helm source. */
  chart?: { repoURL: string; name: string; version?: string };
  failingResources: FailingResource[];
  findings: HealthFinding[];
  /**
   * The entity view only: the latest deployments, newest first (at most
   * five), and every resource the Application manages (at most 100 of
   * `resourcesTotal`).
   */
  history?: DeploymentRecord[];
  resources?: ApplicationResource[];
  resourcesTotal?: number;
  /** Present while the Application is within its progress deadline. */
  settling?: ApplicationSettling;
  status: RollupStatus;
}

/**
 * The Backstage signal channel on which the backend announces changes of
 * the live inventory: `{ instances: string[], at: string }`, the instances
 * whose Applications or state changed and nothing else (every client then
 * re-reads its own, authorised answer).
 *
 * @public
 */
export const INVENTORY_SIGNAL_CHANNEL = 'datastack:inventory';

/**
 * The message on {@link INVENTORY_SIGNAL_CHANNEL}.
 *
 * @public
 */
export interface InventorySignal {
  instances: string[];
  at: string;
}

/**
 * Where the live inventory of one Argo CD instance stands: `connecting`
 * before its first list, `live` while its watch stream is current, `stale`
 * while the stream is being replaced (the projection is what it was at
 * `asOf`), `unreachable` while Argo CD cannot be listed.
 *
 * @public
 */
export interface InventoryState {
  instance: string;
  state: 'connecting' | 'live' | 'stale' | 'unreachable';
  /** When the instance entered this state. */
  since: string;
  /** Why it is stale or unreachable; never contains credentials. */
  message?: string;
  /** When the projection was last known to match Argo CD. */
  asOf?: string;
  /** Argo CD's resourceVersion the projection is at. */
  resourceVersion?: string;
}

/**
 * What one Argo CD instance answered for an entity.
 *
 * @public
 */
export interface InstanceHealthRow {
  instance: string;
  status: 'ok' | 'unreachable' | 'error';
  /**
   * When the answer came from the live inventory rather than a call to
   * Argo CD: the inventory's state for this instance.
   */
  inventory?: InventoryState;
  /** Why the instance could not answer; never contains credentials. */
  error?: string;
  applications: ApplicationHealth[];
  fetchedAt: string;
  /**
   * When the instance did not answer (`status` is not `ok`): its
   * Applications as it last answered within a day, and when. Their
   * statuses are what they were then, not now.
   */
  lastKnown?: {
    fetchedAt: string;
    applications: ApplicationHealth[];
  };
}

/**
 * A Deployment or StatefulSet of an entity, read from a cluster.
 *
 * @public
 */
export interface WorkloadHealth {
  kind: 'Deployment' | 'StatefulSet';
  namespace: string;
  name: string;
  ready: number;
  desired: number;
  status: RollupStatus;
}

/**
 * What one Kubernetes cluster answered for an entity's workloads.
 *
 * @public
 */
export interface ClusterWorkloadsRow {
  cluster: string;
  status: 'ok' | 'unreachable' | 'error';
  /** Why the cluster could not answer; never contains credentials. */
  error?: string;
  workloads: WorkloadHealth[];
  fetchedAt: string;
}

/**
 * The deployment health of one entity across every instance that deploys it.
 *
 * @public
 */
export interface EntityHealth {
  entityRef: string;
  /** How the deployments were found, e.g. `selector datastack.io/pipeline=orders,…`. */
  lookup: string;
  /** One row per Argo CD instance; empty when Argo CD is not the source. */
  rows: InstanceHealthRow[];
  /**
   * When Argo CD is not the source (only `backstage.io/kubernetes-id` or
   * `backstage.io/kubernetes-label-selector`): the workloads, per cluster.
   */
  clusters?: ClusterWorkloadsRow[];
  status: RollupStatus;
}

/**
 * One data-stack component in one environment, for the fleet view.
 *
 * @public
 */
export interface FleetRow {
  component: string;
  pipeline?: string;
  /** The catalog entity of the component in its pipeline, when the catalog has one. */
  entityRef?: string;
  /** That entity's owner (`spec.owner`), for filtering by team. */
  owner?: string;
  environment?: string;
  instance: string;
  application: string;
  url: string;
  status: RollupStatus;
  sync: string;
  health: string;
  /** The chart version deployed. */
  version?: string;
  /** The Git commit deployed, for an Application rendered from a repository (no chart). */
  revision?: string;
  lastDeployedAt?: string;
  /**
   * When the instance did not answer: `status` is its failure
   * (`unreachable` or `error`), and this is the row's status when the
   * instance last answered, and when.
   */
  lastKnown?: { status: RollupStatus; fetchedAt: string };
}

/**
 * A page of the fleet, with the state of every instance it was read from.
 *
 * @public
 */
export interface FleetPage {
  items: FleetRow[];
  /** Rows matching the filters, over every page. */
  total: number;
  offset: number;
  limit: number;
  instances: Array<{
    instance: string;
    status: 'ok' | 'unreachable' | 'error';
    error?: string;
    fetchedAt: string;
    /** When its rows are the last known ones (it did not answer): when they were read. */
    lastKnownAt?: string;
    /** When the rows came from the live inventory: its state for this instance. */
    inventory?: InventoryState;
  }>;
}

/**
 * A Kubernetes cluster from Backstage's `kubernetes` configuration.
 *
 * @public
 */
export interface ClusterHealth {
  name: string;
  url: string;
  status: 'ok' | 'unreachable' | 'error';
  /** Why the cluster could not be read; never contains credentials. */
  error?: string;
  /** `gitVersion` from /version, e.g. v1.30.4-eks-a737599. */
  version?: string;
  nodesReady?: number;
  nodesTotal?: number;
  /** The last time any replica reached the cluster. */
  lastSeenAt?: string;
  fetchedAt: string;
}
