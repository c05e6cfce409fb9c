import { ResponseErrorPanel, WarningPanel } from '@backstage/core-components';
import { ResponseError } from '@backstage/errors';
import Typography from '@material-ui/core/Typography';

/** True for a refused permission: a 403 answer or a NotAllowedError body. */
export function isPermissionDenied(error: Error): boolean {
  return (
    error.name === 'NotAllowedError' ||
    (error instanceof ResponseError &&
      (error.statusCode === 403 ||
        error.body.error?.name === 'NotAllowedError'))
  );
}

/** The message the backend gave, not the generic "Request failed with …". */
export function errorMessage(error: Error): string {
  if (error instanceof ResponseError) {
    return error.body.error?.message || error.message;
  }
  return error.message;
}

/**
 * A failed load: a refused permission says so plainly (what the user may not
 * see and the backend's sentence); anything else is the backend's error panel,
 * with its status and details.
 */
export function ErrorState(props: { error: Error; title: string }) {
  const { error, title } = props;
  if (isPermissionDenied(error)) {
    return (
      <WarningPanel
        severity="warning"
        title="Permission denied"
        message={errorMessage(error)}
        defaultExpanded
      />
    );
  }
  return <ResponseErrorPanel error={error} title={title} />;
}

/** A line under a view that kept its last answer when a background reload failed. */
export function RefreshFailed(props: { error?: Error }) {
  if (!props.error) return null;
  return (
    <Typography variant="caption" color="error" role="status">
      Could not refresh, showing the last answer: {errorMessage(props.error)}
    </Typography>
  );
}
