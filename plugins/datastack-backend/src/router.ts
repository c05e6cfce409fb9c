import type {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { z } from 'zod';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ComponentRegistry,
  DatastackStatus,
  ROLLUP_ORDER,
  datastackApplicationSyncPermission,
  datastackClusterReadPermission,
  datastackFleetReadPermission,
  datastackHealthReadPermission,
  datastackUpgradeReadPermission,
  datastackUpgradeProposePermission,
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_GITOPS_REPO,
  dnsLabelSchema,
  isDatastackPipeline,
  ANNOTATION_DATASTACK_PIPELINE,
  semverSchema,
} from '@datastack/plugin-datastack-common';
import type {
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import express from 'express';
import Router from 'express-promise-router';
import type { ArgoCdInstancesService } from './services/ArgoCdInstancesService';
import type { EntityHealthService } from './services/health/EntityHealthService';
import type { FleetService } from './services/health/FleetService';
import type { ClusterHealthService } from './services/clusters/ClusterHealthService';
import type { UpgradeService } from './services/upgrades/UpgradeService';
import type { ChartBumper } from '@datastack/plugin-datastack-node';
import type { ChartVersionsService } from './services/upgrades/ChartVersionsService';

const entityPart = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be an entity name part');
const entityParams = z.object({
  namespace: entityPart,
  kind: entityPart,
  name: entityPart,
});
const applicationParams = entityParams.extend({
  instance: entityPart,
  application: entityPart,
  action: z.enum(['sync', 'refresh']),
});
const fleetQuery = z
  .object({
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    component: entityPart.optional(),
    environment: entityPart.optional(),
    pipeline: entityPart.optional(),
    status: z.enum(ROLLUP_ORDER).optional(),
    owner: z
      .string()
      .regex(
        /^[a-z0-9._-]+:[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/i,
        'must be an entity ref such as group:default/team-a',
      )
      .optional(),
  })
  .strict();

const pipelineParams = z.object({ namespace: entityPart, name: entityPart });
const proposalBody = z
  .object({
    version: semverSchema,
    environments: z.array(dnsLabelSchema).min(1).max(20).optional(),
  })
  .strict();
const valuesQuery = z
  .object({ from: semverSchema.optional(), to: semverSchema })
  .strict();

/** Parses with zod; a failure is an InputError naming the field. */
function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || what;
    throw new InputError(`${what} ${field}: ${issue.message}`);
  }
  return parsed.data;
}

export interface RouterOptions {
  /** Answers the readiness route. */
  status: () => Promise<DatastackStatus>;
  /** The component registry, with app-config overrides applied. */
  registry: ComponentRegistry;
  instances: ArgoCdInstancesService;
  health: EntityHealthService;
  fleet: FleetService;
  clusters: ClusterHealthService;
  upgrades: UpgradeService;
  chartVersions: ChartVersionsService;
  /** Writes a proposed upgrade into a pipeline's GitOps repository. */
  bumper: Pick<ChartBumper, 'propose'>;
  catalog: CatalogService;
  auditor: AuditorService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
}

/**
 * The Datastack HTTP API. Routes only parse and authorise; the answers come
 * from the service classes handed in.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const router = Router();

  /** The entity of the path, after the permission check on it. */
  async function authorizedEntity(
    req: express.Request,
    ref: { namespace: string; kind: string; name: string },
    permission: ResourcePermission<'catalog-entity'>,
    verb: string,
  ) {
    const credentials = await options.httpAuth.credentials(req);
    const entityRef = stringifyEntityRef(ref);
    // Both calls at once: the entity is only used once the decision allows it.
    const [[decision], entity] = await Promise.all([
      options.permissions.authorize([{ permission, resourceRef: entityRef }], {
        credentials,
      }),
      options.catalog.getEntityByRef(entityRef, { credentials }),
    ]);
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed to ${verb} ${entityRef}`);
    }
    if (!entity) {
      throw new NotFoundError(`No entity ${entityRef} in the catalog`);
    }
    return entity;
  }

  /** Asks the policy for a permission that concerns no one entity. */
  async function authorizeBasic(
    req: express.Request,
    permission: BasicPermission,
    verb: string,
  ) {
    const credentials = await options.httpAuth.credentials(req);
    const [decision] = await options.permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed to ${verb}`);
    }
  }

  router.use(express.json({ limit: '1mb' }));

  /** Readiness: the plugin is up and knows its configuration. */
  router.get('/status', async (_req, res) => {
    res.json(await options.status());
  });

  /** The data-stack components the platform offers. */
  router.get('/components', async (_req, res) => {
    res.json({ items: options.registry.list() });
  });

  /**
   * The configured Argo CD instances and their clusters (for the template's
   * pickers and the cluster panel). Each instance is its own row: one that
   * fails says so without failing the answer.
   */
  router.get('/argocd/instances', async (req, res) => {
    await authorizeBasic(
      req,
      datastackClusterReadPermission,
      'read Argo CD instances',
    );
    res.json({ items: await options.instances.list() });
  });

  /**
   * Deployment health of one entity: a row per Argo CD instance, each
   * Application with sync, health, operation, version, images, failing
   * resources and data-stack findings.
   */
  router.get('/health/entity/:namespace/:kind/:name', async (req, res) => {
    const entity = await authorizedEntity(
      req,
      parse(entityParams, req.params, 'path parameter'),
      datastackHealthReadPermission,
      'read the health of',
    );
    res.json(await options.health.forEntity(entity));
  });

  /**
   * Sync or refresh one Application of an entity, behind the write
   * permission, audited. The Application must be one of the entity's.
   */
  router.post(
    '/health/entity/:namespace/:kind/:name/applications/:instance/:application/:action',
    async (req, res) => {
      const params = parse(applicationParams, req.params, 'path parameter');
      const entity = await authorizedEntity(
        req,
        params,
        datastackApplicationSyncPermission,
        'sync the Applications of',
      );
      const current = await options.health.forEntity(entity);
      const known = current.rows.some(
        r =>
          r.instance === params.instance &&
          r.applications.some(a => a.name === params.application),
      );
      if (!known) {
        throw new NotFoundError(
          `Application ${params.application} on Argo CD instance "${params.instance}" is not one of ${current.entityRef}'s`,
        );
      }
      const client = options.health.client(params.instance);
      const event = await options.auditor.createEvent({
        eventId: `application-${params.action}`,
        severityLevel: params.action === 'sync' ? 'medium' : 'low',
        request: req,
        meta: {
          entityRef: current.entityRef,
          instance: params.instance,
          application: params.application,
        },
      });
      try {
        if (params.action === 'sync') {
          await client.syncApplication(params.application);
        } else {
          await client.getApplication(params.application, {
            refresh: 'normal',
          });
        }
        await options.health.invalidate(entity);
        await event.success();
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
      res.json(await options.health.forEntity(entity));
    },
  );

  /**
   * Cluster health: every configured Kubernetes cluster (version, nodes,
   * when last seen) and every Argo CD instance with the clusters it reports.
   */
  router.get('/health/clusters', async (req, res) => {
    await authorizeBasic(
      req,
      datastackClusterReadPermission,
      'read cluster health',
    );
    const [clusters, argocd] = await Promise.all([
      options.clusters.list(),
      options.instances.list(),
    ]);
    res.json({ clusters, argocd });
  });

  /** Every data-stack component × environment, a page at a time. */
  router.get('/health/fleet', async (req, res) => {
    const query = parse(fleetQuery, req.query, 'query parameter');
    await authorizeBasic(req, datastackFleetReadPermission, 'read the fleet');
    res.json(await options.fleet.page(query));
  });

  /**
   * Upgrade compatibility of one entity: the deployed versions and every
   * newer chart version checked against each cluster, the pipeline and the
   * registry, with the values changes to the recommended one.
   */
  router.get('/upgrades/entity/:namespace/:kind/:name', async (req, res) => {
    const entity = await authorizedEntity(
      req,
      parse(entityParams, req.params, 'path parameter'),
      datastackUpgradeReadPermission,
      'read the upgrades of',
    );
    res.json(await options.upgrades.forEntity(entity));
  });

  /** Values changes between two chart versions of an entity's component. */
  router.get(
    '/upgrades/entity/:namespace/:kind/:name/values',
    async (req, res) => {
      const params = parse(entityParams, req.params, 'path parameter');
      const query = parse(valuesQuery, req.query, 'query parameter');
      const entity = await authorizedEntity(
        req,
        params,
        datastackUpgradeReadPermission,
        'read the upgrades of',
      );
      res.json(await options.upgrades.valuesDiff(entity, query));
    },
  );

  /**
   * Proposes an upgrade: the chart version bump of the entity's component, as
   * a branch (and a pull or merge request where the host has them) of its
   * pipeline's GitOps repository. Behind the propose permission, audited.
   */
  router.post(
    '/upgrades/entity/:namespace/:kind/:name/propose',
    async (req, res) => {
      const params = parse(entityParams, req.params, 'path parameter');
      const body = parse(proposalBody, req.body ?? {}, 'body');
      const entity = await authorizedEntity(
        req,
        params,
        datastackUpgradeProposePermission,
        'propose upgrades of',
      );
      const annotations = entity.metadata.annotations ?? {};
      const componentId = annotations[ANNOTATION_DATASTACK_COMPONENT];
      const pipeline = annotations[ANNOTATION_DATASTACK_PIPELINE];
      const entityRef = stringifyEntityRef(entity);
      if (!componentId || !pipeline) {
        throw new InputError(
          `${entityRef} needs the ${ANNOTATION_DATASTACK_COMPONENT} and ${ANNOTATION_DATASTACK_PIPELINE} annotations for an upgrade to be proposed`,
        );
      }
      const systemRef = stringifyEntityRef({
        kind: 'system',
        namespace: entity.metadata.namespace ?? 'default',
        name: pipeline,
      });
      const system = await options.catalog.getEntityByRef(systemRef, {
        credentials: await options.httpAuth.credentials(req),
      });
      const repository =
        system?.metadata.annotations?.[ANNOTATION_DATASTACK_GITOPS_REPO];
      if (!repository) {
        throw new InputError(
          `${systemRef} ${
            system
              ? `has no ${ANNOTATION_DATASTACK_GITOPS_REPO} annotation`
              : 'is not in the catalog'
          }: the GitOps repository of pipeline "${pipeline}" is unknown`,
        );
      }
      const releases = await options.chartVersions.releases(componentId);
      if (
        releases.state.status !== 'unknown' &&
        !releases.releases.some(r => r.chartVersion === body.version)
      ) {
        throw new InputError(
          `body version: ${body.version} is not a published version of ${releases.state.chart} (latest ${releases.state.latest})`,
        );
      }
      const event = await options.auditor.createEvent({
        eventId: 'upgrade-propose',
        severityLevel: 'medium',
        request: req,
        meta: { entityRef, pipeline, componentId, version: body.version },
      });
      try {
        const proposal = await options.bumper.propose({
          repository,
          pipeline,
          componentId,
          version: body.version,
          environments: body.environments,
          title: `Upgrade ${componentId} of ${pipeline} to ${body.version}`,
          description: `Proposed from the Backstage entity ${entityRef} by Datastack.`,
        });
        await event.success({ meta: { branch: proposal.branch } });
        res.status(201).json(proposal);
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    },
  );

  /** The ordered upgrade plan of a pipeline, from its System entity. */
  router.get('/upgrades/pipeline/:namespace/:name', async (req, res) => {
    const params = parse(pipelineParams, req.params, 'path parameter');
    const entity = await authorizedEntity(
      req,
      { ...params, kind: 'system' },
      datastackUpgradeReadPermission,
      'read the upgrades of',
    );
    if (!isDatastackPipeline(entity)) {
      throw new InputError(
        `system:${params.namespace}/${params.name} is not a Datastack pipeline (no ${ANNOTATION_DATASTACK_PIPELINE} annotation)`,
      );
    }
    res.json(
      await options.upgrades.planForPipeline(
        entity.metadata.annotations![ANNOTATION_DATASTACK_PIPELINE],
      ),
    );
  });

  /** The ordered upgrade plan of every deployed data-stack component. */
  router.get('/upgrades/fleet', async (req, res) => {
    parse(z.object({}).strict(), req.query, 'query parameter');
    await authorizeBasic(req, datastackFleetReadPermission, 'read the fleet');
    res.json(await options.upgrades.planForFleet());
  });

  /** What each component's chart repository holds, and when it was last read. */
  router.get('/upgrades/charts', async (req, res) => {
    parse(z.object({}).strict(), req.query, 'query parameter');
    await authorizeBasic(req, datastackFleetReadPermission, 'read the fleet');
    res.json({ items: await options.chartVersions.states() });
  });

  return router;
}
