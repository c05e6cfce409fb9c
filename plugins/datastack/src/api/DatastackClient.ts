import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  ArgoCdInstanceSummary,
  EntityHealth,
  ComponentDefinition,
  DatastackStatus,
} from '@datastack/plugin-datastack-common';
import type { DatastackApi } from './DatastackApi';

/** Talks to the Datastack backend through the discovery and fetch APIs. */
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
