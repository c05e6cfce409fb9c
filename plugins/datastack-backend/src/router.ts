import type {
  ComponentRegistry,
  DatastackStatus,
} from '@datastack/plugin-datastack-common';
import express from 'express';
import Router from 'express-promise-router';

export interface RouterOptions {
  /** Answers the readiness route. */
  status: () => Promise<DatastackStatus>;
  /** The component registry, with app-config overrides applied. */
  registry: ComponentRegistry;
}

/**
 * The Datastack HTTP API. Routes only parse and authorise; the answers come
 * from the service classes handed in.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  /** Readiness: the plugin is up and knows its configuration. */
  router.get('/status', async (_req, res) => {
    res.json(await options.status());
  });

  /** The data-stack components the platform offers. */
  router.get('/components', async (_req, res) => {
    res.json({ items: options.registry.list() });
  });

  return router;
}
