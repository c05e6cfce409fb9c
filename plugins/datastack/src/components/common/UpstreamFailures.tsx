import Box from '@material-ui/core/Box';
import { RollupStatusLabel, formatTime } from './StatusLabels';

/** Argo CD instances that could not answer, each in its own row. */
export function UpstreamFailures(props: {
  failures: Array<{
    instance: string;
    status: 'ok' | 'unreachable' | 'error';
    error?: string;
    /** Its rows below are the ones it answered then. */
    lastKnownAt?: string;
  }>;
}) {
  const failed = props.failures.filter(f => f.status !== 'ok');
  if (failed.length === 0) return null;
  return (
    <Box mb={2}>
      {failed.map(f => (
        <Box key={f.instance} mb={1} role="alert">
          <RollupStatusLabel
            status={f.status === 'unreachable' ? 'unreachable' : 'error'}
          />{' '}
          Argo CD {f.instance}: {f.error}
          {f.lastKnownAt
            ? ` Its rows are shown as it last answered, at ${formatTime(
                f.lastKnownAt,
              )}.`
            : ''}
        </Box>
      ))}
    </Box>
  );
}
