import {
  GiteaIntegrationConfig,
  getGiteaRequestOptions,
} from '@backstage/integration';
import { HostHttpError, PullRequestHost } from './hostApi';

/** Gitea's pull requests through its REST API (there is no maintained client library). */
export function giteaPullRequests(options: {
  config: GiteaIntegrationConfig;
  /** The Gitea root, `config.baseUrl` without a trailing slash. */
  baseUrl: string;
  owner: string;
  repo: string;
  fetch: typeof fetch;
}): PullRequestHost {
  const { config, baseUrl } = options;
  const endpoint = `${baseUrl}/api/v1/repos/${encodeURIComponent(
    options.owner,
  )}/${encodeURIComponent(options.repo)}/pulls`;
  return {
    host: 'Gitea',
    endpoint,
    async create(change, signal) {
      const response = await options.fetch(endpoint, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          ...(getGiteaRequestOptions(config).headers ?? {}),
        },
        body: JSON.stringify({
          head: change.branch,
          base: change.base,
          title: change.title,
          body: change.description,
        }),
        signal,
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (!response.ok) {
        throw new HostHttpError(response.status, body, response.statusText);
      }
      return { status: response.status, body };
    },
    webUrl: body => body.html_url,
  };
}
