import type { SearchDocument } from '@backstage/plugin-search-common';
import { renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import {
  DatastackComponentSearchDocument,
  DatastackSearchResultListItem,
} from './DatastackSearchResultListItem';

// A document as the collator indexes it.
const trino: DatastackComponentSearchDocument = {
  title: 'Trino',
  text: 'Distributed SQL query engine for big data. Layer: store. Helm chart trino 1.42.2 (app 480) from https://trinodb.github.io/charts. Deployed versions: 1.41.0, 1.42.2. Environments: dev, prod.',
  location: '/catalog/default/component/datastack-trino#datastack-component',
  componentId: 'trino',
  layer: 'store',
  chart: 'trino',
  chartVersion: '1.42.2',
  appVersion: '480',
  deployedVersions: ['1.41.0', '1.42.2'],
  environments: ['dev', 'prod'],
  owners: ['group:default/orders-team'],
  pipelines: ['orders'],
};

// Lunr marks matches with a random tag on each side.
const preTag = '<f3a1c2d4-uuid>';
const postTag = '</f3a1c2d4-uuid>';

describe('DatastackSearchResultListItem', () => {
  it('shows the title as a link to the offering entity, and the layer, chart version, environments and deployed versions as chips', async () => {
    await renderInTestApp(<DatastackSearchResultListItem result={trino} />);

    expect(screen.getByRole('link', { name: 'Trino' })).toHaveAttribute(
      'href',
      '/catalog/default/component/datastack-trino#datastack-component',
    );
    expect(
      screen.getByText(/Distributed SQL query engine/),
    ).toBeInTheDocument();
    for (const label of [
      'Layer: store',
      'Chart 1.42.2',
      'Environment: dev',
      'Environment: prod',
      'Deployed: 1.41.0',
      'Deployed: 1.42.2',
      'Owner: group:default/orders-team',
    ]) {
      expect(screen.getByText(label)).toBeInTheDocument();
    }
  });

  it('marks the words the search matched in the title and the text', async () => {
    await renderInTestApp(
      <DatastackSearchResultListItem
        result={trino}
        highlight={{
          preTag,
          postTag,
          fields: {
            title: `${preTag}Trino${postTag}`,
            text: `Distributed ${preTag}SQL${postTag} query engine for big data.`,
          },
        }}
      />,
    );

    const marks = screen.getAllByText((_content, el) => el?.tagName === 'MARK');
    expect(marks.map(m => m.textContent)).toEqual(['Trino', 'SQL']);
    expect(within(screen.getByRole('link')).getByText('Trino').tagName).toBe(
      'MARK',
    );
    expect(screen.queryByText(/f3a1c2d4-uuid/)).not.toBeInTheDocument();
  });

  it('shows a component nobody runs yet without environment chips, and a dbt project by its dbt-core version', async () => {
    const dbt: SearchDocument & Record<string, unknown> = {
      title: 'dbt',
      text: 'Transformations as SQL. Layer: transform. dbt project on dbt-core 1.10.13.',
      location: '/catalog/default/component/datastack-dbt#datastack-component',
      componentId: 'dbt',
      layer: 'transform',
      chart: '',
      chartVersion: '',
      appVersion: '1.10.13',
      deployedVersions: [],
      environments: [],
      owners: [],
      pipelines: [],
    };
    await renderInTestApp(<DatastackSearchResultListItem result={dbt} />);

    expect(screen.getByText('dbt-core 1.10.13')).toBeInTheDocument();
    expect(screen.getByText('Layer: transform')).toBeInTheDocument();
    expect(screen.queryByText(/^Environment:/)).not.toBeInTheDocument();
    expect(screen.queryByText(/^Deployed:/)).not.toBeInTheDocument();
  });

  it('renders nothing without a result', async () => {
    const { container } = await renderInTestApp(
      <DatastackSearchResultListItem />,
    );
    expect(container).toBeEmptyDOMElement();
  });
});
