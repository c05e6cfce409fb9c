/** The Kubeflow Spark operator: SparkApplication. */

import { z } from 'zod';
import {
  CustomResourceReading,
  Subject,
  parseStatus,
  reading,
} from './reading';

// kubeflow/spark-operator api/v1beta2/sparkapplication_types.go (ApplicationStateType;
// NEW is the empty string).

const sparkStatus = z.looseObject({
  applicationState: z
    .looseObject({ state: z.string(), errorMessage: z.string().optional() })
    .optional(),
  executorState: z.record(z.string(), z.string()).optional(),
  driverInfo: z.looseObject({ podName: z.string().optional() }).optional(),
  executionAttempts: z.number().optional(),
});

export function readSpark(
  subject: Subject,
  status: unknown,
): CustomResourceReading {
  const describe = `kubectl -n ${subject.namespace} describe sparkapplication ${subject.name}`;
  const parsed = parseStatus(
    sparkStatus.optional(),
    status,
    subject,
    'the Spark operator',
  );
  if ('unknown' in parsed) return parsed.unknown;
  const s = parsed.ok;
  const state = s?.applicationState?.state ?? '';
  const executors = Object.values(s?.executorState ?? {});
  const count = (wanted: string) => executors.filter(e => e === wanted).length;
  const facts = {
    state: state || 'NEW',
    executors: executors.length
      ? `${count('RUNNING')} running, ${count('FAILED')} failed`
      : undefined,
    attempts: s?.executionAttempts,
  };
  const what = `SparkApplication ${subject.name}`;
  const error = s?.applicationState?.errorMessage;
  const driver = s?.driverInfo?.podName ?? `${subject.name}-driver`;
  const failed = (why: string) =>
    reading(
      'Degraded',
      `${what} ${why}${error ? `: ${error}` : ''}`,
      `See why: ${describe}; the driver log: kubectl -n ${subject.namespace} logs ${driver}`,
      facts,
    );
  const waiting = (why: string) =>
    reading(
      'Progressing',
      `${what} ${why}`,
      `If it stays so: ${describe}`,
      facts,
    );
  switch (state) {
    case '':
    case 'NEW':
      return waiting('is new and not submitted yet');
    case 'SUBMITTED':
      return waiting('is submitted; its driver is starting');
    case 'RUNNING': {
      const lost = count('FAILED');
      return reading(
        'Healthy',
        `${what} is running${
          lost ? ` (${lost} of ${executors.length} executors failed)` : ''
        }`,
        undefined,
        facts,
      );
    }
    case 'COMPLETED':
      return reading('Healthy', `${what} has completed`, undefined, facts);
    case 'SUCCEEDING':
      return waiting('has a driver that completed; it is finishing');
    case 'PENDING_RERUN':
      return waiting('waits to be run again');
    case 'INVALIDATING':
      return waiting('is being restarted after a spec change');
    case 'SUSPENDING':
    case 'RESUMING':
      return waiting(`is ${state.toLowerCase()}`);
    case 'SUSPENDED':
      return reading(
        'Suspended',
        `${what} is suspended`,
        'Set spec.suspend to false to resume it',
        facts,
      );
    case 'FAILED':
      return failed('failed');
    case 'SUBMISSION_FAILED':
      return failed('could not be submitted');
    case 'FAILING':
      return failed('is failing');
    case 'UNKNOWN':
      return reading(
        'Unknown',
        `The Spark operator lost track of the driver of ${what}`,
        `See why: ${describe}`,
        facts,
      );
    default:
      return reading(
        'Unknown',
        `${what} is in state ${state}, which Datastack does not know`,
        `See why: ${describe}`,
        facts,
      );
  }
}
