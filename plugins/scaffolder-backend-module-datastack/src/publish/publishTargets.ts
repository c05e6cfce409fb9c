import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  type ScmIntegrationRegistry,
} from '@backstage/integration';
import { createPublishGiteaAction } from '@backstage/plugin-scaffolder-backend-module-gitea';
import { createPublishGithubAction } from '@backstage/plugin-scaffolder-backend-module-github';
import { createPublishGitlabAction } from '@backstage/plugin-scaffolder-backend-module-gitlab';
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import type { JsonObject, JsonValue } from '@backstage/types';

/** Where `datastack:gitops:publish` publishes, as the templates' `repoLocation` names it. */
export const PUBLISH_LOCATIONS = [
  'local',
  'github',
  'gitlab',
  'gitea',
] as const;

export type PublishLocation = (typeof PUBLISH_LOCATIONS)[number];

/** A git host on which Backstage's own publish action creates the repository. */
export type HostLocation = Exclude<PublishLocation, 'local'>;

export const REPO_VISIBILITIES = ['private', 'internal', 'public'] as const;

export function isPublishLocation(value: unknown): value is PublishLocation {
  return PUBLISH_LOCATIONS.includes(value as PublishLocation);
}

/** The new repository on a host, parsed from RepoUrlPicker's `host?owner=…&repo=…`. */
export interface HostRepository {
  location: HostLocation;
  /** As RepoUrlPicker gives it and `publish:<host>` takes it. */
  repoUrl: string;
  host: string;
  owner: string;
  repo: string;
}

/** What the delegated publish action is asked for, beyond the repository. */
export interface HostPublishRequest {
  description?: string;
  defaultBranch: string;
  repoVisibility: (typeof REPO_VISIBILITIES)[number];
  commitMessage: string;
  /** Workspace sub-path to publish; undefined for the workspace root. */
  sourcePath?: string;
  author: { name: string; email: string };
}

/** The outputs of the delegated action, and `catalogInfoUrl` next to them. */
export type HostPublishOutputs = JsonObject & {
  remoteUrl: string;
  repoContentsUrl: string;
  catalogInfoUrl: string;
  commitHash: string;
};

// GitHub and Gitea owners are one segment; a GitLab namespace may hold subgroups.
const OWNER = /^[A-Za-z0-9_.-]{1,255}(\/[A-Za-z0-9_.-]{1,255}){0,20}$/;
const REPO = /^[A-Za-z0-9_.-]{1,100}$/;

const HOST_LABELS: Record<HostLocation, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  gitea: 'Gitea',
};

/**
 * Publishing a new repository on GitHub, GitLab or Gitea through Backstage's
 * own `publish:github`, `publish:gitlab` and `publish:gitea`, built here
 * (not looked up among the registered actions) and run with the calling
 * step's context and a mapped input, so `datastack:gitops:publish` is one
 * step for every repository location. Everything is checked against the
 * configured integrations before the delegated action makes a request.
 */
export class HostPublishers {
  readonly #integrations: ScmIntegrationRegistry;
  readonly #actions: {
    github: ReturnType<typeof createPublishGithubAction>;
    gitlab: ReturnType<typeof createPublishGitlabAction>;
    gitea: ReturnType<typeof createPublishGiteaAction>;
  };

  constructor(options: {
    integrations: ScmIntegrationRegistry;
    config: Config;
  }) {
    const { integrations, config } = options;
    this.#integrations = integrations;
    this.#actions = {
      github: createPublishGithubAction({
        integrations,
        config,
        githubCredentialsProvider:
          DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      }),
      gitlab: createPublishGitlabAction({ integrations, config }),
      gitea: createPublishGiteaAction({ integrations, config }),
    };
  }

  /**
   * Parses `repoUrl` for `location` and checks that its host has a
   * Backstage integration of that type. An InputError naming the field
   * otherwise; no request is made.
   */
  resolve(location: HostLocation, repoUrl: unknown): HostRepository {
    const label = HOST_LABELS[location];
    if (typeof repoUrl !== 'string' || !repoUrl.trim()) {
      throw new InputError(
        `repoUrl is required for location ${location}: the new ${label} repository as RepoUrlPicker gives it (<host>?owner=<owner>&repo=<name>)`,
      );
    }
    const value = repoUrl.trim();
    const shape = `repoUrl "${value}" must be <host>?owner=<owner>&repo=<name>, as RepoUrlPicker gives it`;
    if (/[\s\0]/.test(value) || value.includes('://')) {
      throw new InputError(
        `${shape}; an http(s) clone URL of an existing, empty repository goes without location`,
      );
    }
    let url: URL;
    try {
      url = new URL(`https://${value}`);
    } catch {
      throw new InputError(shape);
    }
    if (url.username || url.password) {
      throw new InputError(
        'repoUrl must not carry credentials; they come from the integrations config',
      );
    }
    if (url.pathname !== '/' || url.hash) throw new InputError(shape);
    const owner = url.searchParams.get('owner') ?? '';
    const repo = url.searchParams.get('repo') ?? '';
    if (!OWNER.test(owner) || owner.split('/').some(s => /^\.+$/.test(s))) {
      throw new InputError(
        `repoUrl "${value}": owner "${owner}" is not a ${label} user, organisation or group`,
      );
    }
    if (!REPO.test(repo) || /^\.+$/.test(repo) || repo.endsWith('.git')) {
      throw new InputError(
        `repoUrl "${value}": repo "${repo}" is not a repository name (letters, digits, ".", "-", "_")`,
      );
    }
    const integration = this.#integrations.byHost(url.host);
    if (!integration) {
      throw new InputError(
        `repoUrl "${value}": ${url.host} has no Backstage integration (integrations.*); Datastack only talks to configured git hosts`,
      );
    }
    if (integration.type !== location) {
      throw new InputError(
        `repoUrl "${value}": ${url.host} is a ${integration.type} integration, not ${location} as location says`,
      );
    }
    return { location, repoUrl: value, host: url.host, owner, repo };
  }

  /** Cross-field checks of what the host accepts; no request is made. */
  check(target: HostRepository, request: HostPublishRequest): void {
    if (target.location === 'gitea' && request.repoVisibility === 'internal') {
      throw new InputError(
        'repoVisibility "internal": Gitea repositories are private or public',
      );
    }
  }

  /** The outputs a dry run shows: the URLs the host's publish action would answer with. */
  plannedOutputs(
    target: HostRepository,
    request: HostPublishRequest,
  ): HostPublishOutputs {
    const { location, host, owner, repo } = target;
    const branch = request.defaultBranch;
    let remoteUrl: string;
    let repoContentsUrl: string;
    if (location === 'gitea') {
      const base =
        this.#integrations.gitea.byHost(host)?.config.baseUrl ??
        `https://${host}`;
      remoteUrl = `${base}/${owner}/${repo}.git`;
      repoContentsUrl = `${base}/${owner}/${repo}/src/branch/${branch}/`;
    } else if (location === 'gitlab') {
      const base =
        this.#integrations.gitlab.byHost(host)?.config.baseUrl ??
        `https://${host}`;
      remoteUrl = `${base}/${owner}/${repo}`;
      repoContentsUrl = `${remoteUrl}/-/blob/${branch}`;
    } else {
      remoteUrl = `https://${host}/${owner}/${repo}.git`;
      repoContentsUrl = `https://${host}/${owner}/${repo}/blob/${branch}`;
    }
    return {
      remoteUrl,
      repoContentsUrl,
      catalogInfoUrl: catalogInfoUrlOf(repoContentsUrl),
      commitHash: '',
    };
  }

  /**
   * Runs `publish:<host>` with the calling step's context and the mapped
   * input; returns its outputs (remoteUrl, repoContentsUrl, commitHash, and
   * whatever else it gives, such as GitLab's projectId) with catalogInfoUrl.
   */
  async publish(
    ctx: ActionContext<any, any>,
    target: HostRepository,
    request: HostPublishRequest,
  ): Promise<HostPublishOutputs> {
    const outputs: Record<string, JsonValue> = {};
    const context = <TInput extends JsonObject>(input: TInput) => ({
      ...ctx,
      input,
      output(name: string | number | symbol, value: unknown) {
        if (value !== undefined) outputs[String(name)] = value as JsonValue;
      },
    });
    const common = {
      repoUrl: target.repoUrl,
      defaultBranch: request.defaultBranch,
      gitCommitMessage: request.commitMessage,
      gitAuthorName: request.author.name,
      gitAuthorEmail: request.author.email,
      ...(request.sourcePath ? { sourcePath: request.sourcePath } : {}),
    };
    switch (target.location) {
      case 'github':
        await this.#actions.github.handler(
          context({
            ...common,
            repoVisibility: request.repoVisibility,
            ...(request.description
              ? { description: request.description }
              : {}),
          }),
        );
        break;
      case 'gitlab':
        await this.#actions.gitlab.handler(
          context({
            ...common,
            repoVisibility: request.repoVisibility,
            ...(request.description
              ? { settings: { description: request.description } }
              : {}),
          }),
        );
        break;
      case 'gitea':
        await this.#actions.gitea.handler(
          context({
            ...common,
            repoVisibility:
              request.repoVisibility === 'public' ? 'public' : 'private',
            description: request.description ?? '',
          }),
        );
        break;
      default: {
        const unknown: never = target.location;
        throw new InputError(`location "${String(unknown)}" is not a git host`);
      }
    }
    const { remoteUrl, repoContentsUrl } = outputs;
    if (typeof remoteUrl !== 'string' || typeof repoContentsUrl !== 'string') {
      throw new Error(
        `publish:${target.location} gave no remoteUrl or repoContentsUrl for ${target.repoUrl}`,
      );
    }
    return {
      ...outputs,
      remoteUrl,
      repoContentsUrl,
      catalogInfoUrl: catalogInfoUrlOf(repoContentsUrl),
      commitHash:
        typeof outputs.commitHash === 'string' ? outputs.commitHash : '',
    };
  }
}

/** catalog-info.yaml at the root of what was pushed, whichever way the host spells its tree URL. */
function catalogInfoUrlOf(repoContentsUrl: string): string {
  return `${repoContentsUrl.replace(/\/+$/, '')}/catalog-info.yaml`;
}
