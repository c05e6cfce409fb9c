/**
 * Catalog module of Datastack (the registry's components as catalog
 * entities), and the search module that indexes them
 * (`searchModuleDatastackCollator`, a named export).
 *
 * @packageDocumentation
 */
export { catalogModuleDatastack as default } from './module';
export {
  DatastackComponentProvider,
  PLATFORM_COMPONENT_TYPE,
  PLATFORM_SYSTEM,
  offeringEntityName,
} from './DatastackComponentProvider';
export type { DatastackComponentProviderOptions } from './DatastackComponentProvider';
export * from './search';
