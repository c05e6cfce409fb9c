import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  search?: {
    collators?: {
      /** The `datastack-component` search documents (searchModuleDatastackCollator). */
      datastack?: {
        /**
         * When the documents are rebuilt from the registry, the fleet and the
         * catalog. Default every 10 minutes, 15 minutes timeout, first run
         * 10 seconds after start-up.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        /**
         * Milliseconds each page of the datastack backend's fleet may take
         * before the run goes on with registry and catalog facts only.
         * Default 30000.
         */
        requestTimeoutMs?: number;
      };
    };
  };
}
