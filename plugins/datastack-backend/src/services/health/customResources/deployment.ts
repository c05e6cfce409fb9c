/** An apps/v1 Deployment, as its controller reports it. */

import { z } from 'zod';
import {
  CustomResourceReading,
  Subject,
  behind,
  condition,
  parseStatus,
  reading,
} from './reading';

// Kubernetes' Deployment controller (pkg/controller/deployment/util), as
// `kubectl rollout status` reads it.

const deploymentStatus = z.looseObject({
  observedGeneration: z.number().optional(),
  replicas: z.number().optional(),
  updatedReplicas: z.number().optional(),
  readyReplicas: z.number().optional(),
  availableReplicas: z.number().optional(),
  unavailableReplicas: z.number().optional(),
  conditions: z.array(condition).optional(),
});

export function readDeployment(
  subject: Subject,
  status: unknown,
): CustomResourceReading {
  const describe = `See why its Pods do not become ready: kubectl -n ${subject.namespace} describe deploy/${subject.name}; kubectl -n ${subject.namespace} logs deploy/${subject.name}`;
  const parsed = parseStatus(
    deploymentStatus.optional(),
    status,
    subject,
    'Kubernetes',
  );
  if ('unknown' in parsed) return parsed.unknown;
  const s = parsed.ok ?? {};
  const wanted =
    typeof subject.spec.replicas === 'number' ? subject.spec.replicas : 1;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const facts = { replicas: wanted, availableReplicas: available };
  const what = `Deployment ${subject.name}`;
  if (subject.spec.paused === true) {
    return reading(
      'Suspended',
      `${what} is paused`,
      `Resume it: kubectl -n ${subject.namespace} rollout resume deploy/${subject.name}`,
      facts,
    );
  }
  const progressing = s.conditions?.find(c => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return reading(
      'Degraded',
      `${what} did not finish its rollout within its progress deadline: ${
        progressing.message ?? 'ProgressDeadlineExceeded'
      } (${available} of ${wanted} available)`,
      describe,
      facts,
    );
  }
  if (
    s.observedGeneration === undefined ||
    behind(subject, s.observedGeneration)
  ) {
    return reading(
      'Progressing',
      `Kubernetes has not observed the latest change to ${what} yet`,
      `If it stays so: kubectl -n ${subject.namespace} describe deploy/${subject.name}`,
      facts,
    );
  }
  const rolling = (why: string) =>
    reading(
      'Progressing',
      `${what} is rolling out: ${why}`,
      `Follow it: kubectl -n ${subject.namespace} rollout status deploy/${subject.name}`,
      facts,
    );
  if (updated < wanted)
    return rolling(`${updated} of ${wanted} replicas updated`);
  if ((s.replicas ?? 0) > updated)
    return rolling(
      `${(s.replicas ?? 0) - updated} old replicas are pending termination`,
    );
  if (available < updated)
    return rolling(`${available} of ${updated} updated replicas available`);
  return reading(
    'Healthy',
    `${what} has ${available} of ${wanted} replicas available`,
    undefined,
    facts,
  );
}
