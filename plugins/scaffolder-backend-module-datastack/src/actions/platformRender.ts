import { InputError, NotAllowedError } from '@backstage/errors';
import {
  ComponentRegistry,
  DEFAULT_TENANCY_NAMING,
  ENVIRONMENT_SIZES,
  EnvironmentSize,
  PLATFORM_PROJECT,
  TenancyNaming,
  datastackPlatformManagePermission,
  formatEntityRef,
  isOperatorBased,
  parseStrictEntityRef,
  teamLabel,
} from '@datastack/plugin-datastack-common';
import type { GitHostPolicy } from '@datastack/plugin-datastack-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import semver from 'semver';
import { gitRevision } from '../render/input';
import { Platform, clusterSlug, renderPlatform } from '../render/platform';
import {
  applicationOutputs,
  writeWorkspaceFiles,
} from '../render/workspaceFiles';
import { examples } from './platformRender.examples';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';

export interface PlatformRenderActionOptions {
  registry: ComponentRegistry;
  /** Names of the configured Argo CD instances; clusters must name one of them when any is configured. */
  argocdInstances: string[];
  /** Which repositories may be named: integration hosts and the local default. */
  gitHosts: GitHostPolicy;
  /** Argo CD's own namespace comes from datastack.tenancy. */
  naming?: TenancyNaming;
  /**
   * Asked for `datastack.platform.manage` on behalf of the task's initiator
   * before anything is written: the platform layer is the platform team's,
   * whatever the template's tags let through.
   */
  permissions: Pick<PermissionsService, 'authorize'>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface PlatformRenderInput {
  name: string;
  owner: string;
  description?: string;
  repoUrl?: string;
  localRepository?: string;
  repoRevision?: string;
  automatedSync?: boolean;
  operators: string[];
  versions?: Record<string, string>;
  clusters: Array<{
    argocdInstance: string;
    cluster: { server?: string; name?: string };
    size?: string;
  }>;
}

/** Cross-field checks the schema cannot make; each InputError names the field. */
export function validatePlatformInput(
  input: PlatformRenderInput,
  options: PlatformRenderActionOptions,
): Platform {
  const parsedOwner = parseStrictEntityRef(input.owner, { kind: 'group' });
  if (!parsedOwner || parsedOwner.kind !== 'group') {
    throw new InputError(
      `owner "${input.owner}" is not a group entity reference such as group:default/platform`,
    );
  }
  const owner = formatEntityRef(parsedOwner);
  if (Boolean(input.repoUrl) === Boolean(input.localRepository)) {
    throw new InputError('Give exactly one of repoUrl or localRepository');
  }
  const repoUrl = input.localRepository
    ? options.gitHosts.resolve(input.localRepository, 'localRepository', {
        allowName: true,
      }).url
    : options.gitHosts.resolve(input.repoUrl!, 'repoUrl', {
        allowName: false,
      }).url;

  const operators: string[] = [];
  input.operators.forEach((id, i) => {
    const definition = options.registry.find(id);
    if (!definition || !isOperatorBased(definition)) {
      throw new InputError(
        `operators[${i}] "${id}" is not an operator Datastack installs; known: ${options.registry
          .list()
          .filter(isOperatorBased)
          .map(d => d.id)
          .join(', ')}`,
      );
    }
    if (operators.includes(id)) {
      throw new InputError(`operators[${i}] "${id}" is listed twice`);
    }
    operators.push(id);
  });
  const versions: Record<string, string> = {};
  for (const [id, version] of Object.entries(input.versions ?? {})) {
    if (!operators.includes(id)) {
      throw new InputError(
        `versions.${id} names an operator that is not in operators`,
      );
    }
    if (semver.valid(version) !== version) {
      throw new InputError(
        `versions.${id} "${version}" must be a SemVer version such as ${
          options.registry.get(id).chart!.version
        }`,
      );
    }
    versions[id] = version;
  }

  const seen = new Set<string>();
  const clusters = input.clusters.map((c, i) => {
    const field = `clusters[${i}]`;
    if (
      options.argocdInstances.length &&
      !options.argocdInstances.includes(c.argocdInstance)
    ) {
      throw new InputError(
        `${field}.argocdInstance "${
          c.argocdInstance
        }" is not a configured Argo CD instance; configured: ${options.argocdInstances.join(
          ', ',
        )}`,
      );
    }
    if (!c.cluster.server === !c.cluster.name) {
      throw new InputError(
        `${field}.cluster needs exactly one of server or name`,
      );
    }
    const key = `${c.argocdInstance}/${clusterSlug(c.cluster)}`;
    if (seen.has(key)) {
      throw new InputError(`${field} names cluster ${key} twice`);
    }
    seen.add(key);
    return {
      argocdInstance: c.argocdInstance,
      cluster: c.cluster.server
        ? { server: c.cluster.server }
        : { name: c.cluster.name },
      size: (c.size ?? 'small') as EnvironmentSize,
    };
  });

  return {
    name: input.name,
    owner,
    team: teamLabel(owner),
    description:
      input.description || `Platform operators of ${owner}, once per cluster`,
    repoUrl,
    repoRevision: gitRevision(input.repoRevision, 'repoRevision'),
    argocdNamespace: (options.naming ?? DEFAULT_TENANCY_NAMING).argocdNamespace,
    automatedSync: input.automatedSync ?? true,
    operators,
    versions,
    clusters,
  };
}

/**
 * `datastack:platform:render`: writes the platform team's cluster add-ons
 * repository into the workspace: per Argo CD instance, an Application per
 * operator and cluster in project `platform`, an app of apps and the
 * platform AppProject; catalog-info.yaml with the platform System and a
 * Component per operator.
 */
export function createPlatformRenderAction(
  options: PlatformRenderActionOptions,
) {
  return createTemplateAction({
    id: 'datastack:platform:render',
    description:
      'Renders the cluster add-ons GitOps repository of the platform operators (Strimzi, Flink operator, Altinity, Spark operator, kube-prometheus-stack): one Argo CD Application per operator and cluster in the platform AppProject, an app of apps per Argo CD instance, catalog entities.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .max(40)
            .regex(DNS_LABEL)
            .describe('Name of the add-ons repository and its System'),
        owner: z =>
          z
            .string()
            .max(253)
            .regex(
              /^(group:)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[A-Za-z0-9][-_.A-Za-z0-9]*$/,
            )
            .describe('The platform group, for example group:default/platform'),
        description: z => z.string().max(500).optional(),
        repoUrl: z =>
          z
            .string()
            .max(500)
            .optional()
            .describe('Clone URL of the add-ons repository'),
        localRepository: z =>
          z
            .string()
            .max(100)
            .regex(DNS_LABEL)
            .optional()
            .describe(
              'Instead of repoUrl: the local bare repository datastack:gitops:publish creates',
            ),
        repoRevision: z =>
          z
            .string()
            .max(200)
            .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/)
            .optional()
            .describe('Branch or revision Argo CD reads; default HEAD'),
        automatedSync: z => z.boolean().optional(),
        operators: z =>
          z
            .array(z.string().max(63).regex(DNS_LABEL))
            .min(1)
            .max(20)
            .describe(
              'Registry ids of the operator-based components: kafka, flink, clickhouse, spark, observability',
            ),
        versions: z =>
          z
            .record(
              z.string().max(63).regex(DNS_LABEL),
              z
                .string()
                .max(64)
                .regex(/^[0-9]+\.[0-9]+\.[0-9]+[-+.0-9A-Za-z]*$/),
            )
            .optional()
            .describe("Operator chart version per id; default the registry's"),
        clusters: z =>
          z
            .array(
              z.object({
                argocdInstance: z
                  .string()
                  .max(63)
                  .regex(DNS_LABEL)
                  .describe('Configured Argo CD instance managing the cluster'),
                cluster: z.object({
                  server: z
                    .string()
                    .max(500)
                    .regex(/^https:\/\/[^\s]+$/)
                    .optional(),
                  name: z
                    .string()
                    .max(253)
                    .regex(/^[a-zA-Z0-9][a-zA-Z0-9-_.@:]*$/)
                    .optional(),
                }),
                size: z.enum(ENVIRONMENT_SIZES).optional(),
              }),
            )
            .min(1)
            .max(50)
            .describe('Clusters to install the operators on'),
      },
      output: {
        files: z => z.array(z.string()),
        applications: z =>
          z
            .record(z.string(), z.array(z.string()))
            .describe('Operator Application names per Argo CD instance'),
        rootApplications: z => z.record(z.string(), z.string()),
        project: z => z.string(),
        catalogInfoPath: z => z.string(),
      },
    },
    async handler(ctx) {
      const platform = validatePlatformInput(
        ctx.input as PlatformRenderInput,
        options,
      );
      const [decision] = await options.permissions.authorize(
        [{ permission: datastackPlatformManagePermission }],
        { credentials: await ctx.getInitiatorCredentials() },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `Only the platform team may render the platform layer (datastack.platform.manage); nothing was written`,
        );
      }
      const rendered = renderPlatform(platform, options.registry);
      const written = await writeWorkspaceFiles(
        ctx.workspacePath,
        ctx.workspacePath,
        rendered.files,
      );
      ctx.logger.info(
        `Rendered ${platform.name}: ${platform.operators.length} operators on ${platform.clusters.length} clusters, ${written.length} files`,
      );
      ctx.output('files', written);
      const outputs = applicationOutputs(rendered);
      ctx.output('applications', outputs.applications);
      ctx.output('rootApplications', outputs.rootApplications);
      ctx.output('project', PLATFORM_PROJECT);
      ctx.output('catalogInfoPath', 'catalog-info.yaml');
    },
  });
}
