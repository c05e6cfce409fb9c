/**
 * The `spec` of a live object the sandbox's charts render (a Git manifest
 * brings its own): what each chart's example custom resource and each
 * Deployment plausibly hold, so the operators' statuses written next to
 * them (operatorStatus.ts) agree with them (replicas, node ids, versions).
 */

import type { InventoryItem } from './charts';
import { cloneJson, isRecord } from './util';

/** What a rendered spec depends on besides the item. */
export interface SpecContext {
  /** The Application: the Helm release. */
  release: string;
}

function kafkaSpec(): Record<string, unknown> {
  return {
    kafka: {
      listeners: [
        { name: 'plain', port: 9092, type: 'internal', tls: false },
        { name: 'tls', port: 9093, type: 'internal', tls: true },
      ],
      config: {
        'offsets.topic.replication.factor': 3,
        'transaction.state.log.replication.factor': 3,
        'transaction.state.log.min.isr': 2,
        'default.replication.factor': 3,
        'min.insync.replicas': 2,
      },
    },
    entityOperator: { topicOperator: {}, userOperator: {} },
  };
}

function nodePoolSpec(): Record<string, unknown> {
  return {
    replicas: 3,
    roles: ['controller', 'broker'],
    storage: {
      type: 'jbod',
      volumes: [
        {
          id: 0,
          type: 'persistent-claim',
          size: '100Gi',
          deleteClaim: false,
          kraftMetadata: 'shared',
        },
      ],
    },
  };
}

function flinkSpec(): Record<string, unknown> {
  return {
    image: 'flink:1.20',
    flinkVersion: 'v1_20',
    flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
    serviceAccount: 'flink',
    jobManager: { resource: { memory: '2048m', cpu: 1 } },
    taskManager: { resource: { memory: '2048m', cpu: 1 } },
    job: {
      jarURI: 'local:///opt/flink/examples/streaming/StateMachineExample.jar',
      parallelism: 2,
      upgradeMode: 'stateless',
      state: 'running',
    },
  };
}

function sparkSpec(): Record<string, unknown> {
  return {
    type: 'Scala',
    mode: 'cluster',
    image: 'docker.io/library/spark:4.0.0',
    imagePullPolicy: 'IfNotPresent',
    mainClass: 'org.apache.spark.examples.SparkPi',
    mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
    arguments: ['5000'],
    sparkVersion: '4.0.0',
    driver: {
      cores: 1,
      memory: '512m',
      serviceAccount: 'spark-operator-spark',
    },
    executor: { instances: 1, cores: 1, memory: '512m' },
  };
}

function clickHouseSpec(): Record<string, unknown> {
  return {
    configuration: {
      clusters: [
        { name: 'cluster', layout: { shardsCount: 1, replicasCount: 1 } },
      ],
    },
  };
}

function deploymentSpec(
  item: InventoryItem,
  c: SpecContext,
): Record<string, unknown> {
  const labels = {
    'app.kubernetes.io/name': item.name,
    'app.kubernetes.io/instance': c.release,
  };
  return {
    replicas: item.replicas ?? 1,
    selector: { matchLabels: labels },
    strategy: {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    },
    progressDeadlineSeconds: 600,
    revisionHistoryLimit: 10,
    template: {
      metadata: { labels },
      spec: {
        containers: (item.images ?? []).map((image, i) => ({
          name: i === 0 ? item.name : `sidecar-${i}`,
          image,
        })),
      },
    },
  };
}

/** The spec of a live object: the manifest's, or what the chart renders. */
export function specOf(
  item: InventoryItem,
  c: SpecContext,
): Record<string, unknown> | undefined {
  if (item.manifest) {
    return isRecord(item.manifest.spec)
      ? cloneJson(item.manifest.spec)
      : undefined;
  }
  switch (`${item.group}/${item.kind}`) {
    case 'kafka.strimzi.io/Kafka':
      return kafkaSpec();
    case 'kafka.strimzi.io/KafkaNodePool':
      return nodePoolSpec();
    case 'flink.apache.org/FlinkDeployment':
      return flinkSpec();
    case 'sparkoperator.k8s.io/SparkApplication':
      return sparkSpec();
    case 'clickhouse.altinity.com/ClickHouseInstallation':
      return clickHouseSpec();
    case 'apps/Deployment':
      return deploymentSpec(item, c);
    default:
      return undefined;
  }
}

/** The labels of a live object: the manifest's, or Helm's. */
export function labelsOf(
  item: InventoryItem,
  c: SpecContext,
  operatorCluster?: string,
): Record<string, string> {
  if (item.manifest) {
    const metadata = isRecord(item.manifest.metadata)
      ? item.manifest.metadata
      : {};
    const labels: Record<string, string> = {};
    if (isRecord(metadata.labels)) {
      for (const [key, value] of Object.entries(metadata.labels)) {
        if (typeof value === 'string') labels[key] = value;
      }
    }
    return labels;
  }
  return {
    'app.kubernetes.io/instance': c.release,
    'app.kubernetes.io/managed-by': 'Helm',
    ...(operatorCluster ? { 'strimzi.io/cluster': operatorCluster } : {}),
  };
}
