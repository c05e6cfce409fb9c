/**
 * GET /api/v1/applications/{name}/resource: one live object of an
 * Application, as server/application `GetResource` answers it. The resource
 * must be a node of the Application's resource tree (`FindNode` on group,
 * kind, namespace and name), else Argo CD answers InvalidArgument "… not
 * found as part of application …"; the object is then read from the
 * cluster at the requested version, so a version its CRD does not serve is
 * the API server's NotFound. The object is what the cluster holds: the
 * rendered (or Git) manifest with the cluster's metadata and the `status`
 * its operator writes (operatorStatus.ts), or one a test set.
 */

import type { InventoryItem } from './charts';
import { ArgoCdApiError, GrpcCode } from './errors';
import type { AppRecord, LifecycleContext, LiveResource } from './lifecycle';
import { liveResources } from './lifecycle';
import { labelsOf, specOf } from './liveSpecs';
import { StatusPhase, operatorStatus } from './operatorStatus';
import { liveSeed, replicaSetName, resourceTree } from './tree';
import type { ResourceNode } from './types';
import { cloneJson, iso, isRecord } from './util';

/** The query of GET …/resource, as far as it names the resource. */
export interface ResourceQuery {
  group: string;
  version: string;
  kind: string;
  /** Empty for a cluster-scoped resource. */
  namespace: string;
  name: string;
}

/** A status set through the sandbox's control API, in place of the operator's. */
export interface StatusOverride {
  /** Any JSON value: an object as an operator writes it, or something hostile. */
  status: unknown;
  /** `metadata.generation` of the object (default: the lifecycle's). */
  generation?: number;
}

/** Argo CD's annotation tracking id on the resources it applies. */
const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

/** The key of a resource among an Application's overrides. */
export function resourceKey(r: {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}): string {
  return `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
}

function apiVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Argo CD's instance name of an Application (`<namespace>_<name>` outside argocd). */
function instanceName(record: AppRecord): string {
  return record.metadata.namespace === 'argocd'
    ? record.metadata.name
    : `${record.metadata.namespace}_${record.metadata.name}`;
}

/** How many syncs have deployed the Application (its history ids count up from 0). */
function deployCount(record: AppRecord): number {
  const last = record.history[record.history.length - 1];
  return last ? last.id + 1 : 0;
}

function phaseOf(live: LiveResource): { phase: StatusPhase; since: number } {
  if (live.syncing) {
    return {
      phase: live.syncing.existed ? 'updating' : 'creating',
      since: live.syncing.startedAt,
    };
  }
  const since = live.deployedAt ?? live.createdAt;
  return live.health?.status === 'Degraded'
    ? { phase: 'failed', since }
    : { phase: 'ready', since };
}

function generationOf(record: AppRecord, phase: StatusPhase): number {
  const deploys = deployCount(record);
  if (phase === 'creating') return 1;
  if (phase === 'updating') return deploys + 1;
  return Math.max(1, deploys);
}

/**
 * A Secret as server/application `replaceSecretValues` hides it: every
 * value of `data` replaced by plus signs (a longer run for each distinct
 * value, as gitops-engine's HideSecretData does).
 */
function hideSecretData(object: Record<string, unknown>): void {
  const data: Record<string, unknown> = {
    ...(isRecord(object.stringData) ? object.stringData : {}),
    ...(isRecord(object.data) ? object.data : {}),
  };
  delete object.stringData;
  if (!Object.keys(data).length) return;
  const runs = new Map<string, string>();
  for (const [key, value] of Object.entries(data)) {
    const text = String(value);
    if (!runs.has(text)) runs.set(text, '+'.repeat(8 + 4 * runs.size));
    data[key] = runs.get(text);
  }
  object.data = data;
}

function versionServed(item: InventoryItem | undefined, node: ResourceNode) {
  return item?.servedVersions ?? [item?.version ?? node.version];
}

function notServed(group: string, version: string): ArgoCdApiError {
  return new ArgoCdApiError(
    GrpcCode.NotFound,
    `error getting resource: failed to discover server resources for group version ${apiVersion(
      group,
      version,
    )}: the server could not find the requested resource`,
  );
}

function topLevelObject(
  record: AppRecord,
  ctx: LifecycleContext,
  live: LiveResource,
  node: ResourceNode,
  version: string,
  override: StatusOverride | undefined,
): Record<string, unknown> {
  const { item } = live;
  const release = record.metadata.name;
  const spec = specOf(item, { release });
  const labels = labelsOf(
    item,
    { release },
    item.kind === 'KafkaNodePool' && !item.manifest ? release : undefined,
  );
  const { phase, since } = phaseOf(live);
  const seed = liveSeed(record, live);
  const generation = override?.generation ?? generationOf(record, phase);
  const status = override
    ? override.status
    : operatorStatus({
        item,
        phase,
        since,
        now: ctx.now,
        stepMs: ctx.syncDurationMs / 2,
        generation,
        seed,
        spec: spec ?? {},
        labels,
        ...(item.kind === 'Deployment'
          ? { replicaSet: replicaSetName(live, seed) }
          : {}),
      });
  const manifest = item.manifest ? cloneJson(item.manifest) : {};
  const declared = isRecord(manifest.metadata) ? manifest.metadata : {};
  const annotations: Record<string, string> = {};
  if (isRecord(declared.annotations)) {
    for (const [key, value] of Object.entries(declared.annotations)) {
      if (typeof value === 'string') annotations[key] = value;
    }
  }
  annotations[TRACKING_ANNOTATION] = `${instanceName(record)}:${item.group}/${
    item.kind
  }:${item.namespace}/${item.name}`;
  const object: Record<string, unknown> = {
    ...manifest,
    apiVersion: apiVersion(item.group, version),
    kind: item.kind,
    metadata: {
      annotations,
      creationTimestamp: iso(live.createdAt),
      generation,
      ...(Object.keys(labels).length ? { labels } : {}),
      name: item.name,
      ...(item.namespace ? { namespace: item.namespace } : {}),
      resourceVersion: node.resourceVersion,
      uid: node.uid,
    },
  };
  delete object.status;
  if (spec) object.spec = spec;
  if (status !== undefined) object.status = status;
  if (item.group === '' && item.kind === 'Secret') hideSecretData(object);
  return object;
}

/** A Pod, ReplicaSet or EndpointSlice Kubernetes created for a resource. */
function childObject(node: ResourceNode, version: string) {
  const owners = (node.parentRefs ?? []).map(parent => ({
    apiVersion: apiVersion(parent.group, 'v1'),
    kind: parent.kind,
    name: parent.name,
    uid: parent.uid,
    controller: true,
    blockOwnerDeletion: true,
  }));
  const reason = node.info?.find(i => i.name === 'Status Reason')?.value;
  return {
    apiVersion: apiVersion(node.group, version),
    kind: node.kind,
    metadata: {
      creationTimestamp: node.createdAt,
      name: node.name,
      namespace: node.namespace,
      ownerReferences: owners,
      resourceVersion: node.resourceVersion,
      uid: node.uid,
    },
    ...(node.kind === 'Pod'
      ? {
          status: {
            phase: reason === 'ContainerCreating' ? 'Pending' : 'Running',
          },
        }
      : {}),
  };
}

/**
 * The live object GET …/resource answers for `query`, with the status of
 * `overrides` (by {@link resourceKey}) where a test set one.
 *
 * @throws ArgoCdApiError InvalidArgument when the Application's tree has no
 *   such node, NotFound when its CRD does not serve the version
 */
export function liveObject(
  record: AppRecord,
  ctx: LifecycleContext,
  query: ResourceQuery,
  overrides?: ReadonlyMap<string, StatusOverride>,
): Record<string, unknown> {
  const node = (resourceTree(record, ctx).nodes ?? []).find(
    n =>
      n.group === query.group &&
      n.kind === query.kind &&
      n.namespace === query.namespace &&
      n.name === query.name,
  );
  if (!node?.uid) {
    throw new ArgoCdApiError(
      GrpcCode.InvalidArgument,
      `${query.kind} ${query.group} ${query.name} not found as part of application ${record.metadata.name}`,
    );
  }
  const live = node.parentRefs?.length
    ? undefined
    : liveResources(record, ctx).find(
        l => resourceKey(l.item) === resourceKey(query),
      );
  const version = query.version || node.version;
  if (!versionServed(live?.item, node).includes(version)) {
    throw notServed(query.group, version);
  }
  if (!live) return childObject(node, version);
  return topLevelObject(
    record,
    ctx,
    live,
    node,
    version,
    overrides?.get(resourceKey(query)),
  );
}

/**
 * JSON as Go's encoding/json writes a map (Argo CD marshals the
 * unstructured object): object keys sorted at every level.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map(k => [k, v[k]]),
        )
      : v,
  );
}
