/** Altinity's ClickHouse operator: ClickHouseInstallation. */

import { z } from 'zod';
import {
  CustomResourceReading,
  Subject,
  parseStatus,
  reading,
} from './reading';

// Altinity clickhouse-operator pkg/apis/clickhouse.altinity.com/v1/type_status.go
// (InProgress, Completed, Aborted, Terminating; errors newest first, time-prefixed).

const clickHouseStatus = z.looseObject({
  status: z.string().optional(),
  error: z.string().optional(),
  errors: z.array(z.string()).optional(),
  taskID: z.string().optional(),
  hosts: z.number().optional(),
  'chop-version': z.string().optional(),
});

export function readClickHouse(
  subject: Subject,
  status: unknown,
): CustomResourceReading {
  const operatorLog = `Check the ClickHouse operator log: kubectl -n <operator namespace> logs deploy/clickhouse-operator -c clickhouse-operator; and kubectl -n ${subject.namespace} describe chi ${subject.name}`;
  const parsed = parseStatus(
    clickHouseStatus.optional(),
    status,
    subject,
    'the ClickHouse operator',
  );
  if ('unknown' in parsed) return parsed.unknown;
  const s = parsed.ok ?? {};
  const what = `ClickHouseInstallation ${subject.name}`;
  const facts = {
    operatorVersion: s['chop-version'],
    hosts: s.hosts,
    taskID: s.taskID,
  };
  switch (s.status) {
    case undefined:
      return reading(
        'Progressing',
        `${what} has no status yet: the ClickHouse operator has not reconciled it`,
        `If it stays so, check that the operator runs and watches namespace ${subject.namespace}`,
        facts,
      );
    case 'Completed':
      return reading(
        'Healthy',
        `${what} is reconciled${
          s.hosts ? ` (${s.hosts} host${s.hosts === 1 ? '' : 's'})` : ''
        }`,
        undefined,
        facts,
      );
    case 'InProgress':
      return reading(
        'Progressing',
        `${what} is being reconciled${s.taskID ? ` (task ${s.taskID})` : ''}`,
        `Wait for the operator; if it takes long: ${operatorLog}`,
        facts,
      );
    case 'Terminating':
      return reading(
        'Progressing',
        `${what} is being deleted`,
        `If it stays so: ${operatorLog}`,
        facts,
      );
    default: {
      // The newest error, without the announcer's time prefix.
      const latest = (s.errors?.[0] ?? s.error)?.replace(
        /^\d{4}-\d\d-\d\dT\S+Z\s+/,
        '',
      );
      const why =
        s.status === 'Aborted'
          ? 'reconciliation was aborted'
          : `status is ${s.status}`;
      return reading(
        'Degraded',
        `${what}: ${why}${latest ? `: ${latest}` : ''}`,
        operatorLog,
        facts,
      );
    }
  }
}
