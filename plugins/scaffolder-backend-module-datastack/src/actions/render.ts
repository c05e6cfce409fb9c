import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type {
  ComponentRegistry,
  TenancyNaming,
} from '@datastack/plugin-datastack-common';
import type { GitHostPolicy } from '@datastack/plugin-datastack-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import path from 'node:path';
import {
  PIPELINE_LIFECYCLES,
  RenderInput,
  validateRenderInput,
} from '../render/input';
import { renderPipeline } from '../render/renderer';
import {
  applicationOutputs,
  writeWorkspaceFiles,
} from '../render/workspaceFiles';
import { examples } from './render.examples';

/** @public */
export interface RenderActionOptions {
  registry: ComponentRegistry;
  /** Names of the configured Argo CD instances; environments must name one of them when any is configured. */
  argocdInstances: string[];
  /** Which repositories may be named: integration hosts and the local default. */
  gitHosts: GitHostPolicy;
  /** How a team's AppProject and Application namespace are named (datastack.tenancy). */
  naming?: TenancyNaming;
}

/**
 * `datastack:gitops:render`: writes a pipeline's GitOps repository into the
 * task workspace: Helm values per component and environment, an Argo CD
 * Application per component and environment, an app of apps per environment,
 * the dbt project and its schedule, catalog-info.yaml and a README.
 *
 * @public
 */
export function createRenderAction(options: RenderActionOptions) {
  return createTemplateAction({
    id: 'datastack:gitops:render',
    description:
      'Renders the GitOps repository of a data pipeline (Helm values, Argo CD Applications, app of apps, dbt project, catalog entities) into the workspace.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .max(30)
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
            .describe(
              'Pipeline name: a DNS-1123 label of at most 30 characters',
            ),
        owner: z =>
          z
            .string()
            .max(253)
            .regex(
              /^(group:)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[A-Za-z0-9][-_.A-Za-z0-9]*$/,
            )
            .describe(
              'Owning group entity reference, for example group:default/data-platform',
            ),
        system: z =>
          z
            .string()
            .optional()
            .describe('System entity name; defaults to the pipeline name'),
        description: z =>
          z.string().optional().describe('What the pipeline is for'),
        lifecycle: z =>
          z
            .enum(PIPELINE_LIFECYCLES)
            .optional()
            .describe(
              'Catalog lifecycle of the components: experimental (default), production or deprecated',
            ),
        repoUrl: z =>
          z
            .string()
            .optional()
            .describe(
              'Clone URL of the GitOps repository the Applications read values from',
            ),
        localRepository: z =>
          z
            .string()
            .optional()
            .describe(
              'Instead of repoUrl: the name of the local bare repository datastack:gitops:publish creates',
            ),
        repoRevision: z =>
          z
            .string()
            .max(200)
            .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/)
            .optional()
            .describe(
              'Branch or revision of the GitOps repository; default HEAD',
            ),
        automatedSync: z =>
          z
            .boolean()
            .optional()
            .describe('Automated sync with prune and self-heal; default true'),
        targetPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace sub-path to render into; default the workspace root',
            ),
        components: z =>
          z
            .array(
              z.object({
                id: z.string().describe('Registry id, for example trino'),
                version: z
                  .string()
                  .optional()
                  .describe('Chart version; default the registry default'),
                values: z
                  .union([z.string(), z.record(z.string(), z.unknown())])
                  .optional()
                  .describe(
                    'Helm values (mapping or YAML text) for every environment',
                  ),
                topics: z
                  .array(
                    z
                      .string()
                      .max(63)
                      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
                  )
                  .max(100)
                  .optional()
                  .describe(
                    'Kafka only: topic names (DNS-1123 labels), each a KafkaTopic',
                  ),
              }),
            )
            .describe('Data-stack components of the pipeline'),
        environments: z =>
          z
            .array(
              z.object({
                name: z.string().describe('Environment name, for example dev'),
                argocdInstance: z
                  .string()
                  .describe(
                    'Configured Argo CD instance that deploys this environment',
                  ),
                cluster: z.object({
                  server: z
                    .string()
                    .optional()
                    .describe('Destination cluster API URL'),
                  name: z
                    .string()
                    .optional()
                    .describe('Destination cluster name in Argo CD'),
                }),
                namespacePrefix: z
                  .string()
                  .optional()
                  .describe(
                    "Prefix of the components' namespaces; default <pipeline>-<environment>",
                  ),
                size: z
                  .string()
                  .optional()
                  .describe(
                    'small, medium or large: picks default values; default small',
                  ),
                values: z
                  .union([z.string(), z.record(z.string(), z.unknown())])
                  .optional()
                  .describe(
                    'Helm values per component id for this environment',
                  ),
              }),
            )
            .describe(
              'Environments, each an Argo CD instance and a destination cluster',
            ),
      },
      output: {
        files: z =>
          z
            .array(z.string())
            .describe('Paths written, relative to the workspace'),
        applications: z =>
          z
            .record(z.string(), z.array(z.string()))
            .describe('Application names per environment, in sync-wave order'),
        rootApplications: z =>
          z
            .record(z.string(), z.string())
            .describe('App-of-apps Application name per environment'),
        catalogInfoPath: z =>
          z
            .string()
            .describe('Path of catalog-info.yaml, relative to the workspace'),
        project: z =>
          z.string().describe("The owning team's Argo CD AppProject"),
        applicationNamespace: z =>
          z
            .string()
            .describe(
              "The namespace of the team's Argo CD Applications and app of apps",
            ),
      },
    },
    async handler(ctx) {
      const pipeline = validateRenderInput(
        ctx.input as RenderInput,
        options.registry,
        options.argocdInstances,
        {
          resolveRepository: (value, field) =>
            options.gitHosts.resolve(value, field, {
              allowName: field === 'localRepository',
            }).url,
          naming: options.naming,
        },
      );
      const rendered = renderPipeline(pipeline, options.registry);
      const base = resolveSafeChildPath(ctx.workspacePath, pipeline.targetPath);
      const written = await writeWorkspaceFiles(
        ctx.workspacePath,
        base,
        rendered.files,
      );
      ctx.logger.info(
        `Rendered ${pipeline.name}: ${pipeline.components.length} components × ${pipeline.environments.length} environments, ${written.length} files`,
      );
      ctx.output('files', written);
      const outputs = applicationOutputs(rendered);
      ctx.output('applications', outputs.applications);
      ctx.output('rootApplications', outputs.rootApplications);
      ctx.output('project', pipeline.project);
      ctx.output('applicationNamespace', pipeline.argocdNamespace);
      ctx.output(
        'catalogInfoPath',
        path.relative(
          ctx.workspacePath,
          resolveSafeChildPath(base, 'catalog-info.yaml'),
        ),
      );
    },
  });
}
