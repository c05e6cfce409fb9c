/**
 * DEV ONLY — never shipped in the Datastack plugins.
 *
 * An in-memory stand-in for Argo CD (REST API with the JSON shapes and error
 * bodies of Argo CD v2.x/v3.x) and for the Kubernetes API of its clusters,
 * for development, demos, the benchmark and end-to-end tests on machines
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
export type { SandboxUser } from './auth';
export type { ImportRequest } from './gitImport';
export type { SeedTemplate } from './seed';
export { CHART_SOURCES } from './seed';
export { LEGACY_APIS_LABEL, OUTCOME_LABEL } from './lifecycle';
export type { Outcome } from './lifecycle';
export { parseSelector, SelectorParseError } from './selector';
export type { LabelSelector, Requirement } from './selector';
export { knownCharts } from './charts';
export type {
  AppProject,
  AppProjectSpec,
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
