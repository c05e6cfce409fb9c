import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { ArgoCdRequestError } from '@datastack/plugin-datastack-node';

/** gRPC FailedPrecondition: "another operation is already in progress" and the like. */
const FAILED_PRECONDITION = 9;

/**
 * An Argo CD failure as the Backstage error that leaves a service. Argo CD's
 * HTTP status never becomes ours: Argo CD refusing Datastack's own token
 * (401, or 403 where the Application is known to exist) is a 503 naming the
 * instance, since the browser's user can do nothing about it; a missing
 * Application is a 404 only when Argo CD says it is missing. Anything that
 * is not an Argo CD failure is returned as it is.
 */
export function fromArgoCdError(error: unknown, action: string): unknown {
  if (!(error instanceof ArgoCdRequestError)) return error;
  const detail = `${action}: ${error.message}`;
  switch (error.failure) {
    case 'unauthenticated':
    case 'forbidden':
      return new ServiceUnavailableError(
        `Argo CD instance "${error.instance}" refused the credentials Datastack is configured with (${action}); ask the platform team to check datastack.argocd.instances`,
        error,
      );
    case 'not-found':
      return new NotFoundError(detail, error);
    case 'conflict':
      return new ConflictError(detail, error);
    case 'invalid':
      return error.code === FAILED_PRECONDITION
        ? new ConflictError(detail, error)
        : new InputError(detail, error);
    default:
      return new ServiceUnavailableError(detail, error);
  }
}
