/**
 * DEV ONLY — never shipped in the Datastack plugins.
 *
 * An in-memory stand-in for Argo CD (REST API with the JSON shapes and error
 * bodies of Argo CD v2.x/v3.x), for the Kubernetes API of its clusters, and
 * for the chart repositories (Helm index and OCI) of the data stack, for
 * development, demos, the benchmark and end-to-end tests on machines
 * that cannot run Argo CD or Kubernetes.
 *
 * @packageDocumentation
 */

export { startArgoCdSandbox } from './server';
export type {
  ArgoCdSandbox,
  FailureMode,
  ImportResult,
  SandboxClusterOptions,
  SandboxOptions,
  SandboxRequestLog,
  SandboxRequestRecord,
} from './server';
export type { StreamMode, StreamModeOptions, StreamStats } from './stream';
export { STREAM_MODES } from './stream';
export type {
  ApplicationChange,
  ApplicationChangeType,
  ResourceTarget,
} from './store';
export type { ResourceQuery } from './liveObject';
export type { SandboxUser } from './auth';
export type { ImportRequest } from './gitImport';
export type { SeedTemplate } from './seed';
export { CHART_SOURCES } from './seed';
export { LEGACY_APIS_LABEL, OUTCOME_LABEL } from './lifecycle';
export { TRACKING_ANNOTATION } from './store';
export type { Outcome } from './lifecycle';
export { parseSelector, SelectorParseError } from './selector';
export type { LabelSelector, Requirement } from './selector';
export { knownCharts } from './charts';
export { startChartRepository } from './chartRepository';
export type {
  ChartRepositoryFailureMode,
  ChartRepositoryInfo,
  ChartRepositoryMirror,
  ChartRepositoryOptions,
  ChartRepositoryRequest,
  ChartRepositoryServer,
} from './chartRepository';
export {
  CHART_FLAVOURS,
  DEFAULT_CHART_COMPONENTS,
  compareVersions,
} from './chartComponents';
export type {
  ChartChange,
  ChartComponent,
  ChartCrd,
  ChartDependency,
  ChartFlavour,
  CrdVersion,
  Milestone,
  ReleaseSteps,
  ValuesOp,
} from './chartComponents';
export type {
  ChartMetadata,
  ChartRelease,
  ChartReleases,
  ReleaseCrd,
} from './chartReleases';
export type { IndexEntry } from './helmIndex';
export { createTarGz, readTarGz } from './tar';
export type { TarFile } from './tar';
export type {
  AppProject,
  AppProjectSpec,
  ClusterResourceRestrictionItem,
  GroupKind,
  ProjectRole,
  Application,
  ApplicationCondition,
  ApplicationDestination,
  ApplicationSource,
  ApplicationSpec,
  ApplicationStatus,
  ApplicationTree,
  Cluster,
  ConnectionState,
  HealthStatus,
  HealthStatusCode,
  ObjectMeta,
  Operation,
  OperationState,
  ResourceNode,
  ResourceStatus,
  RevisionHistory,
  SyncStatusCode,
} from './types';
