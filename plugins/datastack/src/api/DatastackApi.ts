import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ArgoCdInstanceSummary,
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
}

export const datastackApiRef = createApiRef<DatastackApi>({
  id: 'plugin.datastack.service',
});
