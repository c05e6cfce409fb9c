import { createApiRef } from '@backstage/core-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  ArgoCdInstanceSummary,
  ChartVersionsState,
  ClusterHealth,
  ComponentDefinition,
  ComponentUpgrade,
  DatastackStatus,
  EntityHealth,
  FleetPage,
  PlatformOperatorsOverview,
  RollupStatus,
  UpgradePlan,
  UpgradeProposal,
  UpgradeProposalRequest,
  ValuesDiff,
} from '@datastack/plugin-datastack-common';

/**
 * Filters and paging of the fleet view; every filter is optional.
 *
 * @public
 */
export interface FleetQuery {
  offset?: number;
  /** Rows per page, 1 to 500; the backend answers 100 when absent. */
  limit?: number;
  /** A registry component id (`trino`). */
  component?: string;
  environment?: string;
  /** A pipeline name (the `datastack.io/pipeline` label). */
  pipeline?: string;
  status?: RollupStatus;
  /** The owner of the component's entity, as its `spec.owner` says. */
  owner?: string;
}

/**
 * Cluster health: every configured Kubernetes cluster and every Argo CD instance.
 *
 * @public
 */
export interface ClusterHealthOverview {
  clusters: ClusterHealth[];
  argocd: ArgoCdInstanceSummary[];
}

/**
 * A pipeline: the namespace and name of its System entity.
 *
 * @public
 */
export interface PipelineRef {
  namespace: string;
  name: string;
}

/**
 * The Datastack backend, as the frontend sees it.
 *
 * @public
 */
export interface DatastackApi {
  /** Readiness and configuration summary of the backend. */
  getStatus(): Promise<DatastackStatus>;
  /** The data-stack components the platform offers. */
  listComponents(): Promise<ComponentDefinition[]>;
  /** The configured Argo CD instances and their clusters; a failing instance says why in its row. */
  listArgoCdInstances(): Promise<ArgoCdInstanceSummary[]>;
  /** The deployment health of an entity, a row per Argo CD instance. */
  getEntityHealth(entity: CompoundEntityRef): Promise<EntityHealth>;
  /** Sync or refresh one of the entity's Applications; answers the fresh health. */
  actOnApplication(
    entity: CompoundEntityRef,
    instance: string,
    application: string,
    action: 'sync' | 'refresh',
  ): Promise<EntityHealth>;
  /** Every data-stack component × environment, a page at a time. */
  getFleet(query?: FleetQuery): Promise<FleetPage>;
  /** The configured Kubernetes clusters and Argo CD instances, each with its state. */
  getClusterHealth(): Promise<ClusterHealthOverview>;
  /**
   * The platform layer: every platform operator on every cluster of every
   * Argo CD instance; an instance that did not answer says why in its row.
   */
  getPlatformOperators(): Promise<PlatformOperatorsOverview>;
  /** The upgrade compatibility of one data-stack component entity. */
  getComponentUpgrade(entity: CompoundEntityRef): Promise<ComponentUpgrade>;
  /** The values changes between two chart versions of an entity's component. */
  getValuesDiff(
    entity: CompoundEntityRef,
    from: string,
    to: string,
  ): Promise<ValuesDiff>;
  /** Writes a branch (and a pull request where the host has them) that bumps the entity's chart. */
  proposeUpgrade(
    entity: CompoundEntityRef,
    request: UpgradeProposalRequest,
  ): Promise<UpgradeProposal>;
  /** The ordered upgrade plan of a pipeline (its System entity). */
  getPipelineUpgradePlan(pipeline: PipelineRef): Promise<UpgradePlan>;
  /** The ordered upgrade plan of every deployed component. */
  getFleetUpgradePlan(): Promise<UpgradePlan>;
  /** What is known of each component's chart repository. */
  listChartVersions(): Promise<ChartVersionsState[]>;
  /** Refetches one component's chart repository now; resolves with what it holds after. */
  refreshChartVersions(componentId: string): Promise<ChartVersionsState>;
}

/** @public */
export const datastackApiRef = createApiRef<DatastackApi>({
  id: 'plugin.datastack.service',
});
