import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  ArgoCdInstanceSummary,
  ChartVersionsState,
  ComponentDefinition,
  ComponentUpgrade,
  DatastackStatus,
  EntityHealth,
  FleetPage,
  PlatformOperatorsOverview,
  UpgradePlan,
  UpgradeProposal,
  UpgradeProposalRequest,
  ValuesDiff,
} from '@datastack/plugin-datastack-common';
import type {
  ClusterHealthOverview,
  DatastackApi,
  FleetQuery,
  PipelineRef,
} from './DatastackApi';

/**
 * Talks to the Datastack backend through the discovery and fetch APIs.
 *
 * @public
 */
export class DatastackClient implements DatastackApi {
  readonly #discoveryApi: DiscoveryApi;
  readonly #fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  async getStatus(): Promise<DatastackStatus> {
    return this.#get<DatastackStatus>('/status');
  }

  async listComponents(): Promise<ComponentDefinition[]> {
    const body = await this.#get<{ items: ComponentDefinition[] }>(
      '/components',
    );
    return body.items;
  }

  async listArgoCdInstances(): Promise<ArgoCdInstanceSummary[]> {
    const body = await this.#get<{ items: ArgoCdInstanceSummary[] }>(
      '/argocd/instances',
    );
    return body.items;
  }

  async getEntityHealth(entity: CompoundEntityRef): Promise<EntityHealth> {
    return this.#get<EntityHealth>(`/health/entity/${entityPath(entity)}`);
  }

  async actOnApplication(
    entity: CompoundEntityRef,
    instance: string,
    application: string,
    action: 'sync' | 'refresh',
  ): Promise<EntityHealth> {
    return this.#get<EntityHealth>(
      `/health/entity/${entityPath(entity)}/applications/${encodeURIComponent(
        instance,
      )}/${encodeURIComponent(application)}/${action}`,
      { method: 'POST' },
    );
  }

  async getFleet(query: FleetQuery = {}): Promise<FleetPage> {
    const params = new URLSearchParams();
    const keys = [
      'offset',
      'limit',
      'component',
      'environment',
      'pipeline',
      'status',
      'owner',
    ] as const;
    for (const key of keys) {
      const value = query[key];
      if (value !== undefined && value !== '') {
        params.set(key, String(value));
      }
    }
    const search = params.toString();
    return this.#get<FleetPage>(`/health/fleet${search ? `?${search}` : ''}`);
  }

  async getClusterHealth(): Promise<ClusterHealthOverview> {
    return this.#get<ClusterHealthOverview>('/health/clusters');
  }

  async getPlatformOperators(): Promise<PlatformOperatorsOverview> {
    return this.#get<PlatformOperatorsOverview>('/platform/operators');
  }

  async getComponentUpgrade(
    entity: CompoundEntityRef,
  ): Promise<ComponentUpgrade> {
    return this.#get<ComponentUpgrade>(
      `/upgrades/entity/${entityPath(entity)}`,
    );
  }

  async getValuesDiff(
    entity: CompoundEntityRef,
    from: string,
    to: string,
  ): Promise<ValuesDiff> {
    const params = new URLSearchParams({ from, to });
    return this.#get<ValuesDiff>(
      `/upgrades/entity/${entityPath(entity)}/values?${params}`,
    );
  }

  async proposeUpgrade(
    entity: CompoundEntityRef,
    request: UpgradeProposalRequest,
  ): Promise<UpgradeProposal> {
    return this.#get<UpgradeProposal>(
      `/upgrades/entity/${entityPath(entity)}/propose`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      },
    );
  }

  async getPipelineUpgradePlan(pipeline: PipelineRef): Promise<UpgradePlan> {
    return this.#get<UpgradePlan>(
      `/upgrades/pipeline/${encodeURIComponent(
        pipeline.namespace,
      )}/${encodeURIComponent(pipeline.name)}`,
    );
  }

  async getFleetUpgradePlan(): Promise<UpgradePlan> {
    return this.#get<UpgradePlan>('/upgrades/fleet');
  }

  async listChartVersions(): Promise<ChartVersionsState[]> {
    const body = await this.#get<{ items: ChartVersionsState[] }>(
      '/upgrades/charts',
    );
    return body.items;
  }

  async refreshChartVersions(componentId: string): Promise<ChartVersionsState> {
    return this.#get<ChartVersionsState>(
      `/upgrades/charts/${encodeURIComponent(componentId)}/refresh`,
      { method: 'POST' },
    );
  }

  async #get<T>(path: string, init?: RequestInit): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('datastack');
    const response = await this.#fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}

function entityPath(entity: CompoundEntityRef): string {
  return [entity.namespace, entity.kind, entity.name]
    .map(part => encodeURIComponent(part))
    .join('/');
}
