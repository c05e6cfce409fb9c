import { fetchUpstream } from './fetchUpstream';

/**
 * What every call of a {@link boundedFetch} is held to.
 *
 * @public
 */
export interface BoundedFetchOptions {
  /** Milliseconds for each call: connection, headers, redirects and body. */
  timeoutMs: number;
  /** Bytes of body accepted per answer. */
  maxBytes: number;
  /** The configuration key of `maxBytes`, named when it is exceeded. */
  limitKey?: string;
  /** Values never to appear in a message or an error body. */
  secrets?: Iterable<string>;
  /** Named in messages; default the URL without credentials. */
  subject?: string;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * A `fetch` for client libraries that take one (Octokit's `request.fetch`,
 * a gitbeaker requester, a hand-written REST call): each call goes through
 * {@link fetchUpstream}, so the library gets its answer as a `Response`
 * whose body was read under the timeout and the byte limit, redirects stay
 * on the same origin, and an error body is already redacted. A failure is
 * thrown as fetch would (an `UpstreamError` instead of a `TypeError`).
 *
 * @public
 */
export function boundedFetch(options: BoundedFetchOptions): typeof fetch {
  return async (input, init = {}) => {
    const request =
      typeof input === 'object' && 'url' in input ? input : undefined;
    const url = request ? request.url : input.toString();
    const headers: Record<string, string> = {};
    new Headers(request?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init.body ?? (request ? await request.arrayBuffer() : null);
    if (
      body !== null &&
      body !== undefined &&
      typeof body !== 'string' &&
      !(body instanceof Uint8Array) &&
      !(body instanceof ArrayBuffer)
    ) {
      throw new TypeError(
        'boundedFetch sends only string and byte bodies (no streams or forms)',
      );
    }
    let bytes: string | Uint8Array | undefined;
    if (body instanceof ArrayBuffer) {
      bytes = body.byteLength > 0 ? new Uint8Array(body) : undefined;
    } else bytes = body ?? undefined;
    const answer = await fetchUpstream(url, {
      method: init.method ?? request?.method ?? 'GET',
      headers,
      body: bytes,
      signal: init.signal ?? request?.signal ?? undefined,
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes,
      limitKey: options.limitKey,
      subject: options.subject,
      secrets: options.secrets,
      fetch: options.fetch,
    });
    const nullBody = [101, 204, 205, 304].includes(answer.status);
    const response = new Response(nullBody ? null : answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
    });
    Object.defineProperty(response, 'url', { value: answer.url });
    return response;
  };
}
