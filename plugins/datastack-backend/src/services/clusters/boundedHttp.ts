import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  ResponseContext,
  type PromiseHttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';

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
 * The HTTP layer under @kubernetes/client-node's API classes: node:http(s)
 * with the agent the KubeConfig built (CA, skipTLSVerify), one deadline that
 * covers the answer's body, an abort signal, a byte limit while streaming,
 * and no redirects followed (a 3xx is an answer like any other).
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

  send(context: RequestContext): Promise<ResponseContext> {
    const url = new URL(context.getUrl());
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = this.#signal
      ? AbortSignal.any([timeout, this.#signal])
      : timeout;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const maxBytes = this.#maxBytes;

    return new Promise<ResponseContext>((resolve, reject) => {
      const req = request(url, {
        method: context.getHttpMethod(),
        headers: context.getHeaders(),
        agent: context.getAgent(),
      });
      // Removes the abort listener once the call is settled.
      const listening = new AbortController();
      let settled = false;
      const fail = (error: TransportError) => {
        if (settled) return;
        settled = true;
        listening.abort();
        req.destroy();
        reject(error);
      };
      const onAbort = () =>
        fail(
          timeout.aborted
            ? new TransportError(
                `no answer within ${this.#timeoutMs} ms`,
                'timeout',
              )
            : new TransportError('the call was cancelled', 'aborted'),
        );
      req.on('error', (error: NodeJS.ErrnoException) =>
        fail(new TransportError(error.message, 'network', error.code)),
      );
      req.on('response', (res: IncomingMessage) => {
        const declared = Number(res.headers['content-length']);
        if (declared > maxBytes) {
          fail(tooLarge(maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(tooLarge(maxBytes));
          else chunks.push(chunk);
        });
        res.on('error', (error: NodeJS.ErrnoException) =>
          fail(new TransportError(error.message, 'network', error.code)),
        );
        res.on('close', () => {
          if (!res.complete) {
            fail(
              new TransportError(
                'the connection closed before the answer was complete',
                'network',
              ),
            );
          }
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          listening.abort();
          const body = Buffer.concat(chunks);
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) {
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
          }
          resolve(
            new ResponseContext(res.statusCode ?? 0, headers, {
              text: async () => body.toString('utf8'),
              binary: async () => body,
            }),
          );
        });
      });
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, {
        once: true,
        signal: listening.signal,
      });
      const body = context.getBody();
      if (typeof body === 'string') req.end(body);
      else req.end();
    });
  }
}

function tooLarge(maxBytes: number): TransportError {
  return new TransportError(
    `the answer is larger than ${maxBytes} bytes (datastack.kubernetes.maxResponseBytes)`,
    'tooLarge',
  );
}
