import type { ScmIntegrationRegistry } from '@backstage/integration';

/** A file of a GitOps repository at a revision, as Argo CD names it. */
export interface RepositoryFile {
  repoURL: string;
  revision: string;
  path: string;
}

/** The web URL and integration type of a clone URL (`https://…`, `….git`, `git@host:path`). */
function webRepository(
  integrations: ScmIntegrationRegistry,
  repoURL: string,
): { url: string; type?: string } | undefined {
  const ssh = /^(?:ssh:\/\/)?git@([^:/]+)[:/](.+)$/.exec(repoURL);
  const https = ssh ? `https://${ssh[1]}/${ssh[2]}` : repoURL;
  if (!/^https?:\/\//.test(https)) return undefined;
  const url = https.replace(/\/+$/, '').replace(/\.git$/, '');
  return { url, type: integrations.byUrl(url)?.type };
}

/**
 * The URL a Backstage UrlReader reads a file of a GitOps repository at: the
 * local default (`file://…/<name>.git/-/blob/<rev>/<path>`), GitHub, GitLab,
 * Gitea, Bitbucket Server, Azure DevOps. Undefined for a host Backstage has no
 * integration for.
 */
export function blobUrl(
  integrations: ScmIntegrationRegistry,
  file: RepositoryFile,
): string | undefined {
  const path = file.path.replace(/^\/+/, '');
  const revision = encodeURIComponent(file.revision);
  if (file.repoURL.startsWith('file:')) {
    return `${file.repoURL.replace(/\/+$/, '')}/-/blob/${revision}/${path}`;
  }
  const repo = webRepository(integrations, file.repoURL);
  switch (repo?.type) {
    case 'github':
      return `${repo.url}/blob/${revision}/${path}`;
    case 'gitlab':
      return `${repo.url}/-/blob/${revision}/${path}`;
    case 'gitea':
      return `${repo.url}/src/branch/${revision}/${path}`;
    case 'bitbucketServer':
      return `${repo.url}/browse/${path}?at=${revision}`;
    case 'azure':
      return `${repo.url}?path=/${path}&version=GB${revision}`;
    default:
      return undefined;
  }
}

/**
 * The web page of a commit of a repository whose host Backstage has an
 * integration for (GitHub and GitLab.com always; others from `integrations`),
 * or undefined (a local repository, an unknown host, not a commit SHA).
 */
export function commitUrl(
  integrations: ScmIntegrationRegistry,
  repoURL: string,
  sha: string,
): string | undefined {
  if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
  const repo = webRepository(integrations, repoURL);
  switch (repo?.type) {
    case 'github':
    case 'gitea':
    case 'azure':
      return `${repo.url}/commit/${sha}`;
    case 'gitlab':
      return `${repo.url}/-/commit/${sha}`;
    case 'bitbucketServer':
    case 'bitbucketCloud':
      return `${repo.url}/commits/${sha}`;
    default:
      return undefined;
  }
}
