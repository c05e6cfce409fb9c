/**
 * The parts of Argo CD's API objects that Datastack reads and writes, with
 * Argo CD's own field names (argoproj.io/v1alpha1).
 *
 * @public
 */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  generation?: number;
}

/** @public */
export interface ApplicationSourceHelm {
  valueFiles?: string[];
  values?: string;
  valuesObject?: Record<string, unknown>;
  parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
  releaseName?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  skipCrds?: boolean;
}

/** @public */
export interface ApplicationSource {
  repoURL: string;
  chart?: string;
  path?: string;
  targetRevision?: string;
  ref?: string;
  helm?: ApplicationSourceHelm;
}

/** @public */
export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

/** @public */
export interface SyncPolicy {
  automated?: { prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean };
  syncOptions?: string[];
  retry?: {
    limit?: number;
    backoff?: { duration?: string; factor?: number; maxDuration?: string };
  };
}

/** @public */
export interface ApplicationSpec {
  project: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  revisionHistoryLimit?: number;
}

/** @public */
export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';
/** @public */
export type HealthStatusCode =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';

/** @public */
export interface ResourceStatus {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: SyncStatusCode;
  health?: { status: HealthStatusCode; message?: string };
  syncWave?: number;
  hook?: boolean;
  requiresPruning?: boolean;
}

/** @public */
export interface OperationState {
  phase: 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  syncResult?: {
    revision?: string;
    revisions?: string[];
    resources?: Array<ResourceStatus & { message?: string }>;
  };
}

/** @public */
export interface RevisionHistory {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
}

/** @public */
export interface ApplicationStatus {
  sync?: {
    status: SyncStatusCode;
    revision?: string;
    revisions?: string[];
  };
  health?: { status: HealthStatusCode; message?: string };
  operationState?: OperationState;
  history?: RevisionHistory[];
  summary?: { images?: string[]; externalURLs?: string[] };
  resources?: ResourceStatus[];
  conditions?: Array<{
    type: string;
    message: string;
    lastTransitionTime?: string;
  }>;
  reconciledAt?: string;
}

/** @public */
export interface Application {
  apiVersion?: 'argoproj.io/v1alpha1';
  kind?: 'Application';
  metadata: ObjectMeta;
  spec: ApplicationSpec;
  status?: ApplicationStatus;
  operation?: Record<string, unknown>;
}

/** @public */
export interface ApplicationList {
  metadata?: { resourceVersion?: string };
  /** Argo CD answers `null`, not `[]`, when nothing matches. */
  items: Application[] | null;
}

/** @public */
export interface AppProject {
  apiVersion?: 'argoproj.io/v1alpha1';
  kind?: 'AppProject';
  metadata: ObjectMeta;
  spec: {
    description?: string;
    sourceRepos?: string[];
    destinations?: Array<{
      server?: string;
      name?: string;
      namespace?: string;
    }>;
    clusterResourceWhitelist?: Array<{ group: string; kind: string }>;
    clusterResourceBlacklist?: Array<{ group: string; kind: string }>;
    namespaceResourceWhitelist?: Array<{ group: string; kind: string }>;
    namespaceResourceBlacklist?: Array<{ group: string; kind: string }>;
    /** Namespaces (globs) whose Applications may use this project. */
    sourceNamespaces?: string[];
    roles?: Array<{
      name: string;
      description?: string;
      policies?: string[];
      groups?: string[];
    }>;
  };
}

/** @public */
export interface ArgoCdCluster {
  server: string;
  name: string;
  serverVersion?: string;
  connectionState?: {
    status: 'Successful' | 'Failed' | 'Unknown' | string;
    message?: string;
    attemptedAt?: string;
  };
  info?: {
    serverVersion?: string;
    connectionState?: {
      status: string;
      message?: string;
      attemptedAt?: string;
    };
    applicationsCount?: number;
  };
}

/**
 * Argo CD's error body: a gRPC status mapped onto HTTP.
 *
 * @public
 */
export interface ArgoCdErrorBody {
  error?: string;
  code?: number;
  message?: string;
}
