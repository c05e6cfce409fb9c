/**
 * DEV ONLY: a stand-in for the chart repositories of the data stack's
 * components, so upgrade compatibility can be seen without the internet.
 *
 * - Helm repositories (https index URLs in the registry) at
 *   `/charts/<componentId>/index.yaml`, archives next to it (or, for charts
 *   published as GitHub release assets, by absolute URL), with ETag /
 *   Last-Modified and 304 answers.
 * - An OCI registry for `oci://` charts (Strimzi) at
 *   `/v2/<path>/<chart>/…` as Helm uses it: anonymous bearer tokens from
 *   `/v2/auth` (quay.io's flow), `tags/list` with `n`/`last` pagination and
 *   a `Link` header, manifests, blobs, OCI error bodies.
 * - A control API at `/sandbox`: failure modes (per repository or all),
 *   latency. Never affected by failure modes.
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  IncomingMessage,
  Server,
  ServerResponse,
  createServer,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { ChartComponent, DEFAULT_CHART_COMPONENTS } from './chartComponents';
import {
  ChartRelease,
  ChartReleases,
  ChartComponentWithChart,
  buildChartReleases,
} from './chartReleases';
import {
  formatIndex,
  formatIndexEntry,
  indexEntryOf,
  paddingEntries,
} from './helmIndex';
import { isRecord, serverLifecycle, sha1 } from './util';

/** How a repository misbehaves, for resilience tests and demos. */
export type ChartRepositoryFailureMode =
  | 'none'
  /** Close the connection at once. */
  | 'down'
  /** 500 (OCI: an `UNKNOWN` error body). */
  | 'http500'
  /** Never answer (until the server closes). */
  | 'hang'
  /** 200 with a body that is not what was asked for (invalid YAML, truncated gzip or JSON). */
  | 'garbage'
  /** 401 as for a private repository, even with a token. */
  | 'unauthorized';

const FAILURE_MODES: readonly ChartRepositoryFailureMode[] = [
  'none',
  'down',
  'http500',
  'hang',
  'garbage',
  'unauthorized',
];

/** Options of {@link startChartRepository}. */
export interface ChartRepositoryOptions {
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /**
   * Components whose charts to publish (default: a copy of the registry's).
   * Pass the registry's `defaultComponents` (or the app-config-merged
   * registry) to publish exactly what the backend expects.
   */
  components?: readonly ChartComponent[];
  /** Delay before every repository answer (not the control API). */
  latencyMs?: number;
  /**
   * Pad one repository's index.yaml with real-shaped entries of sibling
   * charts to about this many bytes (the parse benchmark).
   */
  largeIndexBytes?: number;
  /** Component whose index is padded (default `observability`, else the first index repository). */
  largeIndexRepository?: string;
  /** Clock, epoch milliseconds (token expiry in tests). */
  now?: () => number;
  /** How many requests {@link ChartRepositoryServer.requests} keeps (default 1000). */
  requestLogLimit?: number;
}

/** One published repository. */
export interface ChartRepositoryInfo {
  componentId: string;
  chart: string;
  /** The registry's repository URL, exactly as written there. */
  repository: string;
  kind: 'index' | 'oci';
  /** Where to fetch from: an http base URL (index.yaml under it) or `oci://host:port/path`. */
  mirror: string;
  /** Every version, newest first. */
  versions: string[];
  /** The version the registry pins. */
  pinned: string;
}

/** One `datastack.upgrades.chartRepositories` item. */
export interface ChartRepositoryMirror {
  url: string;
  mirror: string;
  plainHttp?: boolean;
}

/** One request the chart repository received. */
export interface ChartRepositoryRequest {
  method: string;
  /** Path and query string. */
  path: string;
  area: 'index' | 'archive' | 'oci' | 'token' | 'sandbox' | 'other';
  /** Component id of the repository asked. */
  repository?: string;
  /** HTTP status answered; absent when the connection was dropped or hung. */
  status?: number;
}

/** A running chart repository stand-in. */
export interface ChartRepositoryServer {
  /** Base URL, e.g. `http://127.0.0.1:8084`. */
  readonly url: string;
  readonly port: number;
  readonly repositories: readonly ChartRepositoryInfo[];
  /** The `datastack.upgrades.chartRepositories` config that points the backend here. */
  readonly mirrors: readonly ChartRepositoryMirror[];
  /** A repository's releases, newest first (archives, values, digests). */
  releases(componentId: string): readonly ChartRelease[];
  /** The failure mode of one repository, or of all when no id is given. */
  failureMode(componentId?: string): ChartRepositoryFailureMode;
  /** Sets the failure mode of one repository, or of all (clearing the per-repository ones). */
  setFailureMode(mode: ChartRepositoryFailureMode, componentId?: string): void;
  setLatency(ms: number): void;
  readonly requests: {
    readonly count: number;
    readonly entries: readonly ChartRepositoryRequest[];
    clear(): void;
  };
  /** Stops the server, dropping hung and open connections. */
  close(): Promise<void>;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const TOKEN_SECRET = 'datastack-sandbox-chart-registry';
const TOKEN_SECONDS = 3600;

interface Published {
  info: ChartRepositoryInfo;
  releases: ChartReleases;
  /** `strimzi-helm/strimzi-kafka-operator` for OCI repositories. */
  ociName?: string;
}

interface OciArtifact {
  tag: string;
  manifest: Buffer;
  manifestDigest: string;
  blobs: Map<string, Buffer>;
}

interface IndexDocument {
  body: Buffer;
  etag: string;
  lastModified: string;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function ociErrors(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Answer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ errors: [{ code, message, detail: {} }] }),
  };
}

function text(status: number, message: string): Answer {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: `${message}\n`,
  };
}

/** The chart's Chart.yaml as JSON, in the field order of Helm's chart.Metadata. */
function helmConfig(release: ChartRelease): Buffer {
  const m = release.metadata;
  const ordered: Record<string, unknown> = {
    name: m.name,
    home: m.home,
    sources: m.sources,
    version: m.version,
    description: m.description,
    keywords: m.keywords,
    maintainers: m.maintainers,
    icon: m.icon,
    apiVersion: m.apiVersion,
    appVersion: m.appVersion,
    deprecated: m.deprecated,
    annotations: m.annotations,
    kubeVersion: m.kubeVersion,
    dependencies: m.dependencies,
    type: m.type,
  };
  return Buffer.from(JSON.stringify(ordered));
}

function ociArtifact(release: ChartRelease): OciArtifact {
  const config = helmConfig(release);
  const layer = release.archive;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: HELM_CONFIG,
        digest: digestOf(config),
        size: config.length,
      },
      layers: [
        { mediaType: HELM_LAYER, digest: digestOf(layer), size: layer.length },
      ],
      annotations: {
        'org.opencontainers.image.created': release.created,
        'org.opencontainers.image.description': release.metadata.description,
        'org.opencontainers.image.title': release.metadata.name,
        'org.opencontainers.image.url': release.metadata.home,
        'org.opencontainers.image.source': release.metadata.sources[0] ?? '',
        'org.opencontainers.image.version': release.version,
      },
    }),
  );
  return {
    // Helm stores `+` (SemVer build metadata) as `_` in OCI tags.
    tag: release.version.replace(/\+/g, '_'),
    manifest,
    manifestDigest: digestOf(manifest),
    blobs: new Map([
      [digestOf(config), config],
      [digestOf(layer), layer],
    ]),
  };
}

function httpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map(t => t.trim().replace(/^W\//, ''))
    .some(t => t === '*' || t === etag);
}

function base64url(data: string): string {
  return Buffer.from(data).toString('base64url');
}

function sign(data: string): string {
  return createHmac('sha256', TOKEN_SECRET).update(data).digest('base64url');
}

/**
 * Starts the chart repository stand-in.
 *
 * @example
 * ```ts
 * const charts = await startChartRepository({ port: 0 });
 * const res = await fetch(`${charts.url}/charts/airflow/index.yaml`);
 * // charts.mirrors → datastack.upgrades.chartRepositories
 * await charts.close();
 * ```
 */
export async function startChartRepository(
  options: ChartRepositoryOptions = {},
): Promise<ChartRepositoryServer> {
  const now = options.now ?? (() => Date.now());
  const logLimit = options.requestLogLimit ?? 1000;
  const components = (options.components ?? DEFAULT_CHART_COMPONENTS).filter(
    (c): c is ChartComponentWithChart => c.chart !== undefined,
  );

  let globalMode: ChartRepositoryFailureMode = 'none';
  const modes = new Map<string, ChartRepositoryFailureMode>();
  /** Requests to the repositories (Helm and OCI), without the control routes. */
  let repositoryRequests = 0;
  let latencyMs = Math.max(0, options.latencyMs ?? 0);
  const lifecycle = serverLifecycle<ChartRepositoryRequest>(logLimit);

  const published = new Map<string, Published>();
  const ociByName = new Map<string, Published>();
  const indexes = new Map<string, IndexDocument>();
  const artifacts = new Map<string, OciArtifact[]>();

  const sleep = lifecycle.sleep;

  const modeOf = (id?: string): ChartRepositoryFailureMode =>
    (id && modes.get(id)) || globalMode;

  const setFailureMode = (
    mode: ChartRepositoryFailureMode,
    componentId?: string,
  ) => {
    if (!FAILURE_MODES.includes(mode)) {
      throw new Error(`unknown failure mode ${mode}`);
    }
    if (componentId === undefined) {
      globalMode = mode;
      modes.clear();
      return;
    }
    if (!published.has(componentId)) {
      throw new Error(`no chart repository for component ${componentId}`);
    }
    modes.set(componentId, mode);
  };

  const server: Server = createServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', fail);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const authority = `${
    urlHost.includes(':') ? `[${urlHost}]` : urlHost
  }:${port}`;
  const url = `http://${authority}`;

  for (const component of components) {
    const releases = buildChartReleases(component);
    const oci = component.chart.repository.startsWith('oci://');
    const ociPath = oci
      ? component.chart.repository
          .replace(/^oci:\/\/[^/]+\/?/, '')
          .replace(/\/+$/, '')
      : '';
    const ociName = oci
      ? [ociPath, component.chart.name].filter(Boolean).join('/')
      : undefined;
    const info: ChartRepositoryInfo = {
      componentId: component.id,
      chart: component.chart.name,
      repository: component.chart.repository,
      kind: oci ? 'oci' : 'index',
      mirror: oci
        ? `oci://${[authority, ociPath].filter(Boolean).join('/')}`
        : `${url}/charts/${component.id}`,
      versions: releases.releases.map(r => r.version),
      pinned: component.chart.version,
    };
    const entry = { info, releases, ociName };
    published.set(component.id, entry);
    if (ociName) ociByName.set(ociName, entry);
  }

  const archiveUrl = (p: Published, release: ChartRelease) =>
    p.releases.flavour.releaseDownloads
      ? `${url}/charts/${p.info.componentId}/releases/download/v${release.version}/${release.fileName}`
      : release.fileName;

  const largeRepository =
    options.largeIndexRepository ??
    (published.get('observability')?.info.kind === 'index'
      ? 'observability'
      : [...published.values()].find(p => p.info.kind === 'index')?.info
          .componentId);

  const indexOf = (p: Published): IndexDocument => {
    const cached = indexes.get(p.info.componentId);
    if (cached) return cached;
    const { releases } = p;
    const chartEntries = new Map<string, string[]>([
      [
        releases.chart,
        releases.releases.map(r =>
          formatIndexEntry(indexEntryOf(r, archiveUrl(p, r))),
        ),
      ],
    ]);
    const newest = Math.max(...releases.releases.map(r => r.createdMs));
    if (
      options.largeIndexBytes &&
      options.largeIndexBytes > 0 &&
      p.info.componentId === largeRepository
    ) {
      const oldest = Math.min(...releases.releases.map(r => r.createdMs));
      for (const [name, list] of paddingEntries(
        releases.chart,
        options.largeIndexBytes,
        oldest - 86_400_000,
      )) {
        chartEntries.set(name, [...(chartEntries.get(name) ?? []), ...list]);
      }
    }
    const generatedMs = newest + 3_600_000;
    const generated = new Date(generatedMs)
      .toISOString()
      .replace(/\.(\d{3})Z$/, '.$1000000Z');
    const body = Buffer.from(formatIndex(chartEntries, generated));
    const document: IndexDocument = {
      body,
      etag: `"${sha1(body.toString('latin1')).slice(0, 24)}"`,
      lastModified: httpDate(generatedMs),
    };
    indexes.set(p.info.componentId, document);
    return document;
  };

  const artifactsOf = (p: Published): OciArtifact[] => {
    let list = artifacts.get(p.info.componentId);
    if (!list) {
      list = p.releases.releases.map(ociArtifact);
      artifacts.set(p.info.componentId, list);
    }
    return list;
  };

  if (options.largeIndexBytes && largeRepository) {
    const p = published.get(largeRepository);
    if (!p || p.info.kind !== 'index') {
      throw new Error(
        `largeIndexRepository ${largeRepository} is not a published Helm index repository`,
      );
    }
    indexOf(p);
  }

  const issueToken = (service: string, scope: string | null): string => {
    const iat = Math.floor(now() / 1000);
    const access: Array<{ type: string; name: string; actions: string[] }> = [];
    for (const item of (scope ?? '').split(' ').filter(Boolean)) {
      const match = /^repository:([^:]+):(.+)$/.exec(item);
      if (match && match[2].split(',').includes('pull')) {
        access.push({ type: 'repository', name: match[1], actions: ['pull'] });
      }
    }
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        iss: 'quay',
        aud: service,
        sub: '(anonymous)',
        nbf: iat,
        iat,
        exp: iat + TOKEN_SECONDS,
        access,
      }),
    );
    return `${header}.${payload}.${sign(`${header}.${payload}`)}`;
  };

  /** Whether a bearer token grants pull on `name` (or, without a name, is valid at all). */
  const tokenGrants = (
    authorization: string | undefined,
    name?: string,
  ): boolean => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const parts = token?.split('.') ?? [];
    if (parts.length !== 3) return false;
    const expected = Buffer.from(sign(`${parts[0]}.${parts[1]}`));
    const actual = Buffer.from(parts[2]);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
      return false;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return false;
    }
    if (!isRecord(claims) || typeof claims.exp !== 'number') return false;
    if (claims.exp * 1000 < now()) return false;
    if (name === undefined) return true;
    return (
      Array.isArray(claims.access) &&
      claims.access.some(
        a =>
          isRecord(a) &&
          a.type === 'repository' &&
          a.name === name &&
          Array.isArray(a.actions) &&
          a.actions.includes('pull'),
      )
    );
  };

  const challenge = (req: IncomingMessage, name?: string): Answer => {
    const service = req.headers.host ?? authority;
    const scope = name ? `,scope="repository:${name}:pull"` : '';
    return ociErrors(
      401,
      'UNAUTHORIZED',
      'access to the requested resource is not authorized',
      {
        'www-authenticate': `Bearer realm="http://${service}/v2/auth",service="${service}"${scope}`,
      },
    );
  };

  const failure = (
    mode: ChartRepositoryFailureMode,
    oci: boolean,
  ): Answer | 'down' | 'hang' | undefined => {
    switch (mode) {
      case 'down':
      case 'hang':
        return mode;
      case 'http500':
        return oci
          ? ociErrors(500, 'UNKNOWN', 'unknown error')
          : text(500, '500 Internal Server Error');
      case 'unauthorized':
        return oci
          ? ociErrors(
              401,
              'UNAUTHORIZED',
              'access to the requested resource is not authorized',
            )
          : {
              ...text(401, '401 Unauthorized'),
              headers: {
                'content-type': 'text/plain; charset=utf-8',
                'www-authenticate': 'Basic realm="chart repository"',
              },
            };
      default:
        return undefined;
    }
  };

  /** Cuts a body so it is no longer what it claims to be. */
  const garble = (answer: Answer): Answer => {
    const body = Buffer.isBuffer(answer.body)
      ? answer.body
      : Buffer.from(answer.body ?? '');
    const cut = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
    const type = answer.headers?.['content-type'] ?? '';
    const garbled = type.startsWith('text/yaml')
      ? Buffer.concat([
          cut,
          Buffer.from('\n  - {name: [unterminated\n\u0000\u00ff'),
        ])
      : cut;
    const headers = { ...answer.headers };
    delete headers.etag;
    return { status: 200, headers, body: garbled };
  };

  const handleIndexRepository = (
    method: string,
    req: IncomingMessage,
    p: Published,
    rest: string,
  ): Answer => {
    if (rest === '/index.yaml' || rest === '/index.yml') {
      const doc = indexOf(p);
      const headers = {
        'content-type': 'text/yaml; charset=utf-8',
        etag: doc.etag,
        'last-modified': doc.lastModified,
        'cache-control': 'max-age=600',
      };
      const ifNoneMatch = req.headers['if-none-match'];
      const ifModifiedSince = req.headers['if-modified-since'];
      const notModified = ifNoneMatch
        ? etagMatches(ifNoneMatch, doc.etag)
        : ifModifiedSince !== undefined &&
          Date.parse(ifModifiedSince) >= Date.parse(doc.lastModified);
      if (notModified) return { status: 304, headers };
      return { status: 200, headers, body: method === 'HEAD' ? '' : doc.body };
    }
    const file = /^(?:\/releases\/download\/v[^/]+)?\/([^/]+\.tgz)$/.exec(rest);
    const release = file
      ? p.releases.releases.find(
          r =>
            r.fileName === file[1] &&
            rest.startsWith('/releases/') ===
              Boolean(p.releases.flavour.releaseDownloads),
        )
      : undefined;
    if (!release) return text(404, '404 Not Found');
    const headers = {
      'content-type': 'application/gzip',
      etag: `"${release.digest}"`,
      'last-modified': httpDate(release.createdMs),
      'cache-control': 'max-age=600',
    };
    if (etagMatches(req.headers['if-none-match'], headers.etag)) {
      return { status: 304, headers };
    }
    return {
      status: 200,
      headers,
      body: method === 'HEAD' ? '' : release.archive,
    };
  };

  const handleOci = (
    method: string,
    req: IncomingMessage,
    parsed: URL,
  ): { answer: Answer; repository?: string } => {
    const path = parsed.pathname;
    if (path === '/v2/auth') {
      const scope = parsed.searchParams.get('scope');
      const name = /^repository:([^:]+):/.exec(scope ?? '')?.[1];
      const p = name ? ociByName.get(name) : undefined;
      return {
        repository: p?.info.componentId,
        answer: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            token: issueToken(
              parsed.searchParams.get('service') ?? authority,
              scope,
            ),
          }),
        },
      };
    }
    if (path === '/v2' || path === '/v2/') {
      return {
        answer: tokenGrants(req.headers.authorization)
          ? {
              status: 200,
              headers: {
                'content-type': 'application/json',
                'docker-distribution-api-version': 'registry/2.0',
              },
              body: '{}',
            }
          : challenge(req),
      };
    }
    const match =
      /^\/v2\/(.+)\/(tags\/list|manifests\/([^/]+)|blobs\/([^/]+))$/.exec(path);
    if (!match) {
      return { answer: ociErrors(404, 'NOT_FOUND', 'not found') };
    }
    const name = match[1];
    const p = ociByName.get(name);
    if (!tokenGrants(req.headers.authorization, name)) {
      return { repository: p?.info.componentId, answer: challenge(req, name) };
    }
    if (!p) {
      return {
        answer: ociErrors(
          404,
          'NAME_UNKNOWN',
          'repository name not known to registry',
        ),
      };
    }
    const repository = p.info.componentId;
    const list = artifactsOf(p);
    if (match[2] === 'tags/list') {
      const tags = list.map(a => a.tag).sort();
      const nParam = parsed.searchParams.get('n');
      const last = parsed.searchParams.get('last');
      let page = last ? tags.filter(t => t > last) : tags;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
      };
      if (nParam !== null) {
        if (!/^\d+$/.test(nParam)) {
          return {
            repository,
            answer: ociErrors(
              400,
              'PAGINATION_NUMBER_INVALID',
              'invalid number of results requested',
            ),
          };
        }
        const n = Number(nParam);
        if (page.length > n && n > 0) {
          page = page.slice(0, n);
          headers.link = `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(
            page[page.length - 1],
          )}>; rel="next"`;
        } else if (n === 0) {
          page = [];
        }
      }
      return {
        repository,
        answer: {
          status: 200,
          headers,
          body: JSON.stringify({ name, tags: page }),
        },
      };
    }
    if (match[3] !== undefined) {
      const reference = decodeURIComponent(match[3]);
      const artifact = list.find(a =>
        reference.startsWith('sha256:')
          ? a.manifestDigest === reference
          : a.tag === reference,
      );
      if (!artifact) {
        return {
          repository,
          answer: ociErrors(404, 'MANIFEST_UNKNOWN', 'manifest unknown'),
        };
      }
      return {
        repository,
        answer: {
          status: 200,
          headers: {
            'content-type': OCI_MANIFEST,
            'docker-content-digest': artifact.manifestDigest,
            etag: `"${artifact.manifestDigest}"`,
          },
          body: method === 'HEAD' ? '' : artifact.manifest,
        },
      };
    }
    const digest = decodeURIComponent(match[4]);
    const blob = list
      .map(a => a.blobs.get(digest))
      .find((b): b is Buffer => b !== undefined);
    if (!blob) {
      return {
        repository,
        answer: ociErrors(404, 'BLOB_UNKNOWN', 'blob unknown to registry'),
      };
    }
    return {
      repository,
      answer: {
        status: 200,
        headers: {
          'content-type': 'application/octet-stream',
          'docker-content-digest': digest,
          etag: `"${digest}"`,
        },
        body: method === 'HEAD' ? '' : blob,
      },
    };
  };

  const control = async (
    method: string,
    pathname: string,
    req: IncomingMessage,
  ): Promise<Answer> => {
    const json = (status: number, body: unknown): Answer => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (method === 'GET' && pathname === '/sandbox') {
      return json(200, {
        failureMode: globalMode,
        failureModes: Object.fromEntries(modes),
        latencyMs,
        repositories: [...published.values()].map(p => p.info),
        requests: lifecycle.requests.count,
        repositoryRequests,
      });
    }
    if (method !== 'POST') return json(404, { error: 'not found' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let input: unknown = {};
    try {
      const raw = Buffer.concat(chunks).toString('utf8');
      input = raw.trim() ? JSON.parse(raw) : {};
    } catch {
      return json(400, { error: 'the body must be JSON' });
    }
    const body = isRecord(input) ? input : {};
    if (pathname === '/sandbox/failure') {
      const { mode, repository } = body;
      if (
        typeof mode !== 'string' ||
        !FAILURE_MODES.includes(mode as ChartRepositoryFailureMode)
      ) {
        return json(400, {
          error: `mode must be one of ${FAILURE_MODES.join(', ')}`,
        });
      }
      if (
        repository !== undefined &&
        (typeof repository !== 'string' || !published.has(repository))
      ) {
        return json(400, {
          error: `repository must be one of ${[...published.keys()].join(
            ', ',
          )}`,
        });
      }
      setFailureMode(
        mode as ChartRepositoryFailureMode,
        repository as string | undefined,
      );
      return json(200, { mode, ...(repository ? { repository } : {}) });
    }
    if (pathname === '/sandbox/latency') {
      const { ms } = body;
      if (typeof ms !== 'number' || ms < 0) {
        return json(400, { error: 'ms must be a number >= 0' });
      }
      latencyMs = ms;
      return json(200, { ms });
    }
    return json(404, { error: 'not found' });
  };

  const send = (res: ServerResponse, answer: Answer) => {
    const body = answer.body ?? '';
    res.writeHead(answer.status, {
      ...answer.headers,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const parsed = new URL(req.url ?? '/', 'http://charts.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const pathname = parsed.pathname;
    const record: ChartRepositoryRequest = {
      method,
      path: `${pathname}${parsed.search}`,
      area: 'other',
    };
    lifecycle.record(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    if (pathname === '/sandbox' || pathname.startsWith('/sandbox/')) {
      record.area = 'sandbox';
      send(res, await control(method, pathname, req));
      return;
    }
    repositoryRequests += 1;
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, text(405, '405 Method Not Allowed'));
      return;
    }
    if (pathname === '/charts' || pathname === '/charts/') {
      send(res, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          repositories: [...published.values()].map(p => p.info),
        }),
      });
      return;
    }

    let produce: () => { answer: Answer; repository?: string };
    const oci = pathname === '/v2' || pathname.startsWith('/v2/');
    const chartsMatch = /^\/charts\/([^/]+)(\/.*)$/.exec(pathname);
    if (oci) {
      record.area = pathname === '/v2/auth' ? 'token' : 'oci';
      const scoped =
        pathname === '/v2/auth'
          ? /^repository:([^:]+):/.exec(
              parsed.searchParams.get('scope') ?? '',
            )?.[1]
          : /^\/v2\/(.+)\/(?:tags|manifests|blobs)\//.exec(pathname)?.[1];
      record.repository = scoped
        ? ociByName.get(scoped)?.info.componentId
        : undefined;
      produce = () => handleOci(method, req, parsed);
    } else if (chartsMatch) {
      const p = published.get(decodeURIComponent(chartsMatch[1]));
      record.area = chartsMatch[2].endsWith('.tgz') ? 'archive' : 'index';
      record.repository = p?.info.componentId;
      if (!p || p.info.kind !== 'index') {
        send(res, text(404, '404 Not Found'));
        return;
      }
      produce = () => ({
        answer: handleIndexRepository(method, req, p, chartsMatch[2]),
        repository: p.info.componentId,
      });
    } else {
      send(res, text(404, '404 Not Found'));
      return;
    }

    const mode = modeOf(record.repository);
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (latencyMs > 0) await sleep(latencyMs);
    const failed = failure(mode, oci);
    if (failed === 'hang') return;
    if (failed === 'down') {
      req.socket.destroy();
      return;
    }
    if (failed) {
      send(res, failed);
      return;
    }
    const { answer } = produce();
    send(
      res,
      mode === 'garbage' && answer.status === 200 && method === 'GET'
        ? garble(answer)
        : answer,
    );
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(error => {
      if (!res.headersSent) {
        send(
          res,
          text(500, error instanceof Error ? error.message : String(error)),
        );
      }
    });
  });

  const repositories = [...published.values()].map(p => p.info);
  return {
    url,
    port,
    repositories,
    mirrors: repositories.map(info =>
      info.kind === 'oci'
        ? { url: info.repository, mirror: info.mirror, plainHttp: true }
        : { url: info.repository, mirror: info.mirror },
    ),
    releases(componentId: string) {
      const p = published.get(componentId);
      if (!p)
        throw new Error(`no chart repository for component ${componentId}`);
      return p.releases.releases;
    },
    failureMode: modeOf,
    setFailureMode,
    setLatency(ms: number) {
      latencyMs = Math.max(0, ms);
    },
    requests: lifecycle.requests,
    close: () => lifecycle.close(server),
  };
}
