import Box from '@material-ui/core/Box';
import { RollupStatusLabel } from './StatusLabels';

/** Argo CD instances that could not answer, each in its own row. */
export function UpstreamFailures(props: {
  failures: Array<{
    instance: string;
    status: 'ok' | 'unreachable' | 'error';
    error?: string;
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
        </Box>
      ))}
    </Box>
  );
}
