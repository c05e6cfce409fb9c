/**
 * Upgrade compatibility of data-stack components, as the Datastack backend
 * answers it (`/api/datastack/upgrades/…`). Every fact says where it comes
 * from (`source`) and, where it was fetched, when (`fetchedAt`).
 */
import type { GroupVersionKind } from '../registry/schema';
import type { ApiFinding } from './apiDeprecations';

/**
 * `blocking`: do not upgrade as is; `warn`: upgrade with care; `ok`: nothing found.
 *
 * @public
 */
export const UPGRADE_RISKS = ['blocking', 'warn', 'ok'] as const;
/** @public */
export type UpgradeRisk = (typeof UPGRADE_RISKS)[number];

/**
 * The worst of several risks; `ok` for none.
 *
 * @public
 */
export function worstRisk(risks: UpgradeRisk[]): UpgradeRisk {
  if (risks.includes('blocking')) return 'blocking';
  if (risks.includes('warn')) return 'warn';
  return 'ok';
}

/**
 * A dependency of a chart version, as Chart.yaml declares it.
 *
 * @public
 */
export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
  condition?: string;
}

/**
 * One version of a component's chart, from its repository's index (or OCI config).
 *
 * @public
 */
export interface ChartRelease {
  componentId: string;
  chartVersion: string;
  appVersion?: string;
  /** The Kubernetes range the chart declares (Chart.yaml `kubeVersion`). */
  kubeVersion?: string;
  deprecated: boolean;
  /** When the version was published (index `created`). */
  created?: string;
  dependencies: ChartDependency[];
  /** Archive URLs, absolute. */
  urls: string[];
  digest?: string;
  /** Notes from `artifacthub.io/changes` of kind `removed` or `security`, and curated ones. */
  breakingNotes: string[];
}

/**
 * What Datastack knows of one component's chart repository.
 *
 * @public
 */
export interface ChartVersionsState {
  componentId: string;
  /** The repository URL (`https://…` index, or `oci://…`), as the registry names it. */
  repository: string;
  chart: string;
  /** `ok`: fresh; `stale`: the last fetch failed, older versions kept; `unknown`: never fetched. */
  status: 'ok' | 'stale' | 'unknown';
  /** When the versions were last fetched successfully. */
  fetchedAt?: string;
  /** When the last fetch was tried. */
  checkedAt?: string;
  /** Why the last fetch failed; never contains credentials. */
  error?: string;
  versionCount: number;
  latest?: string;
}

/**
 * Whether a chart version's `kubeVersion` admits one cluster's Kubernetes version.
 *
 * @public
 */
export interface KubeFit {
  cluster: string;
  /** The cluster's version as it reports it (`v1.29.3-eks-…`). */
  kubeVersion?: string;
  fits: 'yes' | 'no' | 'unknown';
  reason: string;
}

/**
 * API findings of one deployment's live inventory on one cluster.
 *
 * @public
 */
export interface ClusterApiFindings {
  cluster: string;
  kubeVersion?: string;
  /** What the cluster's current version no longer serves or deprecates. */
  current: ApiFinding[];
  /** The next Kubernetes minor, and what it would break. */
  nextMinor?: string;
  next: ApiFinding[];
  /** CRD versions that the candidate component version removes or deprecates. */
  component: ApiFinding[];
}

/**
 * A constraint between components of one pipeline that a candidate breaks.
 *
 * @public
 */
export interface ConstraintViolation {
  /** `requires`: the candidate needs `componentId` in `range`; `required-by`: `componentId` needs this component in `range`; `conflicts`: the candidate conflicts with it. */
  kind: 'requires' | 'required-by' | 'conflicts';
  componentId: string;
  range: string;
  /** The other component's deployed chart version, where known. */
  actualVersion?: string;
  environment?: string;
  reason: string;
  source: string;
}

/**
 * One key of `values.yaml` that changed between two chart versions.
 *
 * @public
 */
export interface ValuesChange {
  /** Dotted path (`server.workers`); lists are compared whole, as Helm replaces them whole. */
  key: string;
  change: 'added' | 'removed' | 'default-changed';
  from?: unknown;
  to?: unknown;
  /** Values files of the GitOps repository that set this key (or a key under it). */
  overriddenIn: string[];
  /**
   * A removed key the new chart has under another name: the one added
   * key beside it (or with its name elsewhere) with the same default.
   */
  movedTo?: string;
  /** The added key that a removed one moved to: the key it came from. */
  movedFrom?: string;
}

/**
 * The values changes between the deployed and a candidate chart version.
 *
 * @public
 */
export interface ValuesDiff {
  componentId: string;
  from: string;
  to: string;
  status: 'ok' | 'unavailable';
  /** Why the archives could not be read; never contains credentials. */
  error?: string;
  changes: ValuesChange[];
  /** The user's overridden keys that the change touches (removed or default changed). */
  affectedOverrides: string[];
  /** Whether `values.schema.json` differs between the versions. */
  schemaChanged: boolean;
  /** The archive URLs the diff was read from. */
  source: string;
  fetchedAt: string;
}

/**
 * One version a component could be upgraded to.
 *
 * @public
 */
export interface UpgradeCandidate {
  chartVersion: string;
  appVersion?: string;
  kubeVersion?: string;
  deprecated: boolean;
  /** A breaking change by SemVer from the deployed version (new major, or new minor of 0.x). */
  majorBump: boolean;
  created?: string;
  kubeFit: KubeFit[];
  apiFindings: ClusterApiFindings[];
  constraintViolations: ConstraintViolation[];
  breakingNotes: string[];
  /** Versions to pass through first when a direct jump is not allowed. */
  hops: string[];
  risk: UpgradeRisk;
  /** One sentence per reason for the risk. */
  reasons: string[];
  /** The reasons that make it `blocking` (empty otherwise). */
  blockers: string[];
}

/**
 * Where a component runs: one Argo CD Application.
 *
 * @public
 */
export interface DeployedComponent {
  instance: string;
  application: string;
  environment?: string;
  /** The Argo CD destination cluster (name, or server URL where unnamed). */
  cluster: string;
  clusterVersion?: string;
  chart?: { repoURL: string; name: string; version?: string };
  appVersion?: string;
  images: string[];
  /** The live group/version/kind of every resource (Argo CD `status.resources`). */
  inventory: GroupVersionKind[];
  /**
   * Set when its Argo CD instance did not answer: the deployment as the live
   * inventory last saw it, and when. Not part of the compatibility checks.
   */
  lastKnown?: { status: 'unreachable' | 'error'; fetchedAt: string };
}

/**
 * An Argo CD instance that could not answer, in its own row.
 *
 * @public
 */
export interface UpstreamFailure {
  instance: string;
  status: 'unreachable' | 'error';
  error: string;
  /** When the instance last answered, where its rows are shown as they were then. */
  lastKnownAt?: string;
}

/**
 * The upgrade compatibility of one entity (a data-stack component).
 *
 * @public
 */
export interface ComponentUpgrade {
  entityRef: string;
  componentId: string;
  pipeline?: string;
  deployed: DeployedComponent[];
  failures: UpstreamFailure[];
  versions: ChartVersionsState;
  /** Newer versions than the oldest deployed one, newest first. */
  candidates: UpgradeCandidate[];
  /**
   * The newest candidate that nothing blocks and that is no SemVer-major
   * bump from the deployed version, if any.
   */
  recommended?: string;
  /** The newest candidate overall, whatever its risk. */
  latest?: string;
  /** Values changes from the oldest deployed version to the recommended one. */
  valuesDiff?: ValuesDiff;
  generatedAt: string;
}

/**
 * One step of an upgrade plan.
 *
 * @public
 */
export interface UpgradePlanStep {
  /** 1-based; steps with the same order may run together. */
  order: number;
  componentId: string;
  pipeline?: string;
  environment?: string;
  instance: string;
  application: string;
  from?: string;
  to: string;
  hops: string[];
  risk: UpgradeRisk;
  /** What stands in the way, one sentence each. */
  blockers: string[];
  /** Component ids that must move first (from the registry's `requires`). */
  after: string[];
}

/**
 * What a cluster upgrade to the next Kubernetes minor would break.
 *
 * @public
 */
export interface ClusterUpgradeImpact {
  cluster: string;
  kubeVersion?: string;
  nextMinor?: string;
  breaks: Array<{
    componentId: string;
    pipeline?: string;
    environment?: string;
    application: string;
    findings: ApiFinding[];
    /** Set when the deployed chart's `kubeVersion` excludes the next minor. */
    kubeFit?: KubeFit;
  }>;
}

/**
 * The ordered upgrade plan of a pipeline or of the whole fleet.
 *
 * @public
 */
export interface UpgradePlan {
  scope: 'pipeline' | 'fleet';
  pipeline?: string;
  steps: UpgradePlanStep[];
  /** Dependency cycles between components, reported instead of ordered. */
  cycles: string[][];
  clusters: ClusterUpgradeImpact[];
  failures: UpstreamFailure[];
  versions: ChartVersionsState[];
  generatedAt: string;
}

/**
 * Input of the "propose upgrade" call.
 *
 * @public
 */
export interface UpgradeProposalRequest {
  /** The chart version to move to. */
  version: string;
  /** The environments to bump; every deployed environment when absent. */
  environments?: string[];
}

/**
 * What a proposed upgrade wrote.
 *
 * @public
 */
export interface UpgradeProposal {
  /** The branch the bump was committed to. */
  branch: string;
  commitHash: string;
  /** The files changed, relative to the repository root. */
  files: string[];
  /** The pull or merge request, where the host supports one. */
  pullRequestUrl?: string;
  /** The repository the branch was pushed to. */
  repository: string;
}
