/**
 * GET /api/v1/applications/{name}/resource-tree: the live resources of an
 * Application with the children Kubernetes creates for them (ReplicaSets,
 * Pods, EndpointSlices), shaped as Argo CD's ApplicationTree.
 */

import { isWorkload } from './charts';
import {
  AppRecord,
  LifecycleContext,
  LiveResource,
  liveResources,
} from './lifecycle';
import type { ApplicationTree, ResourceNode, ResourceRef } from './types';
import { iso, sha1, uuidFrom } from './util';

/** A stable `metadata.resourceVersion` derived from a seed. */
export function resourceVersionOf(seed: string): string {
  return String(
    100000 + (Number.parseInt(sha1(seed).slice(0, 6), 16) % 900000),
  );
}

/**
 * The seed of a live resource's identifiers: its uid and resourceVersion
 * in the tree, and in the live object GET …/resource answers.
 */
export function liveSeed(record: AppRecord, live: LiveResource): string {
  const { item } = live;
  const appUid = record.metadata.uid ?? record.key;
  return `${appUid}/${item.group}/${item.kind}/${item.namespace}/${item.name}/${live.createdAt}`;
}

/** The ReplicaSet a Deployment's current images run in. */
export function replicaSetName(live: LiveResource, seed: string): string {
  const images = live.item.images ?? [];
  return `${live.item.name}-${sha1(`${seed}/${images.join(',')}`).slice(
    0,
    10,
  )}`;
}

function ref(node: ResourceNode): ResourceRef {
  return {
    group: node.group,
    kind: node.kind,
    namespace: node.namespace,
    name: node.name,
    uid: node.uid,
  };
}

/** The resource tree of an Application, `{}` when nothing is deployed. */
export function resourceTree(
  record: AppRecord,
  ctx: LifecycleContext,
): ApplicationTree {
  const nodes: ResourceNode[] = [];
  for (const live of liveResources(record, ctx)) {
    const { item } = live;
    const seed = liveSeed(record, live);
    const createdAt = iso(live.createdAt);
    const node: ResourceNode = {
      group: item.group,
      version: item.version,
      kind: item.kind,
      namespace: item.namespace,
      name: item.name,
      uid: uuidFrom(seed),
      resourceVersion: resourceVersionOf(seed),
      ...(live.health ? { health: live.health } : {}),
      createdAt,
    };
    if (item.kind === 'Ingress' && item.host) {
      node.networkingInfo = {
        ingress: [{ hostname: item.host }],
        externalURLs: [`http://${item.host}`],
      };
    }
    if (item.kind === 'Service') {
      node.networkingInfo = {
        targetLabels: { 'app.kubernetes.io/instance': record.metadata.name },
      };
    }
    nodes.push(node);

    if (isWorkload(item.kind)) {
      const images = item.images ?? [];
      const hash = sha1(`${seed}/${images.join(',')}`).slice(0, 10);
      let owner = node;
      if (item.kind === 'Deployment') {
        const rsSeed = `${seed}/rs/${hash}`;
        owner = {
          group: 'apps',
          version: 'v1',
          kind: 'ReplicaSet',
          namespace: item.namespace,
          name: replicaSetName(live, seed),
          uid: uuidFrom(rsSeed),
          resourceVersion: resourceVersionOf(rsSeed),
          parentRefs: [ref(node)],
          info: [{ name: 'Revision', value: 'Rev:1' }],
          health: live.health ?? { status: 'Healthy' },
          createdAt,
        };
        nodes.push(owner);
      }
      const progressing = live.health?.status === 'Progressing';
      const degraded = live.health?.status === 'Degraded';
      for (let i = 0; i < (item.replicas ?? 1); i++) {
        const suffix =
          item.kind === 'StatefulSet'
            ? String(i)
            : sha1(`${seed}/pod/${i}`).slice(0, 5);
        const podSeed = `${seed}/pod/${i}/${hash}`;
        let reason = 'Running';
        if (progressing) reason = 'ContainerCreating';
        if (degraded) reason = 'CrashLoopBackOff';
        const ready = reason === 'Running' ? images.length : 0;
        nodes.push({
          group: '',
          version: 'v1',
          kind: 'Pod',
          namespace: item.namespace,
          name: `${owner.name}-${suffix}`,
          uid: uuidFrom(podSeed),
          resourceVersion: resourceVersionOf(podSeed),
          parentRefs: [ref(owner)],
          info: [
            { name: 'Status Reason', value: reason },
            { name: 'Node', value: `sandbox-node-${(i % 3) + 1}` },
            { name: 'Containers', value: `${ready}/${images.length}` },
          ],
          images,
          health: degraded
            ? {
                status: 'Degraded',
                message: `back-off 5m0s restarting failed container=${item.name} pod=${owner.name}-${suffix}`,
              }
            : { status: progressing ? 'Progressing' : 'Healthy' },
          createdAt,
        });
      }
    }

    if (item.kind === 'Service') {
      const sliceSeed = `${seed}/endpointslice`;
      nodes.push({
        group: 'discovery.k8s.io',
        version: 'v1',
        kind: 'EndpointSlice',
        namespace: item.namespace,
        name: `${item.name}-${sha1(sliceSeed).slice(0, 5)}`,
        uid: uuidFrom(sliceSeed),
        resourceVersion: resourceVersionOf(sliceSeed),
        parentRefs: [ref(node)],
        createdAt,
      });
    }
  }
  return nodes.length ? { nodes } : {};
}
