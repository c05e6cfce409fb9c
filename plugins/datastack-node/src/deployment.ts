import type { Config } from '@backstage/config';
import { DatastackConfigError } from './config';

/**
 * How the backend is deployed, as far as Datastack's shared state cares.
 *
 * @public
 */
export interface DeploymentConfig {
  /** `datastack.replicas`: how many backend processes share the database. */
  replicas: number;
  /**
   * Whether bare repositories under `datastack.gitops.localRoot` may be
   * created and read (the embedded default). False when
   * `datastack.gitops.localRepositories` is false.
   */
  localRepositories: boolean;
  /** `datastack.gitops.localRoot`, as configured (default `.datastack/gitops`). */
  localRoot: string;
}

const DEFAULT_LOCAL_ROOT = '.datastack/gitops';

/**
 * Reads `datastack.replicas` and the local-git settings and refuses, at
 * startup, a deployment whose replicas would silently diverge:
 *
 * - more than one replica on SQLite (each process would hold a database of
 *   its own: tasks, chart versions and schedules would not be shared);
 * - more than one replica with local repositories on a per-pod disk: a
 *   pipeline published on one replica would be missing on the others, and
 *   Argo CD could reach none of them. Use a git host, or declare the
 *   directory a volume every replica mounts (`localRootShared: true`).
 *
 * @public
 */
export function readDeploymentConfig(root: Config): DeploymentConfig {
  const replicas = root.getOptionalNumber('datastack.replicas') ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 1000) {
    throw new DatastackConfigError(
      'datastack.replicas',
      `${replicas} must be a whole number of backend replicas, at least 1`,
    );
  }
  const localRepositories =
    root.getOptionalBoolean('datastack.gitops.localRepositories') ?? true;
  const localRoot =
    root.getOptionalString('datastack.gitops.localRoot') ?? DEFAULT_LOCAL_ROOT;
  const shared =
    root.getOptionalBoolean('datastack.gitops.localRootShared') ?? false;

  if (replicas > 1) {
    const client = root.getOptionalString('backend.database.client');
    if (client && !/^(pg|postgres(ql)?)$/.test(client)) {
      throw new DatastackConfigError(
        'datastack.replicas',
        `is ${replicas}, but backend.database.client is "${client}": replicas share their tasks, schedules and chart versions through one PostgreSQL database`,
      );
    }
    if (localRepositories && !shared) {
      throw new DatastackConfigError(
        'datastack.replicas',
        `is ${replicas}, but local GitOps repositories live in datastack.gitops.localRoot ("${localRoot}"), a directory of one pod: each replica would publish repositories the others and Argo CD cannot see. Publish to a git host (integrations.*) and set datastack.gitops.localRepositories: false, or set datastack.gitops.localRootShared: true when localRoot is a volume every replica mounts read-write`,
      );
    }
  }
  return { replicas, localRepositories, localRoot };
}
