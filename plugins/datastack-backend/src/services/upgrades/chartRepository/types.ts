import { CustomErrorBase } from '@backstage/errors';
import type { ChartRelease } from '@datastack/plugin-datastack-common';

/** Why a chart repository could not be read. */
export type ChartRepositoryFailure =
  | 'timeout'
  | 'unreachable'
  | 'http'
  | 'too-large'
  | 'malformed'
  | 'not-found';

/** A chart repository that did not answer usefully; the message never carries credentials. */
export class ChartRepositoryError extends CustomErrorBase {
  readonly failure: ChartRepositoryFailure;
  readonly status?: number;

  constructor(options: {
    failure: ChartRepositoryFailure;
    message: string;
    status?: number;
    cause?: unknown;
  }) {
    super(options.message, options.cause as Error | undefined);
    this.name = 'ChartRepositoryError';
    this.failure = options.failure;
    this.status = options.status;
  }
}

/** The chart of one registry component, as its repository publishes it. */
export interface ChartCoordinates {
  componentId: string;
  /** `https://…` (index.yaml under it) or `oci://host/path`. */
  repository: string;
  chart: string;
}

/** Validators of a previous fetch, for a conditional request. */
export interface IndexValidators {
  etag?: string;
  lastModified?: string;
}

export type IndexFetchResult =
  | { status: 'not-modified' }
  | {
      status: 'ok';
      releases: ChartRelease[];
      etag?: string;
      lastModified?: string;
      /** Bytes read from the repository. */
      bytes: number;
    };

/** One kind of chart repository: Helm's `index.yaml`, or an OCI registry. */
export interface ChartSource {
  /** Every version of a chart, newest first; `not-modified` when the validators still hold. */
  fetchReleases(
    coordinates: ChartCoordinates,
    validators: IndexValidators,
    signal?: AbortSignal,
  ): Promise<IndexFetchResult>;
  /** A chart archive (`.tgz`) at a URL the releases named. */
  fetchArchive(
    coordinates: ChartCoordinates,
    release: ChartRelease,
    signal?: AbortSignal,
  ): Promise<Buffer>;
}
