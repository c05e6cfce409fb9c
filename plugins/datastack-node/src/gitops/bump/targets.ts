import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ScmIntegrationRegistry,
  getGitLabIntegrationRelativePath,
} from '@backstage/integration';
import { DNS_1123_LABEL } from '@datastack/plugin-datastack-common';
import path from 'node:path';
import { boundedFetch } from '../../http/boundedFetch';
import { gitCredentialsEnv, gitCredentialsFor } from '../credentials';
import type { GitHostPolicy } from '../hosts';
import { giteaPullRequests } from './gitea';
import { githubPullRequests } from './github';
import { gitlabMergeRequests } from './gitlab';
import type { PullRequestHost } from './hostApi';

/** Where a bump is cloned from and pushed to, with what, and how its request is opened. */
export interface BumpTarget {
  /** The clone URL git is given; also the proposal's `repository`. */
  remote: string;
  /** Environment carrying the credentials to git. */
  env: Record<string, string>;
  /** Values that must never reach a message. */
  secrets: string[];
  local: boolean;
  pullRequest?: PullRequestHost;
  /** Why no pull request is opened, for the log. */
  noPullRequest?: string;
}

/** `owner/repo` of a clone URL path below `base`, or undefined. */
function repoPath(pathname: string, base: string): string[] | undefined {
  const prefix = base.replace(/\/+$/, '');
  if (!pathname.startsWith(`${prefix}/`)) return undefined;
  const parts = pathname
    .slice(prefix.length + 1)
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  return parts.length >= 2 ? parts : undefined;
}

function isLocalForm(repository: string): boolean {
  return (
    repository.startsWith('file:') ||
    path.isAbsolute(repository) ||
    DNS_1123_LABEL.test(repository)
  );
}

/**
 * Resolves a bump's repository through the git host policy (a local
 * repository under the local root, or a host with a Backstage integration;
 * anything else is refused before any git command, dry runs included), with
 * the integration's credentials for git and its API for the pull or merge
 * request.
 */
export async function resolveBumpTarget(
  repository: string,
  deps: {
    hosts: Pick<GitHostPolicy, 'resolve'>;
    integrations: ScmIntegrationRegistry;
    requestTimeoutMs: number;
    /** Bytes of one answer of the host's API (`datastack.gitops.maxResponseBytes`). */
    maxResponseBytes: number;
    /** For tests; undefined is the global fetch. */
    fetch?: typeof fetch;
    logger?: LoggerService;
  },
): Promise<BumpTarget> {
  if (!isLocalForm(repository)) {
    let url: URL | undefined;
    try {
      url = new URL(repository);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      !['https:', 'http:'].includes(url.protocol) ||
      url.username ||
      url.password ||
      url.search ||
      url.hash
    ) {
      throw new InputError(
        `repository "${repository}" must be a local repository (a name, file:// URL or path under datastack.gitops.localRoot) or an http(s) clone URL without credentials in it; credentials come from the integrations config`,
      );
    }
  }
  const resolved = deps.hosts.resolve(repository, 'repository', {
    allowName: true,
  });
  if (resolved.kind === 'local') {
    return {
      remote: resolved.url,
      env: {},
      secrets: [],
      local: true,
      noPullRequest: 'a local repository has no pull requests',
    };
  }

  const remote = resolved.url;
  const url = new URL(remote);
  const { integrations } = deps;
  const credentials = await gitCredentialsFor(integrations, remote);
  const target: BumpTarget = {
    remote,
    env: gitCredentialsEnv(remote, credentials),
    secrets: credentials
      ? [
          credentials.password,
          Buffer.from(
            `${credentials.username}:${credentials.password}`,
          ).toString('base64'),
        ]
      : [],
    local: false,
  };
  // Every call of the host's API is bounded; the secrets array is read at
  // call time, so the GitLab token pushed below is redacted too.
  const bounded = boundedFetch({
    timeoutMs: deps.requestTimeoutMs,
    maxBytes: deps.maxResponseBytes,
    limitKey: 'datastack.gitops.maxResponseBytes',
    secrets: target.secrets,
    subject: `the ${resolved.integration} API`,
    fetch: deps.fetch,
  });
  switch (resolved.integration) {
    case 'github': {
      const config = integrations.github.byUrl(remote)!.config;
      const parts = repoPath(url.pathname, '');
      if (!parts || parts.length !== 2) {
        throw new InputError(
          `repository "${repository}" is not a GitHub repository URL (https://${config.host}/<owner>/<repo>.git)`,
        );
      }
      if (!config.apiBaseUrl) {
        target.noPullRequest = `integrations.github for ${config.host} has no apiBaseUrl`;
        break;
      }
      target.pullRequest = githubPullRequests({
        config,
        owner: parts[0],
        repo: parts[1],
        token: credentials?.password,
        fetch: bounded,
        logger: deps.logger,
      });
      break;
    }
    case 'gitlab': {
      const config = integrations.gitlab.byUrl(remote)!.config;
      const parts = repoPath(
        url.pathname,
        getGitLabIntegrationRelativePath(config),
      );
      if (!parts) {
        throw new InputError(
          `repository "${repository}" is not a GitLab project URL (${config.baseUrl}/<group>/<project>.git)`,
        );
      }
      if (config.token) target.secrets.push(config.token);
      target.pullRequest = gitlabMergeRequests({
        config,
        project: parts.join('/'),
        timeoutMs: deps.requestTimeoutMs,
        fetch: bounded,
      });
      break;
    }
    case 'gitea': {
      const config = integrations.gitea.byUrl(remote)!.config;
      const baseUrl = (config.baseUrl ?? `https://${config.host}`).replace(
        /\/+$/,
        '',
      );
      const parts = repoPath(url.pathname, new URL(baseUrl).pathname);
      if (!parts || parts.length !== 2) {
        throw new InputError(
          `repository "${repository}" is not a Gitea repository URL (${baseUrl}/<owner>/<repo>.git)`,
        );
      }
      target.pullRequest = giteaPullRequests({
        config,
        baseUrl,
        owner: parts[0],
        repo: parts[1],
        fetch: bounded,
      });
      break;
    }
    default:
      target.noPullRequest = `Datastack opens no pull requests on ${resolved.integration}`;
  }
  return target;
}
