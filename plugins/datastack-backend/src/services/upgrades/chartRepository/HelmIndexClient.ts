import type { ChartRelease } from '@datastack/plugin-datastack-common';
import { parseChartIndex } from '../chartIndex';
import type { ChartRepositoryTransport } from './ChartRepositoryTransport';
import {
  ChartCoordinates,
  ChartRepositoryError,
  ChartSource,
  IndexFetchResult,
  IndexValidators,
} from './types';

/**
 * Classic Helm chart repositories: `index.yaml` with conditional requests
 * and a byte limit, parsing only the chart asked for (with the YAML alias
 * limit), and archives from the index's `urls`.
 */
export class HelmIndexClient implements ChartSource {
  readonly #transport: ChartRepositoryTransport;
  readonly #limits: {
    maxIndexBytes: number;
    maxArchiveBytes: number;
    maxYamlAliases: number;
  };

  constructor(options: {
    transport: ChartRepositoryTransport;
    maxIndexBytes: number;
    maxArchiveBytes: number;
    maxYamlAliases: number;
  }) {
    this.#transport = options.transport;
    this.#limits = options;
  }

  async fetchReleases(
    coordinates: ChartCoordinates,
    validators: IndexValidators,
    signal?: AbortSignal,
  ): Promise<IndexFetchResult> {
    const transport = this.#transport;
    const indexUrl = `${transport.base(coordinates.repository)}/index.yaml`;
    const subject = `the index of ${coordinates.repository}`;
    const response = await transport.send(indexUrl, {
      signal,
      headers: {
        accept: 'application/x-yaml, application/yaml, text/yaml, */*',
        ...(validators.etag && { 'if-none-match': validators.etag }),
        ...(validators.lastModified && {
          'if-modified-since': validators.lastModified,
        }),
        ...this.#credentials(coordinates, indexUrl),
      },
      subject,
      maxBytes: this.#limits.maxIndexBytes,
      limitKey: 'datastack.upgrades.maxIndexBytes',
    });
    if (response.status === 304) return { status: 'not-modified' };
    if (!response.ok) throw transport.httpError(subject, response);
    let releases: ChartRelease[];
    try {
      releases = parseChartIndex(response.body, {
        chart: coordinates.chart,
        componentId: coordinates.componentId,
        indexUrl: response.url || indexUrl,
        maxAliasCount: this.#limits.maxYamlAliases,
      });
    } catch (error) {
      throw new ChartRepositoryError({
        failure: 'malformed',
        message: `${subject} is not a Helm repository index: ${transport
          .scrub((error as Error).message)
          .slice(0, 300)}`,
      });
    }
    if (releases.length === 0) {
      throw new ChartRepositoryError({
        failure: 'not-found',
        message: `${subject} has no versions of chart "${coordinates.chart}"`,
      });
    }
    return {
      status: 'ok',
      releases,
      etag: response.headers.get('etag') ?? undefined,
      lastModified: response.headers.get('last-modified') ?? undefined,
      bytes: response.body.length,
    };
  }

  async fetchArchive(
    coordinates: ChartCoordinates,
    release: ChartRelease,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const url = archiveUrl(coordinates, release);
    const subject = `the ${coordinates.chart} ${release.chartVersion} archive`;
    const response = await this.#transport.send(url, {
      signal,
      headers: {
        accept: 'application/gzip, application/octet-stream, */*',
        ...this.#credentials(coordinates, url),
      },
      subject,
      maxBytes: this.#limits.maxArchiveBytes,
      limitKey: 'datastack.upgrades.maxArchiveBytes',
      // Release hosts hand archives out from a CDN; it gets no credentials.
      crossOriginRedirects: 'without-credentials',
    });
    if (!response.ok) throw this.#transport.httpError(subject, response);
    return response.body;
  }

  /** The repository's credentials, only for its own host. */
  #credentials(
    coordinates: ChartCoordinates,
    url: string,
  ): Record<string, string> {
    const authorization = this.#transport.credentialsFor(coordinates, url);
    return authorization ? { authorization } : {};
  }
}

/** The first archive URL of a release, or a `not-found` error. */
export function archiveUrl(
  coordinates: ChartCoordinates,
  release: ChartRelease,
): string {
  const url = release.urls[0];
  if (!url) {
    throw new ChartRepositoryError({
      failure: 'not-found',
      message: `${coordinates.chart} ${release.chartVersion} lists no archive URL`,
    });
  }
  return url;
}
