import { ServiceUnavailableError } from '@backstage/errors';
import { untilAborted } from './untilAborted';

/**
 * One bounded HTTP call to an upstream (Argo CD, a chart repository, an OCI
 * registry, the datastack backend as seen from a module).
 *
 * Written by hand on Node's global fetch because neither fetch nor undici
 * offers the two policies every upstream call needs: a byte limit enforced
 * while the body streams (they buffer `text()`/`arrayBuffer()` whole), and a
 * redirect policy by origin (`redirect: 'follow'` follows any origin,
 * forwarding the request to wherever a server points). Redirects are handled
 * manually here, the body is read chunk by chunk and cancelled past the
 * limit, and one timeout covers the headers and the whole body.
 */

/**
 * Why an upstream call produced no usable answer.
 *
 * @public
 */
export type UpstreamFailure =
  | 'timeout'
  | 'unreachable'
  | 'too-large'
  | 'redirect'
  | 'interrupted';

/**
 * An upstream call that failed before an HTTP answer could be read in full.
 * A `ServiceUnavailableError` (503 at Datastack's edge: an upstream's trouble
 * is never Datastack's 4xx/500); `failure` says which bound was hit. The
 * message names the subject and the URL without credentials or secrets.
 *
 * @public
 */
export class UpstreamError extends ServiceUnavailableError {
  readonly failure: UpstreamFailure;
  /** The HTTP status, when one was answered (a redirect, a declared size). */
  readonly status?: number;
  /** The URL, with any embedded credentials removed. */
  readonly url: string;
  /** For `unreachable`: the socket's error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  readonly code?: string;
  /**
   * For `unreachable`: the socket's own words, without the subject. For a
   * stream's idle `timeout`: how long it was silent (`sent nothing for 25000 ms`).
   */
  readonly reason?: string;

  constructor(options: {
    failure: UpstreamFailure;
    message: string;
    url: string;
    status?: number;
    cause?: unknown;
    code?: string;
    reason?: string;
  }) {
    super(options.message, options.cause as Error | undefined);
    this.failure = options.failure;
    this.status = options.status;
    this.url = options.url;
    this.code = options.code;
    this.reason = options.reason;
  }
}

/** @public */
export interface FetchUpstreamOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The caller's cancellation; an abort is rethrown as the caller's reason. */
  signal?: AbortSignal;
  /** Milliseconds for the whole call: connection, headers, redirects and body. */
  timeoutMs: number;
  /** Bytes of body accepted; a larger declared or streamed body is refused. */
  maxBytes: number;
  /** The configuration key of `maxBytes`, named when it is exceeded. */
  limitKey?: string;
  /** Named in messages ("the index of https://charts.example.com"). */
  subject?: string;
  /** Values never to appear in a message or an error body (tokens, passwords). */
  secrets?: Iterable<string>;
  /** Redirects followed (same origin only unless `crossOriginRedirects`). Default 5. */
  maxRedirects?: number;
  /**
   * `refuse` (default): a redirect to another origin is an error.
   * `without-credentials`: followed, with `authorization` and `cookie` dropped
   * (blob downloads that registries and release hosts send to a CDN).
   */
  crossOriginRedirects?: 'refuse' | 'without-credentials';
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * A complete, bounded answer. Non-2xx answers are returned too, with a redacted body.
 *
 * @public
 */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: Headers;
  /** The URL that answered, after redirects. */
  url: string;
  body: Buffer;
  text(): string;
}

const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * A URL without `user:password@`, for messages.
 *
 * @public
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url.toString());
    if (!u.username && !u.password) return u.toString();
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return String(url).replace(/\/\/[^/@\s]*@/g, '//');
  }
}

/**
 * `text` without any of `secrets` (in their plain, URL-encoded and base64
 * forms of `user:password`) and without credentials embedded in URLs.
 *
 * @public
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const all = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    all.add(secret);
    all.add(encodeURIComponent(secret));
  }
  let clean = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s"']+@/gi, '$1***@');
  for (const secret of [...all].sort((a, b) => b.length - a.length)) {
    clean = clean.split(secret).join('***');
  }
  return clean;
}

function credentialsOf(url: URL): string[] {
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return password
    ? [password, Buffer.from(`${user}:${password}`).toString('base64')]
    : [];
}

/**
 * One bounded call; see the module comment. Throws {@link UpstreamError}.
 *
 * @public
 */
export async function fetchUpstream(
  input: string | URL,
  options: FetchUpstreamOptions,
): Promise<UpstreamResponse> {
  return run(input, options, undefined);
}

/** @public */
export interface StreamUpstreamOptions
  extends Omit<FetchUpstreamOptions, 'maxBytes' | 'timeoutMs'> {
  /** Milliseconds for the connection, redirects and headers; the stream itself may last. */
  timeoutMs: number;
  /** Bytes of one line accepted (and of a non-2xx body); a longer one ends the stream. */
  maxLineBytes: number;
  /**
   * Milliseconds without a byte after which the stream is given up as
   * stalled (a `timeout` failure). Undefined: an idle stream is waited on.
   */
  idleTimeoutMs?: number;
  /** Called with each complete line (without its newline), in order; awaited. */
  onLine(line: string): void | Promise<void>;
}

/**
 * A bounded call whose 2xx answer is a stream of newline-delimited records
 * (Argo CD's and Kubernetes' watch streams): the same redirects, redaction
 * and errors as {@link fetchUpstream}, a timeout up to the headers, then a
 * byte limit per line and an optional idle timeout. Resolves when the
 * upstream ends the stream or the caller's `signal` aborts it (the caller's
 * reason is then rethrown); a non-2xx answer resolves with its bounded,
 * redacted body and no line is passed on.
 *
 * @public
 */
export async function streamUpstream(
  input: string | URL,
  options: StreamUpstreamOptions,
): Promise<UpstreamResponse> {
  return run(
    input,
    { ...options, maxBytes: options.maxLineBytes },
    {
      onLine: options.onLine,
      idleTimeoutMs: options.idleTimeoutMs,
    },
  );
}

/** An error thrown by a stream's `onLine`, carried out of the read loop as it is. */
class LineCallbackError {
  constructor(readonly error: unknown) {}
}

interface StreamMode {
  onLine(line: string): void | Promise<void>;
  idleTimeoutMs?: number;
}

async function run(
  input: string | URL,
  options: FetchUpstreamOptions,
  stream: StreamMode | undefined,
): Promise<UpstreamResponse> {
  const doFetch = options.fetch ?? ((...args) => fetch(...args));
  const maxRedirects = options.maxRedirects ?? 5;
  // One timer over the whole call; a stream disarms it at its headers and
  // arms the idle timer instead.
  const deadline = new AbortController();
  let timedOut: 'deadline' | 'idle' | undefined;
  let timer: NodeJS.Timeout | undefined = setTimeout(() => {
    timedOut = 'deadline';
    deadline.abort(new Error('timeout'));
  }, options.timeoutMs);
  const armIdle = () => {
    clearTimeout(timer);
    timer = undefined;
    if (stream?.idleTimeoutMs === undefined) return;
    timer = setTimeout(() => {
      timedOut = 'idle';
      deadline.abort(new Error('idle'));
    }, stream.idleTimeoutMs);
  };
  const timeout = deadline.signal;
  const signal = options.signal
    ? AbortSignal.any([options.signal, timeout])
    : timeout;
  const first = new URL(input.toString());
  const secrets = [...(options.secrets ?? []), ...credentialsOf(first)];
  let headers: Record<string, string> = { ...options.headers };
  if (first.username || first.password) {
    // fetch refuses URLs with credentials; send them as basic auth instead.
    if (!Object.keys(headers).some(h => h.toLowerCase() === 'authorization')) {
      headers.authorization = `Basic ${Buffer.from(
        `${decodeURIComponent(first.username)}:${decodeURIComponent(
          first.password,
        )}`,
      ).toString('base64')}`;
    }
    first.username = '';
    first.password = '';
  }
  const subject = options.subject ?? redactUrl(first);
  const scrub = (text: string) => redactSecrets(text, secrets);

  const fail = (
    failure: UpstreamFailure,
    message: string,
    url: URL,
    extra: {
      status?: number;
      cause?: unknown;
      code?: string;
      reason?: string;
    } = {},
  ) =>
    new UpstreamError({
      failure,
      message: scrub(message),
      url: redactUrl(url),
      ...extra,
      reason: extra.reason === undefined ? undefined : scrub(extra.reason),
    });

  const transportError = (error: unknown, url: URL): Error => {
    if (options.signal?.aborted) {
      return options.signal.reason instanceof Error
        ? options.signal.reason
        : new Error('The request was aborted');
    }
    if (timeout.aborted) {
      return fail(
        'timeout',
        timedOut === 'idle'
          ? `${subject} sent nothing for ${stream?.idleTimeoutMs} ms; the stream was given up as stalled`
          : `${subject} did not answer in full within ${options.timeoutMs} ms`,
        url,
        timedOut === 'idle'
          ? { reason: `sent nothing for ${stream?.idleTimeoutMs} ms` }
          : {},
      );
    }
    const err = error as Error & { cause?: Error };
    const reason = err?.cause?.message ?? err?.message ?? String(error);
    // The socket's error code (a TLS verification failure, ECONNREFUSED)
    // is kept for callers that explain it.
    const code = (err?.cause as NodeJS.ErrnoException | undefined)?.code;
    return fail(
      'unreachable',
      `${subject} could not be reached: ${reason}`,
      url,
      { code: typeof code === 'string' ? code : undefined, reason },
    );
  };

  // Every wait on the upstream races the signal as well (untilAborted).
  const wait = <T>(work: Promise<T>) => untilAborted(work, signal);

  try {
    return await send();
  } finally {
    clearTimeout(timer);
  }

  async function send(): Promise<UpstreamResponse> {
    let url = first;
    let method = options.method ?? 'GET';
    let body = options.body;
    let response: Response;
    for (let hop = 0; ; hop++) {
      try {
        const fetching = doFetch(url, {
          method,
          headers,
          body,
          signal,
          redirect: 'manual',
        });
        // A fetch that ignores the signal may still answer after the
        // abort: its body is cancelled, not left holding the connection.
        fetching.then(
          late => {
            if (signal.aborted) late.body?.cancel().catch(() => {});
          },
          () => {},
        );
        response = await wait(fetching);
      } catch (error) {
        throw transportError(error, url);
      }
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) break;
      if (response.status === 304) break;
      response.body?.cancel().catch(() => {});
      if (hop >= maxRedirects) {
        throw fail(
          'redirect',
          `${subject} redirected more than ${maxRedirects} times`,
          url,
          { status: response.status },
        );
      }
      const next = new URL(location, url);
      if (next.origin !== url.origin) {
        if (options.crossOriginRedirects !== 'without-credentials') {
          throw fail(
            'redirect',
            `${subject} redirected to another origin (${next.origin}), which is not followed`,
            url,
            { status: response.status },
          );
        }
        headers = Object.fromEntries(
          Object.entries(headers).filter(
            ([name]) => !CREDENTIAL_HEADERS.includes(name.toLowerCase()),
          ),
        );
      }
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) &&
          method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
      }
      url = next;
    }

    if (stream && response.ok) {
      armIdle();
      await readLines(response, url);
      return {
        status: response.status,
        statusText: response.statusText,
        ok: true,
        headers: response.headers,
        url: redactUrl(url),
        body: Buffer.alloc(0),
        text: () => '',
      };
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      response.body?.cancel().catch(() => {});
      throw fail(
        'too-large',
        `${subject} declared ${declared} bytes, more than the ${
          options.maxBytes
        } allowed${options.limitKey ? ` (${options.limitKey})` : ''}`,
        url,
        { status: response.status },
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await wait(reader.read());
          if (done) break;
          size += value.byteLength;
          if (size > options.maxBytes) {
            reader.cancel().catch(() => {});
            throw fail(
              'too-large',
              `${subject} sent more than the ${options.maxBytes} bytes allowed${
                options.limitKey ? ` (${options.limitKey})` : ''
              }; the download was cancelled`,
              url,
              { status: response.status },
            );
          }
          chunks.push(
            Buffer.from(value.buffer, value.byteOffset, value.length),
          );
        }
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        reader.cancel().catch(() => {});
        if (options.signal?.aborted || timeout.aborted) {
          throw transportError(error, url);
        }
        throw fail(
          'interrupted',
          `${subject} stopped before the end of its answer: ${
            (error as Error).message
          }`,
          url,
          { status: response.status },
        );
      }
    }
    let content = Buffer.concat(chunks, size);
    if (!response.ok && response.status !== 304) {
      content = Buffer.from(scrub(content.toString('utf8')), 'utf8');
    }
    return {
      status: response.status,
      statusText: response.statusText,
      ok: response.ok,
      headers: response.headers,
      url: redactUrl(url),
      body: content,
      text: () => content.toString('utf8'),
    };
  }

  /** Passes each line of a streamed body on, bounded per line and by the idle timer. */
  async function readLines(response: Response, url: URL): Promise<void> {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8');
    let pending = '';
    const deliver = async (line: string) => {
      try {
        await stream!.onLine(line);
      } catch (error) {
        throw new LineCallbackError(error);
      }
    };
    try {
      for (;;) {
        const { done, value } = await wait(reader.read());
        if (done) break;
        armIdle();
        pending += decoder.decode(value, { stream: true });
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const line = pending.slice(0, newline).replace(/\r$/, '');
          pending = pending.slice(newline + 1);
          if (line.trim()) await deliver(line);
          newline = pending.indexOf('\n');
        }
        if (Buffer.byteLength(pending) > options.maxBytes) {
          throw fail(
            'too-large',
            `${subject} sent a line of more than the ${
              options.maxBytes
            } bytes allowed${
              options.limitKey ? ` (${options.limitKey})` : ''
            }; the stream was cancelled`,
            url,
            { status: response.status },
          );
        }
      }
      const rest = (pending + decoder.decode()).trim();
      if (rest) await deliver(rest);
    } catch (error) {
      reader.cancel().catch(() => {});
      // An error of onLine is the caller's own: rethrown as it is.
      if (error instanceof LineCallbackError) throw error.error;
      if (error instanceof UpstreamError) throw error;
      if (options.signal?.aborted || timeout.aborted) {
        throw transportError(error, url);
      }
      throw fail(
        'interrupted',
        `${subject} broke off its stream: ${(error as Error).message}`,
        url,
        { status: response.status },
      );
    }
  }
}
