/**
 * Datastack frontend plugin: deployment health and upgrade compatibility of
 * data-stack components, on entity pages and a fleet page.
 *
 * @packageDocumentation
 */
export {
  datastackPlugin,
  DatastackPage,
  DatastackArgoCdInstancePickerFieldExtension,
  DatastackClusterPickerFieldExtension,
  EntityDeploymentHealthCard,
  EntityUpgradesContent,
  EntityPipelineContent,
  DatastackSearchResultListItemExtension,
} from './plugin';
export {
  DATASTACK_COMPONENT_RESULT_TYPE,
  DatastackSearchResultListItem,
} from './search';
export type {
  DatastackComponentSearchDocument,
  DatastackSearchResultListItemProps,
} from './search';
export { datastackApiRef } from './api/DatastackApi';
export type {
  ClusterHealthOverview,
  DatastackApi,
  FleetQuery,
  PipelineRef,
} from './api/DatastackApi';
export { DatastackClient } from './api/DatastackClient';
export {
  isDatastackAvailable,
  isDatastackPipeline,
} from '@datastack/plugin-datastack-common';
