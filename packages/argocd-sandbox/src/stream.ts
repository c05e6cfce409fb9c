/**
 * `GET /api/v1/stream/applications`: Argo CD's Application watch stream, as
 * argocd-server v2.x serves it through grpc-gateway v1, plus the sandbox's
 * hostile stream modes (`stall`, `drop`, `too-old`).
 *
 * What real Argo CD does (sources: argoproj/argo-cd v2.14.9, the same at
 * master; argoproj/pkg d56162821bd1, the version v2.14 pins;
 * grpc-ecosystem/grpc-gateway v1.16.0; grpc/grpc-go v1.68.1):
 *
 * Query (server/application/application.proto `ApplicationQuery`, rpc
 * `Watch` → `get: "/api/v1/stream/applications"`): `name`, `projects`
 * (repeated), `project` (legacy, repeated: when given it replaces
 * `projects`, `getProjectsFromApplicationQuery`), `selector`,
 * `appNamespace`, `resourceVersion`; `refresh` and `repo` are accepted and
 * ignored. The forwarder also reads `fields` (below).
 *
 * Semantics (server/application/application.go `Watch`, lines 1165-1240,
 * `isApplicationPermitted`, 1140-1163):
 * - `minVersion` is `strconv.Atoi(resourceVersion)`, 0 when absent or not a
 *   number. Every event, initial ones included, is dropped when the
 *   Application's resourceVersion is below it (`appVersion < minVersion`),
 *   i.e. only Applications at resourceVersion >= it are sent.
 * - With no `resourceVersion` (empty string), or with a `name`, the server
 *   first lists its informer cache (`appLister.List(selector)`), sorts by
 *   `QualifiedName()` (`namespace/name`, byte order) and sends each match
 *   as `ADDED`; then it subscribes to its broadcaster (`appBroadcaster`,
 *   informer add/update/delete → ADDED/MODIFIED/DELETED). Nothing is
 *   replayed: with a `resourceVersion` the stream only carries changes that
 *   happen after it opened (the version is a filter, not a resume point),
 *   and real Argo CD never answers "too old".
 * - `appNamespace` only counts together with `name`: the event must be of
 *   that name in that namespace (default `argocd`). Without `name` it is
 *   ignored, as is `repo`. `projects` and `selector` filter every event; so
 *   does the instance's set of Application namespaces.
 * - RBAC: an event is sent only if the caller may `applications, get,
 *   <project>/[<namespace>/]<name>`; others are skipped silently.
 * - The broadcaster drops an event when the subscriber's 1000-event buffer
 *   is full (broadcaster.go line 52, "unable to send event notification").
 *
 * Wire (argoproj/pkg grpc/http/forwarders.go `NewStreamForwarder`, which
 * forwarder_overwrite.go line 148 installs for Watch, keyed by
 * `Application.Name`; grpc-gateway runtime/handler.go
 * `ForwardResponseStream`, lines 19-93):
 * - Headers: `Content-Type: application/json` (the forwarder's marshaler),
 *   chunked, `Grpc-Metadata-Content-Type: application/grpc` (the gRPC
 *   response header, through grpc-gateway's default header matcher). They
 *   go out with the first line: grpc-gateway waits in `stream.Header()`
 *   until the server's first `Send`, and Go writes the HTTP head on the
 *   first `Write`. A watch with nothing to send yet (a `resourceVersion`
 *   and a quiet instance, or a filter matching nothing) answers no headers
 *   at all until its first event.
 * - Each event: `json.Marshal({"result": ApplicationWatchEvent})` (Go
 *   encoding/json via the forwarder, not jsonpb), then the delimiter `\n`,
 *   then a flush: `{"result":{"type":"ADDED"|"MODIFIED"|"DELETED",
 *   "application":{…the Application as GET returns it…}}}\n`. For DELETED
 *   the Application as it was when deleted.
 * - The forwarder drops an event whose marshalled bytes equal the last ones
 *   it sent for the same Application *name* (`dataByKey`, lines 252-262).
 * - `fields=a.b,c` keeps only those paths (of the whole chunk, e.g.
 *   `result.type,result.application.metadata.name`), `fields=-a.b` removes
 *   them (`processItem`: a key is kept when some field starts with its
 *   path, string prefix); the chunk is then re-marshalled from a Go map, so
 *   its keys come out sorted. The de-duplication compares the filtered
 *   bytes, so unchanged selected fields send nothing.
 * - `Accept: text/event-stream` (exactly): `Content-Type:
 *   text/event-stream`, `X-Content-Type-Options: nosniff`, each chunk as
 *   `data: <json> \n\n` plus the `\n` delimiter, and a keep-alive `:\n`
 *   every 15 s. Without it there is **no keep-alive or heartbeat** of any
 *   kind: a quiet stream is silent.
 * - Errors (`handleForwardResponseStreamError`, lines 183-197;
 *   `DefaultHTTPStreamErrorHandler`, runtime/proto_errors.go 89-106;
 *   `StreamError` json tags, internal/errors.pb.go 94-98, all `omitempty`):
 *   one chunk `{"error":{"grpc_code":C,"http_code":H,"message":M,
 *   "http_status":"<Go status text>"}}` **without** a trailing newline and
 *   without `details` (empty, so omitted by encoding/json), after which the
 *   response ends normally. `http_code` is grpc-gateway's mapping of the
 *   gRPC code. If no event was written yet the HTTP status is `http_code`
 *   (grpc-go's `clientStream.Header()` hides the failure, stream.go
 *   810-827, so the stream path is taken, not the unary error body);
 *   otherwise it stays 200 and the chunk follows the last event. So an
 *   unauthenticated watch answers 401 with
 *   `{"error":{"grpc_code":16,"http_code":401,"message":"no session
 *   information","http_status":"Unauthorized"}}` (auth runs in the gRPC
 *   stream interceptor, server.go line 934), and an invalid selector 500
 *   with grpc_code 2 and `error parsing labels with selectors: …`. With
 *   `fields`, the error chunk goes through the same filter (usually `{}`).
 *
 * Sandbox choice for `too-old`: Argo CD itself never emits it. The sandbox
 * sends Kubernetes' watch-cache message `too old resource version: X (Y)`
 * (Y = oldest retained version - 1) with gRPC code 11 **OutOfRange**, so
 * `http_code` 400 / `Bad Request`: grpc-gateway cannot produce a 410 (no
 * gRPC code maps to it), OutOfRange is gRPC's "outside the valid range"
 * and no other Argo CD answer uses it, and Argo CD's own `kubeErrToGRPC`
 * (util/grpc/errors.go) leaves Kubernetes' 410 Expired unmapped (it would
 * surface as code 2 / 500). A client should key on the message. The error
 * is the stream's first chunk, so the HTTP status is 400.
 */

import { createHash } from 'node:crypto';
import { STATUS_CODES, ServerResponse } from 'node:http';
import type { Identity, SandboxAuth } from './auth';
import { mayGet, selectorOf } from './argocdApi';
import { ArgoCdApiError, GrpcCode } from './errors';
import type { SandboxRbac } from './rbac';
import {
  ARGOCD_NAMESPACE,
  ApplicationChangeType,
  ListQuery,
  SandboxStore,
} from './store';
import type { Application } from './types';
import { isRecord } from './util';

/** The watch stream's path. */
export const STREAM_PATH = '/api/v1/stream/applications';

/**
 * How the sandbox's watch streams misbehave:
 * - `none`: as Argo CD.
 * - `stall`: open streams write nothing more (events are withheld and
 *   lost, the connection stays open); new streams stall after their
 *   initial events.
 * - `too-old`: a stream with a `resourceVersion` is answered one error
 *   chunk, `too old resource version: X (Y)`, and ends.
 */
export type StreamMode = 'none' | 'stall' | 'too-old';

/** The persistent stream modes; `drop` is a one-shot action. */
export const STREAM_MODES: readonly StreamMode[] = ['none', 'stall', 'too-old'];

/** Options of {@link ApplicationStreams.setMode}. */
export interface StreamModeOptions {
  /**
   * With `too-old`: the oldest resourceVersion the sandbox pretends to
   * retain. A stream whose `resourceVersion` X is below it minus one (as
   * Kubernetes' watch cache decides) is refused with `too old resource
   * version: X (oldest - 1)`; later versions are served. Without it every
   * stream with a `resourceVersion` is refused.
   */
  oldestResourceVersion?: number | string;
}

/** Counts of the watch streams. */
export interface StreamStats {
  /** Streams open now. */
  readonly open: number;
  /** Stream requests since start (every `GET /api/v1/stream/applications`). */
  readonly opened: number;
  /** Listeners subscribed to the store (equals `open` unless something leaks). */
  readonly subscribers: number;
}

/** What the server tells {@link ApplicationStreams.serve}. */
export interface StreamRequest {
  query: URLSearchParams;
  token?: string;
  /** The `Accept` header. */
  accept?: string;
  /** The instance's failure mode, for the modes that answer (the server handled the others). */
  failureMode: string;
  /** Whether the client is already gone (it may leave during the latency). */
  gone: boolean;
  /** Called with the HTTP status when the head is written. */
  onStatus?(status: number): void;
}

/** What the streams work on. */
export interface StreamDeps {
  store: SandboxStore;
  auth: SandboxAuth;
  rbac: SandboxRbac;
  /** Keep-alive interval of `text/event-stream` streams (Argo CD: 15 s). */
  keepaliveMs: number;
}

/** The wire shape of one stream: SSE or not, and the `fields` selection. */
interface Format {
  sse: boolean;
  fields?: { paths: string[]; exclude: boolean };
}

/** grpc-gateway v1's `StreamError`, as encoding/json writes it (omitempty). */
function errorChunk(error: ArgoCdApiError): Record<string, unknown> {
  const httpCode = error.httpStatus;
  return {
    error: {
      grpc_code: error.code,
      http_code: httpCode,
      ...(error.message ? { message: error.message } : {}),
      http_status: STATUS_CODES[httpCode] ?? '',
    },
  };
}

/** JSON of a Go map: keys sorted at every level. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map(key => `${JSON.stringify(key)}:${sortedJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** argoproj/pkg `messageMarshaler.processItem`, string-prefix quirk included. */
function processItem(
  path: string[],
  item: unknown,
  fields: NonNullable<Format['fields']>,
): void {
  if (Array.isArray(item)) {
    for (const element of item) processItem(path, element, fields);
    return;
  }
  if (!isRecord(item)) return;
  for (const key of Object.keys(item)) {
    const fieldPath = [...path, key].join('.');
    const pathIn = fields.paths.includes(fieldPath);
    const parentPathIn =
      pathIn || fields.paths.some(field => field.startsWith(fieldPath));
    const keep = fields.exclude ? !pathIn : parentPathIn;
    if (!keep) delete item[key];
    else if (!pathIn) processItem([...path, key], item[key], fields);
  }
}

/** One chunk as the forwarder's marshaler writes it (before the delimiter). */
function marshal(format: Format, json: string): string {
  let data = json;
  if (format.fields) {
    const value: unknown = JSON.parse(json);
    processItem([], value, format.fields);
    data = sortedJson(value);
  }
  return format.sse ? `data: ${data} \n\n` : data;
}

function formatOf(query: URLSearchParams, accept: string | undefined): Format {
  const format: Format = { sse: accept === 'text/event-stream' };
  let fields = query.get('fields') ?? '';
  if (fields) {
    const exclude = fields.startsWith('-');
    if (exclude) fields = fields.slice(1);
    format.fields = { paths: fields.split(','), exclude };
  }
  return format;
}

/** `strconv.Atoi`: an integer, or undefined. */
function atoi(text: string | undefined): number | undefined {
  if (!text || !/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function tooOld(requested: string, oldestMinusOne: number): ArgoCdApiError {
  return new ArgoCdApiError(
    GrpcCode.OutOfRange,
    `too old resource version: ${requested} (${oldestMinusOne})`,
  );
}

/** What one watch sends: its filter, as `Watch` and `isApplicationPermitted` apply it. */
interface WatchFilter {
  query: ListQuery;
  /** The query's `resourceVersion` as given ('' when absent). */
  resourceVersion: string;
  minVersion: number;
  identity: Identity;
}

/** One open watch stream. */
class WatchStream {
  private headWritten = false;
  private closed = false;
  private lastChunk?: string;
  /** Digest of the last chunk sent per Application name (the forwarder's `dataByKey`). */
  private readonly sent = new Map<string, string>();
  private keepalive?: NodeJS.Timeout;
  stalled = false;
  unsubscribe?: () => void;

  constructor(
    private readonly res: ServerResponse,
    private readonly format: Format,
    private readonly keepaliveMs: number,
    private readonly onStatus: ((status: number) => void) | undefined,
    private readonly onClose: (stream: WatchStream) => void,
  ) {
    res.on('close', () => this.close());
    res.on('error', () => this.close());
  }

  private get writable(): boolean {
    return !this.closed && !this.res.writableEnded && !this.res.destroyed;
  }

  private head(status: number, succeeded: boolean): void {
    if (this.headWritten) return;
    this.headWritten = true;
    const headers: Record<string, string> = {
      'content-type': this.format.sse
        ? 'text/event-stream'
        : 'application/json',
    };
    if (this.format.sse) headers['x-content-type-options'] = 'nosniff';
    if (succeeded) headers['grpc-metadata-content-type'] = 'application/grpc';
    this.res.writeHead(status, headers);
    this.onStatus?.(status);
    if (succeeded && this.format.sse && this.keepaliveMs > 0) {
      this.keepalive = setInterval(() => {
        if (this.writable && !this.stalled) this.res.write(':\n');
      }, this.keepaliveMs);
      this.keepalive.unref?.();
    }
  }

  /** Sends one event, unless stalled or the same bytes were the last sent for that name. */
  event(type: ApplicationChangeType, name: string, json: string): void {
    if (!this.writable || this.stalled) return;
    const chunk = marshal(
      this.format,
      `{"result":{"type":"${type}","application":${json}}}`,
    );
    const digest = createHash('sha1').update(chunk).digest('base64');
    if (this.sent.get(name) === digest) return;
    this.sent.set(name, digest);
    this.head(200, true);
    this.lastChunk = chunk;
    this.res.write(`${chunk}\n`);
  }

  /** Ends the stream with grpc-gateway's error chunk (no delimiter after it). */
  fail(error: unknown): void {
    if (!this.writable) return;
    const failure =
      error instanceof ArgoCdApiError
        ? error
        : new ArgoCdApiError(
            GrpcCode.Unknown,
            error instanceof Error ? error.message : String(error),
          );
    this.head(failure.httpStatus, false);
    this.res.end(marshal(this.format, JSON.stringify(errorChunk(failure))));
    this.close();
  }

  /** The `malformed` failure mode: 200, half of a line, end. */
  malformed(json: string | undefined): void {
    if (!this.writable) return;
    const chunk = marshal(
      this.format,
      `{"result":{"type":"ADDED","application":${json ?? '{}'}}}`,
    );
    this.head(200, true);
    this.res.end(chunk.slice(0, Math.max(1, Math.floor(chunk.length / 2))));
    this.close();
  }

  /** The `drop` action: half of a line, then the socket is ended abruptly. */
  drop(): void {
    if (!this.writable) return;
    const chunk =
      this.lastChunk ??
      marshal(this.format, '{"result":{"type":"MODIFIED","application":{}}}');
    this.head(200, true);
    const socket = this.res.socket;
    this.res.write(chunk.slice(0, Math.max(1, Math.floor(chunk.length / 2))));
    this.close();
    // After the partial chunk is flushed, FIN without the terminating
    // zero-length chunk: the client's body read fails mid-stream.
    if (socket) socket.destroySoon();
    else this.res.destroy();
  }

  /** Unsubscribes and forgets the stream; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.keepalive);
    this.onClose(this);
  }

  /** Closes and drops the connection (the server closes). */
  destroy(): void {
    this.close();
    this.res.destroy();
  }
}

/** The watch streams of one sandbox instance. */
export class ApplicationStreams {
  private readonly streams = new Set<WatchStream>();
  private streamMode: StreamMode = 'none';
  private oldest?: number;
  private opened = 0;

  constructor(private readonly deps: StreamDeps) {}

  /** The persistent stream mode. */
  get mode(): StreamMode {
    return this.streamMode;
  }

  /** Counts of the streams. */
  get stats(): StreamStats {
    return {
      open: this.streams.size,
      opened: this.opened,
      subscribers: this.deps.store.subscriberCount,
    };
  }

  /** Switches the persistent mode (`stall` applies to open streams at once). */
  setMode(mode: StreamMode, options: StreamModeOptions = {}): void {
    if (!STREAM_MODES.includes(mode)) {
      throw new Error(
        `unknown stream mode ${mode} (one of ${STREAM_MODES.join(
          ', ',
        )}, or drop)`,
      );
    }
    let oldest: number | undefined;
    if (mode === 'too-old' && options.oldestResourceVersion !== undefined) {
      oldest = atoi(String(options.oldestResourceVersion));
      if (oldest === undefined) {
        throw new Error('oldestResourceVersion must be an integer');
      }
    }
    this.streamMode = mode;
    this.oldest = oldest;
    for (const stream of this.streams) stream.stalled = mode === 'stall';
  }

  /** Destroys every open stream after a partial line; answers how many. */
  drop(): number {
    const open = [...this.streams];
    for (const stream of open) stream.drop();
    return open.length;
  }

  /** Drops every open stream (the server closes). */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.destroy();
  }

  /** The stream's filter, from its query and caller. */
  private filterOf(query: URLSearchParams, identity: Identity): WatchFilter {
    const name = query.get('name') ?? '';
    const legacy = query.getAll('project');
    const resourceVersion = query.get('resourceVersion') ?? '';
    return {
      query: {
        selector: selectorOf(
          query.get('selector') ?? '',
          'error parsing labels with selectors',
        ),
        projects: legacy.length ? legacy : query.getAll('projects'),
        ...(name
          ? {
              name,
              appNamespace: query.get('appNamespace') || ARGOCD_NAMESPACE,
            }
          : {}),
      },
      resourceVersion,
      minVersion: atoi(resourceVersion) ?? 0,
      identity,
    };
  }

  /** `isApplicationPermitted`. */
  private permitted(filter: WatchFilter, app: Application): boolean {
    const version = atoi(app.metadata.resourceVersion);
    if (version !== undefined && version < filter.minVersion) return false;
    if (!this.deps.store.matchesQuery(filter.query, app)) return false;
    return mayGet(this.deps.rbac, filter.identity, app);
  }

  /** The `too-old` mode's refusal of a stream, if it refuses it. */
  private refusal(resourceVersion: string): ArgoCdApiError | undefined {
    if (this.streamMode !== 'too-old' || resourceVersion === '')
      return undefined;
    if (this.oldest === undefined) {
      return tooOld(
        resourceVersion,
        Number(this.deps.store.listResourceVersion()),
      );
    }
    const requested = atoi(resourceVersion);
    return requested !== undefined && requested < this.oldest - 1
      ? tooOld(resourceVersion, this.oldest - 1)
      : undefined;
  }

  /** Answers one `GET /api/v1/stream/applications`. */
  serve(request: StreamRequest, res: ServerResponse): void {
    this.opened += 1;
    const stream = new WatchStream(
      res,
      formatOf(request.query, request.accept),
      this.deps.keepaliveMs,
      request.onStatus,
      closed => this.streams.delete(closed),
    );
    if (request.gone) {
      stream.close();
      return;
    }
    if (request.failureMode === 'http500') {
      stream.fail(
        new ArgoCdApiError(
          GrpcCode.Internal,
          'sandbox failure mode http500: simulated internal error',
        ),
      );
      return;
    }
    if (request.failureMode === 'unauthorized') {
      stream.fail(
        new ArgoCdApiError(
          GrpcCode.Unauthenticated,
          'invalid session: Token is expired',
        ),
      );
      return;
    }
    let filter: WatchFilter;
    try {
      const identity = this.deps.auth.authenticate(request.token);
      filter = this.filterOf(request.query, identity);
    } catch (error) {
      stream.fail(error);
      return;
    }
    const refusal = this.refusal(filter.resourceVersion);
    if (refusal) {
      stream.fail(refusal);
      return;
    }
    const initial: Array<{ key: string; name: string; json: string }> = [];
    if (filter.resourceVersion === '' || filter.query.name) {
      for (const app of this.deps.store.listApplications(filter.query) ?? []) {
        if (!this.permitted(filter, app)) continue;
        initial.push({
          key: `${app.metadata.namespace ?? ''}/${app.metadata.name}`,
          name: app.metadata.name,
          json: JSON.stringify(app),
        });
      }
      initial.sort((a, b) => {
        if (a.key === b.key) return 0;
        return a.key < b.key ? -1 : 1;
      });
    }
    if (request.failureMode === 'malformed') {
      stream.malformed(initial[0]?.json);
      return;
    }
    this.streams.add(stream);
    for (const item of initial) stream.event('ADDED', item.name, item.json);
    stream.stalled = this.streamMode === 'stall';
    stream.unsubscribe = this.deps.store.subscribe(change => {
      if (this.permitted(filter, change.application)) {
        stream.event(
          change.type,
          change.application.metadata.name,
          change.json(),
        );
      }
    });
  }
}
