import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  LocalGitRepositories,
  gitConfigEnv,
  gitCredentialsFor,
  runGit,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { safeRelativePath } from '../render/input';
import { examples } from './publish.examples';

export interface PublishActionOptions {
  integrations: ScmIntegrationRegistry;
  repositories: LocalGitRepositories;
  config: Config;
}

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,100}(?<![./])$/;

/**
 * `datastack:gitops:publish`: pushes the workspace (or a sub-path) as the
 * initial commit of a repository: a bare repository under
 * `datastack.gitops.localRoot` (the embedded default), or any existing, empty
 * http(s) git repository with credentials from Backstage's integrations.
 * Refuses to overwrite a repository that already has commits.
 */
export function createPublishAction(options: PublishActionOptions) {
  const { integrations, repositories, config } = options;
  return createTemplateAction({
    id: 'datastack:gitops:publish',
    description:
      'Pushes the workspace as the initial commit of a GitOps repository: a local bare repository (the default) or an empty http(s) git repository.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
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
            .optional()
            .describe('http(s) clone URL of an existing, empty repository'),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace sub-path to publish; default the workspace root',
            ),
        defaultBranch: z =>
          z.string().optional().describe('Branch to push; default main'),
        commitMessage: z =>
          z.string().optional().describe('Message of the initial commit'),
      },
      output: {
        remoteUrl: z => z.string().describe('Clone URL of the repository'),
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
      if (Boolean(input.localRepository) === Boolean(input.repoUrl)) {
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

      let remote: string;
      let env: Record<string, string> = {};
      let repoContentsUrl: string;
      let catalogInfoUrl: string;
      if (input.localRepository) {
        const name = input.localRepository;
        remote = repositories.cloneUrl(name); // validates the name
        repoContentsUrl = repositories.contentsUrl(name, branch);
        catalogInfoUrl = repositories.fileUrl(
          name,
          branch,
          'catalog-info.yaml',
        );
        if (await repositories.hasContent(name)) {
          throw new InputError(
            `localRepository "${name}" already has commits; Datastack never overwrites a repository`,
          );
        }
      } else {
        remote = input.repoUrl!;
        let url: URL;
        try {
          url = new URL(remote);
        } catch {
          throw new InputError(`repoUrl "${remote}" is not a URL`);
        }
        if (
          !['https:', 'http:'].includes(url.protocol) ||
          url.username ||
          url.password
        ) {
          throw new InputError(
            `repoUrl "${remote}" must be an http(s) URL without credentials in it; credentials come from the integrations config`,
          );
        }
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
          throw new InputError(
            `repoUrl "${remote}" already has commits; Datastack never overwrites a repository`,
          );
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
          if (input.localRepository) {
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
            const author = {
              name:
                config.getOptionalString('scaffolder.defaultAuthor.name') ??
                'Datastack',
              email:
                config.getOptionalString('scaffolder.defaultAuthor.email') ??
                'datastack@localhost',
            };
            await runGit([
              '--git-dir',
              gitDir,
              'init',
              '--quiet',
              `--initial-branch=${branch}`,
            ]);
            await git('add', '--all');
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
