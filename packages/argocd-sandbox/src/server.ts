/**
 * The sandbox's HTTP server (node:http): Argo CD's API under `/api`, the
 * Kubernetes API of its clusters under `/k8s/{cluster}`, and the sandbox's
 * own control API under `/sandbox`. Failure modes and latency apply to the
 * first two, never to the control API.
 */

import {
  IncomingMessage,
  Server,
  ServerResponse,
  createServer,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { handleArgoCd } from './argocdApi';
import { SandboxAuth, SandboxUser } from './auth';
import { SandboxRbac } from './rbac';
import { ArgoCdApiError, GrpcCode, KubernetesApiError } from './errors';
import { ImportError, ImportRequest, readGitOpsManifests } from './gitImport';
import { handleKubernetes } from './kubernetes';
import { SeedTemplate } from './seed';
import {
  ApplicationStreams,
  STREAM_MODES,
  STREAM_PATH,
  StreamMode,
  StreamModeOptions,
  StreamStats,
} from './stream';
import { SandboxTls, generateSandboxTls } from './tls';
import {
  IN_CLUSTER,
  ResourceTarget,
  SandboxCluster,
  SandboxStore,
} from './store';
import type { ResourceQuery } from './liveObject';
import type { Application } from './types';
import { cloneJson, isRecord, serverLifecycle } from './util';

/** How the sandbox misbehaves, for resilience tests. */
export type FailureMode =
  | 'none'
  /** Close the connection at once (socket.destroy). */
  | 'down'
  /** 500 with an Argo CD (or Kubernetes) error body. */
  | 'http500'
  /** Never answer (until the sandbox closes). */
  | 'hang'
  /** 200 with truncated JSON. */
  | 'malformed'
  /** 401, as for an expired token. */
  | 'unauthorized';

const FAILURE_MODES: readonly FailureMode[] = [
  'none',
  'down',
  'http500',
  'hang',
  'malformed',
  'unauthorized',
];

/** A cluster of the sandbox, as options give it. */
export interface SandboxClusterOptions {
  name: string;
  server: string;
  /** Kubernetes version, e.g. `v1.29.3` or `1.29`. */
  serverVersion: string;
  /** `Failed` simulates a cluster Argo CD cannot reach. */
  connectionState?: 'Successful' | 'Failed';
}

/** Options of {@link startArgoCdSandbox}. */
export interface SandboxOptions {
  /** Instance name, e.g. `dev`. */
  name: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** A static bearer token the API accepts (an Argo CD API key). */
  token?: string;
  /** Local accounts for POST /api/v1/session. Without token and users the API is open. */
  users?: SandboxUser[];
  /**
   * Project-scoped tokens: token → `proj:<project>:<role>`. Such a token may
   * do what the role's `policies` in that AppProject allow (Argo CD's
   * Casbin rules), and is answered `permission denied` otherwise.
   */
  projectTokens?: Record<string, string>;
  /** Delay before every Argo CD and Kubernetes answer. */
  latencyMs?: number;
  /** How long a sync operation runs (default 3000). */
  syncDurationMs?: number;
  /** Kubernetes version of the in-cluster cluster (default `v1.30.4`). */
  kubeVersion?: string;
  /** Clusters besides `in-cluster` (https://kubernetes.default.svc). */
  clusters?: SandboxClusterOptions[];
  /**
   * Directory of Git repositories: POST /sandbox/import reads them, and
   * Applications whose source is a `file://` repository under it sync the
   * manifests of their `path` (an app of apps creates its children).
   */
  gitRoot?: string;
  /**
   * Namespaces besides `argocd` that may hold Applications (Argo CD's
   * `--application-namespaces`; globs, or `/regex/`). Default: none.
   */
  applicationNamespaces?: string[];
  /**
   * Serve HTTPS instead of HTTP: `true` generates a CA and a server
   * certificate it signed (for 127.0.0.1, ::1 and localhost) at start, as a
   * managed cluster with a private CA would present; or give the PEM texts.
   * The CA is {@link ArgoCdSandbox.ca}.
   */
  tls?: boolean | SandboxTls;
  /** Clock, epoch milliseconds (tests). */
  now?: () => number;
  /** How many requests {@link ArgoCdSandbox.requests} keeps (default 1000). */
  requestLogLimit?: number;
  /**
   * Keep-alive interval of watch streams asked with `Accept:
   * text/event-stream` (Argo CD: 15000). Plain JSON streams have none.
   */
  streamKeepaliveMs?: number;
}

/** One request the sandbox received (no headers, so no credentials). */
export interface SandboxRequestRecord {
  method: string;
  /** Path and query string. */
  path: string;
  area: 'argocd' | 'kubernetes' | 'sandbox' | 'other';
  /** HTTP status answered; absent when the connection was dropped or hung. */
  status?: number;
  /**
   * Set for `GET /api/v1/stream/applications`: one long-lived request,
   * whatever it carries (its status is set when its head is written).
   */
  stream?: true;
}

/** Requests the sandbox received. */
export interface SandboxRequestLog {
  /** Requests since start (or the last clear). */
  readonly count: number;
  /** The most recent requests, oldest first. */
  readonly entries: readonly SandboxRequestRecord[];
  clear(): void;
}

/** What POST /sandbox/import applied. */
export interface ImportResult {
  /** The commit read. */
  revision: string;
  /** Applications created or updated (`namespace/name`). */
  applications: string[];
  /** AppProjects created or updated. */
  projects: string[];
  /** Documents not applied, and why. */
  skipped: Array<{ file: string; reason: string }>;
  /**
   * With `asApplication`: `Failed` when the parent's project refused a
   * resource (then nothing was applied) or a child was refused.
   */
  phase?: 'Succeeded' | 'Failed';
  /** With `asApplication`: the operation message Argo CD would show. */
  message?: string;
}

/** A running sandbox instance. */
export interface ArgoCdSandbox {
  readonly name: string;
  /** Base URL, e.g. `http://127.0.0.1:8081` (`https://…` with `tls`). */
  readonly url: string;
  readonly port: number;
  /** With `tls`: the PEM of the CA that signed the server certificate. */
  readonly ca?: string;
  /** Stops the server, dropping hung and open connections. */
  close(): Promise<void>;
  readonly failureMode: FailureMode;
  setFailureMode(mode: FailureMode): void;
  setLatency(ms: number): void;
  /** Creates `count` synthetic Applications, synced and healthy unless the template says otherwise. */
  seedApplications(
    count: number,
    template?: SeedTemplate | ((index: number) => Application),
  ): number;
  /** Every Application as the API would return it now (copies). */
  applications(): Application[];
  /** Applies the Argo CD manifests of a repository under the git root. */
  importRepository(request: ImportRequest): Promise<ImportResult>;
  /** Removes all Applications and AppProjects but `default`. */
  reset(): void;
  readonly requests: SandboxRequestLog;
  /** The watch streams' mode (`drop` is {@link ArgoCdSandbox.dropStreams}). */
  readonly streamMode: StreamMode;
  /**
   * `stall` (open streams write nothing more, new ones after their initial
   * events), `too-old` (a stream with a resourceVersion gets one error
   * chunk and ends), or `none`.
   */
  setStreamMode(mode: StreamMode, options?: StreamModeOptions): void;
  /** Destroys every open watch stream after a partial line; answers how many. */
  dropStreams(): number;
  /** Open watch streams, stream requests, and store subscribers (leak checks). */
  readonly streams: StreamStats;
  /**
   * Sets the `status` that GET /api/v1/applications/{name}/resource shows
   * for one live resource of an Application, in place of what its operator
   * writes (any JSON value: a failure as the operator words it, or a
   * malformed one); `undefined` clears it. `options.generation` sets
   * `metadata.generation` too. Kept until cleared, reset, or the
   * Application is deleted; Argo CD's health of the resource is unchanged.
   * `POST /sandbox/resource-status` does the same over HTTP.
   *
   * @returns the resource it applies to, with its version and namespace
   * @throws when the Application or the live resource does not exist
   */
  setResourceStatus(
    application: string | { name: string; appNamespace?: string },
    resource: ResourceTarget,
    status: unknown,
    options?: { generation?: number },
  ): ResourceQuery;
}

/** A refused control API request. */
class ControlError extends Error {
  constructor(message: string, readonly httpStatus = 400) {
    super(message);
    this.name = 'ControlError';
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  truncate = false,
): void {
  let text = JSON.stringify(body);
  if (truncate) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(
  req: IncomingMessage,
  limit = 16 * 1024 * 1024,
): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(
          new ArgoCdApiError(
            GrpcCode.InvalidArgument,
            'request body too large',
          ),
        );
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function parseJson(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    const first = text.trim()[0];
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      /[{["\d-tfn]/.test(first)
        ? 'unexpected EOF'
        : `invalid character '${first}' looking for beginning of value`,
    );
  }
}

function areaOf(pathname: string): SandboxRequestRecord['area'] {
  if (pathname === '/sandbox' || pathname.startsWith('/sandbox/'))
    return 'sandbox';
  if (pathname.startsWith('/k8s/')) return 'kubernetes';
  if (pathname === '/api' || pathname.startsWith('/api/')) return 'argocd';
  return 'other';
}

/**
 * Starts one sandbox instance.
 *
 * @example
 * ```ts
 * const sandbox = await startArgoCdSandbox({ name: 'dev', token: 'sandbox-token' });
 * await fetch(`${sandbox.url}/api/v1/applications`, {
 *   headers: { authorization: 'Bearer sandbox-token' },
 * });
 * await sandbox.close();
 * ```
 */
export async function startArgoCdSandbox(
  options: SandboxOptions,
): Promise<ArgoCdSandbox> {
  const now = options.now ?? (() => Date.now());
  const clusters: SandboxCluster[] = [];
  if (!options.clusters?.some(c => c.server === IN_CLUSTER)) {
    clusters.push({
      name: 'in-cluster',
      server: IN_CLUSTER,
      serverVersion: options.kubeVersion ?? 'v1.30.4',
    });
  }
  clusters.push(...(options.clusters ?? []));
  const store = new SandboxStore({
    instance: options.name,
    now,
    syncDurationMs: options.syncDurationMs ?? 3000,
    clusters,
    applicationNamespaces: options.applicationNamespaces ?? [],
    gitRoot: options.gitRoot,
  });
  const auth = new SandboxAuth({
    token: options.token,
    users: options.users ?? [],
    now,
    projectTokens: options.projectTokens,
  });
  const startedAt = now();
  const rbac = new SandboxRbac(name => store.findProject(name), startedAt);
  const streams = new ApplicationStreams({
    store,
    auth,
    rbac,
    keepaliveMs: options.streamKeepaliveMs ?? 15_000,
  });
  const logLimit = options.requestLogLimit ?? 1000;

  let failureMode: FailureMode = 'none';
  let latencyMs = Math.max(0, options.latencyMs ?? 0);
  const lifecycle = serverLifecycle<SandboxRequestRecord>(logLimit);
  /** Requests to the Argo CD and Kubernetes APIs, without the control routes. */
  let apiRequests = 0;
  let url = '';

  const sleep = lifecycle.sleep;

  const setFailureMode = (mode: FailureMode) => {
    if (!FAILURE_MODES.includes(mode))
      throw new Error(`unknown failure mode ${mode}`);
    failureMode = mode;
  };

  const setResourceStatus: ArgoCdSandbox['setResourceStatus'] = (
    application,
    resource,
    status,
    statusOptions = {},
  ) => {
    const ref =
      typeof application === 'string' ? { name: application } : application;
    return store.setResourceStatus(
      { name: ref.name, appNamespace: ref.appNamespace },
      resource,
      status === undefined
        ? undefined
        : { status, generation: statusOptions.generation },
    );
  };

  const importAsApplication = (
    parentRef: unknown,
    manifests: Awaited<ReturnType<typeof readGitOpsManifests>>,
  ): ImportResult => {
    if (typeof parentRef !== 'string' || !parentRef) {
      throw new ImportError(
        'asApplication must be the namespace/name (or name, in argocd) of an Application',
      );
    }
    const slash = parentRef.indexOf('/');
    const ref =
      slash < 0
        ? { name: parentRef }
        : {
            appNamespace: parentRef.slice(0, slash),
            name: parentRef.slice(slash + 1),
          };
    const outcome = store.applyAsApplication(ref, manifests.documents);
    const fileOf = new Map<unknown, string>(
      manifests.documents.map(d => [d.content, d.file]),
    );
    const result: ImportResult = {
      revision: manifests.revision,
      applications: outcome.applied
        .filter(i => i.kind === 'Application')
        .map(i => `${i.namespace}/${i.name}`),
      projects: outcome.applied
        .filter(i => i.kind === 'AppProject')
        .map(i => i.name),
      skipped: [
        ...manifests.invalid,
        ...outcome.refused.map(r => ({
          file: fileOf.get(r.item.manifest) ?? '',
          reason: r.message,
        })),
      ],
      phase: outcome.phase,
      message: outcome.message,
    };
    return result;
  };

  const importRepository = async (
    request: ImportRequest,
  ): Promise<ImportResult> => {
    if (!options.gitRoot) {
      throw new ImportError(
        'the sandbox was started without a git root; imports are disabled',
      );
    }
    const manifests = await readGitOpsManifests(options.gitRoot, request);
    if (request.asApplication !== undefined) {
      return importAsApplication(request.asApplication, manifests);
    }
    const result: ImportResult = {
      revision: manifests.revision,
      applications: [],
      projects: [],
      skipped: [...manifests.invalid],
    };
    const docs = manifests.documents.filter(d => isRecord(d.content));
    const kindOf = (content: unknown) =>
      isRecord(content) &&
      typeof content.apiVersion === 'string' &&
      content.apiVersion.startsWith('argoproj.io/')
        ? content.kind
        : undefined;
    for (const kind of ['AppProject', 'Application']) {
      for (const doc of docs.filter(d => kindOf(d.content) === kind)) {
        try {
          if (kind === 'AppProject') {
            const project = store.createProject({
              project: doc.content,
              upsert: true,
            });
            result.projects.push(project.metadata.name);
          } else {
            const app = store.createApplication(doc.content, true);
            result.applications.push(
              `${app.metadata.namespace}/${app.metadata.name}`,
            );
          }
        } catch (error) {
          if (!(error instanceof ArgoCdApiError)) throw error;
          result.skipped.push({ file: doc.file, reason: error.message });
        }
      }
    }
    for (const doc of manifests.documents) {
      const kind = kindOf(doc.content);
      if (kind !== 'AppProject' && kind !== 'Application') {
        const described = isRecord(doc.content)
          ? `${doc.content.apiVersion}/${doc.content.kind}`
          : 'not an object';
        result.skipped.push({
          file: doc.file,
          reason: `${described} is not applied by the sandbox`,
        });
      }
    }
    return result;
  };

  const control = async (
    method: string,
    pathname: string,
    body: () => Promise<unknown>,
  ) => {
    const input = async () => {
      const value = await body();
      return isRecord(value) ? value : {};
    };
    if (method === 'GET' && pathname === '/sandbox') {
      return {
        name: options.name,
        failureMode,
        latencyMs,
        applications: store.allApplications().length,
        requests: lifecycle.requests.count,
        apiRequests,
        streamMode: streams.mode,
        streamRequests: streams.stats.opened,
        openStreams: streams.stats.open,
      };
    }
    // The recent requests (method, path, status; never headers), this one
    // included, for a benchmark counting what reached Argo CD from outside.
    if (method === 'GET' && pathname === '/sandbox/requests') {
      return {
        count: lifecycle.requests.count,
        entries: lifecycle.requests.entries,
      };
    }
    if (method !== 'POST') throw new ControlError('not found', 404);
    switch (pathname) {
      case '/sandbox/failure': {
        const { mode } = await input();
        if (
          typeof mode !== 'string' ||
          !FAILURE_MODES.includes(mode as FailureMode)
        ) {
          throw new ControlError(
            `mode must be one of ${FAILURE_MODES.join(', ')}`,
          );
        }
        setFailureMode(mode as FailureMode);
        return { mode };
      }
      case '/sandbox/stream': {
        const { mode, oldestResourceVersion } = await input();
        if (mode === 'drop')
          return { mode: streams.mode, dropped: streams.drop() };
        if (
          typeof mode !== 'string' ||
          !STREAM_MODES.includes(mode as StreamMode)
        ) {
          throw new ControlError(
            `mode must be one of ${STREAM_MODES.join(', ')}, drop`,
          );
        }
        if (
          oldestResourceVersion !== undefined &&
          !/^\d+$/.test(String(oldestResourceVersion))
        ) {
          throw new ControlError('oldestResourceVersion must be an integer');
        }
        streams.setMode(mode as StreamMode, {
          oldestResourceVersion: oldestResourceVersion as string | undefined,
        });
        return { mode };
      }
      case '/sandbox/latency': {
        const { ms } = await input();
        if (typeof ms !== 'number' || ms < 0)
          throw new ControlError('ms must be a number >= 0');
        latencyMs = ms;
        return { ms };
      }
      case '/sandbox/seed': {
        const { count: n, template } = await input();
        if (typeof n !== 'number' || n < 0 || n > 100_000) {
          throw new ControlError('count must be a number between 0 and 100000');
        }
        return {
          created: store.seed(
            n,
            isRecord(template) ? (template as SeedTemplate) : {},
          ),
        };
      }
      case '/sandbox/import':
        return importRepository((await input()) as ImportRequest);
      case '/sandbox/resource-status': {
        // {application, appNamespace?, group?, kind, name, namespace?,
        // status?, generation?}: without `status` the override is cleared.
        const request = await input();
        const text = (key: string) =>
          typeof request[key] === 'string'
            ? (request[key] as string)
            : undefined;
        const application = text('application');
        const kind = text('kind');
        const name = text('name');
        if (!application || !kind || !name) {
          throw new ControlError('application, kind and name are required');
        }
        if (
          request.generation !== undefined &&
          !(
            Number.isInteger(request.generation) &&
            Number(request.generation) > 0
          )
        ) {
          throw new ControlError('generation must be a positive integer');
        }
        return setResourceStatus(
          { name: application, appNamespace: text('appNamespace') },
          {
            group: text('group') ?? '',
            kind,
            name,
            namespace: text('namespace'),
          },
          'status' in request ? request.status : undefined,
          { generation: request.generation as number | undefined },
        );
      }
      case '/sandbox/reset':
        store.reset();
        return {};
      default:
        throw new ControlError('not found', 404);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const parsed = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const area = areaOf(parsed.pathname);
    const record: SandboxRequestRecord = {
      method,
      path: `${parsed.pathname}${parsed.search}`,
      area,
    };
    const streaming = area === 'argocd' && parsed.pathname === STREAM_PATH;
    if (streaming) record.stream = true;
    lifecycle.record(record);
    if (area === 'argocd' || area === 'kubernetes') apiRequests += 1;
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    let bodyText: Promise<string> | undefined;
    const rawBody = () => (bodyText ??= readBody(req));

    if (area === 'sandbox') {
      try {
        send(
          res,
          200,
          await control(method, parsed.pathname, async () =>
            parseJson(await rawBody()),
          ),
        );
      } catch (error) {
        const status =
          error instanceof ImportError ||
          error instanceof ControlError ||
          error instanceof ArgoCdApiError
            ? error.httpStatus
            : 500;
        send(res, status, {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return;
    }
    if (area === 'other') {
      send(res, 404, {
        error: 'Not Found',
        code: GrpcCode.NotFound,
        message: 'Not Found',
      });
      return;
    }

    if (failureMode === 'down') {
      req.socket.destroy();
      return;
    }
    if (latencyMs > 0) await sleep(latencyMs);
    if (failureMode === 'hang') return;
    if (streaming && method === 'GET') {
      // Failure modes, auth and errors in the stream's own format.
      streams.serve(
        {
          query: parsed.searchParams,
          token: SandboxAuth.tokenOf(
            req.headers.authorization,
            req.headers.cookie,
          ),
          accept: req.headers.accept,
          failureMode,
          gone: req.socket.destroyed || res.destroyed,
          onStatus: status => {
            record.status = status;
          },
        },
        res,
      );
      return;
    }
    if (streaming) {
      const failure = new ArgoCdApiError(
        GrpcCode.Unimplemented,
        'Method Not Allowed',
        405,
      );
      send(res, failure.httpStatus, failure.body());
      return;
    }
    const kube = area === 'kubernetes';
    if (failureMode === 'http500') {
      const message = 'sandbox failure mode http500: simulated internal error';
      send(
        res,
        500,
        kube
          ? new KubernetesApiError(500, 'InternalError', message).body()
          : new ArgoCdApiError(GrpcCode.Internal, message).body(),
      );
      return;
    }
    if (failureMode === 'unauthorized') {
      send(
        res,
        401,
        kube
          ? new KubernetesApiError(401, 'Unauthorized', 'Unauthorized').body()
          : new ArgoCdApiError(
              GrpcCode.Unauthenticated,
              'invalid session: Token is expired',
            ).body(),
      );
      return;
    }
    const truncate = failureMode === 'malformed';
    const token = SandboxAuth.tokenOf(
      req.headers.authorization,
      req.headers.cookie,
    );

    if (kube) {
      try {
        const match = /^\/k8s\/([^/]+)(\/.*)?$/.exec(parsed.pathname);
        if (auth.enabled) {
          try {
            auth.authenticate(token);
          } catch {
            throw new KubernetesApiError(401, 'Unauthorized', 'Unauthorized');
          }
        }
        const answer = handleKubernetes(
          clusters,
          decodeURIComponent(match?.[1] ?? ''),
          method,
          match?.[2] ?? '/',
          startedAt,
          now(),
        );
        send(res, answer.status, answer.body, truncate);
      } catch (error) {
        const failure =
          error instanceof KubernetesApiError
            ? error
            : new KubernetesApiError(500, 'InternalError', String(error));
        send(res, failure.httpStatus, failure.body(), truncate);
      }
      return;
    }

    try {
      const text = method === 'GET' || method === 'HEAD' ? '' : await rawBody();
      let body: unknown;
      const answer = await handleArgoCd(
        {
          method,
          pathname: parsed.pathname.replace(/\/+$/, '') || '/',
          query: parsed.searchParams,
          token,
          body: () => (body ??= parseJson(text)),
        },
        { store, auth, rbac, instance: options.name, url, now },
      );
      send(res, answer.status, answer.body, truncate);
    } catch (error) {
      const failure =
        error instanceof ArgoCdApiError
          ? error
          : new ArgoCdApiError(
              GrpcCode.Unknown,
              error instanceof Error ? error.message : String(error),
            );
      send(res, failure.httpStatus, failure.body(), truncate);
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(error => {
      if (!res.headersSent) {
        send(
          res,
          500,
          new ArgoCdApiError(GrpcCode.Internal, String(error)).body(),
        );
      }
    });
  };
  const tls =
    options.tls === true
      ? await generateSandboxTls()
      : options.tls || undefined;
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener)
    : createServer(listener);
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
  url = `${tls ? 'https' : 'http'}://${
    urlHost.includes(':') ? `[${urlHost}]` : urlHost
  }:${port}`;

  return {
    name: options.name,
    url,
    port,
    ca: tls?.ca,
    get failureMode() {
      return failureMode;
    },
    setFailureMode,
    setLatency(ms: number) {
      latencyMs = Math.max(0, ms);
    },
    seedApplications: (n, template) => store.seed(n, template),
    applications: () => cloneJson(store.allApplications()),
    importRepository,
    reset: () => store.reset(),
    requests: lifecycle.requests,
    get streamMode() {
      return streams.mode;
    },
    setStreamMode: (mode, modeOptions) => streams.setMode(mode, modeOptions),
    dropStreams: () => streams.drop(),
    setResourceStatus,
    get streams() {
      return streams.stats;
    },
    close: () => {
      streams.closeAll();
      store.close();
      return lifecycle.close(server);
    },
  };
}
