import { createHash } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import {
  ResponseContext,
  type PromiseHttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import { fetchUpstream, UpstreamError } from '@datastack/plugin-datastack-node';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';

/** Why a call to a cluster got no usable HTTP answer. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'aborted' | 'network' | 'tooLarge',
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * One undici dispatcher per cluster TLS setting, so connections to a
 * cluster are reused and carry its CA, client certificate and
 * `skipTLSVerify`. client-node builds a new agent for every request, so the
 * dispatcher is keyed by the agent's TLS options, not by the agent. Node's
 * global fetch takes no `https.Agent`: a cluster with TLS settings of its
 * own is called through undici's fetch with them; one with none through
 * the global fetch.
 */
const dispatchers = new Map<string, UndiciAgent>();

function dispatcherFor(
  agent: HttpAgent | HttpsAgent | undefined,
): UndiciAgent | undefined {
  if (!agent) return undefined;
  const tls = (agent as HttpsAgent).options ?? {};
  if (!tls.ca && !tls.cert && !tls.key && tls.rejectUnauthorized !== false) {
    return undefined;
  }
  const connect = {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    passphrase: tls.passphrase,
    rejectUnauthorized: tls.rejectUnauthorized,
    servername: tls.servername,
  };
  const key = createHash('sha256')
    .update(JSON.stringify(connect))
    .digest('hex');
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    dispatcher = new UndiciAgent({ connect });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/**
 * The HTTP layer under @kubernetes/client-node's API classes, on
 * `fetchUpstream`: one deadline that covers the answer's body, the caller's
 * abort signal, the byte limit while streaming
 * (`datastack.kubernetes.maxResponseBytes`), redirects only to the same
 * origin, and the TLS settings of the agent the KubeConfig built.
 */
export class BoundedHttpLibrary implements PromiseHttpLibrary {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #signal?: AbortSignal;

  constructor(options: {
    timeoutMs: number;
    maxBytes: number;
    signal?: AbortSignal;
  }) {
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxBytes;
    this.#signal = options.signal;
  }

  async send(context: RequestContext): Promise<ResponseContext> {
    const dispatcher = dispatcherFor(context.getAgent());
    const body = context.getBody();
    try {
      const answer = await fetchUpstream(context.getUrl(), {
        method: context.getHttpMethod(),
        headers: context.getHeaders(),
        body: typeof body === 'string' ? body : undefined,
        signal: this.#signal,
        timeoutMs: this.#timeoutMs,
        maxBytes: this.#maxBytes,
        limitKey: 'datastack.kubernetes.maxResponseBytes',
        subject: 'the cluster',
        fetch: dispatcher
          ? (((url: string | URL, init: RequestInit) =>
              undiciFetch(url, {
                ...(init as Parameters<typeof undiciFetch>[1]),
                dispatcher,
              })) as unknown as typeof fetch)
          : undefined,
      });
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return new ResponseContext(answer.status, headers, {
        text: async () => answer.text(),
        binary: async () => answer.body,
      });
    } catch (error) {
      throw toTransportError(error, this.#signal);
    }
  }
}

function toTransportError(
  error: unknown,
  signal: AbortSignal | undefined,
): TransportError {
  if (error instanceof UpstreamError) {
    switch (error.failure) {
      case 'timeout':
        return new TransportError(error.message, 'timeout');
      case 'too-large':
        return new TransportError(
          error.message.replace(/^the cluster /, 'an answer that '),
          'tooLarge',
        );
      default:
        return new TransportError(
          error.reason ?? error.message,
          'network',
          error.code,
        );
    }
  }
  if (signal?.aborted) {
    return new TransportError('the call was cancelled', 'aborted');
  }
  return new TransportError(
    error instanceof Error ? error.message : String(error),
    'network',
  );
}
