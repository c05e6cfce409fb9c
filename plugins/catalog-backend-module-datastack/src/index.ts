/**
 * Catalog module of Datastack: the registry's components as catalog
 * entities (the platform offering). Their search documents come from
 * `@datastack/plugin-search-backend-module-datastack`.
 *
 * @packageDocumentation
 */
export { catalogModuleDatastack as default } from './module';
export { DatastackComponentProvider } from './DatastackComponentProvider';
export type { DatastackComponentProviderOptions } from './DatastackComponentProvider';
export {
  PLATFORM_COMPONENT_TYPE,
  PLATFORM_SYSTEM,
  offeringEntityName,
} from '@datastack/plugin-datastack-common';
