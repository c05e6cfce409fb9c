/**
 * The parts of Argo CD's API objects (argoproj.io/v1alpha1) that the sandbox
 * stores and serves, with Argo CD's own JSON field names. Fields the sandbox
 * does not model are kept as they were posted (`[key: string]: unknown`).
 *
 * @packageDocumentation
 */

/** Kubernetes ObjectMeta, as far as Argo CD objects use it. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  [key: string]: unknown;
}

/** `spec.source.helm` */
export interface ApplicationSourceHelm {
  valueFiles?: string[];
  values?: string;
  valuesObject?: Record<string, unknown>;
  parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
  releaseName?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  skipCrds?: boolean;
  [key: string]: unknown;
}

/** One source of an Application (`spec.source` or an item of `spec.sources`). */
export interface ApplicationSource {
  repoURL: string;
  chart?: string;
  path?: string;
  targetRevision?: string;
  ref?: string;
  helm?: ApplicationSourceHelm;
  [key: string]: unknown;
}

/** `spec.destination`: a cluster by `server` URL or by `name`. */
export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

/** `spec.syncPolicy` */
export interface SyncPolicy {
  automated?: {
    prune?: boolean;
    selfHeal?: boolean;
    allowEmpty?: boolean;
    enabled?: boolean;
  };
  syncOptions?: string[];
  retry?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `spec` of an Application. */
export interface ApplicationSpec {
  project: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  revisionHistoryLimit?: number;
  [key: string]: unknown;
}

/** Sync status of an Application or of one of its resources. */
export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';

/** Health status of an Application or of one of its resources. */
export type HealthStatusCode =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';

/** `{status, message}` health of a resource or an Application. */
export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}

/** An item of `status.resources`. */
export interface ResourceStatus {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: SyncStatusCode;
  health?: HealthStatus;
  syncWave?: number;
  requiresPruning?: boolean;
}

/** An item of `status.operationState.syncResult.resources`. */
export interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
  message: string;
  /** Absent for resources refused before anything was applied. */
  hookPhase?: 'Running' | 'Succeeded' | 'Failed';
  syncPhase: 'PreSync' | 'Sync' | 'PostSync';
}

/** Who started an operation. */
export interface OperationInitiator {
  username?: string;
  automated?: boolean;
}

/** `operation.sync` */
export interface SyncOperation {
  revision?: string;
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  syncOptions?: string[];
  sourcePositions?: number[];
  [key: string]: unknown;
}

/** `operation` of an Application (present while an operation runs). */
export interface Operation {
  sync: SyncOperation;
  initiatedBy: OperationInitiator;
  retry: Record<string, unknown>;
}

/** `status.operationState.syncResult` */
export interface SyncOperationResult {
  resources?: ResourceResult[];
  revision?: string;
  revisions?: string[];
  source?: ApplicationSource;
  sources?: ApplicationSource[];
}

/** Phase of an operation. */
export type OperationPhase =
  | 'Running'
  | 'Terminating'
  | 'Failed'
  | 'Error'
  | 'Succeeded';

/** `status.operationState` */
export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message?: string;
  syncResult?: SyncOperationResult;
  startedAt: string;
  finishedAt?: string;
}

/** An item of `status.history`. */
export interface RevisionHistory {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt: string;
  deployStartedAt?: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  initiatedBy?: OperationInitiator;
}

/** An item of `status.conditions`. */
export interface ApplicationCondition {
  type: string;
  message: string;
  lastTransitionTime?: string;
}

/** `status` of an Application, as the sandbox's "controller" computes it. */
export interface ApplicationStatus {
  resources?: ResourceStatus[];
  sync: {
    status: SyncStatusCode;
    comparedTo: {
      source?: ApplicationSource;
      sources?: ApplicationSource[];
      destination: ApplicationDestination;
    };
    revision?: string;
    revisions?: string[];
  };
  health: HealthStatus;
  history?: RevisionHistory[];
  conditions?: ApplicationCondition[];
  reconciledAt: string;
  operationState?: OperationState;
  sourceType?: string;
  sourceTypes?: string[];
  summary: { images?: string[]; externalURLs?: string[] };
  controllerNamespace: string;
}

/** An Argo CD Application. */
export interface Application {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ApplicationSpec;
  operation?: Operation;
  status?: ApplicationStatus;
}

/** A group/kind of a project's namespaced resource lists. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** A group/kind (and optional name glob) of a project's cluster resource lists. */
export interface ClusterResourceRestrictionItem extends GroupKind {
  name?: string;
}

/** An item of `spec.roles` of an AppProject. */
export interface ProjectRole {
  name: string;
  description?: string;
  /** Casbin lines: `p, proj:<project>:<role>, applications, sync, <project>/*, allow`. */
  policies?: string[];
  groups?: string[];
  [key: string]: unknown;
}

/** `spec` of an AppProject. */
export interface AppProjectSpec {
  description?: string;
  sourceRepos?: string[];
  destinations?: ApplicationDestination[];
  /** Cluster-scoped kinds allowed; empty allows none. */
  clusterResourceWhitelist?: ClusterResourceRestrictionItem[];
  clusterResourceBlacklist?: ClusterResourceRestrictionItem[];
  /** Namespaced kinds allowed; empty allows all. */
  namespaceResourceWhitelist?: GroupKind[];
  namespaceResourceBlacklist?: GroupKind[];
  /** Namespaces (globs, `/regex/`) whose Applications may use the project. */
  sourceNamespaces?: string[];
  destinationServiceAccounts?: Array<{
    server: string;
    namespace?: string;
    defaultServiceAccount: string;
  }>;
  roles?: ProjectRole[];
  [key: string]: unknown;
}

/** An Argo CD AppProject. */
export interface AppProject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: AppProjectSpec;
  status?: Record<string, unknown>;
}

/** `{status, message, attemptedAt}` of a cluster connection. */
export interface ConnectionState {
  status: 'Successful' | 'Failed' | 'Unknown';
  message: string;
  attemptedAt: string;
}

/** A cluster as GET /api/v1/clusters lists it. */
export interface Cluster {
  server: string;
  name: string;
  config: Record<string, unknown>;
  connectionState: ConnectionState;
  serverVersion?: string;
  info: {
    connectionState: ConnectionState;
    serverVersion?: string;
    cacheInfo: {
      resourcesCount?: number;
      apisCount?: number;
      lastCacheSyncTime?: string;
    };
    applicationsCount: number;
  };
}

/** A parent of a resource-tree node. */
export interface ResourceRef {
  group: string;
  version?: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/** A node of GET /api/v1/applications/{name}/resource-tree. */
export interface ResourceNode {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  parentRefs?: ResourceRef[];
  info?: Array<{ name: string; value: string }>;
  networkingInfo?: {
    targetLabels?: Record<string, string>;
    labels?: Record<string, string>;
    ingress?: Array<{ hostname?: string; ip?: string }>;
    externalURLs?: string[];
  };
  images?: string[];
  health?: HealthStatus;
  createdAt: string;
}

/** GET /api/v1/applications/{name}/resource-tree */
export interface ApplicationTree {
  nodes?: ResourceNode[];
}
