// The backend as the inventory benchmarks run it: production mode, request
// logging at info, the bench entities and the demo users in the catalog,
// the sandbox's instances; resolved once every instance's inventory is live.
import path from 'node:path';
import {
  catalogOf,
  entityInCatalog,
  root,
  startBackend,
} from '../../e2e/lib.mjs';
import { catalogCopied, inventoryLive } from './measure.mjs';

export async function startProductionBackend(sandbox, entities) {
  const backend = await startBackend({
    nodeEnv: 'production',
    logLevel: 'info',
    config: {
      // As app-config.production.yaml: task recovery's database workspaces.
      scaffolder: {
        taskRecovery: { database: { dangerouslyEnableInProduction: true } },
      },
      catalog: {
        locations: [
          ...(await catalogOf(entities)).locations,
          // The demo users (catalog/org.yaml): the benchmarks ask as a user,
          // so every answer pays the permission check and the catalog read.
          { type: 'file', target: path.join(root, 'catalog/org.yaml') },
        ],
      },
      datastack: {
        argocd: { requestTimeoutMs: 5000, instances: sandbox.instances },
      },
    },
  });
  try {
    await entityInCatalog(backend, 'component', entities.at(-1).metadata.name);
    await inventoryLive(
      backend,
      sandbox.instances.map(i => i.name),
    );
    // As a running portal is: its entities were registered long ago.
    await catalogCopied(backend, entities.length);
    return backend;
  } catch (error) {
    await backend.stop();
    throw error;
  }
}
