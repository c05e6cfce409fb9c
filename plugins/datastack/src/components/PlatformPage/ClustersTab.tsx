import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { datastackApiRef } from '../../api/DatastackApi';
import { ErrorState, RefreshFailed } from '../common/ErrorState';
import { RollupStatusLabel, formatTime } from '../common/StatusLabels';
import { usePolledValue } from '../common/usePolledValue';

function StateLabel({ status }: { status: 'ok' | 'unreachable' | 'error' }) {
  return <RollupStatusLabel status={status === 'ok' ? 'healthy' : status} />;
}

/** Every configured Kubernetes cluster and Argo CD instance, with its state. */
export function ClustersTab() {
  const api = useApi(datastackApiRef);
  const { value, error } = usePolledValue(
    () => api.getClusterHealth(),
    'clusters',
  );
  if (error && !value) {
    return (
      <ErrorState error={error} title="Cluster health could not be read" />
    );
  }
  if (!value) return <Progress />;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title="Kubernetes clusters">
          {value.clusters.length === 0 ? (
            <Typography>
              No cluster is configured in Backstage's kubernetes settings.
            </Typography>
          ) : (
            <Table size="small" aria-label="Kubernetes clusters">
              <TableHead>
                <TableRow>
                  <TableCell>Cluster</TableCell>
                  <TableCell>State</TableCell>
                  <TableCell>Version</TableCell>
                  <TableCell>Nodes ready</TableCell>
                  <TableCell>Last seen</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {value.clusters.map(c => (
                  <TableRow key={c.name}>
                    <TableCell component="th" scope="row">
                      {c.name}
                      <Typography
                        variant="caption"
                        display="block"
                        color="textSecondary"
                      >
                        {c.url}
                      </Typography>
                    </TableCell>
                    <TableCell>
                      <StateLabel status={c.status} />
                      {c.error ? (
                        <Typography
                          variant="caption"
                          display="block"
                          color="error"
                        >
                          {c.error}
                        </Typography>
                      ) : null}
                    </TableCell>
                    <TableCell>{c.version ?? '—'}</TableCell>
                    <TableCell>
                      {c.nodesTotal !== undefined
                        ? `${c.nodesReady ?? 0} of ${c.nodesTotal}`
                        : '—'}
                    </TableCell>
                    <TableCell>{formatTime(c.lastSeenAt)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Argo CD instances">
          {value.argocd.length === 0 ? (
            <Typography>No Argo CD instance is configured.</Typography>
          ) : (
            <Table size="small" aria-label="Argo CD instances">
              <TableHead>
                <TableRow>
                  <TableCell>Instance</TableCell>
                  <TableCell>State</TableCell>
                  <TableCell>Clusters it deploys to</TableCell>
                  <TableCell>Read</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {value.argocd.map(i => (
                  <TableRow key={i.name}>
                    <TableCell component="th" scope="row">
                      <Link to={i.uiUrl}>{i.name}</Link>
                    </TableCell>
                    <TableCell>
                      <StateLabel status={i.status} />
                      {i.error ? (
                        <Typography
                          variant="caption"
                          display="block"
                          color="error"
                        >
                          {i.error}
                        </Typography>
                      ) : null}
                    </TableCell>
                    <TableCell>
                      {i.clusters.length
                        ? i.clusters
                            .map(
                              c =>
                                `${c.name}${
                                  c.serverVersion ? ` (${c.serverVersion})` : ''
                                }${
                                  c.connectionState &&
                                  c.connectionState !== 'Successful'
                                    ? `: ${c.connectionState}`
                                    : ''
                                }`,
                            )
                            .join(', ')
                        : '—'}
                    </TableCell>
                    <TableCell>{formatTime(i.fetchedAt)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <RefreshFailed error={error} />
      </Grid>
    </Grid>
  );
}
