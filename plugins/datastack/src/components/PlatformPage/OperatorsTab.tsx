import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type {
  PlatformOperatorRow,
  PlatformOperatorsInstance,
} from '@datastack/plugin-datastack-common';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { Fragment, ReactNode } from 'react';
import { datastackApiRef } from '../../api/DatastackApi';
import { ErrorState, RefreshFailed } from '../common/ErrorState';
import {
  RollupStatusLabel,
  formatTime,
  lastKnownSentence,
} from '../common/StatusLabels';
import { fromInventory } from '../common/useInventoryUpdates';
import { usePolledValue } from '../common/usePolledValue';
import { usePermission } from '@backstage/plugin-permission-react';
import { datastackPlatformManagePermission } from '@datastack/plugin-datastack-common';

/** The scaffolder page of the platform team's template. */
export const PLATFORM_OPERATORS_TEMPLATE_PATH =
  '/create/templates/default/datastack-platform-operators';

const COLUMNS = [
  'Cluster',
  'Operator',
  'Version',
  'Status',
  'Health',
  'Sync',
  'Namespace',
  'Argo CD',
];

function Caption(props: {
  children: ReactNode;
  color?: 'error' | 'textSecondary';
}) {
  return (
    <Typography
      variant="caption"
      display="block"
      color={props.color ?? 'textSecondary'}
    >
      {props.children}
    </Typography>
  );
}

function OperatorRow({ operator: o }: { operator: PlatformOperatorRow }) {
  const version = o.chart?.version;
  const deployment = o.operatorDeployment;
  return (
    <TableRow>
      <TableCell component="th" scope="row">
        {o.instance}/{o.cluster}
        {o.server && o.server !== o.cluster ? (
          <Caption>{o.server}</Caption>
        ) : null}
      </TableCell>
      <TableCell>
        {o.title}
        {o.chart ? <Caption>{o.chart.name}</Caption> : null}
      </TableCell>
      <TableCell>
        {version ?? '—'}
        {o.registryVersion && o.registryVersion !== version ? (
          <Caption>registry {o.registryVersion}</Caption>
        ) : null}
      </TableCell>
      <TableCell>
        <RollupStatusLabel status={o.status} />
        {deployment ? (
          <Caption color={deployment.available ? 'textSecondary' : 'error'}>
            Deployment {deployment.name}{' '}
            {deployment.available
              ? 'available'
              : `unavailable${
                  deployment.health ? ` (${deployment.health})` : ''
                }${deployment.message ? `: ${deployment.message}` : ''}`}
          </Caption>
        ) : null}
      </TableCell>
      <TableCell>
        {o.health}
        {o.healthMessage && o.health !== 'Healthy' ? (
          <Caption>{o.healthMessage}</Caption>
        ) : null}
      </TableCell>
      <TableCell>{o.sync}</TableCell>
      <TableCell>{o.namespace ?? '—'}</TableCell>
      <TableCell>
        <Link to={o.url}>{o.application}</Link>
      </TableCell>
    </TableRow>
  );
}

function FailedInstanceRow({ row }: { row: PlatformOperatorsInstance }) {
  return (
    <TableRow>
      <TableCell colSpan={COLUMNS.length}>
        <div role="alert">
          <RollupStatusLabel
            status={row.status === 'unreachable' ? 'unreachable' : 'error'}
          />{' '}
          Argo CD {row.instance}: {row.error}
          {row.lastKnownAt
            ? lastKnownSentence(
                row.error,
                'Its operators below are',
                row.lastKnownAt,
              )
            : ''}
        </div>
      </TableCell>
    </TableRow>
  );
}

function NoOperators() {
  // The template is the platform team's: others are told who runs it.
  const { allowed } = usePermission({
    permission: datastackPlatformManagePermission,
  });
  return (
    <>
      <Typography paragraph>
        No platform operator is installed on any cluster yet. Operators
        (Strimzi, the Flink and Spark operators, Altinity ClickHouse,
        kube-prometheus-stack) are installed once per cluster by the platform
        team, and pipelines that use Kafka, Flink, ClickHouse, Spark or
        observability need them before they can be created.
      </Typography>
      {allowed ? (
        <Typography>
          Install them with the{' '}
          <Link to={PLATFORM_OPERATORS_TEMPLATE_PATH}>
            "Platform operators" template
          </Link>{' '}
          (under Create).
        </Typography>
      ) : (
        <Typography>
          Ask the platform team to install them: the "Platform operators"
          template needs datastack.platform.manage.
        </Typography>
      )}
    </>
  );
}

/**
 * The platform layer: which operator, which version, on which cluster,
 * healthy or not, from every Argo CD instance. An instance that did not
 * answer is an alert in its own row.
 */
export function OperatorsTab() {
  const api = useApi(datastackApiRef);
  // From the live inventory, re-read when its instances change (signals).
  const { value, error } = usePolledValue(
    () => api.getPlatformOperators(),
    'platform-operators',
    undefined,
    fromInventory,
  );
  if (error && !value) {
    return (
      <ErrorState error={error} title="Platform operators could not be read" />
    );
  }
  if (!value) return <Progress />;
  const instances = value.instances;
  const total = instances.reduce((n, i) => n + i.operators.length, 0);
  const failed = instances.filter(i => i.status !== 'ok');
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title="Platform operators">
          {instances.length === 0 ? (
            <Typography>No Argo CD instance is configured.</Typography>
          ) : null}
          {instances.length > 0 && total === 0 && failed.length === 0 ? (
            <NoOperators />
          ) : null}
          {total > 0 || failed.length > 0 ? (
            <Table size="small" aria-label="Platform operators by cluster">
              <TableHead>
                <TableRow>
                  {COLUMNS.map(c => (
                    <TableCell key={c}>{c}</TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {instances.map(i => (
                  <Fragment key={i.instance}>
                    {i.status === 'ok' ? null : <FailedInstanceRow row={i} />}
                    {/* An instance that did not answer keeps its last known operators. */}
                    {i.operators.map(o => (
                      <OperatorRow
                        key={`${o.application}/${o.appNamespace ?? ''}`}
                        operator={o}
                      />
                    ))}
                  </Fragment>
                ))}
              </TableBody>
            </Table>
          ) : null}
          {total === 0 && failed.length > 0 ? (
            <Caption>
              The instances that answered have no platform operator.
            </Caption>
          ) : null}
          {instances.length > 0 ? (
            <Caption>
              Read{' '}
              {instances
                .map(i => `Argo CD ${i.instance} ${formatTime(i.fetchedAt)}`)
                .join(', ')}
            </Caption>
          ) : null}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <RefreshFailed error={error} />
      </Grid>
    </Grid>
  );
}
