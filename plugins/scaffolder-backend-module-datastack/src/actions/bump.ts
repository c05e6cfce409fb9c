import { InputError, NotAllowedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ANNOTATION_DATASTACK_GITOPS_REPO,
  ANNOTATION_DATASTACK_PIPELINE,
  DNS_1123_LABEL,
  DNS_1123_LABEL_MAX,
  formatEntityRef,
  parseStrictEntityRef,
} from '@datastack/plugin-datastack-common';
import {
  BRANCH_PATTERN,
  CHART_VERSION_PATTERN,
  EMAIL_PATTERN,
  type ChartBumper,
  type GitHostPolicy,
} from '@datastack/plugin-datastack-node';
import type { OwnershipGuard } from '../tenancy/OwnershipGuard';
import { examples } from './bump.examples';

export interface BumpActionOptions {
  /** The shared core that clones, edits, pushes and opens the pull request. */
  bumper: ChartBumper;
  /** Where the pipeline's System, its owner and its recorded repository are read. */
  catalog: CatalogService;
  /** Proves the task's user may act for the System's owner. */
  guard: OwnershipGuard;
  /** Resolves both the input and the recorded repository to compare them. */
  gitHosts: GitHostPolicy;
}

/**
 * `datastack:gitops:bump`: proposes a chart upgrade of one component of a
 * pipeline as a branch of its GitOps repository (the chart source's
 * `targetRevision` in each environment's Application), with a pull request on
 * GitHub or Gitea or a merge request on GitLab; for the local default only the
 * branch. Argo CD rolls the upgrade out once the change is merged.
 */
export function createBumpAction(options: BumpActionOptions) {
  const { bumper, catalog, guard, gitHosts } = options;
  return createTemplateAction({
    id: 'datastack:gitops:bump',
    description:
      "Proposes a chart version upgrade of one component as a branch of the pipeline's GitOps repository, with a pull or merge request where the host has one.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repository: z =>
          z
            .string()
            .min(1)
            .max(2048)
            .describe(
              'The GitOps repository, as the System annotation datastack.io/gitops-repo holds it: a local repository (name, file:// URL or path under datastack.gitops.localRoot) or an http(s) clone URL',
            ),
        pipeline: z =>
          z
            .string()
            .max(DNS_1123_LABEL_MAX)
            .regex(DNS_1123_LABEL)
            .describe('Pipeline name (datastack.io/pipeline)'),
        componentId: z =>
          z
            .string()
            .max(DNS_1123_LABEL_MAX)
            .regex(DNS_1123_LABEL)
            .describe('Registry id of the component, for example trino'),
        version: z =>
          z
            .string()
            .max(128)
            .regex(CHART_VERSION_PATTERN)
            .describe(
              'Chart version to move to (SemVer 2, without a leading v or spaces)',
            ),
        environments: z =>
          z
            .array(z.string().max(DNS_1123_LABEL_MAX).regex(DNS_1123_LABEL))
            .min(1)
            .max(20)
            .optional()
            .describe(
              "Environments to bump; default every environment that has the component's Application",
            ),
        branch: z =>
          z
            .string()
            .max(200)
            .regex(BRANCH_PATTERN)
            .optional()
            .describe(
              'Branch to create; default datastack/upgrade-<componentId>-<version>',
            ),
        baseBranch: z =>
          z
            .string()
            .max(200)
            .regex(BRANCH_PATTERN)
            .optional()
            .describe(
              "Branch to start from and merge into; default the repository's default branch",
            ),
        title: z =>
          z
            .string()
            .min(1)
            .max(200)
            .regex(/^[^\r\n]+$/)
            .optional()
            .describe('Commit and pull request title, one line'),
        description: z =>
          z
            .string()
            .max(20_000)
            .optional()
            .describe('Pull request description'),
        author: z =>
          z
            .object({
              name: z
                .string()
                .min(1)
                .max(200)
                .regex(/^[^\r\n]+$/)
                .describe('Commit author name'),
              email: z
                .string()
                .max(254)
                .regex(EMAIL_PATTERN)
                .describe('Commit author email'),
            })
            .optional()
            .describe('Commit author; default scaffolder.defaultAuthor'),
      },
      output: {
        branch: z => z.string().describe('The branch the bump was pushed to'),
        commitHash: z =>
          z.string().describe('The pushed commit; empty in a dry run'),
        files: z =>
          z
            .array(z.string())
            .describe('Application files changed, relative to the repository'),
        pullRequestUrl: z =>
          z
            .string()
            .optional()
            .describe(
              'The pull or merge request; absent for a local repository or a host without one',
            ),
        repository: z =>
          z.string().describe('Clone URL of the repository pushed to'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      // Only the repository recorded on the pipeline's System, and only for
      // a member of the team that owns it: checked before any git call.
      const wanted = gitHosts.resolve(input.repository, 'repository', {
        allowName: true,
      }).url;
      const systemRef = `system:default/${input.pipeline}`;
      const system = await catalog.getEntityByRef(systemRef, {
        credentials: await ctx.getInitiatorCredentials(),
      });
      if (
        !system ||
        system.metadata.annotations?.[ANNOTATION_DATASTACK_PIPELINE] !==
          input.pipeline
      ) {
        throw new InputError(
          `pipeline "${input.pipeline}" has no Datastack System (${systemRef}) in the catalog`,
        );
      }
      const recorded =
        system.metadata.annotations?.[ANNOTATION_DATASTACK_GITOPS_REPO];
      if (
        !recorded ||
        gitHosts.resolve(recorded, ANNOTATION_DATASTACK_GITOPS_REPO, {
          allowName: true,
        }).url !== wanted
      ) {
        throw new NotAllowedError(
          `repository is not the one recorded on ${systemRef} (${ANNOTATION_DATASTACK_GITOPS_REPO}); Datastack proposes upgrades only there`,
        );
      }
      const owner = parseStrictEntityRef(
        String((system.spec as { owner?: unknown } | undefined)?.owner ?? ''),
        { kind: 'group' },
      );
      if (!owner) {
        throw new InputError(`${systemRef} has no owner`);
      }
      await guard.assertMayActFor(ctx, formatEntityRef(owner));
      const request = {
        repository: input.repository,
        pipeline: input.pipeline,
        componentId: input.componentId,
        version: input.version,
        environments: input.environments,
        branch: input.branch,
        baseBranch: input.baseBranch,
        title: input.title,
        description: input.description,
        author: input.author,
      };

      if (ctx.isDryRun) {
        // Validates, clones and edits for real; commits and pushes nothing.
        const proposal = await bumper.propose(request, {
          dryRun: true,
          signal: ctx.signal,
          logger: ctx.logger,
        });
        ctx.output('branch', proposal.branch);
        ctx.output('commitHash', '');
        ctx.output('files', proposal.files);
        ctx.output('repository', proposal.repository);
        return;
      }

      // A retried task returns the proposal it already pushed instead of
      // meeting its own branch as a conflict.
      const proposal = await ctx.checkpoint({
        key: `datastack-bump-${input.repository}-${input.pipeline}-${
          input.componentId
        }-${input.version}-${input.branch ?? ''}-${(
          input.environments ?? []
        ).join(',')}`,
        fn: async () => {
          const result = await bumper.propose(request, {
            signal: ctx.signal,
            logger: ctx.logger,
          });
          return {
            branch: result.branch,
            commitHash: result.commitHash,
            files: result.files,
            repository: result.repository,
            ...(result.pullRequestUrl
              ? { pullRequestUrl: result.pullRequestUrl }
              : {}),
          };
        },
      });
      ctx.output('branch', proposal.branch);
      ctx.output('commitHash', proposal.commitHash);
      ctx.output('files', proposal.files);
      ctx.output('repository', proposal.repository);
      if (proposal.pullRequestUrl) {
        ctx.output('pullRequestUrl', proposal.pullRequestUrl);
      }
    },
  });
}
