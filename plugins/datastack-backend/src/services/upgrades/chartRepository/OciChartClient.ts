import type { ChartRelease } from '@datastack/plugin-datastack-common';
import type { UpstreamResponse } from '@datastack/plugin-datastack-node';
import semver from 'semver';
import { releaseFromChartMetadata } from '../chartIndex';
import type {
  ChartRepositoryTransport,
  RepositoryRequest,
} from './ChartRepositoryTransport';
import { archiveUrl } from './HelmIndexClient';
import {
  ChartCoordinates,
  ChartRepositoryError,
  ChartSource,
  IndexFetchResult,
} from './types';

const OCI_MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const HELM_CONFIG_TYPE = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CHART_LAYER_TYPE =
  'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

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
 * Helm charts in OCI registries (`oci://host/path`), through the OCI
 * distribution API: the tag list (paged by `Link`), each newest tag's
 * manifest and Helm config blob, and the chart layer as the archive; with
 * the anonymous or basic bearer-token flow registries use.
 *
 * Written on the shared transport rather than an OCI client library: the
 * maintained ones (oras, @oras-project) pull whole artifacts to disk or
 * memory without a byte limit, and Datastack needs only these three reads.
 */
export class OciChartClient implements ChartSource {
  readonly #transport: ChartRepositoryTransport;
  readonly #limits: {
    maxIndexBytes: number;
    maxArchiveBytes: number;
    ociMaxVersions: number;
  };
  /** Bearer tokens of OCI registries, per repository and chart. */
  readonly #tokens = new Map<string, string>();

  constructor(options: {
    transport: ChartRepositoryTransport;
    maxIndexBytes: number;
    maxArchiveBytes: number;
    ociMaxVersions: number;
  }) {
    this.#transport = options.transport;
    this.#limits = options;
  }

  async fetchReleases(
    coordinates: ChartCoordinates,
    _validators: unknown,
    signal?: AbortSignal,
  ): Promise<IndexFetchResult> {
    const api = this.#api(coordinates);
    const tags: string[] = [];
    let next: string | undefined = `${api}/tags/list?n=1000`;
    let bytes = 0;
    for (let page = 0; next && page < 50; page++) {
      const response = await this.#get(coordinates, next, {
        signal,
        headers: { accept: 'application/json' },
        subject: `the tags of ${coordinates.repository}/${coordinates.chart}`,
        maxBytes: this.#limits.maxIndexBytes,
        limitKey: 'datastack.upgrades.maxIndexBytes',
      });
      bytes += response.body.length;
      const list = this.#transport.json<{ tags?: unknown }>(
        response.body,
        'the tag list',
      );
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
      .slice(0, this.#limits.ociMaxVersions);
    if (versions.length === 0) {
      throw new ChartRepositoryError({
        failure: 'not-found',
        message: `${coordinates.repository}/${coordinates.chart} has no SemVer tags`,
      });
    }
    const releases = await Promise.all(
      versions.map(async ({ tag }) => {
        const release = await this.#release(coordinates, api, tag, signal);
        bytes += release.bytes;
        return release.release;
      }),
    );
    return {
      status: 'ok',
      releases: releases.filter((r): r is ChartRelease => r !== undefined),
      bytes,
    };
  }

  async fetchArchive(
    coordinates: ChartCoordinates,
    release: ChartRelease,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const response = await this.#get(
      coordinates,
      archiveUrl(coordinates, release),
      {
        signal,
        headers: { accept: 'application/gzip, application/octet-stream, */*' },
        subject: `the ${coordinates.chart} ${release.chartVersion} archive`,
        maxBytes: this.#limits.maxArchiveBytes,
        limitKey: 'datastack.upgrades.maxArchiveBytes',
        // Registries hand blobs out from a CDN; it gets no credentials.
        crossOriginRedirects: 'without-credentials',
      },
    );
    return response.body;
  }

  /** One tag's release from its manifest and config blob; none for a non-chart artifact. */
  async #release(
    coordinates: ChartCoordinates,
    api: string,
    tag: string,
    signal?: AbortSignal,
  ): Promise<{ release?: ChartRelease; bytes: number }> {
    const transport = this.#transport;
    const manifestSubject = `the manifest of ${coordinates.chart}:${tag}`;
    const manifestResponse = await this.#get(
      coordinates,
      `${api}/manifests/${encodeURIComponent(tag)}`,
      {
        signal,
        headers: { accept: OCI_MANIFEST_TYPES },
        subject: manifestSubject,
        maxBytes: 1024 * 1024,
      },
    );
    const manifest = transport.json<{
      config?: { mediaType?: string; digest?: string };
      layers?: Array<{ mediaType?: string; digest?: string }>;
    }>(manifestResponse.body, manifestSubject);
    let bytes = manifestResponse.body.length;
    if (
      manifest.config?.mediaType !== HELM_CONFIG_TYPE ||
      !manifest.config.digest
    ) {
      return { bytes }; // not a Helm chart (a signature, an attestation)
    }
    const configSubject = `the chart metadata of ${coordinates.chart}:${tag}`;
    const configResponse = await this.#get(
      coordinates,
      `${api}/blobs/${manifest.config.digest}`,
      {
        signal,
        headers: { accept: HELM_CONFIG_TYPE },
        subject: configSubject,
        maxBytes: 1024 * 1024,
        crossOriginRedirects: 'without-credentials',
      },
    );
    bytes += configResponse.body.length;
    const metadata = transport.json<Record<string, unknown>>(
      configResponse.body,
      configSubject,
    );
    const layer = manifest.layers?.find(
      l => l.mediaType === HELM_CHART_LAYER_TYPE && l.digest,
    );
    return {
      release: releaseFromChartMetadata(metadata, {
        componentId: coordinates.componentId,
        urls: layer ? [`${api}/blobs/${layer.digest}`] : [],
        digest: layer?.digest,
      }),
      bytes,
    };
  }

  /** `https://host/v2/path/chart` of an `oci://host/path` repository. */
  #api(coordinates: ChartCoordinates): string {
    const config = this.#transport.config(coordinates.repository);
    const base = this.#transport.base(coordinates.repository);
    const withoutScheme = base.slice('oci://'.length);
    const slash = withoutScheme.indexOf('/');
    const host = slash < 0 ? withoutScheme : withoutScheme.slice(0, slash);
    const path = slash < 0 ? '' : withoutScheme.slice(slash + 1);
    const scheme = config?.plainHttp ? 'http' : 'https';
    const name = [path, coordinates.chart].filter(Boolean).join('/');
    return `${scheme}://${host}/v2/${name}`;
  }

  /**
   * A GET with the registry's token (or the configured credentials, on the
   * registry's own host); a 401 with a bearer challenge fetches a token and
   * tries once more. A non-2xx answer is thrown.
   */
  async #get(
    coordinates: ChartCoordinates,
    url: string,
    request: RepositoryRequest & { headers: Record<string, string> },
  ): Promise<UpstreamResponse> {
    const transport = this.#transport;
    const tokenKey = `${coordinates.repository}/${coordinates.chart}`;
    const send = (authorization?: string) =>
      transport.send(url, {
        ...request,
        headers: {
          ...request.headers,
          ...(authorization && { authorization }),
        },
      });
    const cached = this.#tokens.get(tokenKey);
    let response = await send(
      cached ? `Bearer ${cached}` : transport.credentialsFor(coordinates, url),
    );
    if (response.status === 401) {
      const challenge = parseBearerChallenge(
        response.headers.get('www-authenticate'),
      );
      if (challenge) {
        const token = await this.#token(coordinates, challenge, request);
        this.#tokens.set(tokenKey, token);
        transport.learnSecret(tokenKey, token);
        response = await send(`Bearer ${token}`);
      }
    }
    if (!response.ok) throw transport.httpError(request.subject, response);
    return response;
  }

  /** The token endpoint of a `WWW-Authenticate: Bearer` challenge, anonymous or with basic credentials. */
  async #token(
    coordinates: ChartCoordinates,
    challenge: Record<string, string>,
    request: { signal?: AbortSignal },
  ): Promise<string> {
    const transport = this.#transport;
    const realm = new URL(challenge.realm);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    if (challenge.scope) realm.searchParams.set('scope', challenge.scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (transport.config(coordinates.repository)?.auth?.type === 'basic') {
      headers.authorization = transport.authorization(coordinates)!;
    }
    const subject = `The token endpoint of ${coordinates.repository}`;
    const response = await transport.send(realm.toString(), {
      signal: request.signal,
      headers,
      subject: `the token endpoint of ${coordinates.repository}`,
      maxBytes: 64 * 1024,
    });
    if (!response.ok) throw transport.httpError(subject, response);
    const body = transport.json<{ token?: unknown; access_token?: unknown }>(
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
}
