import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ArgoCdInstanceSummary } from '@datastack/plugin-datastack-common';
import { ArgoCdClient, ArgoCdConfig } from '@datastack/plugin-datastack-node';
import { failureStatus } from './health/EntityHealthService';

/**
 * The configured Argo CD instances and the clusters each deploys to. Asks
 * every instance in parallel; one that is down, slow or answers garbage
 * degrades only its own row.
 */
export class ArgoCdInstancesService {
  readonly #clients: ArgoCdClient[];
  readonly #logger: LoggerService;

  static create(options: {
    config: ArgoCdConfig;
    logger: LoggerService;
  }): ArgoCdInstancesService {
    return new ArgoCdInstancesService(
      options.config.instances.map(
        instance =>
          new ArgoCdClient({
            instance,
            timeoutMs: options.config.requestTimeoutMs,
            maxResponseBytes: options.config.maxResponseBytes,
          }),
      ),
      options.logger,
    );
  }

  constructor(clients: ArgoCdClient[], logger: LoggerService) {
    this.#clients = clients;
    this.#logger = logger;
  }

  /** The clients, by instance name, for other services of the plugin. */
  clients(): ArgoCdClient[] {
    return [...this.#clients];
  }

  async list(signal?: AbortSignal): Promise<ArgoCdInstanceSummary[]> {
    return Promise.all(
      this.#clients.map(async (client): Promise<ArgoCdInstanceSummary> => {
        const base = {
          name: client.name,
          uiUrl: client.instance.uiUrl,
          fetchedAt: new Date().toISOString(),
        };
        try {
          const clusters = await client.listClusters({ signal });
          return {
            ...base,
            status: 'ok',
            clusters: clusters.map(c => ({
              name: c.name,
              server: c.server,
              serverVersion: c.serverVersion ?? c.info?.serverVersion,
              connectionState:
                c.connectionState?.status ?? c.info?.connectionState?.status,
            })),
          };
        } catch (error) {
          const message =
            error instanceof Error ? error.message : String(error);
          this.#logger.warn('Argo CD instance could not list clusters', {
            instance: client.name,
            error: message,
          });
          return {
            ...base,
            status: failureStatus(error),
            error: message,
            clusters: [],
          };
        }
      }),
    );
  }
}
