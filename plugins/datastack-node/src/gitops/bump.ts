import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ConflictError, ServiceUnavailableError } from '@backstage/errors';
import {
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import type { UpgradeProposal } from '@datastack/plugin-datastack-common';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readByteLimit, readTimeout } from '../config';
import { editEnvironments, moveValues } from './bump/edit';
import {
  HostApiFailure,
  messageOf,
  openPullRequest,
  redact,
} from './bump/hostApi';
import {
  type ChartBumpInput,
  type ValidatedBump,
  validateBump,
} from './bump/input';
import { type BumpTarget, resolveBumpTarget } from './bump/targets';
import { runGit } from './git';
import { baseOfRemote, deleteBranch } from './bump/remote';
import { GitHostPolicy } from './hosts';
import { LocalGitRepositories } from './LocalGitRepositories';

export type { ChartBumpInput } from './bump/input';
export { editApplication } from './bump/edit';

/**
 * Per-call options of {@link ChartBumper.propose}.
 *
 * @public
 */
export interface ChartBumpOptions {
  /** Validate, clone and edit, but commit, push and open nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Logger of this call (a scaffolder task's), instead of the bumper's. */
  logger?: LoggerService;
}

/** @public */
export interface ChartBumperOptions {
  repositories: LocalGitRepositories;
  integrations: ScmIntegrationRegistry;
  /**
   * Which git hosts may be contacted; default the hosts of `integrations`
   * and the local repositories under `repositories`.
   */
  hosts?: GitHostPolicy;
  /** Milliseconds each call to a git host's API may take. Default 30000. */
  requestTimeoutMs?: number;
  /** Bytes of one answer of a git host's API. Default 4 MiB. */
  maxResponseBytes?: number;
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

/**
 * Default of `datastack.gitops.requestTimeoutMs`.
 *
 * @public
 */
export const DEFAULT_GIT_HOST_TIMEOUT_MS = 30_000;

/**
 * Default of `datastack.gitops.maxResponseBytes`.
 *
 * @public
 */
export const DEFAULT_GIT_HOST_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Proposes a chart upgrade as a change to a pipeline's GitOps repository: a
 * shallow clone, the chart source's `targetRevision` of
 * `environments/<env>/applications/<pipeline>-<component>-<env>.yaml` set
 * for each environment (comments and formatting kept, only that value
 * changes), one commit on a new branch, the branch pushed, and a pull request
 * (GitHub through Octokit, Gitea) or merge request (GitLab through gitbeaker)
 * opened with the integration's credentials. For the local default only the
 * branch is pushed. Every input is checked, and the repository passes the git
 * host policy, before any git command; credentials reach git only through
 * its environment and never a message or log line; the clone is always
 * removed.
 *
 * This class only orchestrates: `bump/input` validates, `bump/targets`
 * resolves the repository, `bump/edit` edits the YAML, and `bump/github`,
 * `bump/gitlab`, `bump/gitea` open the request.
 *
 * @public
 */
export class ChartBumper {
  readonly #hosts: GitHostPolicy;
  readonly #integrations: ScmIntegrationRegistry;
  readonly #requestTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #gitTimeoutMs: number;
  readonly #defaultAuthor: { name: string; email: string };
  readonly #logger?: LoggerService;
  readonly #workDir: string;
  /** For tests; undefined uses fetchUpstream's default, the global fetch. */
  readonly #fetch?: typeof fetch;

  constructor(options: ChartBumperOptions) {
    this.#integrations = options.integrations;
    this.#hosts =
      options.hosts ??
      new GitHostPolicy({
        integrations: options.integrations,
        repositories: options.repositories,
      });
    this.#requestTimeoutMs =
      options.requestTimeoutMs ?? DEFAULT_GIT_HOST_TIMEOUT_MS;
    this.#maxResponseBytes =
      options.maxResponseBytes ?? DEFAULT_GIT_HOST_MAX_RESPONSE_BYTES;
    this.#gitTimeoutMs = options.gitTimeoutMs ?? 120_000;
    this.#defaultAuthor = options.defaultAuthor ?? {
      name: 'Datastack',
      email: 'datastack@localhost',
    };
    this.#logger = options.logger;
    this.#workDir = options.workDir ?? os.tmpdir();
    this.#fetch = options.fetch;
  }

  /**
   * Reads `datastack.gitops.localRoot`, `datastack.gitops.requestTimeoutMs`,
   * `datastack.gitops.maxResponseBytes`,
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
      maxResponseBytes: readByteLimit(
        config,
        'datastack.gitops.maxResponseBytes',
        DEFAULT_GIT_HOST_MAX_RESPONSE_BYTES,
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
   * repository on a host without an integration, a missing Application file
   * or a file that is not one; ConflictError when the version is already in
   * place or the branch exists; nothing is pushed then. A failed pull
   * request call deletes the pushed branch again.
   */
  async propose(
    input: ChartBumpInput,
    options: ChartBumpOptions = {},
  ): Promise<UpgradeProposal> {
    const logger = options.logger ?? this.#logger;
    const request = validateBump(input, this.#defaultAuthor);
    const target = await resolveBumpTarget(request.repository, {
      hosts: this.#hosts,
      integrations: this.#integrations,
      requestTimeoutMs: this.#requestTimeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
      fetch: this.#fetch,
      logger,
    });
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

  async #propose(
    request: ValidatedBump,
    target: BumpTarget,
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
    const base = await baseOfRemote(git, target.remote, request);

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

      const edits = await editEnvironments(dir, request, base);
      const valueEdits = await moveValues(dir, request.valueMoves);
      const files = [...edits.map(e => e.file), ...valueEdits.map(e => e.file)];
      for (const edit of valueEdits) {
        logger?.info(
          `${edit.file}: ${edit.moved
            .map(m => `${m.from} → ${m.to}`)
            .join(', ')} (the new chart reads them there)`,
          { repository, file: edit.file },
        );
      }
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

      for (const edit of [...edits, ...valueEdits]) {
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
          ...(valueEdits.length
            ? [
                '',
                'Overrides moved to where the new chart reads them:',
                '',
                ...valueEdits.flatMap(e =>
                  e.moved.map(
                    m => `- \`${m.from}\` → \`${m.to}\` in \`${e.file}\``,
                  ),
                ),
              ]
            : []),
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
          pullRequestUrl = await openPullRequest(
            target.pullRequest,
            { branch: request.branch, base, title: request.title, description },
            {
              timeoutMs: this.#requestTimeoutMs,
              secrets: target.secrets,
              signal: options.signal,
            },
          );
        } catch (error) {
          // Not under the caller's signal: a cancelled call still cleans up.
          const note = await deleteBranch(request.branch, commitHash, args =>
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
}
