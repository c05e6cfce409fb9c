/**
 * Datastack frontend plugin: deployment health and upgrade compatibility of
 * data-stack components, on entity pages and a Data platform page.
 *
 * The default export is the plugin for the new frontend system; apps on the
 * legacy frontend system import from `@datastack/plugin-datastack/legacy`.
 *
 * @packageDocumentation
 */
export { default } from './plugin';
export { datastackApiRef } from './api/DatastackApi';
export type {
  ClusterHealthOverview,
  DatastackApi,
  FleetQuery,
  PipelineRef,
} from './api/DatastackApi';
export { DatastackClient } from './api/DatastackClient';
export { DATASTACK_COMPONENT_RESULT_TYPE } from './search/resultType';
export type { DatastackComponentSearchDocument } from './search';
export {
  isDatastackAvailable,
  isDatastackPipeline,
} from '@datastack/plugin-datastack-common';
