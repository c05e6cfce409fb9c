import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type {
  ChartRelease,
  ChartVersionsState,
  ComponentDefinition,
  ComponentRegistry,
} from '@datastack/plugin-datastack-common';
import type {
  ChartCoordinates,
  ChartRepositoryClient,
} from './ChartRepositoryClient';
import {
  ChartVersionStore,
  StoredChartVersions,
  versionsState,
} from './ChartVersionStore';

/** The chart of a registry component; undefined for a dbt project. */
export function coordinatesOf(
  component: ComponentDefinition,
): ChartCoordinates | undefined {
  return component.chart
    ? {
        componentId: component.id,
        repository: component.chart.repository.replace(/\/+$/, ''),
        chart: component.chart.name,
      }
    : undefined;
}

/** The versions of one component's chart and the state of its repository. */
export interface ComponentReleases {
  state: ChartVersionsState;
  releases: ChartRelease[];
}

/**
 * Keeps each component's chart versions in the database: a scheduled task
 * (one replica at a time) refetches every repository with conditional
 * requests; a component never fetched is fetched on first use. A repository
 * that fails keeps the versions fetched before and its state says so, so it
 * degrades only that component's answer.
 */
export class ChartVersionsService {
  readonly #registry: ComponentRegistry;
  readonly #client: ChartRepositoryClient;
  readonly #store: ChartVersionStore;
  readonly #logger: LoggerService;
  readonly #inFlight = new Map<string, Promise<void>>();

  static create(options: {
    registry: ComponentRegistry;
    client: ChartRepositoryClient;
    store: ChartVersionStore;
    logger: LoggerService;
  }): ChartVersionsService {
    return new ChartVersionsService(options);
  }

  private constructor(options: {
    registry: ComponentRegistry;
    client: ChartRepositoryClient;
    store: ChartVersionStore;
    logger: LoggerService;
  }) {
    this.#registry = options.registry;
    this.#client = options.client;
    this.#store = options.store;
    this.#logger = options.logger;
  }

  /** Schedules the refresh of every repository on the scheduler service. */
  async schedule(
    scheduler: SchedulerService,
    refreshMinutes: number,
  ): Promise<void> {
    await scheduler.scheduleTask({
      id: 'datastack-chart-versions-refresh',
      frequency: { minutes: refreshMinutes },
      timeout: { minutes: 10 },
      initialDelay: { seconds: 10 },
      scope: 'global',
      fn: async signal => {
        await this.refreshAll(signal);
      },
    });
  }

  /** Refetches every component's repository, in parallel; each fails alone. */
  async refreshAll(signal?: AbortSignal): Promise<ChartVersionsState[]> {
    const components = this.#registry.list().filter(c => c.chart);
    await Promise.all(components.map(c => this.refresh(c.id, signal)));
    return this.states();
  }

  /** Refetches one repository; concurrent calls share one fetch. */
  refresh(componentId: string, signal?: AbortSignal): Promise<void> {
    const pending = this.#inFlight.get(componentId);
    if (pending) return pending;
    const promise = this.#refresh(componentId, signal).finally(() =>
      this.#inFlight.delete(componentId),
    );
    this.#inFlight.set(componentId, promise);
    return promise;
  }

  /** What each chart repository holds, for the fleet page. */
  async states(): Promise<ChartVersionsState[]> {
    return Promise.all(
      this.#registry
        .list()
        .flatMap(c => {
          const coordinates = coordinatesOf(c);
          return coordinates ? [coordinates] : [];
        })
        .map(async coordinates =>
          versionsState(
            this.#current(
              await this.#store.get(coordinates.componentId),
              coordinates,
            ),
            coordinates,
          ),
        ),
    );
  }

  /** The versions of a component's chart, newest first; fetched first when never fetched. */
  async releases(componentId: string): Promise<ComponentReleases> {
    const component = this.#registry.get(componentId);
    const coordinates = coordinatesOf(component);
    if (!coordinates) {
      return {
        state: {
          componentId,
          repository: '',
          chart: '',
          status: 'unknown',
          error: `${component.title} is not deployed from a chart`,
          versionCount: 0,
        },
        releases: [],
      };
    }
    let stored = this.#current(await this.#store.get(componentId), coordinates);
    if (!stored) {
      await this.refresh(componentId);
      stored = this.#current(await this.#store.get(componentId), coordinates);
    }
    return {
      state: versionsState(stored, coordinates),
      releases: stored?.releases ?? [],
    };
  }

  /** A stored row, unless the registry now names another repository or chart. */
  #current(
    stored: StoredChartVersions | undefined,
    coordinates: ChartCoordinates,
  ): StoredChartVersions | undefined {
    return stored &&
      stored.repository === coordinates.repository &&
      stored.chart === coordinates.chart
      ? stored
      : undefined;
  }

  async #refresh(componentId: string, signal?: AbortSignal): Promise<void> {
    const component = this.#registry.find(componentId);
    const coordinates = component && coordinatesOf(component);
    if (!coordinates) return;
    const previous = this.#current(
      await this.#store.get(componentId),
      coordinates,
    );
    const at = new Date().toISOString();
    const started = Date.now();
    try {
      const result = await this.#client.fetchReleases(
        coordinates,
        previous?.releases.length
          ? { etag: previous.etag, lastModified: previous.lastModified }
          : {},
        signal,
      );
      if (result.status === 'not-modified') {
        await this.#store.markChecked({ ...coordinates, at, fresh: true });
        this.#logger.debug('Chart repository unchanged', {
          component: componentId,
          repository: coordinates.repository,
        });
        return;
      }
      await this.#store.putReleases({
        ...coordinates,
        etag: result.etag,
        lastModified: result.lastModified,
        releases: result.releases,
        at,
      });
      this.#logger.info('Fetched chart versions', {
        component: componentId,
        repository: coordinates.repository,
        versions: result.releases.length,
        bytes: result.bytes,
        ms: Date.now() - started,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.#store.markChecked({ ...coordinates, at, error: message });
      this.#logger.warn('Chart repository did not answer', {
        component: componentId,
        repository: coordinates.repository,
        error: message,
      });
    }
  }
}
