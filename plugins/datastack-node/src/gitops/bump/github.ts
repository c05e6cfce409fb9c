import type { LoggerService } from '@backstage/backend-plugin-api';
import type { GithubIntegrationConfig } from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import { HostHttpError, PullRequestHost } from './hostApi';

/** An Octokit RequestError that carries the host's answer. */
function isHttpError(
  error: unknown,
): error is { status: number; response: { data: unknown } } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    typeof (error as { response?: unknown }).response === 'object' &&
    (error as { response?: unknown }).response !== null
  );
}

/**
 * GitHub's pull requests through Octokit, built from the integration the
 * way Backstage's publish:github does: the integration's `apiBaseUrl` and a
 * token from its credentials provider (a personal token or a GitHub App's
 * installation token).
 */
export function githubPullRequests(options: {
  config: GithubIntegrationConfig;
  owner: string;
  repo: string;
  token?: string;
  fetch: typeof fetch;
  logger?: LoggerService;
}): PullRequestHost {
  const { config, owner, repo } = options;
  const baseUrl = config.apiBaseUrl!.replace(/\/+$/, '');
  const octokit = new Octokit({
    auth: options.token,
    baseUrl,
    request: { fetch: options.fetch },
    // Octokit's request log names method, path and status: no credentials.
    log: {
      debug: () => {},
      info: () => {},
      warn: message => options.logger?.warn(String(message)),
      error: message => options.logger?.warn(String(message)),
    },
  });
  return {
    host: 'GitHub',
    endpoint: `${baseUrl}/repos/${encodeURIComponent(
      owner,
    )}/${encodeURIComponent(repo)}/pulls`,
    async create(change, signal) {
      try {
        const response = await octokit.rest.pulls.create({
          owner,
          repo,
          title: change.title,
          head: change.branch,
          base: change.base,
          body: change.description,
          maintainer_can_modify: true,
          request: { signal },
        });
        return { status: response.status, body: response.data };
      } catch (error) {
        if (isHttpError(error)) {
          throw new HostHttpError(error.status, error.response.data);
        }
        throw error;
      }
    },
    webUrl: body => body.html_url,
  };
}
