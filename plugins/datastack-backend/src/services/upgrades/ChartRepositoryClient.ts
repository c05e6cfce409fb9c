import type { ChartRelease } from '@datastack/plugin-datastack-common';
import type { ChartRepositoryConfig } from './config';
import { ChartRepositoryTransport } from './chartRepository/ChartRepositoryTransport';
import { HelmIndexClient } from './chartRepository/HelmIndexClient';
import { OciChartClient } from './chartRepository/OciChartClient';
import type {
  ChartCoordinates,
  ChartSource,
  IndexFetchResult,
  IndexValidators,
} from './chartRepository/types';

export { createLimiter } from './chartRepository/ChartRepositoryTransport';
export { ChartRepositoryError } from './chartRepository/types';
export type {
  ChartCoordinates,
  ChartRepositoryFailure,
  IndexFetchResult,
  IndexValidators,
} from './chartRepository/types';

export interface ChartRepositoryClientOptions {
  repositories: ChartRepositoryConfig[];
  timeoutMs: number;
  maxIndexBytes: number;
  maxArchiveBytes: number;
  ociMaxVersions: number;
  /** Alias expansions allowed in an index (`datastack.upgrades.maxYamlAliases`). Default 100. */
  maxYamlAliases?: number;
  /**
   * Requests to chart repositories and OCI registries in flight at once,
   * over every caller of this client (`datastack.upgrades.concurrency`).
   * Default 4.
   */
  concurrency?: number;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * The chart repositories of the registry's components: a
 * {@link HelmIndexClient} for `https://` repositories and an
 * {@link OciChartClient} for `oci://` ones, on one transport (mirrors and
 * credentials from `datastack.upgrades.chartRepositories`, one concurrency
 * limit, every request bounded by `fetchUpstream`).
 */
export class ChartRepositoryClient {
  readonly #helm: HelmIndexClient;
  readonly #oci: OciChartClient;

  constructor(options: ChartRepositoryClientOptions) {
    const transport = new ChartRepositoryTransport({
      repositories: options.repositories,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency ?? 4,
      fetch: options.fetch,
    });
    this.#helm = new HelmIndexClient({
      transport,
      maxIndexBytes: options.maxIndexBytes,
      maxArchiveBytes: options.maxArchiveBytes,
      maxYamlAliases: options.maxYamlAliases ?? 100,
    });
    this.#oci = new OciChartClient({
      transport,
      maxIndexBytes: options.maxIndexBytes,
      maxArchiveBytes: options.maxArchiveBytes,
      ociMaxVersions: options.ociMaxVersions,
    });
  }

  #source(coordinates: ChartCoordinates): ChartSource {
    return coordinates.repository.startsWith('oci://') ? this.#oci : this.#helm;
  }

  /** Every version of a chart, newest first; `not-modified` when the validators still hold. */
  fetchReleases(
    coordinates: ChartCoordinates,
    validators: IndexValidators = {},
    signal?: AbortSignal,
  ): Promise<IndexFetchResult> {
    return this.#source(coordinates).fetchReleases(
      coordinates,
      validators,
      signal,
    );
  }

  /** A chart archive (`.tgz`), from an index `urls` entry or an OCI layer. */
  fetchArchive(
    coordinates: ChartCoordinates,
    release: ChartRelease,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    return this.#source(coordinates).fetchArchive(coordinates, release, signal);
  }
}
