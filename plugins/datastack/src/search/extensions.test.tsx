import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import type { SearchResult } from '@backstage/plugin-search-common';
import {
  SearchFilterResultTypeBlueprint,
  SearchResultListItemBlueprint,
} from '@backstage/plugin-search-react/alpha';
import { screen } from '@testing-library/react';
import {
  datastackSearchResultListItem,
  datastackSearchResultType,
} from './extensions';

const result: SearchResult = {
  type: 'datastack-component',
  document: {
    title: 'Kafka (Strimzi)',
    text: 'Apache Kafka on Kubernetes through the Strimzi operator.',
    location: '/catalog/default/component/datastack-kafka#datastack-component',
    componentId: 'kafka',
    layer: 'stream',
    chart: 'strimzi-kafka-operator',
    chartVersion: '1.2.0',
    appVersion: '1.2.0',
    deployedVersions: ['0.49.1'],
    environments: ['staging'],
    owners: [],
    pipelines: ['clickstream'],
  } as SearchResult['document'],
};

describe('datastackSearchResultListItem', () => {
  it('takes only datastack-component results', () => {
    const tester = createExtensionTester(datastackSearchResultListItem);
    const item = tester.get(SearchResultListItemBlueprint.dataRefs.item);

    expect(item.predicate?.(result)).toBe(true);
    expect(
      item.predicate?.({
        type: 'software-catalog',
        document: {
          title: 'datastack-kafka',
          text: '',
          location: '/catalog/default/component/datastack-kafka',
        },
      }),
    ).toBe(false);
  });

  it('renders the result with its chips', async () => {
    const tester = createExtensionTester(datastackSearchResultListItem);
    const { component: Item } = tester.get(
      SearchResultListItemBlueprint.dataRefs.item,
    );

    renderInTestApp(<Item result={result.document} rank={1} />);

    expect(
      await screen.findByRole('link', { name: 'Kafka (Strimzi)' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/datastack-kafka#datastack-component',
    );
    expect(screen.getByText('Environment: staging')).toBeInTheDocument();
    expect(screen.getByText('Deployed: 0.49.1')).toBeInTheDocument();
  });
});

describe('datastackSearchResultType', () => {
  it('adds Data platform to the search page Result Type filter', () => {
    const tester = createExtensionTester(datastackSearchResultType);

    expect(
      tester.get(SearchFilterResultTypeBlueprint.dataRefs.resultType),
    ).toMatchObject({ value: 'datastack-component', name: 'Data platform' });
  });
});
