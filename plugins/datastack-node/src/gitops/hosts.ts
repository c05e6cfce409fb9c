import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import { DNS_1123_LABEL } from '@datastack/plugin-datastack-common';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalGitRepositories } from './LocalGitRepositories';

/**
 * A GitOps repository Datastack may read and write, resolved.
 *
 * @public
 */
export type GitRepositoryTarget =
  | {
      kind: 'local';
      /** Name of the bare repository under `datastack.gitops.localRoot`. */
      name: string;
      /** Its file:// clone URL. */
      url: string;
    }
  | {
      kind: 'remote';
      /** The http(s) clone URL, normalised by the URL parser. */
      url: string;
      /** The host (with port) whose Backstage integration gives the credentials. */
      host: string;
      /** `github`, `gitlab`, `gitea`, … : the integration's type. */
      integration: string;
    };

/**
 * Which git hosts Datastack talks to: the hosts of Backstage's configured
 * integrations (ScmIntegrations) and the local default under
 * `datastack.gitops.localRoot`, nothing else. Publish, bump, propose and
 * render all ask it before any outbound request, dry runs included, so a
 * template input can never make the backend contact an arbitrary host, an
 * address inside the cluster network, or a file outside the local root.
 *
 * @public
 */
export class GitHostPolicy {
  readonly #integrations: ScmIntegrationRegistry;
  readonly #repositories?: LocalGitRepositories;

  constructor(options: {
    integrations: ScmIntegrationRegistry;
    /** The local default; without it, local repositories are refused. */
    repositories?: LocalGitRepositories;
  }) {
    this.#integrations = options.integrations;
    this.#repositories = options.repositories;
  }

  /**
   * Resolves a repository given as an http(s) clone URL, a file:// URL or
   * path of a bare repository under the local root, or (when `allowName`)
   * the bare name of a local repository. Anything else is an InputError
   * naming `field`, before any request is made.
   */
  resolve(
    value: unknown,
    field: string,
    options: { allowName?: boolean } = {},
  ): GitRepositoryTarget {
    if (typeof value !== 'string' || !value.trim()) {
      throw new InputError(`${field} is required`);
    }
    const repository = value.trim();
    if (/[\s\0]/.test(repository)) {
      throw new InputError(`${field} "${repository}" must not contain spaces`);
    }
    if (options.allowName && DNS_1123_LABEL.test(repository)) {
      return this.#local(
        this.#localRoot(field, repository).pathOf(repository, field),
        repository,
        field,
      );
    }
    if (repository.startsWith('file:') || path.isAbsolute(repository)) {
      let dir: string;
      try {
        dir = path.resolve(
          repository.startsWith('file:')
            ? fileURLToPath(repository)
            : repository,
        );
      } catch {
        throw new InputError(`${field} "${repository}" is not a file URL`);
      }
      return this.#local(dir, repository, field);
    }
    let url: URL;
    try {
      url = new URL(repository);
    } catch {
      throw new InputError(
        `${field} "${repository}" must be an http(s) clone URL on a host with a Backstage integration${
          this.#repositories ? ', or a local repository' : ''
        }`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new InputError(
        `${field} "${repository}" uses ${url.protocol.replace(
          /:$/,
          '',
        )}://; only http(s) clone URLs on a host with a Backstage integration are allowed`,
      );
    }
    if (url.username || url.password) {
      throw new InputError(
        `${field} must not carry credentials in the URL; they come from the integrations config`,
      );
    }
    if (url.search || url.hash) {
      throw new InputError(
        `${field} "${repository}" must be a plain clone URL, without a query or fragment`,
      );
    }
    const integration = this.#integrations.byHost(url.host);
    if (!integration) {
      throw new InputError(
        `${field} "${repository}": ${url.host} has no Backstage integration (integrations.*); Datastack only talks to configured git hosts`,
      );
    }
    return {
      kind: 'remote',
      url: url.href,
      host: url.host,
      integration: integration.type,
    };
  }

  #localRoot(field: string, repository: string): LocalGitRepositories {
    if (!this.#repositories) {
      throw new InputError(
        `${field} "${repository}": local repositories are not available here`,
      );
    }
    return this.#repositories;
  }

  #local(dir: string, repository: string, field: string): GitRepositoryTarget {
    const repositories = this.#localRoot(field, repository);
    const name = path.basename(dir).replace(/\.git$/, '');
    if (
      path.dirname(dir) !== repositories.root ||
      !dir.endsWith('.git') ||
      !DNS_1123_LABEL.test(name) ||
      name.length > 63
    ) {
      throw new InputError(
        `${field} "${repository}" is not a repository under datastack.gitops.localRoot`,
      );
    }
    return { kind: 'local', name, url: repositories.cloneUrl(name) };
  }
}
