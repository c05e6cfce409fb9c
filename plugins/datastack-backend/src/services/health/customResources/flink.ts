/** The Flink Kubernetes operator: FlinkDeployment. */

import { z } from 'zod';
import {
  CustomResourceReading,
  Subject,
  behind,
  notReconciled,
  parseStatus,
  reading,
} from './reading';

// flink-kubernetes-operator api/status/FlinkDeploymentStatus.java, CommonStatus.java,
// JobStatus.java; `error` is FlinkResourceException as JSON (FlinkResourceExceptionUtils).

const flinkStatus = z.looseObject({
  lifecycleState: z.string().optional(),
  jobStatus: z
    .looseObject({ state: z.string().nullish(), jobName: z.string().nullish() })
    .optional(),
  jobManagerDeploymentStatus: z.string().optional(),
  error: z.string().nullish(),
  observedGeneration: z.number().optional(),
  reconciliationStatus: z
    .looseObject({ error: z.string().nullish() })
    .optional(),
});

/** The operator's `error`: a FlinkResourceException as JSON, or (older) plain text. */
function flinkError(error: string | null | undefined): string | undefined {
  if (!error) return undefined;
  try {
    const parsed = JSON.parse(error);
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof parsed.message === 'string'
    ) {
      const type =
        typeof parsed.type === 'string'
          ? parsed.type.split('.').pop()
          : undefined;
      return type ? `${type}: ${parsed.message}` : parsed.message;
    }
  } catch {
    // Not JSON: the operator's fallback is the exception's toString().
  }
  return error;
}

export function readFlink(
  subject: Subject,
  status: unknown,
): CustomResourceReading {
  const log = `Read the JobManager log: kubectl -n ${subject.namespace} logs deploy/${subject.name}`;
  if (status === undefined) {
    return reading(
      'Progressing',
      `FlinkDeployment ${subject.name} has no status yet: the Flink operator has not reconciled it`,
      `If it stays so, check that the Flink Kubernetes operator runs and watches namespace ${subject.namespace}`,
    );
  }
  const parsed = parseStatus(
    flinkStatus,
    status,
    subject,
    'the Flink operator',
  );
  if ('unknown' in parsed) return parsed.unknown;
  const s = parsed.ok;
  const job = s.jobStatus?.state ?? undefined;
  const jm = s.jobManagerDeploymentStatus;
  const error =
    flinkError(s.error) ?? flinkError(s.reconciliationStatus?.error);
  const facts = {
    lifecycleState: s.lifecycleState,
    jobState: job,
    jobManager: jm,
  };
  const what = `Flink job ${
    s.jobStatus?.jobName ? `"${s.jobStatus.jobName}" ` : ''
  }of FlinkDeployment ${subject.name}`;
  const degraded = (why: string, action = log) =>
    reading('Degraded', `${what} ${why}`, action, facts);
  const state = s.lifecycleState;
  if (state === 'FAILED')
    return degraded(`failed: ${error ?? `job ${job ?? 'state unknown'}`}`);
  if (state === 'ROLLED_BACK')
    return degraded(
      `was rolled back to its last stable spec${error ? `: ${error}` : ''}`,
      `${log}, then fix the spec that failed`,
    );
  if (jm === 'ERROR')
    return degraded(
      `has a JobManager deployment in error${error ? `: ${error}` : ''}`,
    );
  if (state === 'SUSPENDED') {
    return reading(
      'Suspended',
      `${what} is suspended`,
      'Set spec.job.state to running to resume it',
      facts,
    );
  }
  if (error && state !== 'STABLE')
    return degraded(`cannot be reconciled: ${error}`);
  if (job === 'FAILING' || job === 'RESTARTING')
    return degraded(`is ${job.toLowerCase()} after a failure`);
  if (job === 'CANCELED' || job === 'CANCELLING') {
    return reading(
      'Suspended',
      `${what} was cancelled (job ${job})`,
      `Redeploy it, or ${log.charAt(0).toLowerCase()}${log.slice(1)}`,
      facts,
    );
  }
  if (behind(subject, s.observedGeneration)) {
    return notReconciled(
      subject,
      'The Flink operator',
      s.observedGeneration!,
      `Wait for the operator; if it does not come, check the flink-kubernetes-operator log`,
    );
  }
  const progressing = (why: string) =>
    reading(
      'Progressing',
      `${what} ${why}`,
      `Wait for it to become stable; if it does not: ${log}`,
      facts,
    );
  switch (state) {
    case 'CREATED':
      return progressing('is created and waits for the operator');
    case 'UPGRADING':
      return progressing('is being upgraded');
    case 'ROLLING_BACK':
      return progressing('is rolling back to its last stable spec');
    case 'DEPLOYED':
      return progressing(
        `is deployed and not yet stable (JobManager ${jm ?? 'unknown'}, job ${
          job ?? 'unknown'
        })`,
      );
    case 'DELETING':
    case 'DELETED':
      return progressing('is being deleted');
    case 'STABLE':
    case undefined:
      break;
    default:
      return reading(
        'Unknown',
        `${what} is in lifecycle state ${state}, which Datastack does not know`,
        log,
        facts,
      );
  }
  if (job === 'RUNNING' || (!job && jm === 'READY' && state === 'STABLE')) {
    return reading('Healthy', `${what} is running`, undefined, facts);
  }
  if (job === 'FINISHED')
    return reading('Healthy', `${what} has finished`, undefined, facts);
  return progressing(
    `is ${state ? 'stable' : 'deploying'} with JobManager ${
      jm ?? 'unknown'
    } and job ${job ?? 'unknown'}`,
  );
}
