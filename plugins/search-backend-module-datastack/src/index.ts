/**
 * Search module of Datastack: the registry's data-stack components as
 * `datastack-component` search documents, with where each one runs.
 *
 * @packageDocumentation
 */
export { searchModuleDatastackCollator as default } from './module';
export { searchModuleDatastackCollator } from './module';
export {
  DATASTACK_COMPONENT_DOCUMENT_TYPE,
  DatastackComponentCollatorFactory,
} from './DatastackComponentCollatorFactory';
export type {
  DatastackComponentCollatorFactoryOptions,
  DatastackComponentDocument,
} from './DatastackComponentCollatorFactory';
export {
  DatastackFleetError,
  DatastackFleetReader,
} from './DatastackFleetReader';
export type {
  DatastackFleetReaderOptions,
  FleetFact,
  FleetSnapshot,
} from './DatastackFleetReader';
export { DEFAULT_DATASTACK_COLLATOR_SCHEDULE } from './config';
export { OfferingDocumentFilter } from './OfferingDocumentFilter';
