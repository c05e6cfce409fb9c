import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { untilAborted } from '../../http/untilAborted';

/** What a pull or merge request is made of. */
export interface PullRequestChange {
  branch: string;
  base: string;
  title: string;
  description: string;
}

/** One git host's API for opening a pull (GitHub, Gitea) or merge (GitLab) request. */
export interface PullRequestHost {
  host: 'GitHub' | 'GitLab' | 'Gitea';
  /** The endpoint a request is created at, for messages. */
  endpoint: string;
  /**
   * Opens the request under `signal` and answers the host's status and
   * body. An error answer is thrown as {@link HostHttpError}; a host that
   * gave up waiting as {@link HostTimeoutError}.
   */
  create(
    change: PullRequestChange,
    signal: AbortSignal,
  ): Promise<{ status: number; body: unknown }>;
  /** The web URL of the created request in the host's answer. */
  webUrl(body: Record<string, unknown>): unknown;
}

/** An error answer of a git host's API, as a library or fetch reported it. */
export class HostHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly statusText?: string,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HostHttpError';
  }
}

/** The library's own timeout went off. */
export class HostTimeoutError extends Error {
  constructor() {
    super('timeout');
    this.name = 'HostTimeoutError';
  }
}

/** A failed call to a git host's API, before it becomes a Backstage error. */
export class HostApiFailure extends Error {
  constructor(
    readonly kind:
      | 'unauthorized'
      | 'not-found'
      | 'conflict'
      | 'invalid'
      | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'HostApiFailure';
  }

  toError(note: string): Error {
    const message = `${this.message}. ${note}`;
    switch (this.kind) {
      case 'unauthorized':
        return new NotAllowedError(message);
      case 'not-found':
        return new NotFoundError(message);
      case 'conflict':
        return new ConflictError(message);
      case 'invalid':
        return new InputError(message);
      default:
        return new ServiceUnavailableError(message);
    }
  }
}

/** A message that came from outside (git, a host), with every secret masked. */
export function redact(text: string, secrets: string[]): string {
  return secrets.reduce(
    (out, secret) => (secret ? out.split(secret).join('***') : out),
    text,
  );
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The human part of a git host's error body (GitHub, GitLab and Gitea shapes). */
export function hostDetail(body: unknown, fallback: string): string {
  if (typeof body === 'string') return body.trim() || fallback;
  if (!body || typeof body !== 'object') return fallback;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  const message = b.message ?? b.error_description ?? b.error;
  if (typeof message === 'string') parts.push(message);
  else if (Array.isArray(message)) parts.push(message.map(String).join('; '));
  else if (message && typeof message === 'object') {
    // GitLab: {message: {field: ["is invalid"]}}
    parts.push(
      Object.entries(message as Record<string, unknown>)
        .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
        .join('; '),
    );
  }
  // GitHub: {message: "Validation Failed", errors: [{message} | {resource, field, code}]}
  if (Array.isArray(b.errors)) {
    for (const e of b.errors) {
      if (typeof e === 'string') parts.push(e);
      else if (e && typeof e === 'object') {
        const item = e as Record<string, unknown>;
        if (typeof item.message === 'string') parts.push(item.message);
        else if (item.field || item.code) {
          parts.push(`${String(item.field ?? '')} ${String(item.code ?? '')}`);
        }
      }
    }
  }
  return parts.filter(Boolean).join(': ') || fallback;
}

/**
 * Opens a pull or merge request through one host's API, within
 * `timeoutMs` (retries a library makes included) and the caller's signal.
 * Every failure is a {@link HostApiFailure} whose message names the host,
 * the endpoint and the host's own words, with every secret masked.
 */
export async function openPullRequest(
  api: PullRequestHost,
  change: PullRequestChange,
  options: { timeoutMs: number; secrets: string[]; signal?: AbortSignal },
): Promise<string> {
  const what = api.host === 'GitLab' ? 'merge request' : 'pull request';
  const where = `POST ${api.endpoint}`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal
    ? AbortSignal.any([options.signal, timeout])
    : timeout;
  let answer: { status: number; body: unknown };
  try {
    answer = await untilAborted(api.create(change, signal), signal);
  } catch (error) {
    if (error instanceof HostHttpError) {
      throw failureOf(api.host, what, where, error, options.secrets);
    }
    if (timeout.aborted || error instanceof HostTimeoutError) {
      throw new HostApiFailure(
        'unavailable',
        `${api.host} did not answer within ${options.timeoutMs} ms when opening a ${what} (${where})`,
      );
    }
    if (options.signal?.aborted) throw error;
    throw new HostApiFailure(
      'unavailable',
      `${api.host} is unreachable when opening a ${what} (${where}): ${redact(
        messageOf(error),
        options.secrets,
      )}`,
    );
  }
  const webUrl =
    answer.body && typeof answer.body === 'object'
      ? api.webUrl(answer.body as Record<string, unknown>)
      : undefined;
  if (typeof webUrl !== 'string' || !/^https?:\/\//.test(webUrl)) {
    throw new HostApiFailure(
      'unavailable',
      `${api.host} answered ${answer.status} to opening a ${what} (${where}) without the ${what}'s URL`,
    );
  }
  return webUrl;
}

function failureOf(
  host: PullRequestHost['host'],
  what: string,
  where: string,
  error: HostHttpError,
  secrets: string[],
): HostApiFailure {
  const { status } = error;
  const detail = redact(
    hostDetail(error.body, error.statusText || 'no detail'),
    secrets,
  );
  const message = `${host} answered ${status} to opening a ${what} (${where}): ${detail}`;
  if (status === 401 || status === 403) {
    return new HostApiFailure(
      'unauthorized',
      `${message}; check the credentials of the ${host.toLocaleLowerCase(
        'en-US',
      )} integration`,
    );
  }
  if (status === 404) return new HostApiFailure('not-found', message);
  if (status === 409 || (status === 422 && /already exist/i.test(detail))) {
    return new HostApiFailure('conflict', message);
  }
  if (status === 400 || status === 422) {
    return new HostApiFailure('invalid', message);
  }
  return new HostApiFailure('unavailable', message);
}
