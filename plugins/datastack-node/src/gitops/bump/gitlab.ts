import type { GitLabIntegrationConfig } from '@backstage/integration';
import {
  GitbeakerRequestError,
  GitbeakerTimeoutError,
  createRequesterFn,
  type FormattedResponse,
  type RequestHandlerFn,
  type ResponseBodyTypes,
} from '@gitbeaker/requester-utils';
import { Gitlab } from '@gitbeaker/rest';
import { UpstreamError } from '../../http/fetchUpstream';
import { HostHttpError, HostTimeoutError, PullRequestHost } from './hostApi';

/**
 * gitbeaker's request handler, on a bounded fetch. gitbeaker builds each
 * request (its option handler: host, token header, JSON body, query) and
 * parses the answer as its own handler does; only the transport is
 * replaced, because gitbeaker calls the global fetch with no byte limit and
 * no redirect policy. It makes one attempt under the caller's deadline
 * instead of gitbeaker's ten retries of 429 and 502.
 */
export function boundedGitbeakerHandler(
  boundedFetch: typeof fetch,
): RequestHandlerFn {
  return async (endpoint, options = {}) => {
    const { prefixUrl, searchParams, method, headers, body, signal } =
      options as {
        prefixUrl?: string;
        searchParams?: string;
        method?: string;
        headers?: Record<string, string>;
        body?: string;
        signal?: AbortSignal;
      };
    const base = prefixUrl?.endsWith('/') ? prefixUrl : `${prefixUrl ?? ''}/`;
    const url = new URL(endpoint, base);
    url.search = searchParams ?? '';
    let response: Response;
    try {
      response = await boundedFetch(url, { method, headers, body, signal });
    } catch (error) {
      if (
        (error instanceof UpstreamError && error.failure === 'timeout') ||
        (error instanceof Error &&
          (error.name === 'TimeoutError' || error.name === 'AbortError'))
      ) {
        throw new GitbeakerTimeoutError('Query timeout was reached');
      }
      throw error;
    }
    const type = (response.headers.get('content-type') ?? '')
      .split(';')[0]
      .trim();
    const text = await response.text();
    if (!response.ok) {
      let description = text;
      if (type === 'application/json') {
        try {
          const output = JSON.parse(text);
          const content = output?.error ?? output?.message ?? '';
          description =
            typeof content === 'string' ? content : JSON.stringify(content);
        } catch {
          description = text;
        }
      }
      throw new GitbeakerRequestError(description, {
        cause: {
          description,
          request: new Request(url, { method }),
          response,
        },
      });
    }
    let parsed: ResponseBodyTypes = text;
    if (response.status === 204) parsed = null;
    else if (type === 'application/json') parsed = text ? JSON.parse(text) : {};
    return {
      body: parsed,
      headers: Object.fromEntries(response.headers.entries()),
      status: response.status,
    } as FormattedResponse;
  };
}

/** The host gitbeaker is given: it appends `/api/v4` itself. */
function gitbeakerHost(config: GitLabIntegrationConfig): string {
  const api = config.apiBaseUrl.replace(/\/+$/, '');
  return /\/api\/v4$/.test(api)
    ? api.slice(0, -'/api/v4'.length)
    : config.baseUrl.replace(/\/+$/, '');
}

/** The host's answer from a GitbeakerRequestError (its body is read already). */
function httpErrorOf(error: unknown): HostHttpError | undefined {
  if (!(error instanceof Error) || error.name !== 'GitbeakerRequestError') {
    return undefined;
  }
  const cause = (error as { cause?: unknown }).cause as
    | {
        description?: unknown;
        response?: { status?: unknown; statusText?: unknown };
      }
    | undefined;
  const status = cause?.response?.status;
  if (typeof status !== 'number') return undefined;
  const description =
    typeof cause?.description === 'string' ? cause.description : '';
  let message: unknown = description;
  try {
    // gitbeaker hands structured messages ({field: [..]}, [..]) over as JSON text.
    if (/^[[{]/.test(description)) message = JSON.parse(description);
  } catch {
    message = description;
  }
  return new HostHttpError(
    status,
    { message },
    typeof cause?.response?.statusText === 'string'
      ? cause.response.statusText
      : undefined,
  );
}

/**
 * GitLab's merge requests through gitbeaker, built from the integration the
 * way Backstage's publish:gitlab does (the integration's host and token).
 */
export function gitlabMergeRequests(options: {
  config: GitLabIntegrationConfig;
  /** `group/subgroup/project`. */
  project: string;
  timeoutMs: number;
  /** A bounded fetch (`boundedFetch`) every request goes through. */
  fetch: typeof fetch;
}): PullRequestHost {
  const { config, project } = options;
  const api = new Gitlab({
    host: gitbeakerHost(config),
    token: config.token ?? '',
    queryTimeout: options.timeoutMs,
    requesterFn: createRequesterFn(
      (_service, request) => Promise.resolve(request),
      boundedGitbeakerHandler(options.fetch),
    ),
  });
  return {
    host: 'GitLab',
    endpoint: `${gitbeakerHost(config)}/api/v4/projects/${encodeURIComponent(
      project,
    )}/merge_requests`,
    async create(change) {
      try {
        const body = await api.MergeRequests.create(
          project,
          change.branch,
          change.base,
          change.title,
          { description: change.description, removeSourceBranch: true },
        );
        return { status: 201, body };
      } catch (error) {
        const http = httpErrorOf(error);
        if (http) throw http;
        if (error instanceof Error && error.name === 'GitbeakerTimeoutError') {
          throw new HostTimeoutError();
        }
        throw error;
      }
    },
    webUrl: body => body.web_url,
  };
}
