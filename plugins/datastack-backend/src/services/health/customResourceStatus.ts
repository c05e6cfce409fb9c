import { z } from 'zod';
import { readClickHouse } from './customResources/clickhouse';
import { readDeployment } from './customResources/deployment';
import { readFlink } from './customResources/flink';
import {
  CustomResourceReading,
  Subject,
  describeIssue,
  reading,
} from './customResources/reading';
import { readSpark } from './customResources/spark';
import { readStrimzi } from './customResources/strimzi';

export type {
  CustomResourceHealth,
  CustomResourceReading,
} from './customResources/reading';

/** A Kubernetes object name (DNS subdomain): what the suggested commands may contain. */
const objectName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'not a Kubernetes name');

const envelope = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: objectName,
    namespace: objectName.optional(),
    generation: z.number().optional(),
    labels: z.record(z.string(), z.unknown()).optional(),
  }),
  spec: z.record(z.string(), z.unknown()).optional(),
  status: z.unknown().optional(),
});

const READERS: Record<
  string,
  (subject: Subject, status: unknown) => CustomResourceReading
> = {
  'kafka.strimzi.io/Kafka': readStrimzi,
  'kafka.strimzi.io/KafkaNodePool': readStrimzi,
  'kafka.strimzi.io/KafkaTopic': readStrimzi,
  'flink.apache.org/FlinkDeployment': readFlink,
  'sparkoperator.k8s.io/SparkApplication': readSpark,
  'clickhouse.altinity.com/ClickHouseInstallation': readClickHouse,
  'apps/Deployment': readDeployment,
};

/**
 * Whether {@link readCustomResourceStatus} reads objects of this API group
 * and kind (a resource-tree node's or `status.resources` entry's).
 */
export function readsKind(group: string, kind: string): boolean {
  return Object.hasOwn(READERS, `${group}/${kind}`);
}

/**
 * Reads the status of a data-stack custom resource (Strimzi Kafka,
 * KafkaNodePool and KafkaTopic, FlinkDeployment, SparkApplication,
 * ClickHouseInstallation) or of an `apps/v1` Deployment: a live object as
 * Argo CD's `GET …/resource` answers it. Undefined for another kind (or a
 * value without `apiVersion` and `kind`). Anything else may come from
 * upstream: a status of the wrong shape is `Unknown` with what was missing,
 * and this never throws.
 */
export function readCustomResourceStatus(
  object: unknown,
): CustomResourceReading | undefined {
  const head = z
    .looseObject({ apiVersion: z.string(), kind: z.string() })
    .safeParse(object);
  if (!head.success) return undefined;
  const group = head.data.apiVersion.includes('/')
    ? head.data.apiVersion.slice(0, head.data.apiVersion.lastIndexOf('/'))
    : '';
  if (!readsKind(group, head.data.kind)) return undefined;
  const read = READERS[`${group}/${head.data.kind}`];
  const parsed = envelope.safeParse(object);
  if (!parsed.success) {
    const why = parsed.error.issues
      .slice(0, 2)
      .map(issue => describeIssue(issue, head.data.kind))
      .join('; ');
    return reading(
      'Unknown',
      `The ${head.data.kind} object Argo CD answered cannot be read: ${why}`,
    );
  }
  const { metadata, spec, status } = parsed.data;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.labels ?? {})) {
    if (typeof value === 'string') labels[key] = value;
  }
  const subject: Subject = {
    kind: head.data.kind,
    name: metadata.name,
    namespace: metadata.namespace || 'default',
    generation: metadata.generation,
    labels,
    spec: spec ?? {},
  };
  try {
    return read(subject, status);
  } catch (error) {
    // A reader must not throw on upstream data; should one, say so.
    return reading(
      'Unknown',
      `The status of ${subject.kind} ${
        subject.name
      } could not be read: ${String(error)}`,
    );
  }
}
