import {
  SearchFilterResultTypeBlueprint,
  SearchResultListItemBlueprint,
} from '@backstage/plugin-search-react/alpha';
import StorageIcon from '@material-ui/icons/Storage';
// Only the type name: the item itself loads with the first result.
import { DATASTACK_COMPONENT_RESULT_TYPE } from './resultType';

/**
 * Renders `datastack-component` results on the search page of the new
 * frontend system (`search-result-list-item:datastack/component`).
 */
export const datastackSearchResultListItem = SearchResultListItemBlueprint.make(
  {
    name: 'component',
    params: {
      predicate: result => result.type === DATASTACK_COMPONENT_RESULT_TYPE,
      icon: <StorageIcon />,
      component: () =>
        import('./DatastackSearchResultListItem').then(
          m => m.DatastackSearchResultListItem,
        ),
    },
  },
);

/**
 * Adds "Data platform" to the search page's Result Type filter
 * (`search-filter-result-type:datastack/component`); the page lists only
 * Software Catalog and the types such extensions add.
 */
export const datastackSearchResultType = SearchFilterResultTypeBlueprint.make({
  name: 'component',
  params: {
    value: DATASTACK_COMPONENT_RESULT_TYPE,
    name: 'Data platform',
    icon: <StorageIcon />,
  },
});
