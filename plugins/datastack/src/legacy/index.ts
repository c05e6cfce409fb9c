/**
 * The Datastack plugin for apps on the legacy frontend system: the plugin,
 * its routable page, entity cards and contents, scaffolder fields and the
 * search result item, to place in `App.tsx` and `EntityPage.tsx` by hand.
 *
 * @packageDocumentation
 */
export {
  datastackPlugin,
  DatastackPage,
  DatastackArgoCdInstancePickerFieldExtension,
  DatastackClusterPickerFieldExtension,
  DatastackEnvironmentsSummaryFieldExtension,
  EntityDeploymentHealthCard,
  EntityUpgradesContent,
  EntityPipelineContent,
  DatastackSearchResultListItemExtension,
} from './plugin';
export { DatastackSearchResultListItem } from '../search';
export type { DatastackSearchResultListItemProps } from '../search';
export { datastackApiRef } from '../api/DatastackApi';
export type {
  ClusterHealthOverview,
  DatastackApi,
  FleetQuery,
  PipelineRef,
} from '../api/DatastackApi';
export {
  isDatastackAvailable,
  isDatastackPipeline,
} from '@datastack/plugin-datastack-common';
