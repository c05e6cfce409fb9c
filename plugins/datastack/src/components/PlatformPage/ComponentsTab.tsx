import {
  Link,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { ComponentDefinition } from '@datastack/plugin-datastack-common';
import Chip from '@material-ui/core/Chip';
import useAsync from 'react-use/esm/useAsync';
import { datastackApiRef } from '../../api/DatastackApi';

const columns: TableColumn<ComponentDefinition>[] = [
  {
    title: 'Component',
    field: 'title',
    highlight: true,
    render: c => <Link to={c.docsUrl}>{c.title}</Link>,
  },
  {
    title: 'Layer',
    field: 'layer',
    render: c => <Chip size="small" label={c.layer} />,
  },
  {
    title: 'Chart',
    render: c =>
      c.chart ? `${c.chart.name} (${c.chart.repository})` : 'dbt project',
    customFilterAndSearch: (term, c) =>
      `${c.chart?.name ?? 'dbt'} ${c.chart?.repository ?? ''}`.includes(term),
  },
  {
    title: 'Default version',
    render: c =>
      c.chart
        ? `${c.chart.version} (app ${c.chart.appVersion})`
        : `dbt-core ${c.dbt?.coreVersion}`,
  },
  { title: 'Kubernetes', render: c => c.kubeVersion ?? 'any' },
];

/** Every data-stack component the platform offers, from the backend's registry. */
export function ComponentsTab() {
  const api = useApi(datastackApiRef);
  const { value, loading, error } = useAsync(() => api.listComponents(), [api]);
  if (error) return <ResponseErrorPanel error={error} />;
  return (
    <Table<ComponentDefinition>
      title="Offered components"
      isLoading={loading}
      columns={columns}
      data={value ?? []}
      options={{ paging: false, search: true, padding: 'dense' }}
    />
  );
}
