import { CustomErrorBase, InputError } from '@backstage/errors';
import type { ArgoCdInstanceConfig } from '../config';
import { DEFAULT_ARGOCD_MAX_RESPONSE_BYTES } from '../config';
import {
  fetchUpstream,
  streamUpstream,
  UpstreamError,
  type UpstreamResponse,
} from '../http/fetchUpstream';
import type {
  AppProject,
  Application,
  ApplicationList,
  ArgoCdCluster,
  ArgoCdErrorBody,
} from './types';

/**
 * Why a call to Argo CD failed, as a caller decides what to do about it.
 *
 * @public
 */
export type ArgoCdFailure =
  | 'unreachable'
  | 'timeout'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'server-error'
  | 'malformed'
  | 'expired';

/**
 * A failed Argo CD call. The message names the instance and, where there is
 * one, the Application; it never contains credentials.
 *
 * @public
 */
export class ArgoCdRequestError extends CustomErrorBase {
  readonly instance: string;
  readonly failure: ArgoCdFailure;
  readonly status?: number;
  readonly code?: number;

  constructor(options: {
    instance: string;
    failure: ArgoCdFailure;
    message: string;
    status?: number;
    code?: number;
  }) {
    super(options.message);
    this.name = 'ArgoCdRequestError';
    this.instance = options.instance;
    this.failure = options.failure;
    this.status = options.status;
    this.code = options.code;
  }
}

function failureOf(status: number, code?: number): ArgoCdFailure {
  if (status === 410) return 'expired';
  if (status === 401 || code === 16) return 'unauthenticated';
  if (status === 403 || code === 7) return 'forbidden';
  if (status === 404 || code === 5) return 'not-found';
  if (status === 409 || code === 6) return 'conflict';
  if (status >= 400 && status < 500) return 'invalid';
  return 'server-error';
}

/** @public */
export interface ArgoCdClientOptions {
  instance: ArgoCdInstanceConfig;
  /** Per-call timeout in milliseconds. */
  timeoutMs: number;
  /**
   * Bytes of one answer accepted (an Application list of a large instance
   * is the biggest); a larger one is refused while it streams, as a
   * `malformed` failure. Default {@link DEFAULT_ARGOCD_MAX_RESPONSE_BYTES};
   * `datastack.argocd.maxResponseBytes`, read by
   * {@link readArgoCdMaxResponseBytes}.
   */
  maxResponseBytes?: number;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The label of the probe list, which no Application carries. */
const PROBE_LABEL = 'datastack.io/inventory-probe';
const PROBE_LABEL_VALUE = 'none';

/**
 * One event of Argo CD's Application watch stream.
 *
 * @public
 */
export interface ApplicationWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  application: Application;
}

/**
 * One resource of an Application, as Argo CD's resource endpoints name it
 * (`ApplicationResourceRequest`): the fields of a resource-tree node.
 *
 * @public
 */
export interface ApplicationResourceRequest {
  /** The Application. */
  application: string;
  appNamespace?: string;
  /** The Application's project: Argo CD then answers 404, not 403, for another project's. */
  project?: string;
  /** The resource's namespace; empty for a cluster-scoped resource. */
  namespace: string;
  name: string;
  /** The API group; empty for the core group. */
  group: string;
  version: string;
  kind: string;
  signal?: AbortSignal;
}

interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Named in error messages. */
  subject?: string;
}

/**
 * A thin client of one Argo CD instance's REST API. Authenticates with a
 * static token, or with a session token from POST /api/v1/session that is
 * kept and renewed once when Argo CD answers 401, never fetched per call.
 * Every call goes through {@link fetchUpstream}: a timeout over the whole
 * answer, a byte limit, same-origin redirects, credentials redacted.
 *
 * @public
 */
export class ArgoCdClient {
  readonly instance: ArgoCdInstanceConfig;
  readonly #timeoutMs: number;
  /** For tests; undefined uses fetchUpstream's default, the global fetch. */
  readonly #fetch?: typeof fetch;
  readonly #maxResponseBytes: number;
  #session?: Promise<string>;

  constructor(options: ArgoCdClientOptions) {
    this.instance = options.instance;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch;
    this.#maxResponseBytes =
      options.maxResponseBytes ?? DEFAULT_ARGOCD_MAX_RESPONSE_BYTES;
  }

  get name(): string {
    return this.instance.name;
  }

  /** The Argo CD UI page of an Application. */
  applicationUrl(name: string, appNamespace?: string): string {
    const app = appNamespace
      ? `${encodeURIComponent(appNamespace)}/${encodeURIComponent(name)}`
      : encodeURIComponent(name);
    return `${this.instance.uiUrl}/applications/${app}`;
  }

  async listApplications(
    options: {
      selector?: string;
      name?: string;
      appNamespace?: string;
      projects?: string[];
      signal?: AbortSignal;
    } = {},
  ): Promise<Application[]> {
    return (await this.listApplicationsAt(options)).items;
  }

  /**
   * The Applications, with the list's `metadata.resourceVersion`: where a
   * watch of every later change starts ({@link ArgoCdClient.watchApplications}).
   */
  async listApplicationsAt(
    options: {
      selector?: string;
      name?: string;
      appNamespace?: string;
      projects?: string[];
      signal?: AbortSignal;
    } = {},
  ): Promise<{ items: Application[]; resourceVersion?: string }> {
    const query: Record<string, string | undefined> = {
      selector: options.selector,
      name: options.name,
      appNamespace: options.appNamespace,
    };
    const list = await this.#request<ApplicationList>(
      'GET',
      '/api/v1/applications',
      {
        query,
        signal: options.signal,
        subject: options.selector
          ? `Applications matching "${options.selector}"`
          : 'Applications',
      },
    );
    if (!list || typeof list !== 'object' || !('items' in list)) {
      throw this.#malformed('Applications', 'no items field');
    }
    if (list.items !== null && !Array.isArray(list.items)) {
      throw this.#malformed('Applications', 'items is not a list');
    }
    const items = list.items ?? [];
    const projects = options.projects;
    const resourceVersion = list.metadata?.resourceVersion;
    return {
      items: projects?.length
        ? items.filter(a => projects.includes(a.spec?.project))
        : items,
      resourceVersion:
        typeof resourceVersion === 'string' && resourceVersion
          ? resourceVersion
          : undefined,
    };
  }

  /**
   * The resourceVersion Argo CD's Application informer is at now, from a
   * list that matches nothing (so it costs Argo CD no serialisation): a
   * watch whose last event is older while this moved on may have stalled.
   */
  async currentResourceVersion(
    options: { signal?: AbortSignal } = {},
  ): Promise<string | undefined> {
    const { resourceVersion } = await this.listApplicationsAt({
      selector: `${PROBE_LABEL}=${PROBE_LABEL_VALUE}`,
      signal: options.signal,
    });
    return resourceVersion;
  }

  /**
   * Argo CD's Application watch stream (`GET /api/v1/stream/applications`):
   * newline-delimited `{"result":{"type","application"}}` events, each one
   * passed to `onEvent` in order. Without `resourceVersion` Argo CD first
   * sends every Application as ADDED; with one, only later changes. Resolves
   * when Argo CD ends the stream; rejects with an {@link ArgoCdRequestError}
   * when it refuses it, sends an error line (`expired` for a resourceVersion
   * that is too old) or a malformed event, the connection breaks, or
   * nothing (not even Argo CD's keep-alive) arrives for `idleTimeoutMs`.
   * A caller can also tell a stalled stream from Argo CD's resourceVersion
   * moving on without events ({@link ArgoCdClient.currentResourceVersion}).
   */
  async watchApplications(options: {
    resourceVersion?: string;
    selector?: string;
    appNamespace?: string;
    projects?: string[];
    signal: AbortSignal;
    /** Bytes of one event accepted (default: the answer limit). */
    maxEventBytes?: number;
    /**
     * Milliseconds without a byte (no event, no keep-alive) after which the
     * stream is given up as stalled, once it has begun; Argo CD sends a
     * keep-alive every 15 s after its first event. Default 25000.
     */
    idleTimeoutMs?: number;
    /**
     * Milliseconds to wait for the stream to begin. Argo CD sends its
     * headers with the first event, so a watch from a `resourceVersion`
     * of a quiet instance begins only when something changes: a caller
     * that can tell a stall otherwise waits long. Default: the client's
     * request timeout.
     */
    headersTimeoutMs?: number;
    onEvent(event: ApplicationWatchEvent): void | Promise<void>;
  }): Promise<void> {
    const url = new URL(`${this.instance.url}/api/v1/stream/applications`);
    const query: Record<string, string | undefined> = {
      resourceVersion: options.resourceVersion,
      selector: options.selector,
      appNamespace: options.appNamespace,
    };
    for (const [key, value] of Object.entries(query)) {
      if (value) url.searchParams.set(key, value);
    }
    for (const project of options.projects ?? []) {
      url.searchParams.append('projects', project);
    }
    const subject = 'the Application watch stream';
    const open = async (token: string | undefined) => {
      let answer: UpstreamResponse;
      try {
        const idleTimeoutMs = options.idleTimeoutMs ?? 25_000;
        answer = await streamUpstream(url, {
          headers: {
            // As Argo CD's UI asks: server-sent events, which carry a
            // keep-alive every 15 s, so a silent stream is a stalled one.
            accept: 'text/event-stream',
            ...(token && { authorization: `Bearer ${token}` }),
          },
          signal: options.signal,
          timeoutMs: options.headersTimeoutMs ?? this.#timeoutMs,
          idleTimeoutMs,
          maxLineBytes: options.maxEventBytes ?? this.#maxResponseBytes,
          limitKey: 'datastack.inventory.maxEventBytes',
          subject: `GET ${subject}`,
          secrets: this.#secrets(token),
          fetch: this.#fetch,
          onLine: line => {
            // Server-sent events: `data: <json>` lines, `:` keep-alives,
            // blank separators. A plain JSON line is taken as it is.
            const text = line.startsWith('data:') ? line.slice(5).trim() : line;
            if (!text || text.startsWith(':')) return undefined;
            return options.onEvent(this.#watchEvent(text, subject));
          },
        });
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        throw this.#upstreamFailure(error, 'GET', subject);
      }
      if (!answer.ok) {
        // Refused before its first event, Argo CD answers the status with
        // the stream's own error chunk as the body (plain or as an event).
        for (const line of answer.text().split('\n')) {
          const text = line.startsWith('data:') ? line.slice(5).trim() : line;
          let chunk: { error?: unknown } | undefined;
          try {
            chunk = JSON.parse(text);
          } catch {
            chunk = undefined;
          }
          // A stream error chunk (an object); the unary body has a string.
          if (chunk?.error && typeof chunk.error === 'object') {
            this.#watchEvent(text, subject);
          }
        }
        throw this.#refused(answer, 'GET', subject);
      }
    };
    const session = this.#currentSession();
    try {
      await open(await session);
    } catch (error) {
      if (
        error instanceof ArgoCdRequestError &&
        error.failure === 'unauthenticated' &&
        this.instance.auth.type === 'password'
      ) {
        if (this.#session === session) this.#session = undefined;
        await open(await this.#currentSession());
        return;
      }
      throw error;
    }
  }

  /** One line of the watch stream: an event, or the error grpc-gateway ends a stream with. */
  #watchEvent(line: string, subject: string): ApplicationWatchEvent {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw this.#malformed(subject, 'an event is not JSON');
    }
    const record = parsed as {
      result?: { type?: unknown; application?: Application };
      error?: {
        http_code?: unknown;
        grpc_code?: unknown;
        code?: unknown;
        message?: unknown;
      };
    };
    if (record?.error && typeof record.error === 'object') {
      const httpCode = Number(record.error.http_code) || 500;
      const grpcCode = Number(record.error.grpc_code ?? record.error.code);
      const message =
        typeof record.error.message === 'string'
          ? record.error.message
          : 'no message';
      const failure = /too old resource version/i.test(message)
        ? 'expired'
        : failureOf(httpCode, Number.isFinite(grpcCode) ? grpcCode : undefined);
      throw new ArgoCdRequestError({
        instance: this.name,
        failure,
        status: httpCode,
        code: Number.isFinite(grpcCode) ? grpcCode : undefined,
        message: `Argo CD instance "${this.name}" ended ${subject}: ${httpCode} ${message}`,
      });
    }
    const type = record?.result?.type;
    const app = record?.result?.application;
    if (
      (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') ||
      !app ||
      typeof app !== 'object' ||
      typeof app.metadata?.name !== 'string' ||
      !app.metadata.name ||
      !app.spec ||
      typeof app.spec !== 'object'
    ) {
      throw this.#malformed(
        subject,
        'an event without a type ADDED/MODIFIED/DELETED and an Application with metadata.name and spec',
      );
    }
    return { type, application: app };
  }

  async getApplication(
    name: string,
    options: {
      appNamespace?: string;
      /** Argo CD answers 404 for a missing app only when the project is named (403 otherwise). */
      project?: string;
      refresh?: 'normal' | 'hard';
      signal?: AbortSignal;
    } = {},
  ): Promise<Application> {
    return this.#request<Application>(
      'GET',
      `/api/v1/applications/${encodeURIComponent(name)}`,
      {
        query: {
          appNamespace: options.appNamespace,
          project: options.project,
          refresh: options.refresh,
        },
        signal: options.signal,
        subject: `Application "${name}"`,
      },
    );
  }

  /**
   * The live object of one resource of an Application, as the cluster has
   * it now (Argo CD's `GET /api/v1/applications/{name}/resource`, which
   * answers it as a JSON string in `manifest`): with its `status`, which
   * the resource tree only summarises as a health. A resource that is not
   * part of the Application (Argo CD's InvalidArgument "… not found as part
   * of application …") or no longer in the cluster is `not-found`; an
   * answer without a `manifest` string holding a JSON object is
   * `malformed`.
   *
   * @throws InputError when `name`, `kind` or `version` is empty (Argo CD
   *   requires them)
   */
  async getResource(
    request: ApplicationResourceRequest,
  ): Promise<Record<string, unknown>> {
    for (const field of ['name', 'kind', 'version'] as const) {
      if (!request[field]) {
        throw new InputError(`getResource needs a resource ${field}`);
      }
    }
    const at = request.namespace
      ? `${request.namespace}/${request.name}`
      : request.name;
    const subject = `${request.kind} "${at}" of Application "${request.application}"`;
    let answer: unknown;
    try {
      answer = await this.#request<unknown>(
        'GET',
        `/api/v1/applications/${encodeURIComponent(
          request.application,
        )}/resource`,
        {
          query: {
            namespace: request.namespace,
            resourceName: request.name,
            version: request.version,
            group: request.group,
            kind: request.kind,
            appNamespace: request.appNamespace,
            project: request.project,
          },
          signal: request.signal,
          subject,
        },
      );
    } catch (error) {
      // Argo CD answers a resource outside the Application's tree with
      // InvalidArgument (server/application getAppLiveResource).
      if (
        error instanceof ArgoCdRequestError &&
        error.failure === 'invalid' &&
        /not found as part of application/.test(error.message)
      ) {
        throw new ArgoCdRequestError({
          instance: error.instance,
          failure: 'not-found',
          status: error.status,
          code: error.code,
          message: error.message,
        });
      }
      throw error;
    }
    const manifest =
      answer && typeof answer === 'object' && !Array.isArray(answer)
        ? (answer as { manifest?: unknown }).manifest
        : undefined;
    if (typeof manifest !== 'string') {
      throw this.#malformed(subject, 'no manifest string');
    }
    let object: unknown;
    try {
      object = JSON.parse(manifest);
    } catch {
      throw this.#malformed(subject, 'the manifest is not JSON');
    }
    if (!object || typeof object !== 'object' || Array.isArray(object)) {
      throw this.#malformed(subject, 'the manifest is not a JSON object');
    }
    return object as Record<string, unknown>;
  }

  /**
   * The metadata of a Git revision an Application deployed (Argo CD's
   * `GET /api/v1/applications/{name}/revisions/{revision}/metadata`): its
   * author, date and message. For a multi-source Application `sourceIndex`
   * names the Git source and `versionId` the history entry, as Argo CD
   * requires. A field of another type is dropped, not trusted.
   */
  async getRevisionMetadata(
    name: string,
    revision: string,
    options: {
      appNamespace?: string;
      project?: string;
      sourceIndex?: number;
      versionId?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<{ author?: string; date?: string; message?: string }> {
    const answer = await this.#request<Record<string, unknown>>(
      'GET',
      `/api/v1/applications/${encodeURIComponent(
        name,
      )}/revisions/${encodeURIComponent(revision)}/metadata`,
      {
        query: {
          appNamespace: options.appNamespace,
          project: options.project,
          sourceIndex:
            options.sourceIndex === undefined
              ? undefined
              : String(options.sourceIndex),
          versionId:
            options.versionId === undefined
              ? undefined
              : String(options.versionId),
        },
        signal: options.signal,
        subject: `the metadata of revision ${revision.slice(
          0,
          12,
        )} of Application "${name}"`,
      },
    );
    const text = (value: unknown, max: number) =>
      typeof value === 'string' && value ? value.slice(0, max) : undefined;
    const record =
      answer && typeof answer === 'object' && !Array.isArray(answer)
        ? answer
        : {};
    return {
      author: text(record.author, 200),
      date: text(record.date, 64),
      message: text(record.message, 2000),
    };
  }

  /**
   * The Application, or undefined when Argo CD has none of that name in that
   * namespace. Argo CD answers a missing Application with 403 when no
   * project is named (so as not to reveal what exists): for the admin
   * account Datastack uses that means missing; for a narrower token it means
   * invisible, and then Argo CD refuses to overwrite it as well.
   */
  async findApplication(
    name: string,
    options: { appNamespace?: string; signal?: AbortSignal } = {},
  ): Promise<Application | undefined> {
    try {
      return await this.getApplication(name, options);
    } catch (error) {
      if (
        error instanceof ArgoCdRequestError &&
        (error.failure === 'not-found' || error.failure === 'forbidden')
      ) {
        return undefined;
      }
      throw error;
    }
  }

  /** Creates the Application, or updates it when it exists (`upsert=true`). */
  async upsertApplication(
    application: Application,
    options: { signal?: AbortSignal } = {},
  ): Promise<Application> {
    return this.#request<Application>('POST', '/api/v1/applications', {
      query: { upsert: 'true', validate: 'true' },
      body: application,
      signal: options.signal,
      subject: `Application "${application.metadata.name}"`,
    });
  }

  async syncApplication(
    name: string,
    options: {
      appNamespace?: string;
      /** The Application's project: Argo CD then refuses an Application of another project. */
      project?: string;
      prune?: boolean;
      signal?: AbortSignal;
    } = {},
  ): Promise<Application> {
    return this.#request<Application>(
      'POST',
      `/api/v1/applications/${encodeURIComponent(name)}/sync`,
      {
        body: {
          name,
          appNamespace: options.appNamespace,
          ...(options.project ? { project: options.project } : {}),
          prune: options.prune ?? false,
        },
        signal: options.signal,
        subject: `Application "${name}"`,
      },
    );
  }

  async deleteApplication(
    name: string,
    options: {
      cascade?: boolean;
      appNamespace?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<void> {
    await this.#request<unknown>(
      'DELETE',
      `/api/v1/applications/${encodeURIComponent(name)}`,
      {
        query: {
          cascade: String(options.cascade ?? true),
          appNamespace: options.appNamespace,
        },
        signal: options.signal,
        subject: `Application "${name}"`,
      },
    );
  }

  /** The AppProject, or undefined when Argo CD has none of that name. */
  async findProject(
    name: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<AppProject | undefined> {
    try {
      return await this.#request<AppProject>(
        'GET',
        `/api/v1/projects/${encodeURIComponent(name)}`,
        { signal: options.signal, subject: `AppProject "${name}"` },
      );
    } catch (error) {
      if (
        error instanceof ArgoCdRequestError &&
        error.failure === 'not-found'
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async createProject(
    project: AppProject,
    options: { signal?: AbortSignal } = {},
  ): Promise<AppProject> {
    return this.#request<AppProject>('POST', '/api/v1/projects', {
      body: { project, upsert: false },
      signal: options.signal,
      subject: `AppProject "${project.metadata.name}"`,
    });
  }

  /**
   * Replaces an AppProject's spec, labels and annotations. `project.metadata.resourceVersion`
   * must be the one read, so a concurrent change is a conflict, not lost.
   */
  async updateProject(
    project: AppProject,
    options: { signal?: AbortSignal } = {},
  ): Promise<AppProject> {
    return this.#request<AppProject>(
      'PUT',
      `/api/v1/projects/${encodeURIComponent(project.metadata.name)}`,
      {
        body: { project },
        signal: options.signal,
        subject: `AppProject "${project.metadata.name}"`,
      },
    );
  }

  async listClusters(
    options: { signal?: AbortSignal } = {},
  ): Promise<ArgoCdCluster[]> {
    const list = await this.#request<{ items: ArgoCdCluster[] | null }>(
      'GET',
      '/api/v1/clusters',
      { signal: options.signal, subject: 'clusters' },
    );
    if (!list || typeof list !== 'object' || !('items' in list)) {
      throw this.#malformed('clusters', 'no items field');
    }
    return list.items ?? [];
  }

  /** The credentials of this instance and the session, never shown in a message. */
  #secrets(token: string | undefined): string[] {
    const auth = this.instance.auth;
    return [
      ...(token ? [token] : []),
      ...(auth.type === 'token' ? [auth.token] : [auth.password]),
    ];
  }

  #upstreamFailure(
    error: UpstreamError,
    method: string,
    subject: string,
  ): ArgoCdRequestError {
    const at = `(${method} ${subject})`;
    switch (error.failure) {
      case 'timeout':
        return new ArgoCdRequestError({
          instance: this.name,
          failure: 'timeout',
          // A stream that went silent says so, not the request timeout.
          message: error.reason
            ? `Argo CD instance "${this.name}" ${error.reason}; the stream was given up as stalled ${at}`
            : `Argo CD instance "${this.name}" did not answer within ${
                this.#timeoutMs
              } ms ${at}`,
        });
      case 'too-large':
        return new ArgoCdRequestError({
          instance: this.name,
          failure: 'malformed',
          status: error.status,
          message: `Argo CD instance "${this.name}" answered more than the ${
            this.#maxResponseBytes
          } bytes allowed for ${subject} (datastack.argocd.maxResponseBytes); the answer was not read`,
        });
      default: {
        // unreachable, a refused redirect, a body cut short.
        const reason = error.message
          .replace(`${method} ${subject} `, '')
          .replace(/^could not be reached: /, '');
        return new ArgoCdRequestError({
          instance: this.name,
          failure: 'unreachable',
          status: error.status,
          message: `Argo CD instance "${this.name}" is unreachable ${at}: ${reason}`,
        });
      }
    }
  }

  #malformed(subject: string, why: string): ArgoCdRequestError {
    return new ArgoCdRequestError({
      instance: this.name,
      failure: 'malformed',
      message: `Argo CD instance "${this.name}" answered a malformed response for ${subject}: ${why}`,
    });
  }

  /** The session login under way or done; a new one when there is none. */
  #currentSession(): Promise<string> {
    const auth = this.instance.auth;
    if (auth.type === 'token') {
      return Promise.resolve(auth.token);
    }
    if (!this.#session) {
      const session = this.#send<{ token?: string }>(
        'POST',
        '/api/v1/session',
        undefined,
        {
          body: { username: auth.username, password: auth.password },
          subject: 'a session',
        },
      ).then(body => {
        if (typeof body?.token !== 'string' || !body.token) {
          throw this.#malformed('a session', 'no token');
        }
        return body.token;
      });
      // A failed login is not cached: the next call tries again.
      session.catch(() => {
        if (this.#session === session) this.#session = undefined;
      });
      this.#session = session;
    }
    return this.#session;
  }

  async #request<T>(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<T> {
    const session = this.#currentSession();
    // A refused login fails the call as it is; only an expired session is renewed.
    const token = await session;
    try {
      return await this.#send<T>(method, path, token, options);
    } catch (error) {
      if (
        error instanceof ArgoCdRequestError &&
        error.failure === 'unauthenticated' &&
        this.instance.auth.type === 'password'
      ) {
        // Drop only the session that expired: concurrent callers that already
        // renewed it share the new one instead of logging in again.
        if (this.#session === session) this.#session = undefined;
        return this.#send<T>(
          method,
          path,
          await this.#currentSession(),
          options,
        );
      }
      throw error;
    }
  }

  async #send<T>(
    method: string,
    path: string,
    token: string | undefined,
    options: RequestOptions,
  ): Promise<T> {
    const url = new URL(`${this.instance.url}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, value);
    }
    const subject = options.subject ?? path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined)
      headers['content-type'] = 'application/json';

    let response: UpstreamResponse;
    try {
      response = await fetchUpstream(url, {
        method,
        headers,
        body:
          options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
        timeoutMs: this.#timeoutMs,
        maxBytes: this.#maxResponseBytes,
        subject: `${method} ${subject}`,
        secrets: this.#secrets(token),
        fetch: this.#fetch,
      });
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      throw this.#upstreamFailure(error, method, subject);
    }
    const text = response.text();

    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        if (response.ok) {
          throw this.#malformed(subject, 'not JSON');
        }
      }
    }
    if (!response.ok) throw this.#refused(response, method, subject, body);
    return body as T;
  }

  /** The error of a non-2xx answer, with Argo CD's own message. */
  #refused(
    response: UpstreamResponse,
    method: string,
    subject: string,
    parsed?: unknown,
  ): ArgoCdRequestError {
    let body = parsed;
    if (body === undefined) {
      try {
        body = JSON.parse(response.text());
      } catch {
        body = undefined;
      }
    }
    const err = (body ?? {}) as ArgoCdErrorBody;
    const detail =
      (typeof err.message === 'string' && err.message) ||
      (typeof err.error === 'string' && err.error) ||
      response.statusText ||
      'no message';
    const failure = failureOf(response.status, err.code);
    return new ArgoCdRequestError({
      instance: this.name,
      failure,
      status: response.status,
      code: typeof err.code === 'number' ? err.code : undefined,
      message: `Argo CD instance "${this.name}" refused ${method} ${subject}: ${response.status} ${detail}`,
    });
  }
}
