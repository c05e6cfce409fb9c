import {
  fetchUpstream,
  UpstreamError,
  type UpstreamResponse,
} from '@datastack/plugin-datastack-node';
import type { ChartRepositoryConfig } from '../config';
import { ChartCoordinates, ChartRepositoryError } from './types';

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

export interface ChartRepositoryTransportOptions {
  repositories: ChartRepositoryConfig[];
  timeoutMs: number;
  /** Requests in flight at once over every caller (`datastack.upgrades.concurrency`). */
  concurrency: number;
  fetch?: typeof fetch;
}

/** What one request to a repository is and how much of it is accepted. */
export interface RepositoryRequest {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  subject: string;
  maxBytes: number;
  /** The configuration key of `maxBytes`, named when it is exceeded. */
  limitKey?: string;
  crossOriginRedirects?: 'refuse' | 'without-credentials';
}

/**
 * What the Helm index client and the OCI client share: the repositories'
 * mirrors and credentials (`datastack.upgrades.chartRepositories`), one
 * concurrency limit over both, and every request through `fetchUpstream`
 * (timeout, byte limit, same-origin redirects, redaction), its failures
 * turned into {@link ChartRepositoryError}s that name the limit they hit.
 */
export class ChartRepositoryTransport {
  readonly #repositories: Map<string, ChartRepositoryConfig>;
  readonly #options: ChartRepositoryTransportOptions;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Every configured credential in any form a server could echo back, longest first. */
  readonly #secrets: string[];
  /** Credentials learnt at run time (registry tokens, the latest per scope), redacted too. */
  readonly #learnt = new Map<string, string>();

  constructor(options: ChartRepositoryTransportOptions) {
    this.#options = options;
    this.#repositories = new Map(options.repositories.map(r => [r.url, r]));
    this.#limit = createLimiter(options.concurrency);
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

  get timeoutMs(): number {
    return this.#options.timeoutMs;
  }

  /** A credential handed out at run time (an OCI token for `scope`): never shown again. */
  learnSecret(scope: string, secret: string): void {
    this.#learnt.set(scope, secret);
  }

  /** Text from a server, without any credential it may echo. */
  scrub(text: string): string {
    let clean = text;
    for (const secret of [...this.#secrets, ...this.#learnt.values()]) {
      clean = clean.split(secret).join('***');
    }
    return clean;
  }

  /** The configuration of a repository URL: its mirror and credentials. */
  config(repository: string): ChartRepositoryConfig | undefined {
    return this.#repositories.get(repository.replace(/\/+$/, ''));
  }

  /** The base URL requests go to: the mirror when one is configured. */
  base(repository: string): string {
    return (this.config(repository)?.mirror ?? repository).replace(/\/+$/, '');
  }

  /** The configured credentials header of a repository. */
  authorization(coordinates: ChartCoordinates): string | undefined {
    const auth = this.config(coordinates.repository)?.auth;
    if (auth?.type === 'bearer') return `Bearer ${auth.token}`;
    if (auth?.type === 'basic') {
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString(
        'base64',
      )}`;
    }
    return undefined;
  }

  /**
   * The configured credentials header for a request to `url`: only on the
   * repository's own host, never to a CDN an index points at.
   */
  credentialsFor(
    coordinates: ChartCoordinates,
    url: string,
  ): string | undefined {
    const base = this.base(coordinates.repository).replace(/^oci:/, 'https:');
    try {
      return new URL(url).host === new URL(base).host
        ? this.authorization(coordinates)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** One bounded request; any HTTP answer is returned, transport failures thrown. */
  async send(
    url: string,
    request: RepositoryRequest,
  ): Promise<UpstreamResponse> {
    try {
      return await this.#limit(() =>
        fetchUpstream(url, {
          headers: request.headers,
          signal: request.signal,
          timeoutMs: this.#options.timeoutMs,
          maxBytes: request.maxBytes,
          subject: request.subject,
          secrets: [...this.#secrets, ...this.#learnt.values()],
          crossOriginRedirects: request.crossOriginRedirects,
          fetch: this.#options.fetch,
        }),
      );
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (error.failure === 'timeout') {
        throw new ChartRepositoryError({
          failure: 'timeout',
          message: `${request.subject} did not answer within ${
            this.#options.timeoutMs
          } ms`,
        });
      }
      if (error.failure === 'too-large') {
        throw new ChartRepositoryError({
          failure: 'too-large',
          status: error.status,
          message: `${this.scrub(error.message)}${
            request.limitKey ? ` (${request.limitKey})` : ''
          }`,
        });
      }
      throw new ChartRepositoryError({
        failure: 'unreachable',
        status: error.status,
        message: this.scrub(error.message),
      });
    }
  }

  /** The error of a non-2xx answer, with the server's own message. */
  httpError(subject: string, response: UpstreamResponse): ChartRepositoryError {
    const detail = this.#errorDetail(response);
    return new ChartRepositoryError({
      failure: response.status === 404 ? 'not-found' : 'http',
      status: response.status,
      message: `${subject} answered HTTP ${response.status}${
        detail ? `: ${detail}` : ''
      }`,
    });
  }

  /** A JSON object answer, or a `malformed` error naming `subject`. */
  json<T>(body: Buffer, subject: string): T {
    try {
      const value = JSON.parse(body.toString('utf8'));
      if (!value || typeof value !== 'object') throw new Error('not an object');
      return value as T;
    } catch (error) {
      throw new ChartRepositoryError({
        failure: 'malformed',
        message: `${subject} is not JSON: ${this.scrub(
          (error as Error).message,
        ).slice(0, 300)}`,
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
      if (typeof message === 'string') return this.scrub(message).slice(0, 300);
    } catch {
      // not JSON
    }
    return (
      this.scrub(text).replace(/\s+/g, ' ').trim().slice(0, 200) || undefined
    );
  }
}
