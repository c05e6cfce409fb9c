import { createApiRef } from '@backstage/core-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  ArgoCdInstanceSummary,
  EntityHealth,
  ComponentDefinition,
  DatastackStatus,
} from '@datastack/plugin-datastack-common';

/** The Datastack backend, as the frontend sees it. */
export interface DatastackApi {
  /** Readiness and configuration summary of the backend. */
  getStatus(): Promise<DatastackStatus>;
  /** The data-stack components the platform offers. */
  listComponents(): Promise<ComponentDefinition[]>;
  /** The configured Argo CD instances and their clusters; a failing instance says why in its row. */
  listArgoCdInstances(): Promise<ArgoCdInstanceSummary[]>;
  /** The deployment health of an entity, a row per Argo CD instance. */
  getEntityHealth(entity: CompoundEntityRef): Promise<EntityHealth>;
  /** Sync or refresh one of the entity's Applications; answers the fresh health. */
  actOnApplication(
    entity: CompoundEntityRef,
    instance: string,
    application: string,
    action: 'sync' | 'refresh',
  ): Promise<EntityHealth>;
}

export const datastackApiRef = createApiRef<DatastackApi>({
  id: 'plugin.datastack.service',
});
