import {
  ComponentRegistry,
  DatastackStatus,
  datastackClusterReadPermission,
} from '@datastack/plugin-datastack-common';
import type express from 'express';
import { z } from 'zod';
import type { ArgoCdInstancesService } from '../services/ArgoCdInstancesService';
import type { PlatformOperatorsService } from '../services/platform/PlatformOperatorsService';
import { Authorizers, parse } from './common';

const noQuery = z.object({}).strict();

export interface PlatformRoutesOptions {
  auth: Authorizers;
  /** Answers the readiness route. */
  status: () => Promise<DatastackStatus>;
  /** The component registry, with app-config overrides applied. */
  registry: ComponentRegistry;
  instances: ArgoCdInstancesService;
}

/** What the platform offers: readiness, the components, the Argo CD instances. */
export function addPlatformRoutes(
  router: express.Router,
  options: PlatformRoutesOptions,
) {
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
    await options.auth.authorizeBasic(
      req,
      datastackClusterReadPermission,
      'read Argo CD instances',
    );
    res.json({ items: await options.instances.list() });
  });
}

export interface PlatformOperatorsRoutesOptions {
  auth: Authorizers;
  operators: PlatformOperatorsService;
}

/** The platform layer: the operators installed once per cluster. */
export function addPlatformOperatorsRoutes(
  router: express.Router,
  options: PlatformOperatorsRoutesOptions,
) {
  /**
   * Every platform operator on every cluster of every Argo CD instance:
   * operator, chart version (and the registry's), destination, sync, health
   * and the operator Deployment. Each instance is its own row: one that fails
   * says so, with no operators, without failing the answer.
   */
  router.get('/platform/operators', async (req, res) => {
    parse(noQuery, req.query, 'query parameter');
    await options.auth.authorizeBasic(
      req,
      datastackClusterReadPermission,
      'read the platform operators',
    );
    res.json(await options.operators.list());
  });
}
