import type { Config } from '@backstage/config';
import {
  ComponentRegistry,
  RegistryValidationError,
  createDefaultRegistry,
} from '@datastack/plugin-datastack-common';
import { DatastackConfigError } from './config';

/**
 * The component registry: Datastack's defaults with app-config
 * `datastack.components` applied. A bad override throws
 * {@link DatastackConfigError} naming the key, which fails backend start-up.
 *
 * @public
 */
export function loadComponentRegistry(config: Config): ComponentRegistry {
  const overrides = config.getOptional<Record<string, unknown>>(
    'datastack.components',
  );
  if (
    overrides !== undefined &&
    (typeof overrides !== 'object' ||
      overrides === null ||
      Array.isArray(overrides))
  ) {
    throw new DatastackConfigError(
      'datastack.components',
      'must be a mapping of component ids to fields',
    );
  }
  try {
    return createDefaultRegistry().withOverrides(overrides);
  } catch (error) {
    if (error instanceof RegistryValidationError) {
      throw new DatastackConfigError(error.key, error.detail);
    }
    throw error;
  }
}
