/**
 * The `status` each operator writes on the data-stack custom resources (and
 * the Deployment controller on a Deployment), for the phases the sandbox's
 * lifecycle gives a live resource: being created or updated by a running
 * sync, ready after it, or failed (the culprit of a degraded sync).
 *
 * The shapes follow the operators' own sources:
 * - Strimzi (strimzi-kafka-operator, api/…/kafka/KafkaStatus.java,
 *   nodepool/KafkaNodePoolStatus.java, topic/KafkaTopicStatus.java;
 *   KafkaAssemblyOperator writes `NotReady`/`Creating` "Kafka cluster is
 *   being deployed" first, then `Ready`, or `NotReady` with the exception's
 *   class and message; the topic operator writes `Ready` `False` with its
 *   reason). `observedGeneration` is a primitive long: 0 until reconciled.
 * - Flink Kubernetes Operator (api/status/FlinkDeploymentStatus.java,
 *   CommonStatus.java, JobStatus.java, ConditionsUtils.java).
 * - Kubeflow Spark operator (api/v1beta2/sparkapplication_types.go;
 *   internal/controller/sparkapplication/controller.go error messages).
 * - Altinity clickhouse-operator (pkg/apis/clickhouse.altinity.com/v1/
 *   type_status.go; announcer errors prefixed with an RFC 3339 time).
 * - Kubernetes' Deployment controller (pkg/controller/deployment/util:
 *   Available/MinimumReplicasAvailable, Progressing/NewReplicaSetAvailable,
 *   ReplicaSetUpdated, ProgressDeadlineExceeded).
 */

import type { InventoryItem } from './charts';
import { compareVersions } from './chartComponents';
import { iso, isRecord, sha1, uuidFrom } from './util';

/** Where a live resource is in the Application's lifecycle. */
export type StatusPhase = 'creating' | 'updating' | 'ready' | 'failed';

/** What a status is computed from. */
export interface StatusInput {
  item: InventoryItem;
  phase: StatusPhase;
  /** When the phase began (epoch ms). */
  since: number;
  now: number;
  /** How long a creation or update takes before its second step (half a sync). */
  stepMs: number;
  /** `metadata.generation` of the live object. */
  generation: number;
  /** Stable seed for identifiers (cluster ids, job ids). */
  seed: string;
  spec: Record<string, unknown>;
  labels: Record<string, string>;
  /** The current ReplicaSet of a Deployment. */
  replicaSet?: string;
}

type Status = Record<string, unknown>;

/** ISO-8601 with milliseconds, as Java's `DateTimeFormatter.ISO_INSTANT` writes them. */
function instant(ms: number): string {
  return new Date(ms).toISOString();
}

function hex(seed: string, length: number): string {
  return sha1(seed).slice(0, length);
}

/** A Kafka cluster or topic id: 22 characters of URL-safe base64. */
function kafkaId(seed: string): string {
  return Buffer.from(sha1(seed), 'hex').toString('base64url').slice(0, 22);
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** Strimzi's default Kafka (and KRaft metadata) version per operator release (kafka-versions.yaml). */
const STRIMZI_KAFKA: Array<[string, string, string]> = [
  ['1.2.0', '4.3.1', '4.3-IV0'],
  ['1.1.0', '4.3.0', '4.3-IV0'],
  ['0.51.0', '4.2.0', '4.2-IV1'],
  ['0.49.0', '4.1.1', '4.1-IV1'],
  ['0.48.0', '4.1.0', '4.1-IV1'],
  ['0.46.0', '4.0.0', '4.0-IV3'],
  ['0.0.0', '3.9.0', '3.9-IV0'],
];

function strimziKafka(operatorVersion: string | undefined): [string, string] {
  const version = operatorVersion ?? '1.2.0';
  const row =
    STRIMZI_KAFKA.find(([from]) => compareVersions(version, from) >= 0) ??
    STRIMZI_KAFKA[0];
  return [row[1], row[2]];
}

function kafkaStatus(input: StatusInput): Status | undefined {
  const { item, phase } = input;
  const kafka = record(input.spec.kafka);
  const [defaultVersion, defaultMetadata] = strimziKafka(item.operatorVersion);
  const kafkaVersion = text(kafka.version) ?? defaultVersion;
  const metadataVersion = text(kafka.metadataVersion) ?? defaultMetadata;
  const clusterId = kafkaId(`${item.namespace}/${item.name}/cluster`);
  const bootstrap = `${item.name}-kafka-bootstrap.${item.namespace}.svc`;
  if (phase === 'creating') {
    return {
      conditions: [
        {
          type: 'NotReady',
          status: 'True',
          lastTransitionTime: instant(input.since),
          reason: 'Creating',
          message: 'Kafka cluster is being deployed',
        },
      ],
      observedGeneration: 0,
    };
  }
  if (phase === 'failed') {
    return {
      conditions: [
        {
          type: 'NotReady',
          status: 'True',
          lastTransitionTime: instant(input.since),
          reason: 'StrimziTimeoutException',
          message: `Exceeded timeout of 300000ms while waiting for Pod resource ${item.name}-${item.name}-dual-role-0 in namespace ${item.namespace} to be ready`,
        },
      ],
      observedGeneration: input.generation,
      clusterId,
    };
  }
  const listeners = (
    Array.isArray(kafka.listeners) ? kafka.listeners : []
  ).flatMap(listener => {
    const l = record(listener);
    const name = text(l.name);
    const port = typeof l.port === 'number' ? l.port : undefined;
    if (!name || port === undefined) return [];
    return [
      {
        name,
        addresses: [{ host: bootstrap, port }],
        bootstrapServers: `${bootstrap}:${port}`,
        ...(l.tls === true
          ? {
              certificates: [
                `-----BEGIN CERTIFICATE-----\n${Buffer.from(
                  sha1(`${input.seed}/ca`).repeat(3),
                ).toString('base64')}\n-----END CERTIFICATE-----\n`,
              ],
            }
          : {}),
      },
    ];
  });
  return {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        // An update keeps the Ready condition of the last reconciliation.
        lastTransitionTime: instant(input.since),
      },
    ],
    observedGeneration:
      phase === 'updating' ? input.generation - 1 : input.generation,
    listeners,
    // The pool the sandbox's chart renders next to its Kafka.
    kafkaNodePools: [{ name: `${item.name}-dual-role` }],
    clusterId,
    operatorLastSuccessfulVersion: item.operatorVersion ?? '1.2.0',
    kafkaVersion,
    kafkaMetadataVersion: metadataVersion,
  };
}

const ROLES = ['controller', 'broker'];

function nodePoolStatus(input: StatusInput): Status | undefined {
  if (input.phase === 'creating') return undefined;
  const { item } = input;
  const cluster = input.labels['strimzi.io/cluster'] ?? item.name;
  const replicas =
    typeof input.spec.replicas === 'number' ? input.spec.replicas : 1;
  // Strimzi sorts the ProcessRoles enum: controller before broker.
  const roles = ROLES.filter(
    role => Array.isArray(input.spec.roles) && input.spec.roles.includes(role),
  );
  return {
    conditions: [],
    observedGeneration:
      input.phase === 'ready' ? input.generation : input.generation - 1,
    nodeIds: Array.from({ length: replicas }, (_, i) => i),
    clusterId: kafkaId(`${item.namespace}/${cluster}/cluster`),
    roles,
    replicas,
    labelSelector: `strimzi.io/cluster=${cluster},strimzi.io/name=${cluster}-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=${item.name}`,
  };
}

function topicStatus(input: StatusInput): Status | undefined {
  if (input.phase === 'creating') return undefined;
  const topicName = text(input.spec.topicName) ?? input.item.name;
  if (input.phase === 'failed') {
    return {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          lastTransitionTime: instant(input.since),
          reason: 'KafkaError',
          message:
            'org.apache.kafka.common.errors.InvalidReplicationFactorException: Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.',
        },
      ],
      observedGeneration: input.generation,
      topicName,
    };
  }
  return {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        lastTransitionTime: instant(input.since),
      },
    ],
    observedGeneration:
      input.phase === 'ready' ? input.generation : input.generation - 1,
    topicName,
    topicId: kafkaId(`${input.seed}/topic`),
  };
}

function flinkStatus(input: StatusInput): Status {
  const { item, phase, spec } = input;
  const job = record(spec.job);
  const settled = phase === 'ready' || phase === 'failed';
  const lastSpec = JSON.stringify({
    spec,
    resource_metadata: {
      apiVersion: 'flink.apache.org/v1beta1',
      metadata: { generation: input.generation },
      firstDeployment: phase === 'creating',
    },
  });
  const stepped = input.now - input.since >= input.stepMs;
  let jobState = 'RECONCILING';
  if (phase === 'ready') jobState = 'RUNNING';
  if (phase === 'failed') jobState = 'FAILED';
  let jmStatus = stepped ? 'DEPLOYED_NOT_READY' : 'DEPLOYING';
  if (settled) jmStatus = 'READY';
  let lifecycleState = 'DEPLOYED';
  if (phase === 'updating') lifecycleState = 'UPGRADING';
  if (phase === 'ready') lifecycleState = 'STABLE';
  if (phase === 'failed') lifecycleState = 'FAILED';
  const parallelism = typeof job.parallelism === 'number' ? job.parallelism : 1;
  const flinkVersion = text(spec.flinkVersion)?.replace(/^v/, '') ?? '1_20';
  return {
    jobStatus: {
      jobName: 'State machine job',
      jobId: hex(`${input.seed}/job`, 32),
      state: jobState,
      startTime: String(input.since),
      updateTime: String(settled ? input.since : input.now),
      checkpointInfo: { lastPeriodicCheckpointTimestamp: 0 },
      savepointInfo: {
        lastPeriodicSavepointTimestamp: 0,
        savepointHistory: [],
      },
    },
    observedGeneration: input.generation,
    lifecycleState,
    clusterInfo: settled
      ? {
          'flink-revision': `${hex(
            `${flinkVersion}/rev`,
            7,
          )} @ 2025-02-07T21:52:52+01:00`,
          'flink-version': `${flinkVersion.replace('_', '.')}.1`,
          'total-cpu': '2.0',
          'total-memory': '4294967296',
        }
      : {},
    jobManagerDeploymentStatus: jmStatus,
    reconciliationStatus: {
      reconciliationTimestamp: input.since,
      lastReconciledSpec: lastSpec,
      ...(phase === 'ready' ? { lastStableSpec: lastSpec } : {}),
      state: phase === 'updating' ? 'UPGRADING' : 'DEPLOYED',
    },
    taskManager: {
      labelSelector: `component=taskmanager,app=${item.name}`,
      replicas: Math.max(1, Math.ceil(parallelism / 2)),
    },
    conditions: [
      {
        type: 'Running',
        status: jobState === 'RUNNING' ? 'True' : 'False',
        reason: jobState.charAt(0) + jobState.slice(1).toLowerCase(),
        message: `Job status ${jobState}`,
        lastTransitionTime: instant(input.since),
      },
    ],
  };
}

function sparkStatus(input: StatusInput): Status {
  const { item, phase } = input;
  const stepped = input.now - input.since >= input.stepMs;
  let state = stepped ? 'RUNNING' : 'SUBMITTED';
  let executor = stepped ? 'RUNNING' : undefined;
  if (phase === 'ready') [state, executor] = ['COMPLETED', 'COMPLETED'];
  if (phase === 'failed') [state, executor] = ['FAILED', 'FAILED'];
  const done = phase === 'ready' || phase === 'failed';
  const address = `10.96.${Number.parseInt(hex(input.seed, 2), 16)}.${
    Number.parseInt(hex(`${input.seed}/ip`, 2), 16) % 250
  }`;
  return {
    applicationState: {
      state,
      ...(phase === 'failed'
        ? {
            errorMessage:
              'driver container failed with ExitCode: 1, Reason: Error',
          }
        : {}),
    },
    driverInfo: {
      podName: `${item.name}-driver`,
      webUIAddress: `${address}:4040`,
      webUIPort: 4040,
      webUIServiceName: `${item.name}-ui-svc`,
    },
    executionAttempts: 1,
    ...(executor
      ? {
          executorState: {
            [`${item.name}-${hex(`${input.seed}/exec`, 16)}-exec-1`]: executor,
          },
        }
      : {}),
    lastSubmissionAttemptTime: iso(input.since),
    sparkApplicationId: `spark-${hex(`${input.seed}/app`, 32)}`,
    submissionAttempts: 1,
    submissionID: uuidFrom(`${input.seed}/submission`),
    terminationTime: done ? iso(input.since) : null,
  };
}

function clickHouseStatus(input: StatusInput): Status {
  const { item, phase } = input;
  const taskID = `auto-${uuidFrom(`${input.seed}/task/${input.generation}`)}`;
  const host = `chi-${item.name}-cluster-0-0`;
  const fqdn = `${host}.${item.namespace}.svc.cluster.local`;
  const endpoint = `clickhouse-${item.name}.${item.namespace}.svc.cluster.local`;
  // The announcer's prefix: Go's RFC 3339 with (trimmed) fractions.
  const at = new Date(input.since).toISOString();
  const base: Status = {
    'chop-version': item.operatorVersion ?? '0.27.3',
    'chop-commit': hex(`chop/${item.operatorVersion}`, 7),
    'chop-date': '2025-06-02T10:13:51',
    'chop-ip': '10.244.0.12',
    clusters: 1,
    shards: 1,
    hosts: 1,
    taskID,
    taskIDsStarted: [taskID],
  };
  if (phase === 'creating' || phase === 'updating') {
    return {
      ...base,
      status: 'InProgress',
      actions: [`${at} reconcile started, task id: ${taskID}`],
      hostsUpdated: phase === 'updating' ? 1 : 0,
      hostsAdded: phase === 'creating' ? 1 : 0,
    };
  }
  if (phase === 'failed') {
    const error = `FAILED to reconcile CR ${item.namespace}/${item.name}, err: crud error - should abort`;
    return {
      ...base,
      status: 'Aborted',
      taskIDsCompleted: [taskID],
      error,
      errors: [`${at} ${error}`],
      hostsFailed: 1,
    };
  }
  return {
    ...base,
    status: 'Completed',
    taskIDsCompleted: [taskID],
    actions: [`${at} reconcile completed successfully, task id: ${taskID}`],
    hostsCompleted: 1,
    pods: [`${host}-0`],
    fqdns: [fqdn],
    endpoint,
    endpoints: [endpoint],
    hostsWithTablesCreated: [fqdn],
  };
}

function deploymentStatus(input: StatusInput): Status {
  const { phase } = input;
  const replicas =
    typeof input.spec.replicas === 'number'
      ? input.spec.replicas
      : input.item.replicas ?? 1;
  const rs = input.replicaSet ?? input.item.name;
  const at = iso(input.since);
  const condition = (
    type: string,
    status: string,
    reason: string,
    message: string,
  ) => ({
    type,
    status,
    lastUpdateTime: iso(phase === 'ready' ? input.since : input.now),
    lastTransitionTime: at,
    reason,
    message,
  });
  const available = condition(
    'Available',
    'True',
    'MinimumReplicasAvailable',
    'Deployment has minimum availability.',
  );
  const unavailable = condition(
    'Available',
    'False',
    'MinimumReplicasUnavailable',
    'Deployment does not have minimum availability.',
  );
  if (phase === 'ready') {
    return {
      observedGeneration: input.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        available,
        condition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rs}" has successfully progressed.`,
        ),
      ],
    };
  }
  if (phase === 'failed') {
    return {
      observedGeneration: input.generation,
      replicas,
      updatedReplicas: replicas,
      unavailableReplicas: replicas,
      conditions: [
        unavailable,
        condition(
          'Progressing',
          'False',
          'ProgressDeadlineExceeded',
          `ReplicaSet "${rs}" has timed out progressing.`,
        ),
      ],
    };
  }
  const progressing = condition(
    'Progressing',
    'True',
    'ReplicaSetUpdated',
    `ReplicaSet "${rs}" is progressing.`,
  );
  if (phase === 'creating') {
    return {
      observedGeneration: input.generation,
      replicas,
      updatedReplicas: replicas,
      unavailableReplicas: replicas,
      conditions: [unavailable, progressing],
    };
  }
  // A rolling update: one surge Pod of the new ReplicaSet, the old ones still serving.
  return {
    observedGeneration: input.generation,
    replicas: replicas + 1,
    updatedReplicas: 1,
    readyReplicas: replicas,
    availableReplicas: replicas,
    unavailableReplicas: 1,
    conditions: [available, progressing],
  };
}

/**
 * The status the operator (or controller) of this kind writes in this
 * phase; undefined for kinds the sandbox gives none and for resources not
 * reconciled yet (a new KafkaNodePool or KafkaTopic).
 */
export function operatorStatus(input: StatusInput): Status | undefined {
  switch (`${input.item.group}/${input.item.kind}`) {
    case 'kafka.strimzi.io/Kafka':
      return kafkaStatus(input);
    case 'kafka.strimzi.io/KafkaNodePool':
      return nodePoolStatus(input);
    case 'kafka.strimzi.io/KafkaTopic':
      return topicStatus(input);
    case 'flink.apache.org/FlinkDeployment':
      return flinkStatus(input);
    case 'sparkoperator.k8s.io/SparkApplication':
      return sparkStatus(input);
    case 'clickhouse.altinity.com/ClickHouseInstallation':
      return clickHouseStatus(input);
    case 'apps/Deployment':
      return deploymentStatus(input);
    default:
      return undefined;
  }
}
