import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type {
  ChartVersionsState,
  RollupStatus,
  UpgradeRisk,
} from '@datastack/plugin-datastack-common';
import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';

export const statusLabels: Record<RollupStatus, string> = {
  healthy: 'Healthy',
  progressing: 'Progressing',
  'out-of-sync': 'Out of sync',
  missing: 'Missing',
  degraded: 'Degraded',
  unknown: 'Unknown',
  unreachable: 'Unreachable',
  error: 'Error',
};

/**
 * A status with its colour and icon, and a text label for screen readers;
 * `label` names it more precisely (e.g. "Syncing" for a progressing status
 * while Argo CD's operation runs).
 */
export function RollupStatusLabel(props: {
  status: RollupStatus;
  label?: string;
}) {
  const { status } = props;
  const label = props.label ?? statusLabels[status];
  switch (status) {
    case 'healthy':
      return <StatusOK>{label}</StatusOK>;
    case 'progressing':
      return <StatusPending>{label}</StatusPending>;
    case 'out-of-sync':
    case 'missing':
      return <StatusWarning>{label}</StatusWarning>;
    case 'unknown':
      return <StatusAborted>{label}</StatusAborted>;
    default:
      return <StatusError>{label}</StatusError>;
  }
}

const useRiskStyles = makeStyles(theme => ({
  blocking: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  warn: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  ok: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
}));

export const riskLabels: Record<UpgradeRisk, string> = {
  blocking: 'Blocking',
  warn: 'Warning',
  ok: 'OK',
};

/** The risk of an upgrade as a coloured chip whose text says it too. */
export function RiskChip(props: { risk: UpgradeRisk; title?: string }) {
  const classes = useRiskStyles();
  const chip = (
    <Chip
      size="small"
      className={classes[props.risk]}
      label={riskLabels[props.risk]}
      aria-label={`Risk: ${riskLabels[props.risk]}`}
    />
  );
  return props.title ? <Tooltip title={props.title}>{chip}</Tooltip> : chip;
}

/** A timestamp as the user's locale writes it, or a dash. */
export function formatTime(iso?: string): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/**
 * The sentence after an unreachable instance's error: what is still shown
 * and when it was last read ("Its rows are shown as it last answered, at …").
 * The error ends with a full stop first unless it already ends a sentence.
 */
export function lastKnownSentence(
  error: string | undefined,
  shown: string,
  lastKnownAt: string,
): string {
  const stop = /[.!?]$/.test(error ?? '') ? '' : '.';
  return `${stop} ${shown} as it last answered, at ${formatTime(lastKnownAt)}.`;
}

/**
 * What is known of a component's chart repository: fresh, stale (the last
 * fetch failed, older versions kept) or unknown (never fetched), with when.
 */
export function ChartVersionsStateLabel(props: { state: ChartVersionsState }) {
  const { state } = props;
  const where = `${state.chart} from ${state.repository}`;
  if (state.status === 'ok') {
    return (
      <>
        <StatusOK>Versions fetched {formatTime(state.fetchedAt)}</StatusOK>
        <Typography variant="caption" display="block" color="textSecondary">
          {state.versionCount} versions of {where}
          {state.latest ? `, latest ${state.latest}` : ''}
        </Typography>
      </>
    );
  }
  return (
    <>
      {state.status === 'stale' ? (
        <StatusWarning>
          Versions may be out of date: last fetched{' '}
          {formatTime(state.fetchedAt)}
        </StatusWarning>
      ) : (
        <StatusWarning>Versions unknown: never fetched</StatusWarning>
      )}
      <Typography variant="caption" display="block" color="textSecondary">
        {state.status === 'stale'
          ? `${state.versionCount} versions of ${where} kept${
              state.latest ? `, latest known ${state.latest}` : ''
            }`
          : where}
        {state.checkedAt ? `; last tried ${formatTime(state.checkedAt)}` : ''}
        {state.error ? `: ${state.error}` : ''}
      </Typography>
    </>
  );
}
