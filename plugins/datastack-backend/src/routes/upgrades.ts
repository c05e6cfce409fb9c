import {
  ANNOTATION_DATASTACK_PIPELINE,
  datastackChartsRefreshPermission,
  datastackFleetReadPermission,
  datastackUpgradeProposePermission,
  datastackUpgradeReadPermission,
  dnsLabelSchema,
  isDatastackPipeline,
  semverSchema,
} from '@datastack/plugin-datastack-common';
import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type express from 'express';
import { z } from 'zod';
import type { ChartVersionsService } from '../services/upgrades/ChartVersionsService';
import type { ProposeService } from '../services/upgrades/ProposeService';
import type { UpgradeService } from '../services/upgrades/UpgradeService';
import { Authorizers, entityParams, entityPart, parse } from './common';

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
const noQuery = z.object({}).strict();
const chartParams = z.object({ componentId: dnsLabelSchema });

export interface UpgradeRoutesOptions {
  auth: Authorizers;
  httpAuth: HttpAuthService;
  upgrades: UpgradeService;
  propose: ProposeService;
  chartVersions: ChartVersionsService;
}

/** Upgrade compatibility of entities, pipelines and the fleet; proposals. */
export function addUpgradeRoutes(
  router: express.Router,
  options: UpgradeRoutesOptions,
) {
  const { auth } = options;

  /**
   * Upgrade compatibility of one entity: the deployed versions and every
   * newer chart version checked against each cluster, the pipeline and the
   * registry, with the values changes to the recommended one.
   */
  router.get('/upgrades/entity/:namespace/:kind/:name', async (req, res) => {
    const entity = await auth.authorizedEntity(
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
      const entity = await auth.authorizedEntity(
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
   * a branch (and a pull or merge request where the host has them) of the
   * GitOps repository of its own System. Behind the propose permission on
   * the Component and on the System, audited.
   */
  router.post(
    '/upgrades/entity/:namespace/:kind/:name/propose',
    async (req, res) => {
      const params = parse(entityParams, req.params, 'path parameter');
      const body = parse(proposalBody, req.body ?? {}, 'body');
      const entity = await auth.authorizedEntity(
        req,
        params,
        datastackUpgradeProposePermission,
        'propose upgrades of',
      );
      const proposal = await options.propose.propose(entity, body, {
        credentials: await options.httpAuth.credentials(req),
        request: req,
      });
      res.status(201).json(proposal);
    },
  );

  /** The ordered upgrade plan of a pipeline, from its System entity. */
  router.get('/upgrades/pipeline/:namespace/:name', async (req, res) => {
    const params = parse(pipelineParams, req.params, 'path parameter');
    const entity = await auth.authorizedEntity(
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
    parse(noQuery, req.query, 'query parameter');
    await auth.authorizeBasic(
      req,
      datastackFleetReadPermission,
      'read the fleet',
    );
    res.json(await options.upgrades.planForFleet());
  });

  /** What each component's chart repository holds, and when it was last read. */
  router.get('/upgrades/charts', async (req, res) => {
    parse(noQuery, req.query, 'query parameter');
    await auth.authorizeBasic(
      req,
      datastackFleetReadPermission,
      'read the fleet',
    );
    res.json({ items: await options.chartVersions.states() });
  });

  /** Refetch one component's chart repository now; answers its fresh state. */
  router.post('/upgrades/charts/:componentId/refresh', async (req, res) => {
    const { componentId } = parse(chartParams, req.params, 'path parameter');
    parse(noQuery, req.query, 'query parameter');
    await auth.authorizeBasic(
      req,
      datastackChartsRefreshPermission,
      'refresh chart repositories',
    );
    res.json(await options.upgrades.refreshCharts(componentId));
  });
}
