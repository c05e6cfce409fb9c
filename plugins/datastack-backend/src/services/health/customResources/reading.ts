/**
 * What the readers of customResourceStatus.ts share: the reading type,
 * bounded messages, the subject of a reading and status parsing with zod.
 */

import { z } from 'zod';

/**
 * What the status of a data-stack custom resource says, read from the live
 * object (Argo CD's `GET …/resource`), in words a data engineer acts on.
 */
export type CustomResourceHealth =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Unknown';

/** The reading of one live object's status. */
export interface CustomResourceReading {
  status: CustomResourceHealth;
  /** What the operator reports, at most {@link MAX_MESSAGE} characters. */
  message: string;
  /** What to do about a state that is not Healthy. */
  action?: string;
  /** Short facts the status carries, e.g. `{kafkaVersion: '4.1.1'}`. */
  facts?: Record<string, string>;
}

export const MAX_MESSAGE = 300;
const MAX_FACT = 100;

/** Text from upstream on one line, control characters dropped, cut at `max`. */
export function bounded(text: string, max = MAX_MESSAGE): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function reading(
  status: CustomResourceHealth,
  message: string,
  action?: string,
  facts?: Record<string, unknown>,
): CustomResourceReading {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(facts ?? {})) {
    if (typeof value === 'string' && value)
      kept[key] = bounded(value, MAX_FACT);
    if (typeof value === 'number') kept[key] = String(value);
  }
  return {
    status,
    message: bounded(message),
    ...(action ? { action: bounded(action) } : {}),
    ...(Object.keys(kept).length ? { facts: kept } : {}),
  };
}

/** What the resource is, for messages and commands. */
export interface Subject {
  kind: string;
  name: string;
  namespace: string;
  generation?: number;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
}

/** A zod issue as a data engineer reads it: `status.conditions[0].type is missing`. */
export function describeIssue(issue: z.core.$ZodIssue, root: string): string {
  const path = issue.path.reduce<string>(
    (at, key) =>
      typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`,
    root,
  );
  if (issue.code === 'invalid_type') {
    return issue.message.endsWith('received undefined')
      ? `${path} is missing`
      : `${path} should be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${
          issue.expected
        }`;
  }
  return `${path}: ${issue.message}`;
}

/** Parses `status` with `schema`, or answers why it cannot be read. */
export function parseStatus<T>(
  schema: z.ZodType<T>,
  value: unknown,
  subject: Subject,
  writer: string,
): { ok: T } | { unknown: CustomResourceReading } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: parsed.data };
  const why = parsed.error.issues
    .slice(0, 2)
    .map(issue => describeIssue(issue, 'status'))
    .join('; ');
  return {
    unknown: reading(
      'Unknown',
      `The status ${writer} wrote on ${subject.kind} ${subject.name} cannot be read: ${why}`,
      `Look at the object as the cluster has it: kubectl -n ${
        subject.namespace
      } get ${subject.kind.toLowerCase()} ${subject.name} -o yaml`,
    ),
  };
}

export function behind(
  subject: Subject,
  observed: number | undefined,
): boolean {
  return (
    subject.generation !== undefined &&
    observed !== undefined &&
    observed < subject.generation
  );
}

export function notReconciled(
  subject: Subject,
  operator: string,
  observed: number,
  action: string,
): CustomResourceReading {
  return reading(
    'Progressing',
    `${operator} has not reconciled the latest change to ${subject.kind} ${subject.name} yet (generation ${subject.generation}, reconciled ${observed})`,
    action,
  );
}

/** A Kubernetes-style condition (Strimzi, Deployment). */
export const condition = z.looseObject({
  type: z.string(),
  status: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** A condition as parsed. */
export type Condition = z.infer<typeof condition>;
