import { CustomErrorBase } from '@backstage/errors';
import type { ChartRelease } from '@datastack/plugin-datastack-common';
import semver from 'semver';
import type { ChartRepositoryConfig } from './config';
import { parseChartIndex, releaseFromChartMetadata } from './chartIndex';
import {
  fetchUpstream,
  UpstreamError,
  type UpstreamResponse,
} from '@datastack/plugin-datastack-node';

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

export interface ChartRepositoryClientOptions {
  repositories: ChartRepositoryConfig[];
  timeoutMs: number;
  maxIndexBytes: number;
  maxArchiveBytes: number;
  ociMaxVersions: number;
  /**
   * Requests to chart repositories and OCI registries in flight at once,
   * over every caller of this client (`datastack.upgrades.concurrency`).
   * Default 4.
   */
  concurrency?: number;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const OCI_MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const HELM_CONFIG_TYPE = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CHART_LAYER_TYPE =
  'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** Runs at most `concurrency` of the functions given at once, the others queued in order. */
export function createLimiter(
  concurrency: number,
): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async task => {
    if (running >= concurrency) {
      await new Promise<void>(resolve => queue.push(resolve));
    } else running++;
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Parses `Bearer realm="…",service="…",scope="…"`. */
function parseBearerChallenge(
  header: string | null,
): Record<string, string> | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) {
    params[match[1].toLowerCase()] = match[2];
  }
  return params.realm ? params : undefined;
}

/** The `next` target of an RFC 8288 Link header, as OCI registries page tag lists. */
function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * A thin client of Helm chart repositories: the `index.yaml` of classic
 * repositories (conditional requests, a byte limit, parsing only the chart
 * asked for) and the OCI distribution API for `oci://` repositories (tags,
 * manifests and the Helm config blob, with the anonymous or basic bearer-token
 * flow registries use). Every call has a timeout; mirrors and credentials come
 * from `datastack.upgrades.chartRepositories`.
 */
export class ChartRepositoryClient {
  readonly #repositories: Map<string, ChartRepositoryConfig>;
  readonly #options: ChartRepositoryClientOptions;
  readonly #fetch: typeof fetch;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Bearer tokens of OCI registries, per scope. */
  readonly #tokens = new Map<string, string>();
  /** Every credential in any form a server could echo back, longest first. */
  readonly #secrets: string[];

  constructor(options: ChartRepositoryClientOptions) {
    this.#options = options;
    this.#repositories = new Map(options.repositories.map(r => [r.url, r]));
    this.#fetch = options.fetch ?? ((...args) => fetch(...args));
    this.#limit = createLimiter(options.concurrency ?? 4);
    this.#secrets = options.repositories
      .flatMap(r => {
        if (r.auth?.type === 'bearer') return [r.auth.token];
        if (r.auth?.type === 'basic') {
          return [
            r.auth.password,
            Buffer.from(`${r.auth.username}:${r.auth.password}`).toString(
              'base64',
            ),
          ];
        }
        return [];
      })
      .filter(secret => secret.length >= 4)
      .sort((a, b) => b.length - a.length);
  }

  /** Text from a server, without any credential it may echo (or a registry token it handed out). */
  #scrub(text: string): string {
    let clean = text;
    for (const secret of [...this.#secrets, ...this.#tokens.values()]) {
      clean = clean.split(secret).join('***');
    }
    return clean;
  }

  /** The configuration of a repository URL: its mirror and credentials. */
  #config(repository: string): ChartRepositoryConfig | undefined {
    return this.#repositories.get(repository.replace(/\/+$/, ''));
  }

  /** The base URL requests go to: the mirror when one is configured. */
  #base(repository: string): string {
    return (this.#config(repository)?.mirror ?? repository).replace(/\/+$/, '');
  }

  /** Every version of a chart, newest first; `not-modified` when the validators still hold. */
  async fetchReleases(
    coordinates: ChartCoordinates,
    validators: IndexValidators = {},
    signal?: AbortSignal,
  ): Promise<IndexFetchResult> {
    return coordinates.repository.startsWith('oci://')
      ? this.#fetchOciReleases(coordinates, signal)
      : this.#fetchIndexReleases(coordinates, validators, signal);
  }

  /** A chart archive (`.tgz`), from an index `urls` entry or an OCI layer. */
  async fetchArchive(
    coordinates: ChartCoordinates,
    release: ChartRelease,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const url = release.urls[0];
    if (!url) {
      throw new ChartRepositoryError({
        failure: 'not-found',
        message: `${coordinates.chart} ${release.chartVersion} lists no archive URL`,
      });
    }
    const response = await this.#get(coordinates, url, {
      signal,
      accept: 'application/gzip, application/octet-stream, */*',
      subject: `the ${coordinates.chart} ${release.chartVersion} archive`,
      maxBytes: this.#options.maxArchiveBytes,
      limitKey: 'datastack.upgrades.maxArchiveBytes',
      // Release hosts and registries hand blobs out from a CDN; it gets no credentials.
      crossOriginRedirects: 'without-credentials',
    });
    return response.body;
  }

  async #fetchIndexReleases(
    coordinates: ChartCoordinates,
    validators: IndexValidators,
    signal?: AbortSignal,
  ): Promise<IndexFetchResult> {
    const indexUrl = `${this.#base(coordinates.repository)}/index.yaml`;
    const headers: Record<string, string> = {};
    if (validators.etag) headers['if-none-match'] = validators.etag;
    if (validators.lastModified)
      headers['if-modified-since'] = validators.lastModified;
    const subject = `the index of ${coordinates.repository}`;
    const response = await this.#get(coordinates, indexUrl, {
      signal,
      headers,
      accept: 'application/x-yaml, application/yaml, text/yaml, */*',
      subject,
      notModifiedOk: true,
      maxBytes: this.#options.maxIndexBytes,
      limitKey: 'datastack.upgrades.maxIndexBytes',
    });
    if (response.status === 304) {
      return { status: 'not-modified' };
    }
    const body = response.body;
    let releases: ChartRelease[];
    try {
      releases = parseChartIndex(body, {
        chart: coordinates.chart,
        componentId: coordinates.componentId,
        indexUrl: response.url || indexUrl,
      });
    } catch (error) {
      throw new ChartRepositoryError({
        failure: 'malformed',
        message: `${subject} is not a Helm repository index: ${this.#scrub(
          (error as Error).message,
        ).slice(0, 300)}`,
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
      bytes: body.length,
    };
  }

  /** `https://host/v2/path/chart` of an `oci://host/path` repository. */
  #ociApi(coordinates: ChartCoordinates): string {
    const config = this.#config(coordinates.repository);
    const base = this.#base(coordinates.repository);
    const withoutScheme = base.slice('oci://'.length);
    const slash = withoutScheme.indexOf('/');
    const host = slash < 0 ? withoutScheme : withoutScheme.slice(0, slash);
    const path = slash < 0 ? '' : withoutScheme.slice(slash + 1);
    const scheme = config?.plainHttp ? 'http' : 'https';
    const name = [path, coordinates.chart].filter(Boolean).join('/');
    return `${scheme}://${host}/v2/${name}`;
  }

  async #fetchOciReleases(
    coordinates: ChartCoordinates,
    signal?: AbortSignal,
  ): Promise<IndexFetchResult> {
    const api = this.#ociApi(coordinates);
    const tags: string[] = [];
    let next: string | undefined = `${api}/tags/list?n=1000`;
    let bytes = 0;
    for (let page = 0; next && page < 50; page++) {
      const response = await this.#get(coordinates, next, {
        signal,
        accept: 'application/json',
        subject: `the tags of ${coordinates.repository}/${coordinates.chart}`,
        maxBytes: this.#options.maxIndexBytes,
        limitKey: 'datastack.upgrades.maxIndexBytes',
      });
      const body = response.body;
      bytes += body.length;
      const list = this.#json<{ tags?: unknown }>(body, 'the tag list');
      if (list.tags !== null && !Array.isArray(list.tags)) {
        throw new ChartRepositoryError({
          failure: 'malformed',
          message: `The tag list of ${coordinates.repository}/${coordinates.chart} has no tags array`,
        });
      }
      tags.push(
        ...((list.tags as unknown[] | null) ?? []).filter(
          (t): t is string => typeof t === 'string',
        ),
      );
      const link = nextLink(response.headers.get('link'));
      next = link ? new URL(link, next).toString() : undefined;
    }
    // Helm stores `+` of SemVer build metadata as `_` in OCI tags.
    const versions = tags
      .map(tag => ({ tag, version: tag.replace(/_/g, '+') }))
      .filter(t => semver.valid(t.version))
      .sort((a, b) => semver.rcompare(a.version, b.version))
      .slice(0, this.#options.ociMaxVersions);
    if (versions.length === 0) {
      throw new ChartRepositoryError({
        failure: 'not-found',
        message: `${coordinates.repository}/${coordinates.chart} has no SemVer tags`,
      });
    }
    const releases = await Promise.all(
      versions.map(async ({ tag }) => {
        const manifestResponse = await this.#get(
          coordinates,
          `${api}/manifests/${encodeURIComponent(tag)}`,
          {
            signal,
            accept: OCI_MANIFEST_TYPES,
            subject: `the manifest of ${coordinates.chart}:${tag}`,
            maxBytes: 1024 * 1024,
          },
        );
        const manifestBody = manifestResponse.body;
        bytes += manifestBody.length;
        const manifest = this.#json<{
          config?: { mediaType?: string; digest?: string };
          layers?: Array<{ mediaType?: string; digest?: string }>;
        }>(manifestBody, `the manifest of ${coordinates.chart}:${tag}`);
        if (
          manifest.config?.mediaType !== HELM_CONFIG_TYPE ||
          !manifest.config.digest
        ) {
          return undefined; // not a Helm chart (a signature, an attestation)
        }
        const configResponse = await this.#get(
          coordinates,
          `${api}/blobs/${manifest.config.digest}`,
          {
            signal,
            accept: HELM_CONFIG_TYPE,
            subject: `the chart metadata of ${coordinates.chart}:${tag}`,
            maxBytes: 1024 * 1024,
            crossOriginRedirects: 'without-credentials',
          },
        );
        const configBody = configResponse.body;
        bytes += configBody.length;
        const metadata = this.#json<Record<string, unknown>>(
          configBody,
          `the chart metadata of ${coordinates.chart}:${tag}`,
        );
        const layer = manifest.layers?.find(
          l => l.mediaType === HELM_CHART_LAYER_TYPE && l.digest,
        );
        return releaseFromChartMetadata(metadata, {
          componentId: coordinates.componentId,
          urls: layer ? [`${api}/blobs/${layer.digest}`] : [],
          digest: layer?.digest,
        });
      }),
    );
    return {
      status: 'ok',
      releases: releases.filter((r): r is ChartRelease => r !== undefined),
      bytes,
    };
  }

  #json<T>(body: Buffer, subject: string): T {
    try {
      const value = JSON.parse(body.toString('utf8'));
      if (!value || typeof value !== 'object') throw new Error('not an object');
      return value as T;
    } catch (error) {
      throw new ChartRepositoryError({
        failure: 'malformed',
        message: `${subject} is not JSON: ${this.#scrub(
          (error as Error).message,
        ).slice(0, 300)}`,
      });
    }
  }

  /** The credentials header of a request to a repository's host. */
  #authorization(coordinates: ChartCoordinates): string | undefined {
    const auth = this.#config(coordinates.repository)?.auth;
    if (auth?.type === 'bearer') return `Bearer ${auth.token}`;
    if (auth?.type === 'basic') {
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString(
        'base64',
      )}`;
    }
    return undefined;
  }

  async #get(
    coordinates: ChartCoordinates,
    url: string,
    options: {
      signal?: AbortSignal;
      headers?: Record<string, string>;
      accept: string;
      subject: string;
      notModifiedOk?: boolean;
      maxBytes: number;
      /** The configuration key of `maxBytes`, named when it is exceeded. */
      limitKey?: string;
      crossOriginRedirects?: 'refuse' | 'without-credentials';
    },
  ): Promise<UpstreamResponse> {
    const oci = coordinates.repository.startsWith('oci://');
    const tokenKey = `${coordinates.repository}/${coordinates.chart}`;
    const send = (authorization?: string) =>
      this.#send(url, {
        ...options,
        headers: {
          accept: options.accept,
          ...options.headers,
          ...(authorization && { authorization }),
        },
      });
    const cachedToken = oci ? this.#tokens.get(tokenKey) : undefined;
    let authorization: string | undefined;
    if (cachedToken) authorization = `Bearer ${cachedToken}`;
    else if (this.#sameOrigin(coordinates, url)) {
      authorization = this.#authorization(coordinates);
    }
    let response = await send(authorization);
    if (response.status === 401 && oci) {
      const challenge = parseBearerChallenge(
        response.headers.get('www-authenticate'),
      );
      if (challenge) {
        const token = await this.#ociToken(coordinates, challenge, options);
        this.#tokens.set(tokenKey, token);
        response = await send(`Bearer ${token}`);
      }
    }
    if (response.ok || (options.notModifiedOk && response.status === 304)) {
      return response;
    }
    const detail = this.#errorDetail(response);
    throw new ChartRepositoryError({
      failure: response.status === 404 ? 'not-found' : 'http',
      status: response.status,
      message: `${options.subject} answered HTTP ${response.status}${
        detail ? `: ${detail}` : ''
      }`,
    });
  }

  /** Credentials go only to the repository's own host (not to a CDN an index points at). */
  #sameOrigin(coordinates: ChartCoordinates, url: string): boolean {
    const base = this.#base(coordinates.repository).replace(/^oci:/, 'https:');
    try {
      return new URL(url).host === new URL(base).host;
    } catch {
      return false;
    }
  }

  /** The token endpoint of a `WWW-Authenticate: Bearer` challenge, anonymous or with basic credentials. */
  async #ociToken(
    coordinates: ChartCoordinates,
    challenge: Record<string, string>,
    options: { signal?: AbortSignal; subject: string },
  ): Promise<string> {
    const realm = new URL(challenge.realm);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    if (challenge.scope) realm.searchParams.set('scope', challenge.scope);
    const auth = this.#config(coordinates.repository)?.auth;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth?.type === 'basic') {
      headers.authorization = this.#authorization(coordinates)!;
    }
    const response = await this.#send(realm.toString(), {
      signal: options.signal,
      headers,
      subject: `the token endpoint of ${coordinates.repository}`,
      maxBytes: 64 * 1024,
    });
    if (!response.ok) {
      const detail = this.#errorDetail(response);
      throw new ChartRepositoryError({
        failure: 'http',
        status: response.status,
        message: `The token endpoint of ${
          coordinates.repository
        } answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
      });
    }
    const body = this.#json<{ token?: unknown; access_token?: unknown }>(
      response.body,
      `The token of ${coordinates.repository}`,
    );
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || !token) {
      throw new ChartRepositoryError({
        failure: 'malformed',
        message: `The token endpoint of ${coordinates.repository} answered no token`,
      });
    }
    return token;
  }

  async #send(
    url: string,
    options: {
      signal?: AbortSignal;
      headers: Record<string, string>;
      subject: string;
      maxBytes: number;
      limitKey?: string;
      crossOriginRedirects?: 'refuse' | 'without-credentials';
    },
  ): Promise<UpstreamResponse> {
    try {
      return await this.#limit(() =>
        fetchUpstream(url, {
          headers: options.headers,
          signal: options.signal,
          timeoutMs: this.#options.timeoutMs,
          maxBytes: options.maxBytes,
          subject: options.subject,
          secrets: [...this.#secrets, ...this.#tokens.values()],
          crossOriginRedirects: options.crossOriginRedirects,
          fetch: this.#fetch,
        }),
      );
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (error.failure === 'timeout') {
        throw new ChartRepositoryError({
          failure: 'timeout',
          message: `${options.subject} did not answer within ${
            this.#options.timeoutMs
          } ms`,
        });
      }
      if (error.failure === 'too-large') {
        throw new ChartRepositoryError({
          failure: 'too-large',
          status: error.status,
          message: `${this.#scrub(error.message)}${
            options.limitKey ? ` (${options.limitKey})` : ''
          }`,
        });
      }
      throw new ChartRepositoryError({
        failure: 'unreachable',
        status: error.status,
        message: this.#scrub(error.message),
      });
    }
  }

  /** The message of an error answer, already redacted by fetchUpstream. */
  #errorDetail(response: UpstreamResponse): string | undefined {
    const text = response.text();
    if (!text) return undefined;
    try {
      const body = JSON.parse(text);
      // OCI: {errors: [{code, message}]}; others: {error} or {message}.
      const first = Array.isArray(body?.errors) ? body.errors[0] : body;
      const message = first?.message ?? first?.error ?? first?.code;
      if (typeof message === 'string')
        return this.#scrub(message).slice(0, 300);
    } catch {
      // not JSON
    }
    return (
      this.#scrub(text).replace(/\s+/g, ' ').trim().slice(0, 200) || undefined
    );
  }
}
