import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import type { JsonValue } from '@backstage/types';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ANNOTATION_DATASTACK_PIPELINE,
  sameEntityRef,
} from '@datastack/plugin-datastack-common';
import {
  GitHostPolicy,
  LocalGitRepositories,
  YamlDataError,
  gitConfigEnv,
  gitCredentialsFor,
  parseYamlDocuments,
  runGit,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  HostPublishers,
  PUBLISH_LOCATIONS,
  REPO_VISIBILITIES,
  isPublishLocation,
  type HostRepository,
} from '../publish/publishTargets';
import { safeRelativePath } from '../render/input';
import type { OwnershipGuard } from '../tenancy/OwnershipGuard';
import { examples } from './publish.examples';

/** @public */
export interface PublishActionOptions {
  integrations: ScmIntegrationRegistry;
  /** The local default; undefined when this deployment has none (datastack.gitops.localRepositories). */
  repositories?: LocalGitRepositories;
  config: Config;
  /** Which hosts may be pushed to: integration hosts and the local default. */
  gitHosts: GitHostPolicy;
  /** Proves the task's user may act for the pipeline's owner. */
  guard: OwnershipGuard;
}

/** The pipeline a catalog-info.yaml describes: its System's pipeline annotation and owner. */
interface PipelineIdentity {
  pipeline: string;
  owner: string;
}

/** Reads the Datastack pipeline System out of a catalog-info.yaml text, if it has one. */
function pipelineOf(
  text: string | undefined,
  field: string,
): PipelineIdentity | undefined {
  if (text === undefined) return undefined;
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text, field, { maxLength: 1024 * 1024 });
  } catch (error) {
    if (error instanceof YamlDataError) throw new InputError(error.message);
    throw error;
  }
  for (const doc of docs as Array<Record<string, any> | null>) {
    const pipeline =
      doc?.metadata?.annotations?.[ANNOTATION_DATASTACK_PIPELINE];
    if (
      doc?.kind === 'System' &&
      typeof pipeline === 'string' &&
      typeof doc.spec?.owner === 'string'
    ) {
      const owner = doc.spec.owner.includes(':')
        ? doc.spec.owner
        : `group:${doc.spec.owner.includes('/') ? '' : 'default/'}${
            doc.spec.owner
          }`;
      return { pipeline, owner };
    }
  }
  return undefined;
}

function samePipeline(a: PipelineIdentity, b: PipelineIdentity): boolean {
  return a.pipeline === b.pipeline && sameEntityRef(a.owner, b.owner);
}

/** The commit author of every location: scaffolder.defaultAuthor, or Datastack. */
function authorOf(config: Config) {
  return {
    name:
      config.getOptionalString('scaffolder.defaultAuthor.name') ?? 'Datastack',
    email:
      config.getOptionalString('scaffolder.defaultAuthor.email') ??
      'datastack@localhost',
  };
}

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,100}(?<![./])$/;

/**
 * `datastack:gitops:publish`: pushes the workspace (or a sub-path) as the
 * initial commit of a repository: a bare repository under
 * `datastack.gitops.localRoot` (the embedded default), a new repository on
 * GitHub, GitLab or Gitea (`location`, created by Backstage's own
 * `publish:github`, `publish:gitlab` or `publish:gitea`, run by this step),
 * or any existing, empty http(s) git repository with credentials from
 * Backstage's integrations. Only hosts with a Backstage integration, or the
 * local default, are reached. A repository that already has commits is
 * refused unless they are this pipeline's own earlier push (same pipeline
 * and owner in its catalog-info.yaml): then a re-run continues from them.
 *
 * @public
 */
export function createPublishAction(options: PublishActionOptions) {
  const { integrations, repositories, config, gitHosts, guard } = options;
  const hosts = new HostPublishers({ integrations, config });
  return createTemplateAction({
    id: 'datastack:gitops:publish',
    description:
      'Publishes the workspace as the initial commit of a GitOps repository: a local bare repository (the default), a new GitHub, GitLab or Gitea repository, or an empty http(s) git repository.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        location: z =>
          z
            .enum(PUBLISH_LOCATIONS)
            .optional()
            .describe(
              'Where to publish: local (localRepository), or a new repository on github, gitlab or gitea (repoUrl as RepoUrlPicker gives it), created by publish:github, publish:gitlab or publish:gitea. Without it: localRepository, or repoUrl as the clone URL of an existing, empty repository',
            ),
        localRepository: z =>
          z
            .string()
            .optional()
            .describe(
              'Name of a bare repository to create under datastack.gitops.localRoot',
            ),
        repoUrl: z =>
          z
            .string()
            .max(2048)
            .optional()
            .describe(
              'With location github, gitlab or gitea: the new repository, <host>?owner=<owner>&repo=<name> (RepoUrlPicker). Without location: the http(s) clone URL of an existing, empty repository',
            ),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace sub-path to publish; default the workspace root',
            ),
        defaultBranch: z =>
          z
            .string()
            .max(100)
            .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/)
            .optional()
            .describe('Branch to push; default main'),
        commitMessage: z =>
          z.string().optional().describe('Message of the initial commit'),
        description: z =>
          z
            .string()
            .max(350)
            .optional()
            .describe(
              'Description of a new GitHub, GitLab or Gitea repository',
            ),
        repoVisibility: z =>
          z
            .enum(REPO_VISIBILITIES)
            .optional()
            .describe(
              'Visibility of a new GitHub, GitLab or Gitea repository (Gitea: private or public); default private',
            ),
      },
      output: {
        remoteUrl: z =>
          z
            .string()
            .describe(
              'URL of the repository (its clone URL; GitLab gives it without .git)',
            ),
        repoContentsUrl: z =>
          z.string().describe('URL of the repository tree on the branch'),
        catalogInfoUrl: z =>
          z
            .string()
            .describe(
              'URL of catalog-info.yaml at the root of what was pushed',
            ),
        commitHash: z =>
          z.string().describe('The pushed commit; empty in a dry run'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      // A new repository on a host: resolved against the integrations
      // before anything else, so a bad location or host makes no request.
      let host: HostRepository | undefined;
      if (input.location !== undefined) {
        if (!isPublishLocation(input.location)) {
          throw new InputError(
            `location "${String(
              input.location,
            )}" must be one of ${PUBLISH_LOCATIONS.join(', ')}`,
          );
        }
        if (input.location === 'local') {
          if (!input.localRepository || input.repoUrl) {
            throw new InputError(
              'location local publishes to localRepository; give it, and no repoUrl',
            );
          }
        } else {
          if (input.localRepository) {
            throw new InputError(
              `localRepository is for location local; location ${input.location} publishes to repoUrl`,
            );
          }
          host = hosts.resolve(input.location, input.repoUrl);
        }
      } else if (Boolean(input.localRepository) === Boolean(input.repoUrl)) {
        throw new InputError('Give exactly one of localRepository or repoUrl');
      }
      const branch = input.defaultBranch || 'main';
      if (!BRANCH.test(branch)) {
        throw new InputError(
          `defaultBranch "${branch}" is not a valid branch name`,
        );
      }
      const sourcePath = safeRelativePath(input.sourcePath, 'sourcePath');
      const source = resolveSafeChildPath(ctx.workspacePath, sourcePath);
      try {
        const stat = await fs.stat(source);
        if (!stat.isDirectory()) throw new Error('not a directory');
      } catch {
        throw new InputError(
          `sourcePath "${sourcePath}" is not a directory of the workspace`,
        );
      }

      // What is being published: a Datastack pipeline names its owner in
      // its System; the task's user must be allowed to act for it.
      const ours = pipelineOf(
        await fs
          .readFile(path.join(source, 'catalog-info.yaml'), 'utf8')
          .catch(() => undefined),
        `${sourcePath}/catalog-info.yaml`,
      );
      if (ours) await guard.assertMayActFor(ctx, ours.owner);

      if (host) {
        const target = host;
        const request = {
          description: input.description,
          defaultBranch: branch,
          repoVisibility: input.repoVisibility ?? 'private',
          commitMessage: input.commitMessage || 'Initial commit by Datastack',
          sourcePath: sourcePath === '.' ? undefined : sourcePath,
          author: authorOf(config),
        };
        if (!REPO_VISIBILITIES.includes(request.repoVisibility)) {
          throw new InputError(
            `repoVisibility "${String(
              request.repoVisibility,
            )}" must be one of ${REPO_VISIBILITIES.join(', ')}`,
          );
        }
        hosts.check(target, request);
        const published = ctx.isDryRun
          ? hosts.plannedOutputs(target, request)
          : await ctx.checkpoint({
              key: `datastack-publish-${target.location}-${target.host}-${target.owner}-${target.repo}-${branch}`,
              fn: () => hosts.publish(ctx, target, request),
            });
        // Everything the host's action answered (GitLab adds projectId and
        // created), with catalogInfoUrl for catalog:register.
        const output = ctx.output as (name: string, value: JsonValue) => void;
        for (const [name, value] of Object.entries(published)) {
          if (value !== undefined) output(name, value);
        }
        ctx.logger.info(
          ctx.isDryRun
            ? `Dry run: would create ${published.remoteUrl} with publish:${target.location} and push ${sourcePath} (${branch})`
            : `Published ${published.commitHash.slice(0, 12)} to ${
                published.remoteUrl
              } (${branch}) with publish:${target.location}`,
        );
        return;
      }

      let remote: string;
      let env: Record<string, string> = {};
      let repoContentsUrl: string;
      let catalogInfoUrl: string;
      /** The branch's current head, when the repository holds this pipeline's earlier push. */
      let resumeFrom: string | undefined;
      const refuseForeign = (field: string, value: string) =>
        new ConflictError(
          `${field} "${value}" already has commits that are not ${
            ours ? `pipeline ${ours.pipeline}'s (${ours.owner})` : 'this one'
          }; Datastack never overwrites a repository`,
        );
      if (input.localRepository) {
        const name = input.localRepository;
        if (!repositories) {
          throw new InputError(
            `localRepository "${name}": local repositories are off here (datastack.gitops.localRepositories: false); publish to a git host with repoUrl`,
          );
        }
        remote = repositories.cloneUrl(name); // validates the name
        repoContentsUrl = repositories.contentsUrl(name, branch);
        catalogInfoUrl = repositories.fileUrl(
          name,
          branch,
          'catalog-info.yaml',
        );
        if (await repositories.hasContent(name)) {
          const theirs = pipelineOf(
            await repositories
              .readFile(repositories.fileUrl(name, branch, 'catalog-info.yaml'))
              .then(b => b.toString('utf8'))
              .catch(() => undefined),
            `localRepository "${name}" catalog-info.yaml`,
          );
          if (!ours || !theirs || !samePipeline(ours, theirs)) {
            throw refuseForeign('localRepository', name);
          }
          resumeFrom = branch;
        }
      } else {
        remote = gitHosts.resolve(input.repoUrl, 'repoUrl').url;
        const url = new URL(remote);
        const credentials = await gitCredentialsFor(integrations, remote);
        if (credentials) {
          const basic = Buffer.from(
            `${credentials.username}:${credentials.password}`,
          ).toString('base64');
          env = gitConfigEnv({
            [`http.${url.origin}/.extraheader`]: `Authorization: Basic ${basic}`,
          });
        }
        const web = remote.replace(/\.git$/, '');
        repoContentsUrl = `${web}/tree/${branch}/`;
        catalogInfoUrl = `${web}/blob/${branch}/catalog-info.yaml`;
        const refs = await runGit(['ls-remote', '--heads', '--tags', remote], {
          env,
          timeoutMs: 30_000,
          signal: ctx.signal,
        }).catch(error => {
          throw new InputError(
            `repoUrl "${remote}" cannot be read: ${(error as Error).message}`,
          );
        });
        if (refs.trim()) {
          if (!ours || !refs.includes(`\trefs/heads/${branch}`)) {
            throw refuseForeign('repoUrl', remote);
          }
          // Whether the commits are this pipeline's earlier push is read
          // from the branch's catalog-info.yaml, in the push step below.
          resumeFrom = branch;
        }
      }

      ctx.output('remoteUrl', remote);
      ctx.output('repoContentsUrl', repoContentsUrl);
      ctx.output('catalogInfoUrl', catalogInfoUrl);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would push ${sourcePath} to ${remote} (${branch})`,
        );
        ctx.output('commitHash', '');
        return;
      }

      const commitHash = await ctx.checkpoint({
        key: `datastack-publish-${remote}-${branch}`,
        fn: async () => {
          if (input.localRepository && repositories) {
            await repositories.ensure(input.localRepository, branch);
          }
          const gitDir = await fs.mkdtemp(
            path.join(os.tmpdir(), 'datastack-publish-'),
          );
          try {
            const git = (...args: string[]) =>
              runGit(['--git-dir', gitDir, '--work-tree', source, ...args], {
                env,
                signal: ctx.signal,
              });
            const author = authorOf(config);
            await runGit([
              '--git-dir',
              gitDir,
              'init',
              '--quiet',
              `--initial-branch=${branch}`,
            ]);
            if (resumeFrom) {
              // A re-run of the same pipeline: continue from its own branch
              // (fast-forward), or keep it when nothing changed.
              await git('fetch', '--quiet', '--depth', '1', remote, branch);
              const theirs = pipelineOf(
                await git('show', 'FETCH_HEAD:catalog-info.yaml').catch(
                  () => undefined,
                ),
                `${remote} catalog-info.yaml`,
              );
              if (!ours || !theirs || !samePipeline(ours, theirs)) {
                throw refuseForeign(
                  input.localRepository ? 'localRepository' : 'repoUrl',
                  input.localRepository ?? remote,
                );
              }
              const head = (await git('rev-parse', 'FETCH_HEAD')).trim();
              await git('update-ref', `refs/heads/${branch}`, head);
              await git('add', '--all');
              const tree = (await git('write-tree')).trim();
              if (
                tree === (await git('rev-parse', 'FETCH_HEAD^{tree}')).trim()
              ) {
                return head;
              }
            } else {
              await git('add', '--all');
            }
            await git(
              '-c',
              `user.name=${author.name}`,
              '-c',
              `user.email=${author.email}`,
              'commit',
              '--quiet',
              '--message',
              input.commitMessage || 'Initial commit by Datastack',
            );
            await git('push', '--quiet', remote, `HEAD:refs/heads/${branch}`);
            return (await git('rev-parse', 'HEAD')).trim();
          } finally {
            await fs.rm(gitDir, { recursive: true, force: true });
          }
        },
      });
      ctx.logger.info(
        `Pushed ${commitHash.slice(0, 12)} to ${remote} (${branch})`,
      );
      ctx.output('commitHash', commitHash);
    },
  });
}
