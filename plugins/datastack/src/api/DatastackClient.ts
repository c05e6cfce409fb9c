import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ArgoCdInstanceSummary,
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

  async #get<T>(path: string): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('datastack');
    const response = await this.#fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
