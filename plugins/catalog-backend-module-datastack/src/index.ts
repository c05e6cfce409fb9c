/**
 * Catalog module of Datastack.
 *
 * @packageDocumentation
 */
export { catalogModuleDatastack as default } from './module';
export {
  DatastackComponentProvider,
  PLATFORM_COMPONENT_TYPE,
  PLATFORM_SYSTEM,
} from './DatastackComponentProvider';
export type { DatastackComponentProviderOptions } from './DatastackComponentProvider';
