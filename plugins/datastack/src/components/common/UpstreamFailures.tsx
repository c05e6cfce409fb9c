import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import type { InventoryState } from '@datastack/plugin-datastack-common';
import {
  RollupStatusLabel,
  formatTime,
  lastKnownSentence,
} from './StatusLabels';

/**
 * Instances whose answer came from a live inventory that is not current
 * (its stream is being replaced): since when, why, and as of when the
 * rows are.
 */
export function StaleInventory(props: {
  instances: Array<{ instance: string; inventory?: InventoryState }>;
}) {
  const stale = props.instances.filter(i => i.inventory?.state === 'stale');
  if (stale.length === 0) return null;
  return (
    <Box mb={1}>
      {stale.map(({ instance, inventory }) => (
        <Typography key={instance} variant="body2" role="status">
          Argo CD {instance}: live updates paused since{' '}
          {formatTime(inventory!.since)}
          {inventory!.message ? ` (${inventory!.message})` : ''}; shown as of{' '}
          {formatTime(inventory!.asOf ?? inventory!.since)}.
        </Typography>
      ))}
    </Box>
  );
}

/** Argo CD instances that could not answer, each in its own row. */
export function UpstreamFailures(props: {
  failures: Array<{
    instance: string;
    status: 'ok' | 'unreachable' | 'error';
    error?: string;
    /** Its rows below are the ones it answered then. */
    lastKnownAt?: string;
    inventory?: InventoryState;
  }>;
}) {
  const failed = props.failures.filter(f => f.status !== 'ok');
  const stale = <StaleInventory instances={props.failures} />;
  if (failed.length === 0) return stale;
  return (
    <Box mb={2}>
      {stale}
      {failed.map(f => (
        <Box key={f.instance} mb={1} role="alert">
          <RollupStatusLabel
            status={f.status === 'unreachable' ? 'unreachable' : 'error'}
          />{' '}
          Argo CD {f.instance}: {f.error}
          {f.lastKnownAt
            ? lastKnownSentence(f.error, 'Its rows are shown', f.lastKnownAt)
            : ''}
        </Box>
      ))}
    </Box>
  );
}
