import type { GitLabIntegrationConfig } from '@backstage/integration';
import { Gitlab } from '@gitbeaker/rest';
import { HostHttpError, HostTimeoutError, PullRequestHost } from './hostApi';

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
}): PullRequestHost {
  const { config, project } = options;
  const api = new Gitlab({
    host: gitbeakerHost(config),
    token: config.token ?? '',
    queryTimeout: options.timeoutMs,
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
