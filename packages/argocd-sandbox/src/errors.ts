/**
 * Errors as Argo CD and Kubernetes write them on the wire.
 *
 * Argo CD's REST API is grpc-gateway in front of gRPC services: a failed call
 * answers `{"error": message, "code": grpcCode, "message": message}` with the
 * HTTP status grpc-gateway maps the gRPC code to.
 */

/** gRPC status codes Argo CD answers with. */
export const GrpcCode = {
  Unknown: 2,
  InvalidArgument: 3,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unauthenticated: 16,
} as const;

/** A gRPC status code. */
export type GrpcCodeValue = (typeof GrpcCode)[keyof typeof GrpcCode];

/** grpc-gateway v1's mapping of gRPC codes to HTTP statuses. */
function httpStatusOf(code: GrpcCodeValue): number {
  switch (code) {
    case GrpcCode.InvalidArgument:
    case GrpcCode.FailedPrecondition:
    case GrpcCode.OutOfRange:
      return 400;
    case GrpcCode.Unauthenticated:
      return 401;
    case GrpcCode.PermissionDenied:
      return 403;
    case GrpcCode.NotFound:
      return 404;
    case GrpcCode.AlreadyExists:
    case GrpcCode.Aborted:
      return 409;
    case GrpcCode.Unimplemented:
      return 501;
    default:
      return 500;
  }
}

/** An Argo CD API error: a gRPC status with its HTTP mapping. */
export class ArgoCdApiError extends Error {
  readonly code: GrpcCodeValue;
  readonly httpStatus: number;

  constructor(code: GrpcCodeValue, message: string, httpStatus?: number) {
    super(message);
    this.name = 'ArgoCdApiError';
    this.code = code;
    this.httpStatus = httpStatus ?? httpStatusOf(code);
  }

  /** The response body Argo CD sends. */
  body(): { error: string; code: number; message: string } {
    return { error: this.message, code: this.code, message: this.message };
  }
}

/** `applications.argoproj.io "NAME" not found` (code 5). */
export function applicationNotFound(name: string): ArgoCdApiError {
  return new ArgoCdApiError(
    GrpcCode.NotFound,
    `applications.argoproj.io "${name}" not found`,
  );
}

/** `appprojects.argoproj.io "NAME" not found` (code 5). */
export function projectNotFound(name: string): ArgoCdApiError {
  return new ArgoCdApiError(
    GrpcCode.NotFound,
    `appprojects.argoproj.io "${name}" not found`,
  );
}

/**
 * What Argo CD (since 2.6.7) answers for an Application that does not exist
 * when the request names no project: it does not reveal whether the
 * Application exists.
 */
export function permissionDenied(): ArgoCdApiError {
  return new ArgoCdApiError(GrpcCode.PermissionDenied, 'permission denied');
}

/** A Kubernetes `Status` object, the body of every Kubernetes API error. */
export interface KubernetesStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: Record<string, string>;
  code: number;
}

/** A Kubernetes API error. */
export class KubernetesApiError extends Error {
  readonly httpStatus: number;
  readonly reason: string;
  readonly details?: Record<string, string>;

  constructor(
    httpStatus: number,
    reason: string,
    message: string,
    details?: Record<string, string>,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
    this.httpStatus = httpStatus;
    this.reason = reason;
    this.details = details;
  }

  /** The `Status` body the Kubernetes API server sends. */
  body(): KubernetesStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.httpStatus,
    };
  }
}
