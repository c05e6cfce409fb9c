/**
 * The platform layer as the Datastack backend answers it: the operators the
 * "Platform operators" template installs once per cluster (Argo CD
 * Applications labelled `datastack.io/platform-operator` in the `platform`
 * AppProject), read from every Argo CD instance.
 */
import type { HealthFinding, InventoryState, RollupStatus } from './health';

/**
 * The operator Deployment of a platform operator, as the Application's resource list reports it.
 *
 * @public
 */
export interface OperatorDeploymentState {
  name: string;
  namespace?: string;
  /** True when Argo CD reports the Deployment Healthy. */
  available: boolean;
  /** Argo CD's health of the Deployment (`Healthy`, `Progressing`, `Degraded`, …). */
  health?: string;
  message?: string;
}

/**
 * One platform operator on one cluster: one Argo CD Application.
 *
 * @public
 */
export interface PlatformOperatorRow {
  instance: string;
  /** The destination cluster as Argo CD names it (`in-cluster`), or its server URL. */
  cluster: string;
  /** The destination's server URL, when Argo CD knows it. */
  server?: string;
  /** The registry id of the operator's component (the label's value). */
  componentId: string;
  /** The registry's operator title (`Strimzi operator`), or the id when the registry has none. */
  title: string;
  /** The Argo CD Application. */
  application: string;
  appNamespace?: string;
  project: string;
  /** The operator chart; `version` is the one deployed (sync revision), else the target revision. */
  chart?: { repoURL: string; name: string; version?: string };
  /** The registry's operator chart version, what new installs pin. */
  registryVersion?: string;
  /** The namespace the operator is installed into. */
  namespace?: string;
  sync: string;
  health: string;
  healthMessage?: string;
  /** The same roll-up as an Application's health: healthy, progressing, degraded, … */
  status: RollupStatus;
  /** Present when the Application's resource list has the registry's operator Deployment. */
  operatorDeployment?: OperatorDeploymentState;
  findings: HealthFinding[];
  /** The Argo CD UI page of the Application. */
  url: string;
  /** The platform group (`datastack.io/owner`), when the Application names one. */
  owner?: string;
  lastDeployedAt?: string;
}

/**
 * What one Argo CD instance answered about its platform operators.
 *
 * @public
 */
export interface PlatformOperatorsInstance {
  instance: string;
  /** The Argo CD UI of the instance. */
  uiUrl: string;
  status: 'ok' | 'unreachable' | 'error';
  /** Why the instance could not answer (Argo CD's message); never contains credentials. */
  error?: string;
  /**
   * Ordered by cluster, then operator title. For an instance that did not
   * answer, the operators as the live inventory last saw them (see
   * `lastKnownAt`), else none.
   */
  operators: PlatformOperatorRow[];
  fetchedAt: string;
  /** Set when `operators` are the last known ones of an instance that did not answer. */
  lastKnownAt?: string;
  /** The live inventory's state of the instance, when the answer came from it. */
  inventory?: InventoryState;
}

/**
 * `GET /platform/operators`: a row per configured Argo CD instance.
 *
 * @public
 */
export interface PlatformOperatorsOverview {
  instances: PlatformOperatorsInstance[];
}
