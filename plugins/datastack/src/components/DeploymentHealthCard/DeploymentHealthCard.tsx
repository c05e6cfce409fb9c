import { useInventoryUpdates } from '../common/useInventoryUpdates';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ApplicationHealth,
  ComponentUpgrade,
  EntityHealth,
  datastackApplicationSyncPermission,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import IconButton from '@material-ui/core/IconButton';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import RefreshIcon from '@material-ui/icons/Refresh';
import SyncIcon from '@material-ui/icons/Sync';
import { ReactNode, useCallback, useEffect, useState } from 'react';
import { datastackApiRef } from '../../api/DatastackApi';
import { ScrollTable } from '../common/ScrollTable';
import { StaleInventory } from '../common/UpstreamFailures';
import { DeploymentDetails } from './DeploymentDetails';
import { EnvironmentSummary } from './EnvironmentSummary';
import { isProductionEnvironment } from '../common/environments';
import { RollupStatusLabel, statusLabels } from '../common/StatusLabels';
import {
  REFRESH_INTERVAL_MS,
  SETTLING_REFRESH_INTERVAL_MS,
  SIGNALLED_REFRESH_INTERVAL_MS,
} from '../common/usePolledValue';
import { shortSha } from '../common/versions';

export { REFRESH_INTERVAL_MS, SETTLING_REFRESH_INTERVAL_MS };

/** Short cells keep to one line (the table scrolls in a narrow card). */
const useStyles = makeStyles({
  nowrap: { whiteSpace: 'nowrap' },
});

/** Whether an Application's operation runs or settles: the card then re-reads every few seconds. */
function isSettling(app: ApplicationHealth): boolean {
  return (
    !!app.settling ||
    app.status === 'progressing' ||
    app.operation?.phase === 'Running' ||
    app.operation?.phase === 'Terminating'
  );
}

/**
 * What a failing resource is while its Application settles: Progressing,
 * Missing or OutOfSync is what the sync is still doing; Degraded or a failed
 * sync of the resource is a problem already.
 */
function isRealProblem(
  app: ApplicationHealth,
  r: ApplicationHealth['failingResources'][number],
): boolean {
  if (app.status !== 'progressing' || !app.settling) return true;
  return r.health === 'Degraded' || r.sync === 'Failed';
}

export { RollupStatusLabel };

function shortRevision(app: ApplicationHealth): string | undefined {
  const revision =
    app.sync.revision ??
    app.sync.revisions?.find(r => /^[0-9a-f]{40}$/.test(r));
  return revision && shortSha(revision);
}

/** `14:02`, or the date too when it is not today. */
function when(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString();
}

/**
 * An Application of an instance that did not answer, as it was when the
 * instance last did: kept in its place, marked with the failure, no actions.
 */
function LastKnownRow(props: {
  app: ApplicationHealth;
  failure: 'unreachable' | 'error';
  fetchedAt: string;
}) {
  const { app, failure, fetchedAt } = props;
  const classes = useStyles();
  return (
    <TableRow>
      <TableCell className={classes.nowrap}>{app.environment ?? '—'}</TableCell>
      <TableCell className={classes.nowrap}>
        <Link to={app.url}>{app.name}</Link>
        <Typography variant="caption" display="block" color="textSecondary">
          Argo CD {app.instance}
        </Typography>
      </TableCell>
      <TableCell>
        <RollupStatusLabel status={failure} />
        <Typography variant="caption" display="block" color="textSecondary">
          last known {statusLabels[app.status]}
          {app.chart?.version ? ` ${app.chart.version}` : ''} at{' '}
          {when(fetchedAt)}
        </Typography>
      </TableCell>
      <TableCell className={classes.nowrap}>
        {app.chart?.version ?? '—'}
      </TableCell>
      <TableCell className={classes.nowrap}>
        {app.lastDeployedAt ? when(app.lastDeployedAt) : '—'}
      </TableCell>
      <TableCell />
    </TableRow>
  );
}

function ApplicationRow(props: {
  app: ApplicationHealth;
  canSync: boolean;
  busy: boolean;
  onAction: (app: ApplicationHealth, action: 'sync' | 'refresh') => void;
}) {
  const { app, canSync, busy, onAction } = props;
  const classes = useStyles();
  const resourceItem = (r: ApplicationHealth['failingResources'][number]) => (
    <li key={`r-${r.kind}-${r.namespace}-${r.name}`}>
      {r.kind} {r.namespace ? `${r.namespace}/` : ''}
      {r.name}: {[r.health, r.sync].filter(Boolean).join(', ')}
      {r.message ? ` (${r.message})` : ''}
    </li>
  );
  const problems: ReactNode[] = [
    ...app.findings
      .filter(f => !f.pendingUntil)
      .map(f => (
        <li key={`f-${f.rule}-${f.resource?.name}`}>
          {f.message}
          {f.action && (
            <Typography variant="caption" display="block">
              What to do: {f.action}
            </Typography>
          )}
        </li>
      )),
    ...app.failingResources
      .filter(r => isRealProblem(app, r))
      .map(resourceItem),
  ];
  // What the sync is still doing: neutral, with the time its rules fire.
  const pending: ReactNode[] = [
    ...app.findings
      .filter(f => f.pendingUntil)
      .map(f => (
        <li key={`p-${f.rule}-${f.resource?.name}`}>
          {f.message} (a problem if still so at{' '}
          {new Date(f.pendingUntil!).toLocaleTimeString()})
        </li>
      )),
    ...app.failingResources
      .filter(r => !isRealProblem(app, r))
      .map(resourceItem),
  ];
  const syncing =
    app.settling?.syncing ||
    app.operation?.phase === 'Running' ||
    app.operation?.phase === 'Terminating';
  return (
    <>
      <TableRow>
        <TableCell className={classes.nowrap}>
          {app.environment ?? '—'}
        </TableCell>
        <TableCell className={classes.nowrap}>
          <Link to={app.url}>{app.name}</Link>
          <Typography variant="caption" display="block" color="textSecondary">
            Argo CD {app.instance}
          </Typography>
        </TableCell>
        <TableCell className={classes.nowrap}>
          <RollupStatusLabel
            status={app.status}
            label={
              syncing && app.status === 'progressing' ? 'Syncing' : undefined
            }
          />
          <Typography variant="caption" display="block" color="textSecondary">
            {app.sync.status} / {app.health.status}
            {app.operation && app.operation.phase !== 'Succeeded'
              ? ` · sync ${app.operation.phase}`
              : ''}
          </Typography>
        </TableCell>
        <TableCell className={classes.nowrap}>
          {app.chart?.version ?? '—'}
          {shortRevision(app) && shortRevision(app) !== app.chart?.version ? (
            <Typography variant="caption" display="block" color="textSecondary">
              {app.revisionUrl ? (
                <Link
                  to={app.revisionUrl}
                  aria-label={`Commit ${shortRevision(
                    app,
                  )} of the GitOps repository`}
                >
                  {shortRevision(app)}
                </Link>
              ) : (
                shortRevision(app)
              )}
            </Typography>
          ) : null}
        </TableCell>
        <TableCell className={classes.nowrap}>
          {app.lastDeployedAt ? when(app.lastDeployedAt) : '—'}
        </TableCell>
        <TableCell padding="none" className={classes.nowrap}>
          <Tooltip title="Refresh from Git" placement="left">
            <span>
              <IconButton
                aria-label={`Refresh ${app.name}`}
                disabled={busy}
                onClick={() => onAction(app, 'refresh')}
              >
                <RefreshIcon fontSize="small" />
              </IconButton>
            </span>
          </Tooltip>
          {canSync ? (
            <Tooltip title="Sync now" placement="left">
              <span>
                <IconButton
                  aria-label={`Sync ${app.name}`}
                  disabled={busy}
                  onClick={() => onAction(app, 'sync')}
                >
                  <SyncIcon fontSize="small" />
                </IconButton>
              </span>
            </Tooltip>
          ) : null}
        </TableCell>
      </TableRow>
      {problems.length ? (
        <TableRow>
          <TableCell colSpan={6}>
            <details>
              <summary>
                {problems.length} problem{problems.length === 1 ? '' : 's'} in{' '}
                {app.name}
              </summary>
              <ul>{problems}</ul>
            </details>
          </TableCell>
        </TableRow>
      ) : null}
      {pending.length ? (
        <TableRow>
          <TableCell colSpan={6}>
            <details>
              <summary>
                {syncing ? 'Syncing' : 'Progressing'}: {pending.length} not
                ready yet in {app.name}
              </summary>
              <ul>{pending}</ul>
            </details>
          </TableCell>
        </TableRow>
      ) : null}
      {app.history?.length || app.resources?.length ? (
        <TableRow>
          <TableCell colSpan={6}>
            <DeploymentDetails app={app} />
          </TableCell>
        </TableRow>
      ) : null}
    </>
  );
}

/**
 * The component's upgrade answer for the summary strip, once per entity; a
 * failure leaves the strip without it (the Upgrades tab says why).
 */
function useUpgradeSummary(): ComponentUpgrade | undefined {
  const { entity } = useEntity();
  const api = useApi(datastackApiRef);
  const key = stringifyEntityRef(entity);
  const isComponent =
    entity.kind.toLowerCase() === 'component' &&
    Boolean(entity.metadata.annotations?.[ANNOTATION_DATASTACK_COMPONENT]);
  const [upgrade, setUpgrade] = useState<ComponentUpgrade>();
  useEffect(() => {
    if (!isComponent) return undefined;
    let current = true;
    Promise.resolve()
      .then(() => api.getComponentUpgrade(getCompoundEntityRef(entity)))
      .then(
        value => current && setUpgrade(value ?? undefined),
        () => current && setUpgrade(undefined),
      );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, isComponent]);
  return upgrade;
}

/** Loads and reloads an entity's health; keeps the last answer while a reload runs. */
function useEntityHealth() {
  const { entity } = useEntity();
  const api = useApi(datastackApiRef);
  const ref = getCompoundEntityRef(entity);
  const key = stringifyEntityRef(entity);
  const [state, setState] = useState<{
    value?: EntityHealth;
    error?: Error;
    loading: boolean;
  }>({
    loading: true,
  });
  const load = useCallback(
    () =>
      api.getEntityHealth(ref).then(
        value => setState({ value, loading: false }),
        error => setState(prev => ({ ...prev, error, loading: false })),
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, key],
  );
  // With the backend's live inventory and signals, the card re-reads when
  // one of its instances changes, and once when a progress deadline passes
  // (no event marks it); a slow poll stays as a safety net. Without them:
  // every few seconds while an operation runs or settles, so "Syncing"
  // turns into its outcome within seconds, every 30 s otherwise.
  const rows = state.value?.rows;
  const signalled = useInventoryUpdates(
    load,
    rows?.map(r => r.instance),
  );
  const live = signalled && !!rows?.length && rows.every(r => r.inventory);
  const settling = rows?.some(r => r.applications.some(isSettling));
  let intervalMs = settling
    ? SETTLING_REFRESH_INTERVAL_MS
    : REFRESH_INTERVAL_MS;
  if (live) intervalMs = SIGNALLED_REFRESH_INTERVAL_MS;
  const nextDeadline = live
    ? Math.min(
        ...(rows ?? []).flatMap(r =>
          r.applications.flatMap(a =>
            a.settling ? [Date.parse(a.settling.until)] : [],
          ),
        ),
      )
    : Infinity;
  useEffect(() => {
    load();
  }, [load]);
  useEffect(() => {
    const timer = setInterval(load, intervalMs);
    return () => clearInterval(timer);
  }, [load, intervalMs]);
  useEffect(() => {
    if (!Number.isFinite(nextDeadline)) return undefined;
    const timer = setTimeout(
      load,
      Math.max(0, nextDeadline - Date.now()) + 500,
    );
    return () => clearTimeout(timer);
  }, [load, nextDeadline]);
  return {
    ...state,
    setValue: (value: EntityHealth) => setState({ value, loading: false }),
    ref,
    key,
  };
}

/** Entity card "Deployment health": one row per environment and Argo CD instance. */
export function DeploymentHealthCard() {
  const api = useApi(datastackApiRef);
  const alertApi = useApi(alertApiRef);
  const { value, error, loading, setValue, ref, key } = useEntityHealth();
  const upgrade = useUpgradeSummary();
  const classes = useStyles();
  const { allowed: canSync } = usePermission({
    permission: datastackApplicationSyncPermission,
    resourceRef: key,
  });
  const [busy, setBusy] = useState(false);
  /** A Sync in production waits here for the user's confirmation. */
  const [confirming, setConfirming] = useState<ApplicationHealth>();

  const onAction = async (
    app: ApplicationHealth,
    action: 'sync' | 'refresh',
  ) => {
    setBusy(true);
    try {
      setValue(await api.actOnApplication(ref, app.instance, app.name, action));
      alertApi.post({
        message: `${action === 'sync' ? 'Sync started' : 'Refreshed'}: ${
          app.name
        }`,
        severity: 'success',
        display: 'transient',
      });
    } catch (e) {
      alertApi.post({
        message: `Could not ${action} ${app.name}: ${(e as Error).message}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  const requestAction = (
    app: ApplicationHealth,
    action: 'sync' | 'refresh',
  ) => {
    if (action === 'sync' && isProductionEnvironment(app.environment ?? '')) {
      setConfirming(app);
      return;
    }
    onAction(app, action);
  };

  let body: ReactNode;
  if (loading && !value) {
    body = <Progress />;
  } else if (error && !value) {
    body = (
      <ResponseErrorPanel
        error={error}
        title="Deployment health could not be read"
      />
    );
  } else if (value) {
    const apps = value.rows.flatMap(r => r.applications);
    const failed = value.rows.filter(r => r.status !== 'ok');
    const lastKnown = failed.flatMap(r =>
      (r.lastKnown?.applications ?? []).map(app => ({
        app,
        failure: r.status === 'unreachable' ? 'unreachable' : 'error',
        fetchedAt: r.lastKnown!.fetchedAt,
      })),
    ) as Array<{
      app: ApplicationHealth;
      failure: 'unreachable' | 'error';
      fetchedAt: string;
    }>;
    body = (
      <>
        {failed.map(r => (
          <Box key={r.instance} mb={1} role="alert">
            <RollupStatusLabel
              status={r.status === 'unreachable' ? 'unreachable' : 'error'}
            />{' '}
            Argo CD {r.instance}: {r.error}
          </Box>
        ))}
        <StaleInventory instances={value.rows} />
        <EnvironmentSummary
          applications={apps}
          lastKnown={lastKnown}
          upgrade={upgrade}
        />
        {apps.length === 0 && failed.length === 0 ? (
          <Typography>
            No Argo CD Application matches {value.lookup} yet.
          </Typography>
        ) : null}
        {apps.length || lastKnown.length ? (
          <ScrollTable>
            <Table size="small" aria-label="Deployments by environment">
              <TableHead>
                <TableRow>
                  {[
                    'Environment',
                    'Application',
                    'Status',
                    'Version',
                    'Last deployed',
                    'Actions',
                  ].map(title => (
                    <TableCell key={title} className={classes.nowrap}>
                      {title}
                    </TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {apps.map(app => (
                  <ApplicationRow
                    key={`${app.instance}/${app.name}`}
                    app={app}
                    canSync={canSync}
                    busy={busy}
                    onAction={requestAction}
                  />
                ))}
                {lastKnown.map(k => (
                  <LastKnownRow
                    key={`${k.app.instance}/${k.app.name}`}
                    app={k.app}
                    failure={k.failure}
                    fetchedAt={k.fetchedAt}
                  />
                ))}
              </TableBody>
            </Table>
          </ScrollTable>
        ) : null}
      </>
    );
  }
  const confirmDialog = (
    <Dialog
      open={Boolean(confirming)}
      onClose={() => setConfirming(undefined)}
      aria-labelledby="datastack-sync-confirm-title"
    >
      <DialogTitle id="datastack-sync-confirm-title">
        Sync {confirming?.name} in {confirming?.environment}?
      </DialogTitle>
      <DialogContent>
        <DialogContentText>
          Argo CD applies the GitOps repository's current revision to the{' '}
          {confirming?.environment} environment now (Argo CD{' '}
          {confirming?.instance}
          ), outside any promotion from an earlier environment.
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={() => setConfirming(undefined)}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={() => {
            const app = confirming!;
            setConfirming(undefined);
            onAction(app, 'sync');
          }}
        >
          Sync {confirming?.environment}
        </Button>
      </DialogActions>
    </Dialog>
  );

  return (
    <InfoCard
      title="Deployment health"
      subheader={
        value ? <RollupStatusLabel status={value.status} /> : undefined
      }
    >
      {body}
      {confirmDialog}
    </InfoCard>
  );
}
