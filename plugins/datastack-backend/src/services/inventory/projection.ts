import type { Application } from '@datastack/plugin-datastack-node';

/** Deployments kept per Application: what the entity view lists. */
const HISTORY_KEPT = 5;

/** Annotations that can be as large as the object and that nothing reads. */
const DROPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
]);

type HistoryEntry = NonNullable<
  NonNullable<Application['status']>['history']
>[number];
type Source = NonNullable<HistoryEntry['source']>;

/** What the deployment history reads of a source: not its Helm values. */
function sourceRef(source: Source): Source {
  return {
    repoURL: source.repoURL,
    ...(source.chart && { chart: source.chart }),
    ...(source.path && { path: source.path }),
    ...(source.targetRevision && { targetRevision: source.targetRevision }),
  } as Source;
}

function historyEntry(entry: HistoryEntry): HistoryEntry {
  return {
    ...entry,
    ...(entry.source && { source: sourceRef(entry.source) }),
    ...(entry.sources && { sources: entry.sources.map(sourceRef) }),
  };
}

/** The key of an Application in the inventory: its namespace and name. */
export function applicationKey(app: Application): string {
  return `${app.metadata.namespace ?? ''}/${app.metadata.name}`;
}

/**
 * The compact projection of an Application that the inventory keeps: what
 * health, the fleet, upgrades and search read (metadata, the whole spec,
 * sync, health, operation without its per-resource results, the last
 * deployments, images, conditions and every resource's status), without
 * what only Argo CD's own UI needs (managed fields, the last-applied
 * annotation, each sync's result per resource, old history) and without
 * `reconciledAt`, which each reconciliation rewrites and nothing reads.
 */
export function projectApplication(app: Application): Application {
  const metadata = app.metadata;
  const annotations = metadata.annotations
    ? Object.fromEntries(
        Object.entries(metadata.annotations).filter(
          ([key]) => !DROPPED_ANNOTATIONS.has(key),
        ),
      )
    : undefined;
  const status = app.status;
  const operation = status?.operationState;
  return {
    metadata: {
      name: metadata.name,
      ...(metadata.namespace && { namespace: metadata.namespace }),
      ...(metadata.labels && { labels: metadata.labels }),
      ...(annotations && { annotations }),
      ...(metadata.uid && { uid: metadata.uid }),
      ...(metadata.resourceVersion && {
        resourceVersion: metadata.resourceVersion,
      }),
      ...(metadata.creationTimestamp && {
        creationTimestamp: metadata.creationTimestamp,
      }),
    },
    spec: app.spec,
    ...(status && {
      status: {
        // comparedTo repeats the spec's sources and destination.
        ...(status.sync && {
          sync: {
            status: status.sync.status,
            ...(status.sync.revision && { revision: status.sync.revision }),
            ...(status.sync.revisions && {
              revisions: status.sync.revisions,
            }),
          },
        }),
        ...(status.health && { health: status.health }),
        ...(operation && {
          operationState: {
            phase: operation.phase,
            ...(operation.message && { message: operation.message }),
            ...(operation.startedAt && { startedAt: operation.startedAt }),
            ...(operation.finishedAt && { finishedAt: operation.finishedAt }),
            ...(operation.syncResult && {
              syncResult: {
                ...(operation.syncResult.revision && {
                  revision: operation.syncResult.revision,
                }),
                ...(operation.syncResult.revisions && {
                  revisions: operation.syncResult.revisions,
                }),
              },
            }),
          },
        }),
        ...(status.history && {
          history: status.history.slice(-HISTORY_KEPT).map(historyEntry),
        }),
        ...(status.summary && { summary: status.summary }),
        ...(status.resources && { resources: status.resources }),
        ...(status.conditions && { conditions: status.conditions }),
      },
    }),
  };
}

/** Compares two Kubernetes resourceVersions as Argo CD does (as integers); undefined when either is not one. */
export function compareResourceVersions(
  a: string | undefined,
  b: string | undefined,
): number | undefined {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  if (x === y) return 0;
  return x < y ? -1 : 1;
}
