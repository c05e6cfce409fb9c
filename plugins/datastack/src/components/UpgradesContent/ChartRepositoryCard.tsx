import { InfoCard } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  type ChartVersionsState,
  datastackChartsRefreshPermission,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { useState } from 'react';
import { datastackApiRef } from '../../api/DatastackApi';
import { ChartVersionsStateLabel } from '../common/StatusLabels';

/**
 * What the component's chart repository is known to hold, when it was last
 * fetched and, when the last try failed, when and why; "Refresh now"
 * refetches it (behind datastack.charts.refresh) and then reloads the view.
 */
export function ChartRepositoryCard(props: {
  state: ChartVersionsState;
  /** Reloads the upgrade answer after a refresh. */
  onRefreshed: () => Promise<void> | void;
}) {
  const api = useApi(datastackApiRef);
  const alertApi = useApi(alertApiRef);
  const { allowed } = usePermission({
    permission: datastackChartsRefreshPermission,
  });
  const [busy, setBusy] = useState(false);
  const [fresh, setFresh] = useState<ChartVersionsState>();
  // A refresh's own answer wins until the next reload brings a newer one.
  const state =
    fresh && (fresh.checkedAt ?? '') >= (props.state.checkedAt ?? '')
      ? fresh
      : props.state;

  const refresh = async () => {
    setBusy(true);
    try {
      setFresh(await api.refreshChartVersions(props.state.componentId));
      await props.onRefreshed();
    } catch (e) {
      alertApi.post({
        message: `Could not refresh ${props.state.repository}: ${
          (e as Error).message
        }`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <InfoCard title="Chart repository">
      <ChartVersionsStateLabel state={state} />
      {allowed ? (
        <Box mt={1}>
          <Button
            size="small"
            variant="outlined"
            disabled={busy}
            onClick={refresh}
            aria-label={`Refresh ${state.chart} versions now`}
          >
            {busy ? 'Refreshing…' : 'Refresh now'}
          </Button>
        </Box>
      ) : null}
    </InfoCard>
  );
}
