export {
  DATASTACK_COMPONENT_RESULT_TYPE,
  DatastackSearchResultListItem,
} from './DatastackSearchResultListItem';
export type {
  DatastackComponentSearchDocument,
  DatastackSearchResultListItemProps,
} from './DatastackSearchResultListItem';
