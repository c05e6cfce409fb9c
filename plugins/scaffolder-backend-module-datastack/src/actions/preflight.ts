import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
  ComponentRegistry,
  LABEL_COMPONENT,
  formatEntityRef,
  parseStrictEntityRef,
  sameEntityRef,
} from '@datastack/plugin-datastack-common';
import type { ArgoCdClient } from '@datastack/plugin-datastack-node';
import path from 'node:path';
import { safeRelativePath } from '../render/input';
import { checkOperators } from '../preflight/operators';
import { ANNOTATION_OPERATOR_VERSION } from '../render/renderer';
import type { OwnershipGuard } from '../tenancy/OwnershipGuard';
import {
  assertApplicationsOwned,
  planProjectWrites,
} from '../tenancy/preWriteChecks';
import { ownerOf, readManifests, readYamlFile } from '../tenancy/workspace';
import { examples } from './preflight.examples';

export interface PreflightActionOptions {
  registry: ComponentRegistry;
  catalog: CatalogService;
  clients: Map<string, ArgoCdClient>;
  guard: OwnershipGuard;
  createProjects: boolean;
}

interface RenderedEntity {
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
  };
  spec?: { owner?: string };
}

/** `group:default/x` for an entity's `spec.owner` as the catalog stores it (`x`, `default/x`, `group:x`). */
function ownerRefOf(owner: string | undefined): string | undefined {
  if (!owner) return undefined;
  const parsed = parseStrictEntityRef(owner, { kind: 'group' });
  return parsed ? formatEntityRef(parsed) : undefined;
}

/**
 * `datastack:pipeline:preflight`: everything that must hold before a
 * pipeline is published, checked without writing anything: the task's user
 * may act for the owner; every catalog entity the pipeline registers is
 * absent or already this pipeline's; on each Argo CD instance the team's
 * AppProject exists and allows the pipeline (or may be created), every
 * Application of that name is absent or this pipeline's, and every
 * operator the pipeline's custom resources need is on its destination
 * cluster, healthy, at a version that serves them. Every problem found is
 * reported at once, naming what to fix.
 */
export function createPreflightAction(options: PreflightActionOptions) {
  const { registry, catalog, clients, guard } = options;
  return createTemplateAction({
    id: 'datastack:pipeline:preflight',
    description:
      'Checks, before anything is published, that the pipeline rendered into the workspace is the caller’s to create: catalog entities, Argo CD AppProject and Applications, and the platform operators on every destination cluster.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        sourcePath: z =>
          z
            .string()
            .max(200)
            .optional()
            .describe(
              'Workspace sub-path datastack:gitops:render wrote to; default the workspace root',
            ),
      },
      output: {
        checks: z =>
          z
            .array(z.string())
            .describe('What was checked and found in order, one line each'),
      },
    },
    async handler(ctx) {
      const sourcePath = safeRelativePath(ctx.input.sourcePath, 'sourcePath');
      const base = resolveSafeChildPath(ctx.workspacePath, sourcePath);
      const { planned, projects } = await readManifests(base);
      const owner = ownerOf(planned, projects);
      const entitlement = await guard.assertMayActFor(ctx, owner);
      const checks = [
        `${
          entitlement === 'admin' ? 'A platform admin' : 'A member'
        } acts for ${owner}`,
      ];

      const entities = (await readYamlFile(
        path.join(base, 'catalog-info.yaml'),
        path.posix.join(sourcePath, 'catalog-info.yaml'),
      )) as Array<RenderedEntity | null>;
      const system = entities.find(
        e =>
          e?.kind === 'System' &&
          e.metadata?.annotations?.[ANNOTATION_DATASTACK_PIPELINE],
      );
      const pipeline =
        system?.metadata.annotations?.[ANNOTATION_DATASTACK_PIPELINE];
      if (!system || !pipeline) {
        throw new InputError(
          `${path.posix.join(
            sourcePath,
            'catalog-info.yaml',
          )} has no pipeline System: run datastack:gitops:render first`,
        );
      }

      // Catalog: an entity of the same name must be this pipeline's.
      const credentials = await ctx.getInitiatorCredentials();
      for (const entity of entities) {
        if (!entity?.kind || !entity.metadata?.name) continue;
        const ref = `${entity.kind.toLocaleLowerCase('en-US')}:${
          entity.metadata.namespace ?? 'default'
        }/${entity.metadata.name}`;
        const existing = await catalog.getEntityByRef(ref, { credentials });
        if (!existing) continue;
        const theirPipeline =
          existing.metadata.annotations?.[ANNOTATION_DATASTACK_PIPELINE];
        const theirOwner = ownerRefOf(
          (existing.spec as { owner?: string } | undefined)?.owner,
        );
        if (theirPipeline !== pipeline || !sameEntityRef(theirOwner, owner)) {
          throw new ConflictError(
            `${ref} already exists in the catalog${
              theirOwner ? `, owned by ${theirOwner}` : ''
            }${
              theirPipeline && theirPipeline !== pipeline
                ? ` (pipeline ${theirPipeline})`
                : ''
            }; pick another pipeline name. Nothing was published`,
          );
        }
      }
      checks.push(
        `Catalog: ${entities.length} entities are new or already pipeline ${pipeline}'s`,
      );

      if (clients.size === 0) {
        checks.push('Argo CD: no instance is configured; nothing to check');
      } else {
        const writes = await planProjectWrites({
          projects,
          clients,
          owner,
          createProjects: options.createProjects,
          signal: ctx.signal,
        });
        checks.push(
          writes.length
            ? `Argo CD: AppProject ${writes
                .map(
                  w =>
                    `${w.project.metadata.name} will be ${
                      w.create ? 'created' : 'extended'
                    } on ${w.instance}`,
                )
                .join(', ')}`
            : `Argo CD: the team's AppProject allows the pipeline on ${[
                ...new Set(projects.map(p => p.instance)),
              ].join(', ')}`,
        );
        await assertApplicationsOwned({
          planned,
          clients,
          owner,
          signal: ctx.signal,
        });
        checks.push(
          `Argo CD: ${planned.length} Applications are new or already the pipeline's`,
        );

        const components = entities
          .map(e => e?.metadata?.annotations?.[ANNOTATION_DATASTACK_COMPONENT])
          .filter((id): id is string => Boolean(id));
        const environments = [
          ...new Set(planned.map(p => p.environment)),
        ].flatMap(name => {
          const app = planned.find(p => p.environment === name && !p.root);
          if (!app) return [];
          const { server, name: clusterName } =
            app.application.spec.destination;
          return [
            {
              name,
              argocdInstance: app.instance,
              cluster: server ? { server } : { name: clusterName },
            },
          ];
        });
        // The operator version each instance was rendered for (its CR apiVersions).
        const operatorVersions: Record<string, string> = {};
        for (const p of planned) {
          const annotations = p.application.metadata.annotations ?? {};
          const id = p.application.metadata.labels?.[LABEL_COMPONENT];
          const version = annotations[ANNOTATION_OPERATOR_VERSION];
          if (id && version) operatorVersions[id] = version;
        }
        const problems = await checkOperators({
          registry,
          components,
          environments,
          clients,
          operatorVersions,
          signal: ctx.signal,
        });
        if (problems.length) {
          throw new InputError(
            `The platform layer is not ready for ${pipeline}: ${problems
              .map(p => p.message)
              .join('; ')}. Nothing was published`,
          );
        }
        checks.push(
          'Platform operators: every operator the pipeline needs is on its clusters',
        );
      }
      for (const line of checks) ctx.logger.info(line);
      ctx.output('checks', checks);
    },
  });
}
