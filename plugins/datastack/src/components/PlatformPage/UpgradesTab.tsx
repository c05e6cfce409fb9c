import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import { datastackApiRef } from '../../api/DatastackApi';
import { ErrorState, RefreshFailed } from '../common/ErrorState';
import { usePolledValue } from '../common/usePolledValue';
import { ChartVersionsTable, UpgradePlanView } from '../UpgradePlan';

function FleetPlan() {
  const api = useApi(datastackApiRef);
  const { value, error } = usePolledValue(
    () => api.getFleetUpgradePlan(),
    'fleet-plan',
  );
  if (error && !value) {
    return (
      <ErrorState error={error} title="The upgrade plan could not be read" />
    );
  }
  if (!value) return <Progress />;
  return (
    <>
      <UpgradePlanView plan={value} showPipeline showVersions={false} />
      <RefreshFailed error={error} />
    </>
  );
}

function ChartRepositories() {
  const api = useApi(datastackApiRef);
  const { value, error } = usePolledValue(
    () => api.listChartVersions(),
    'charts',
  );
  if (error && !value) {
    return (
      <ErrorState error={error} title="Chart repositories could not be read" />
    );
  }
  if (!value) return <Progress />;
  return (
    <>
      <ChartVersionsTable versions={value} />
      <RefreshFailed error={error} />
    </>
  );
}

/** The fleet's ordered upgrade plan and the state of every chart repository. */
export function UpgradesTab() {
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title="Fleet upgrade plan">
          <FleetPlan />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Chart repositories">
          <ChartRepositories />
        </InfoCard>
      </Grid>
    </Grid>
  );
}
