/** Strimzi: Kafka, KafkaNodePool and KafkaTopic. */

import { z } from 'zod';
import {
  Condition,
  CustomResourceReading,
  Subject,
  behind,
  condition,
  notReconciled,
  parseStatus,
  reading,
} from './reading';

// Condition and status shapes: strimzi-kafka-operator api/…/common/Condition.java,
// kafka/KafkaStatus.java, nodepool/KafkaNodePoolStatus.java, topic/KafkaTopicStatus.java.

const strimziStatus = z.looseObject({
  conditions: z.array(condition).optional(),
  observedGeneration: z.number().optional(),
  kafkaVersion: z.string().optional(),
  kafkaMetadataVersion: z.string().optional(),
  topicName: z.string().optional(),
  replicas: z.number().optional(),
  nodeIds: z.array(z.number()).optional(),
  roles: z.array(z.string()).optional(),
});

const because = (c: Condition) =>
  [c.reason, c.message].filter(Boolean).join(': ') || 'no reason given';

function warnings(conditions: Condition[]): string {
  const found = conditions.filter(
    c => c.type === 'Warning' && c.status === 'True',
  );
  if (!found.length) return '';
  return ` (${found.length} warning${found.length > 1 ? 's' : ''}: ${because(
    found[0],
  )})`;
}

export function readStrimzi(
  subject: Subject,
  status: unknown,
): CustomResourceReading {
  const topic = subject.kind === 'KafkaTopic';
  const cluster = subject.labels['strimzi.io/cluster'] ?? subject.name;
  const operatorLog = topic
    ? `Check the topic operator log: kubectl -n ${subject.namespace} logs deploy/${cluster}-entity-operator -c topic-operator`
    : `Check the Strimzi cluster operator log for ${subject.namespace}/${subject.name}: kubectl -n <operator namespace> logs deploy/strimzi-cluster-operator`;
  if (status === undefined) {
    return reading(
      'Progressing',
      `${subject.kind} ${subject.name} has no status yet: Strimzi has not reconciled it`,
      `If it stays so, check that Strimzi runs and watches namespace ${subject.namespace}. ${operatorLog}`,
    );
  }
  const parsed = parseStatus(strimziStatus, status, subject, 'Strimzi');
  if ('unknown' in parsed) return parsed.unknown;
  const s = parsed.ok;
  const conditions = s.conditions ?? [];
  const active = (type: string) =>
    conditions.find(c => c.type === type && c.status === 'True');
  const facts = {
    kafkaVersion: s.kafkaVersion,
    metadataVersion: s.kafkaMetadataVersion,
    topicName: s.topicName,
  };
  const paused = active('ReconciliationPaused');
  if (paused) {
    return reading(
      'Suspended',
      `Strimzi does not reconcile ${subject.kind} ${subject.name}: reconciliation is paused`,
      `Remove the strimzi.io/pause-reconciliation annotation to resume: kubectl -n ${
        subject.namespace
      } annotate ${subject.kind.toLowerCase()} ${
        subject.name
      } strimzi.io/pause-reconciliation-`,
      facts,
    );
  }
  if (active('Unmanaged')) {
    return reading(
      'Suspended',
      `KafkaTopic ${subject.name} is not managed by the topic operator (strimzi.io/managed: "false")`,
      'Set the strimzi.io/managed annotation to "true" for the topic operator to manage it',
      facts,
    );
  }
  const notReady = active('NotReady');
  const ready = conditions.find(c => c.type === 'Ready');
  if (notReady?.reason === 'Creating') {
    return reading(
      'Progressing',
      `${subject.kind} ${subject.name} is being deployed: ${
        notReady.message ?? 'Creating'
      }`,
      `Wait for Strimzi to finish; if it takes long: ${operatorLog}`,
      facts,
    );
  }
  if (notReady || (ready && ready.status === 'False')) {
    return reading(
      'Degraded',
      `${subject.kind} ${subject.name} is not ready: ${because(
        (notReady ?? ready)!,
      )}`,
      operatorLog,
      facts,
    );
  }
  if (subject.kind === 'KafkaNodePool')
    return readNodePool(subject, s, operatorLog, facts);
  if (ready?.status !== 'True') {
    return reading(
      'Progressing',
      `${subject.kind} ${subject.name} has no Ready condition yet`,
      `Wait for Strimzi to finish; if it takes long: ${operatorLog}`,
      facts,
    );
  }
  if (behind(subject, s.observedGeneration)) {
    return notReconciled(
      subject,
      'Strimzi',
      s.observedGeneration!,
      `Wait for the next reconciliation; if it does not come: ${operatorLog}`,
    );
  }
  const what = subject.kind === 'Kafka' ? 'Kafka cluster' : subject.kind;
  return reading(
    'Healthy',
    `${what} ${subject.name} is ready${warnings(conditions)}`,
    undefined,
    facts,
  );
}

function readNodePool(
  subject: Subject,
  s: z.infer<typeof strimziStatus>,
  operatorLog: string,
  facts: Record<string, unknown>,
): CustomResourceReading {
  // Strimzi writes no Ready condition on a node pool: its generation and size tell.
  if (behind(subject, s.observedGeneration)) {
    return notReconciled(
      subject,
      'Strimzi',
      s.observedGeneration!,
      `Wait for the next reconciliation of the Kafka cluster; if it does not come: ${operatorLog}`,
    );
  }
  const wanted =
    typeof subject.spec.replicas === 'number'
      ? subject.spec.replicas
      : undefined;
  const nodes = s.nodeIds?.length ?? s.replicas;
  const poolFacts = {
    ...facts,
    replicas: s.replicas,
    roles: s.roles?.join(','),
    nodeIds: s.nodeIds?.join(','),
  };
  if (wanted !== undefined && nodes !== wanted) {
    return reading(
      'Progressing',
      `KafkaNodePool ${subject.name} is being scaled: ${
        nodes ?? 0
      } of ${wanted} nodes`,
      `Wait for Strimzi to finish; if it takes long: ${operatorLog}`,
      poolFacts,
    );
  }
  return reading(
    'Healthy',
    `KafkaNodePool ${subject.name} has ${nodes ?? 0} node${
      nodes === 1 ? '' : 's'
    }${s.roles?.length ? ` (${s.roles.join(', ')})` : ''}${warnings(
      s.conditions ?? [],
    )}`,
    undefined,
    poolFacts,
  );
}
