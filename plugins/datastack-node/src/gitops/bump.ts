import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  ScmIntegrationRegistry,
  ScmIntegrations,
  getGitLabIntegrationRelativePath,
  getGiteaRequestOptions,
} from '@backstage/integration';
import {
  DNS_1123_LABEL,
  DNS_1123_LABEL_MAX,
  type UpgradeProposal,
} from '@datastack/plugin-datastack-common';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Scalar, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { readTimeout } from '../config';
import { gitCredentialsEnv, gitCredentialsFor } from './credentials';
import { runGit } from './git';
import { LocalGitRepositories } from './LocalGitRepositories';

/** What to bump: one component's chart version in a pipeline's GitOps repository. */
export interface ChartBumpInput {
  /**
   * The pipeline's GitOps repository, as the System entity's
   * `datastack.io/gitops-repo` annotation holds it: the file:// clone URL of
   * a bare repository under `datastack.gitops.localRoot` (or its path, or
   * just its name), or an http(s) clone URL on a host of the integrations.
   */
  repository: string;
  /** The pipeline name (`datastack.io/pipeline`). */
  pipeline: string;
  /** The registry id of the component (`datastack.io/component`). */
  componentId: string;
  /** The chart version to move to (SemVer 2). */
  version: string;
  /** Environments to bump; every environment that has the component's Application when absent. */
  environments?: string[];
  /** The branch to create; default `datastack/upgrade-<componentId>-<version>`. */
  branch?: string;
  /** The branch to start from and to merge into; default the repository's default branch. */
  baseBranch?: string;
  /** Commit and pull request title. */
  title?: string;
  /** Pull request description; the commit body too. */
  description?: string;
  /** Commit author; default `scaffolder.defaultAuthor`, else Datastack. */
  author?: { name: string; email: string };
}

/** Per-call options of {@link ChartBumper.propose}. */
export interface ChartBumpOptions {
  /** Validate, clone and edit, but commit, push and open nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Logger of this call (a scaffolder task's), instead of the bumper's. */
  logger?: LoggerService;
}

export interface ChartBumperOptions {
  repositories: LocalGitRepositories;
  integrations: ScmIntegrationRegistry;
  /** Milliseconds each call to a git host's API may take. Default 30000. */
  requestTimeoutMs?: number;
  /** Milliseconds each git command may take. Default 120000. */
  gitTimeoutMs?: number;
  /** Commit author when the input names none. */
  defaultAuthor?: { name: string; email: string };
  logger?: LoggerService;
  /** Directory of the temporary clones; default the OS temp directory. */
  workDir?: string;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Default of `datastack.gitops.requestTimeoutMs`. */
export const DEFAULT_GIT_HOST_TIMEOUT_MS = 30_000;

/** SemVer 2.0.0, as semver.org gives it: what Helm accepts as a chart version. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** A git branch name (a subset of what `git check-ref-format --branch` accepts). */
const BRANCH =
  /^(?![-/.])(?!.*\.\.)(?!.*\/\/)(?!.*\/\.)(?!.*@\{)(?!.*\.lock$)[A-Za-z0-9._+/-]{1,200}(?<![./])$/;
const EMAIL = /^[^\s<>@]+@[^\s<>@]+$/;

type HostKind = 'GitHub' | 'GitLab' | 'Gitea';

interface PullRequestApi {
  host: HostKind;
  url: string;
  headers: Record<string, string>;
  body(p: {
    branch: string;
    base: string;
    title: string;
    description: string;
  }): Record<string, unknown>;
  /** The web URL of the created pull or merge request in the host's answer. */
  webUrl(body: Record<string, unknown>): unknown;
}

interface Target {
  /** The clone URL git is given; also the proposal's `repository`. */
  remote: string;
  /** Environment carrying the credentials to git. */
  env: Record<string, string>;
  /** Values that must never reach a message. */
  secrets: string[];
  local: boolean;
  pullRequest?: PullRequestApi;
  /** Why no pull request is opened, for the log. */
  noPullRequest?: string;
}

interface Validated {
  repository: string;
  pipeline: string;
  componentId: string;
  version: string;
  environments?: string[];
  branch: string;
  baseBranch?: string;
  title: string;
  description?: string;
  author: { name: string; email: string };
}

interface Edit {
  file: string;
  environment: string;
  from: string;
  text: string;
}

/** A failed call to a git host's API, before it becomes a Backstage error. */
class HostApiFailure extends Error {
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

function label(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    value.length > DNS_1123_LABEL_MAX ||
    !DNS_1123_LABEL.test(value)
  ) {
    throw new InputError(
      `${field} "${String(
        value,
      )}" must be a DNS-1123 label: lower-case letters, digits and "-", at most ${DNS_1123_LABEL_MAX} characters`,
    );
  }
  return value;
}

function oneLine(value: unknown, field: string, max: number): string {
  if (
    typeof value !== 'string' ||
    !value.trim() ||
    /[\r\n]/.test(value) ||
    value.length > max
  ) {
    throw new InputError(
      `${field} must be one non-empty line of at most ${max} characters`,
    );
  }
  return value.trim();
}

/** A message that came from outside (git, a host), with every secret masked. */
function redact(text: string, secrets: string[]): string {
  return secrets.reduce(
    (out, secret) => (secret ? out.split(secret).join('***') : out),
    text,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The human part of a git host's error body (GitHub, GitLab and Gitea shapes). */
function hostDetail(body: unknown, fallback: string): string {
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

/**
 * Proposes a chart upgrade as a change to a pipeline's GitOps repository: a
 * shallow clone, the chart source's `targetRevision` of
 * `environments/<env>/applications/<pipeline>-<component>-<env>.yaml` set
 * for each environment (comments and formatting kept, only that value
 * changes), one commit on a new branch, the branch pushed, and a pull request
 * (GitHub, Gitea) or merge request (GitLab) opened through the integration's
 * API. For the local default only the branch is pushed. Every input is
 * checked before anything is pushed; credentials reach git only through its
 * environment and never a message or log line; the clone is always removed.
 */
export class ChartBumper {
  readonly #repositories: LocalGitRepositories;
  readonly #integrations: ScmIntegrationRegistry;
  readonly #requestTimeoutMs: number;
  readonly #gitTimeoutMs: number;
  readonly #defaultAuthor: { name: string; email: string };
  readonly #logger?: LoggerService;
  readonly #workDir: string;
  readonly #fetch: typeof fetch;

  constructor(options: ChartBumperOptions) {
    this.#repositories = options.repositories;
    this.#integrations = options.integrations;
    this.#requestTimeoutMs =
      options.requestTimeoutMs ?? DEFAULT_GIT_HOST_TIMEOUT_MS;
    this.#gitTimeoutMs = options.gitTimeoutMs ?? 120_000;
    this.#defaultAuthor = options.defaultAuthor ?? {
      name: 'Datastack',
      email: 'datastack@localhost',
    };
    this.#logger = options.logger;
    this.#workDir = options.workDir ?? os.tmpdir();
    this.#fetch = options.fetch ?? ((...args) => fetch(...args));
  }

  /**
   * Reads `datastack.gitops.localRoot`, `datastack.gitops.requestTimeoutMs`,
   * the `integrations` and `scaffolder.defaultAuthor`.
   */
  static fromConfig(
    config: Config,
    options: { logger?: LoggerService } = {},
  ): ChartBumper {
    const name = config.getOptionalString('scaffolder.defaultAuthor.name');
    const email = config.getOptionalString('scaffolder.defaultAuthor.email');
    return new ChartBumper({
      repositories: LocalGitRepositories.fromConfig(config),
      integrations: ScmIntegrations.fromConfig(config),
      requestTimeoutMs: readTimeout(
        config,
        'datastack.gitops.requestTimeoutMs',
        DEFAULT_GIT_HOST_TIMEOUT_MS,
      ),
      defaultAuthor:
        name || email
          ? {
              name: name ?? 'Datastack',
              email: email ?? 'datastack@localhost',
            }
          : undefined,
      logger: options.logger,
    });
  }

  /**
   * Writes the bump as a branch (and a pull or merge request where the host
   * has one). Throws InputError naming the field or file for a bad input, a
   * missing Application file or a file that is not one; ConflictError when
   * the version is already in place or the branch exists; nothing is pushed
   * then. A failed pull request call deletes the pushed branch again.
   */
  async propose(
    input: ChartBumpInput,
    options: ChartBumpOptions = {},
  ): Promise<UpgradeProposal> {
    const logger = options.logger ?? this.#logger;
    const request = this.#validate(input);
    const target = await this.#target(request.repository);
    try {
      return await this.#propose(request, target, options, logger);
    } catch (error) {
      if (error instanceof Error) {
        error.message = redact(error.message, target.secrets);
        if (error.stack) error.stack = redact(error.stack, target.secrets);
      }
      throw error;
    }
  }

  #validate(input: ChartBumpInput): Validated {
    if (!input || typeof input !== 'object') {
      throw new InputError(
        'A chart bump needs repository, pipeline, componentId and version',
      );
    }
    if (typeof input.repository !== 'string' || !input.repository.trim()) {
      throw new InputError('repository is required');
    }
    const pipeline = label(input.pipeline, 'pipeline');
    const componentId = label(input.componentId, 'componentId');
    if (typeof input.version !== 'string' || !SEMVER.test(input.version)) {
      throw new InputError(
        `version "${String(
          input.version,
        )}" must be a SemVer 2 version (x.y.z), as Helm chart versions are`,
      );
    }
    const version = input.version;
    let environments: string[] | undefined;
    if (input.environments !== undefined) {
      if (!Array.isArray(input.environments) || !input.environments.length) {
        throw new InputError(
          'environments must list at least one environment, or be left out to bump every environment',
        );
      }
      environments = input.environments.map((e, i) =>
        label(e, `environments[${i}]`),
      );
      const twice = environments.find((e, i) => environments!.indexOf(e) !== i);
      if (twice) {
        throw new InputError(`environments lists "${twice}" twice`);
      }
    }
    const branch =
      input.branch ?? `datastack/upgrade-${componentId}-${version}`;
    if (typeof branch !== 'string' || !BRANCH.test(branch)) {
      throw new InputError(
        `branch "${String(branch)}" is not a valid branch name`,
      );
    }
    if (
      input.baseBranch !== undefined &&
      (typeof input.baseBranch !== 'string' || !BRANCH.test(input.baseBranch))
    ) {
      throw new InputError(
        `baseBranch "${String(input.baseBranch)}" is not a valid branch name`,
      );
    }
    if (input.baseBranch === branch) {
      throw new InputError(`branch "${branch}" must differ from baseBranch`);
    }
    const title =
      input.title === undefined
        ? `Upgrade ${componentId} of ${pipeline} to ${version}`
        : oneLine(input.title, 'title', 200);
    if (
      input.description !== undefined &&
      (typeof input.description !== 'string' ||
        input.description.length > 20_000)
    ) {
      throw new InputError(
        'description must be text of at most 20000 characters',
      );
    }
    let author = this.#defaultAuthor;
    if (input.author !== undefined) {
      const name = oneLine(input.author?.name, 'author.name', 200);
      const email = input.author?.email;
      if (typeof email !== 'string' || !EMAIL.test(email)) {
        throw new InputError(
          `author.email "${String(email)}" is not an email address`,
        );
      }
      author = { name, email };
    }
    return {
      repository: input.repository.trim(),
      pipeline,
      componentId,
      version,
      environments,
      branch,
      baseBranch: input.baseBranch,
      title,
      description: input.description,
      author,
    };
  }

  /** Where to clone and push, with credentials and the pull request API. */
  async #target(repository: string): Promise<Target> {
    const isLocalForm =
      repository.startsWith('file:') ||
      path.isAbsolute(repository) ||
      DNS_1123_LABEL.test(repository);
    if (isLocalForm) {
      let dir: string;
      if (DNS_1123_LABEL.test(repository)) {
        dir = this.#repositories.pathOf(repository, 'repository');
      } else {
        try {
          dir = path.resolve(
            repository.startsWith('file:')
              ? fileURLToPath(repository)
              : repository,
          );
        } catch {
          throw new InputError(`repository "${repository}" is not a file URL`);
        }
      }
      const name = path.basename(dir).replace(/\.git$/, '');
      if (
        path.dirname(dir) !== this.#repositories.root ||
        !dir.endsWith('.git') ||
        !DNS_1123_LABEL.test(name)
      ) {
        throw new InputError(
          `repository "${repository}" is not a repository under datastack.gitops.localRoot (${
            this.#repositories.root
          })`,
        );
      }
      return {
        remote: this.#repositories.cloneUrl(name),
        env: {},
        secrets: [],
        local: true,
        noPullRequest: 'a local repository has no pull requests',
      };
    }

    let url: URL;
    try {
      url = new URL(repository);
    } catch {
      url = new URL('invalid:');
    }
    if (
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
    const remote = url.href;
    const credentials = await gitCredentialsFor(this.#integrations, remote);
    const secrets = credentials
      ? [
          credentials.password,
          Buffer.from(
            `${credentials.username}:${credentials.password}`,
          ).toString('base64'),
        ]
      : [];
    const target: Target = {
      remote,
      env: gitCredentialsEnv(remote, credentials),
      secrets,
      local: false,
    };
    const integration = this.#integrations.byUrl(remote);
    const bearer: Record<string, string> = credentials
      ? { authorization: `Bearer ${credentials.password}` }
      : {};
    switch (integration?.type) {
      case 'github': {
        const config = this.#integrations.github.byUrl(remote)!.config;
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
        const [owner, repo] = parts.map(encodeURIComponent);
        target.pullRequest = {
          host: 'GitHub',
          url: `${config.apiBaseUrl}/repos/${owner}/${repo}/pulls`,
          headers: {
            accept: 'application/vnd.github+json',
            'x-github-api-version': '2022-11-28',
            ...bearer,
          },
          body: p => ({
            title: p.title,
            head: p.branch,
            base: p.base,
            body: p.description,
            maintainer_can_modify: true,
          }),
          webUrl: b => b.html_url,
        };
        break;
      }
      case 'gitlab': {
        const config = this.#integrations.gitlab.byUrl(remote)!.config;
        const parts = repoPath(
          url.pathname,
          getGitLabIntegrationRelativePath(config),
        );
        if (!parts) {
          throw new InputError(
            `repository "${repository}" is not a GitLab project URL (${config.baseUrl}/<group>/<project>.git)`,
          );
        }
        target.pullRequest = {
          host: 'GitLab',
          url: `${config.apiBaseUrl}/projects/${encodeURIComponent(
            parts.join('/'),
          )}/merge_requests`,
          headers: { accept: 'application/json', ...bearer },
          body: p => ({
            source_branch: p.branch,
            target_branch: p.base,
            title: p.title,
            description: p.description,
            remove_source_branch: true,
          }),
          webUrl: b => b.web_url,
        };
        break;
      }
      case 'gitea': {
        const config = this.#integrations.gitea.byUrl(remote)!.config;
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
        const [owner, repo] = parts.map(encodeURIComponent);
        target.pullRequest = {
          host: 'Gitea',
          url: `${baseUrl}/api/v1/repos/${owner}/${repo}/pulls`,
          headers: {
            accept: 'application/json',
            ...(getGiteaRequestOptions(config).headers ?? {}),
          },
          body: p => ({
            head: p.branch,
            base: p.base,
            title: p.title,
            body: p.description,
          }),
          webUrl: b => b.html_url,
        };
        break;
      }
      default:
        target.noPullRequest = integration
          ? `Datastack opens no pull requests on ${integration.type}`
          : `no integration is configured for ${url.host}`;
    }
    return target;
  }

  async #propose(
    request: Validated,
    target: Target,
    options: ChartBumpOptions,
    logger: LoggerService | undefined,
  ): Promise<UpgradeProposal> {
    const { repository } = request;
    const git = (args: string[], cwd?: string) =>
      runGit(args, {
        cwd,
        env: target.env,
        signal: options.signal,
        timeoutMs: this.#gitTimeoutMs,
      });

    // One look at the remote's refs: its default branch, the base, and
    // whether the new branch is taken, before anything is cloned.
    const refs = await git(['ls-remote', '--symref', target.remote]).catch(
      error => {
        throw new InputError(
          `repository "${repository}" cannot be read: ${messageOf(error)}`,
        );
      },
    );
    const heads = new Set<string>();
    let defaultBranch: string | undefined;
    for (const line of refs.split('\n')) {
      const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
      if (symref) defaultBranch = symref[1];
      const head = /^[0-9a-f]{40,64}\trefs\/heads\/(\S+)$/.exec(line);
      if (head) heads.add(head[1]);
    }
    if (!heads.size) {
      throw new InputError(`repository "${repository}" has no commits`);
    }
    const base =
      request.baseBranch ??
      (defaultBranch && heads.has(defaultBranch) ? defaultBranch : undefined) ??
      ['main', 'master'].find(b => heads.has(b));
    if (!base) {
      throw new InputError(
        `repository "${repository}" has no default branch; give baseBranch`,
      );
    }
    if (!heads.has(base)) {
      throw new InputError(
        `baseBranch "${base}" does not exist in repository "${repository}"`,
      );
    }
    if (heads.has(request.branch)) {
      throw new ConflictError(
        `branch "${request.branch}" already exists in repository "${repository}"; an upgrade may already be proposed there. Merge or delete it, or give another branch`,
      );
    }

    await fs.mkdir(this.#workDir, { recursive: true });
    const tmp = await fs.mkdtemp(path.join(this.#workDir, 'datastack-bump-'));
    try {
      const dir = path.join(tmp, 'repo');
      await git([
        'clone',
        '--quiet',
        '--depth',
        '1',
        '--single-branch',
        '--no-tags',
        '--branch',
        base,
        target.remote,
        dir,
      ]).catch(error => {
        throw new ServiceUnavailableError(
          `repository "${repository}" could not be cloned: ${messageOf(error)}`,
        );
      });

      const edits = await this.#edit(dir, request, base);
      const files = edits.map(e => e.file);
      for (const edit of edits) {
        logger?.info(
          `${edit.file}: ${request.componentId} ${edit.from} → ${request.version}`,
          {
            repository,
            environment: edit.environment,
            from: edit.from,
            to: request.version,
          },
        );
      }
      if (options.dryRun) {
        logger?.info(
          `Dry run: would push branch ${request.branch} to ${repository} and ${
            target.pullRequest
              ? `open a ${target.pullRequest.host} ${
                  target.pullRequest.host === 'GitLab'
                    ? 'merge request'
                    : 'pull request'
                } into ${base}`
              : `open no pull request (${target.noPullRequest})`
          }`,
          { repository, branch: request.branch },
        );
        return {
          branch: request.branch,
          commitHash: '',
          files,
          repository: target.remote,
        };
      }

      for (const edit of edits) {
        await fs.writeFile(path.join(dir, edit.file), edit.text, 'utf8');
      }
      const description =
        request.description ??
        [
          `Upgrades ${request.componentId} of ${request.pipeline} to chart version ${request.version}:`,
          '',
          ...edits.map(
            e =>
              `- ${e.environment}: ${e.from} → ${request.version} (\`${e.file}\`)`,
          ),
          '',
          'Proposed by Datastack. Argo CD syncs the change once it is merged.',
        ].join('\n');
      await git(['switch', '--quiet', '--create', request.branch], dir);
      await git(['add', '--', ...files], dir);
      await git(
        [
          '-c',
          `user.name=${request.author.name}`,
          '-c',
          `user.email=${request.author.email}`,
          'commit',
          '--quiet',
          '--no-verify',
          '--message',
          request.title,
          '--message',
          description,
        ],
        dir,
      );
      const commitHash = (await git(['rev-parse', 'HEAD'], dir)).trim();
      await git(
        [
          'push',
          '--quiet',
          '--no-verify',
          // The branch must still not exist: a proposal never moves someone's branch.
          `--force-with-lease=refs/heads/${request.branch}:`,
          'origin',
          `HEAD:refs/heads/${request.branch}`,
        ],
        dir,
      ).catch(error => {
        const text = messageOf(error);
        if (/stale info|rejected|already exists/.test(text)) {
          throw new ConflictError(
            `branch "${request.branch}" was created in repository "${repository}" meanwhile; nothing was pushed`,
          );
        }
        const message = `Pushing branch "${request.branch}" to repository "${repository}" failed: ${text}`;
        throw target.local
          ? new Error(message)
          : new ServiceUnavailableError(message);
      });
      logger?.info(
        `Pushed ${commitHash.slice(0, 12)} to ${repository} (${
          request.branch
        })`,
        { repository, branch: request.branch, commit: commitHash },
      );

      let pullRequestUrl: string | undefined;
      if (target.pullRequest) {
        try {
          pullRequestUrl = await this.#openPullRequest(
            target.pullRequest,
            { branch: request.branch, base, title: request.title, description },
            target.secrets,
            options.signal,
          );
        } catch (error) {
          // Not under the caller's signal: a cancelled call still cleans up.
          const note = await this.#deleteBranch(
            request.branch,
            commitHash,
            args =>
              runGit(args, {
                cwd: dir,
                env: target.env,
                timeoutMs: this.#gitTimeoutMs,
              }),
          );
          logger?.warn(`Opening the pull request failed. ${note}`, {
            repository,
            branch: request.branch,
          });
          if (error instanceof HostApiFailure) throw error.toError(note);
          throw error;
        }
        logger?.info(`Opened ${pullRequestUrl}`, {
          repository,
          branch: request.branch,
          pullRequestUrl,
        });
      } else {
        logger?.info(
          `No pull request opened (${target.noPullRequest}): merge ${request.branch} into ${base} to roll the upgrade out`,
          { repository, branch: request.branch },
        );
      }
      return {
        branch: request.branch,
        commitHash,
        files,
        ...(pullRequestUrl ? { pullRequestUrl } : {}),
        repository: target.remote,
      };
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  /** The edited Application files, every one checked before any is written. */
  async #edit(dir: string, request: Validated, base: string): Promise<Edit[]> {
    const { pipeline, componentId, version, repository } = request;
    const fileOf = (env: string) =>
      `environments/${env}/applications/${pipeline}-${componentId}-${env}.yaml`;
    const read = async (file: string) => {
      try {
        return await fs.readFile(path.join(dir, file), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          return undefined;
        }
        throw error;
      }
    };

    const edits: Edit[] = [];
    const current: string[] = [];
    if (request.environments) {
      for (const [i, environment] of request.environments.entries()) {
        const file = fileOf(environment);
        const text = await read(file);
        if (text === undefined) {
          throw new InputError(
            `environments[${i}] "${environment}": ${file} does not exist on ${base} of repository "${repository}"`,
          );
        }
        const edit = editApplication(text, file, version);
        if (edit.from === version) {
          throw new ConflictError(
            `${file} already has ${componentId} at version ${version}`,
          );
        }
        edits.push({ file, environment, ...edit });
      }
      return edits;
    }

    const entries = await fs
      .readdir(path.join(dir, 'environments'), { withFileTypes: true })
      .catch(() => []);
    const environments = entries
      .filter(e => e.isDirectory() && DNS_1123_LABEL.test(e.name))
      .map(e => e.name)
      .sort();
    for (const environment of environments) {
      const file = fileOf(environment);
      const text = await read(file);
      if (text === undefined) continue;
      const edit = editApplication(text, file, version);
      if (edit.from === version) current.push(file);
      else edits.push({ file, environment, ...edit });
    }
    if (!edits.length && current.length) {
      throw new ConflictError(
        `${componentId} is already at version ${version} in ${current.join(
          ', ',
        )}`,
      );
    }
    if (!edits.length) {
      throw new InputError(
        `componentId "${componentId}": no environment of repository "${repository}" (${base}) has ${fileOf(
          '<env>',
        )}`,
      );
    }
    return edits;
  }

  /** Deletes a pushed branch again; says what happened in one sentence. */
  async #deleteBranch(
    branch: string,
    commitHash: string,
    git: (args: string[]) => Promise<string>,
  ): Promise<string> {
    try {
      await git([
        'push',
        '--quiet',
        '--no-verify',
        `--force-with-lease=refs/heads/${branch}:${commitHash}`,
        'origin',
        '--delete',
        branch,
      ]);
      return `The branch "${branch}" was deleted again, so the proposal can be retried`;
    } catch (error) {
      return `The branch "${branch}" stays pushed and could not be deleted (${messageOf(
        error,
      )}); delete it before retrying`;
    }
  }

  async #openPullRequest(
    api: PullRequestApi,
    change: {
      branch: string;
      base: string;
      title: string;
      description: string;
    },
    secrets: string[],
    signal?: AbortSignal,
  ): Promise<string> {
    const what = api.host === 'GitLab' ? 'merge request' : 'pull request';
    const timeout = AbortSignal.timeout(this.#requestTimeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(api.url, {
        method: 'POST',
        headers: { ...api.headers, 'content-type': 'application/json' },
        body: JSON.stringify(api.body(change)),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) {
        throw new HostApiFailure(
          'unavailable',
          `${api.host} did not answer within ${
            this.#requestTimeoutMs
          } ms when opening a ${what} (POST ${api.url})`,
        );
      }
      if (signal?.aborted) throw error;
      throw new HostApiFailure(
        'unavailable',
        `${api.host} is unreachable when opening a ${what} (POST ${
          api.url
        }): ${redact(messageOf(error), secrets)}`,
      );
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const detail = redact(
        hostDetail(body, response.statusText || 'no detail'),
        secrets,
      );
      const message = `${api.host} answered ${response.status} to opening a ${what} (POST ${api.url}): ${detail}`;
      const status = response.status;
      if (status === 401 || status === 403) {
        throw new HostApiFailure(
          'unauthorized',
          `${message}; check the credentials of the ${api.host.toLocaleLowerCase(
            'en-US',
          )} integration`,
        );
      }
      if (status === 404) throw new HostApiFailure('not-found', message);
      if (status === 409 || (status === 422 && /already exist/i.test(detail))) {
        throw new HostApiFailure('conflict', message);
      }
      if (status === 400 || status === 422) {
        throw new HostApiFailure('invalid', message);
      }
      throw new HostApiFailure('unavailable', message);
    }
    const webUrl =
      body && typeof body === 'object'
        ? api.webUrl(body as Record<string, unknown>)
        : undefined;
    if (typeof webUrl !== 'string' || !/^https?:\/\//.test(webUrl)) {
      throw new HostApiFailure(
        'unavailable',
        `${api.host} answered ${response.status} to opening a ${what} (POST ${api.url}) without the ${what}'s URL`,
      );
    }
    return webUrl;
  }
}

/** The quotes around a scalar written in place; block scalars are re-rendered. */
const QUOTES: Partial<Record<Scalar.Type, string>> = {
  [Scalar.PLAIN]: '',
  [Scalar.QUOTE_DOUBLE]: '"',
  [Scalar.QUOTE_SINGLE]: "'",
};

/**
 * Sets the chart source's `targetRevision` in one Application file, changing
 * only that value's characters. Returns the new text and the old version.
 */
export function editApplication(
  text: string,
  file: string,
  version: string,
): { text: string; from: string } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new InputError(`${file} is not valid YAML: ${doc.errors[0].message}`);
  }
  if (doc.get('kind') !== 'Application') {
    throw new InputError(`${file} is not an Argo CD Application`);
  }
  let at: (string | number)[] | undefined;
  const sources = doc.getIn(['spec', 'sources'], true);
  if (isSeq(sources)) {
    const index = sources.items.findIndex(s => isMap(s) && s.has('chart'));
    if (index >= 0) at = ['spec', 'sources', index, 'targetRevision'];
  } else {
    const source = doc.getIn(['spec', 'source'], true);
    if (isMap(source) && source.has('chart')) {
      at = ['spec', 'source', 'targetRevision'];
    }
  }
  if (!at) {
    throw new InputError(
      `${file} has no Helm chart source (spec.sources[].chart or spec.source.chart)`,
    );
  }
  const node = doc.getIn(at, true);
  if (!isScalar(node) || node.value === null || node.value === undefined) {
    throw new InputError(`${file}: ${at.join('.')} is not a version`);
  }
  const from = String(node.value);
  if (from === version) return { text, from };

  let out: string;
  const quote = node.type ? QUOTES[node.type] : undefined;
  if (quote !== undefined && node.range) {
    const [start, end] = node.range;
    out = `${text.slice(0, start)}${quote}${version}${quote}${text.slice(end)}`;
  } else {
    node.value = version;
    node.type = Scalar.PLAIN;
    out = doc.toString({ lineWidth: 0 });
  }
  const check = parseDocument(out);
  if (check.errors.length || check.getIn(at) !== version) {
    throw new InputError(
      `${file}: ${at.join(
        '.',
      )} could not be set to ${version} without rewriting the file`,
    );
  }
  return { text: out, from };
}
