import {
  SchedulerServiceTaskScheduleDefinition,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

const CONFIG_KEY = 'search.collators.datastack';

/**
 * When the datastack-component documents are rebuilt, unless app-config says otherwise.
 *
 * @public
 */
export const DEFAULT_DATASTACK_COLLATOR_SCHEDULE: SchedulerServiceTaskScheduleDefinition =
  {
    frequency: { minutes: 10 },
    timeout: { minutes: 15 },
    initialDelay: { seconds: 10 },
  };

/** Milliseconds a page of the fleet may take, unless app-config says otherwise. */
export const DEFAULT_FLEET_REQUEST_TIMEOUT_MS = 30_000;

/** `search.collators.datastack.schedule`, or the default; a bad value names the key. */
export function readDatastackCollatorSchedule(
  config: Config,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = config.getOptionalConfig(`${CONFIG_KEY}.schedule`);
  if (!schedule) return DEFAULT_DATASTACK_COLLATOR_SCHEDULE;
  try {
    return readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule);
  } catch (error) {
    throw new InputError(
      `Invalid configuration at ${CONFIG_KEY}.schedule: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/** `search.collators.datastack.requestTimeoutMs`, or the default. */
export function readFleetRequestTimeoutMs(config: Config): number {
  const key = `${CONFIG_KEY}.requestTimeoutMs`;
  const value = config.getOptionalNumber(key);
  if (value === undefined) return DEFAULT_FLEET_REQUEST_TIMEOUT_MS;
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(
      `Invalid configuration at ${key}: must be a positive whole number of milliseconds`,
    );
  }
  return value;
}
