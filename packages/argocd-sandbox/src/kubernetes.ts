/**
 * A minimal Kubernetes API for the sandbox's clusters, served under
 * `/k8s/{clusterName}`: `/version` and `/api/v1/nodes[/{name}]`. Errors are
 * Kubernetes `Status` objects.
 */

import { KubernetesApiError } from './errors';
import type { SandboxCluster } from './store';
import { iso, sha1, uuidFrom } from './util';

/** An answer of the Kubernetes API. */
export interface KubernetesResponse {
  status: number;
  body: unknown;
}

const NODES = 3;

function versionParts(version: string): {
  major: string;
  minor: string;
  patch: string;
} {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  return match
    ? { major: match[1], minor: match[2], patch: match[3] ?? '0' }
    : { major: '1', minor: '30', patch: '0' };
}

/** GET /version of a cluster. */
function versionInfo(cluster: SandboxCluster): Record<string, string> {
  const { major, minor, patch } = versionParts(cluster.serverVersion);
  const gitVersion = `v${major}.${minor}.${patch}`;
  return {
    major,
    minor,
    gitVersion,
    gitCommit: sha1(`kubernetes ${gitVersion}`),
    gitTreeState: 'clean',
    buildDate: '2024-08-14T18:46:24Z',
    goVersion: 'go1.22.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function node(
  cluster: SandboxCluster,
  index: number,
  createdAt: number,
  now: number,
) {
  const name = `${cluster.name}-node-${index + 1}`;
  const { major, minor, patch } = versionParts(cluster.serverVersion);
  const kubelet = `v${major}.${minor}.${patch}`;
  const zone = `eu-west-1${'abc'[index % 3]}`;
  const heartbeat = iso(now - ((now / 1000) % 40) * 1000);
  const since = iso(createdAt);
  const condition = (
    type: string,
    status: string,
    reason: string,
    message: string,
  ) => ({
    type,
    status,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: since,
    reason,
    message,
  });
  return {
    metadata: {
      name,
      uid: uuidFrom(`${cluster.server}/${name}`),
      resourceVersion: String(200000 + index),
      creationTimestamp: since,
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.xlarge',
        'topology.kubernetes.io/zone': zone,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {
      podCIDR: `10.244.${index}.0/24`,
      podCIDRs: [`10.244.${index}.0/24`],
    },
    status: {
      capacity: {
        cpu: '4',
        'ephemeral-storage': '104845292Ki',
        memory: '16069956Ki',
        pods: '110',
      },
      allocatable: {
        cpu: '3920m',
        'ephemeral-storage': '95551679124',
        memory: '15194436Ki',
        pods: '110',
      },
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition(
          'DiskPressure',
          'False',
          'KubeletHasNoDiskPressure',
          'kubelet has no disk pressure',
        ),
        condition(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        condition(
          'Ready',
          'True',
          'KubeletReady',
          'kubelet is posting ready status',
        ),
      ],
      addresses: [
        { type: 'InternalIP', address: `10.0.${index + 1}.${10 + index}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: sha1(`${name}/machine`).slice(0, 32),
        systemUUID: uuidFrom(`${name}/system`),
        bootID: uuidFrom(`${name}/boot`),
        kernelVersion: '6.5.0-1024-aws',
        osImage: 'Ubuntu 22.04.4 LTS',
        containerRuntimeVersion: 'containerd://1.7.20',
        kubeletVersion: kubelet,
        kubeProxyVersion: kubelet,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/**
 * Answers one request of the Kubernetes API of a sandbox cluster.
 *
 * @param path the request path after `/k8s/{clusterName}`
 * @throws KubernetesApiError for unknown clusters, paths and methods
 */
export function handleKubernetes(
  clusters: SandboxCluster[],
  clusterName: string,
  method: string,
  path: string,
  startedAt: number,
  now: number,
): KubernetesResponse {
  const cluster = clusters.find(c => c.name === clusterName);
  if (!cluster) {
    throw new KubernetesApiError(
      404,
      'NotFound',
      `cluster "${clusterName}" is not a sandbox cluster`,
    );
  }
  if (cluster.connectionState === 'Failed') {
    throw new KubernetesApiError(401, 'Unauthorized', 'Unauthorized');
  }
  if (method !== 'GET') {
    throw new KubernetesApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }
  const nodes = () =>
    Array.from({ length: NODES }, (_, i) =>
      node(cluster, i, startedAt - 86_400_000 * 30, now),
    );
  if (path === '/version' || path === '/version/') {
    return { status: 200, body: versionInfo(cluster) };
  }
  if (path === '/api/v1/nodes') {
    return {
      status: 200,
      body: {
        kind: 'NodeList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(200000 + NODES) },
        items: nodes(),
      },
    };
  }
  const single = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
  if (single) {
    const name = decodeURIComponent(single[1]);
    const found = nodes().find(n => n.metadata.name === name);
    if (!found) {
      throw new KubernetesApiError(
        404,
        'NotFound',
        `nodes "${name}" not found`,
        {
          name,
          kind: 'nodes',
        },
      );
    }
    return { status: 200, body: { kind: 'Node', apiVersion: 'v1', ...found } };
  }
  throw new KubernetesApiError(
    404,
    'NotFound',
    'the server could not find the requested resource',
    {},
  );
}
