import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type {
  ApplicationHealth,
  HealthFinding,
} from '@datastack/plugin-datastack-common';
import type {
  Application,
  ArgoCdClient,
  ResourceStatus,
} from '@datastack/plugin-datastack-node';
import { createHash } from 'node:crypto';
import { CachedLoader } from '../CachedLoader';
import {
  type CustomResourceReading,
  readCustomResourceStatus,
  readsKind,
} from './customResourceStatus';

/** Live objects read per Application and answer, at most. */
const MAX_READS = 10;
/** A reading holds while Argo CD's health of the resource stays the same, this long at most. */
const READING_TTL_MS = 30_000;

interface Stored {
  reading?: CustomResourceReading;
  /** Why the live object could not be read (Argo CD's words, no credentials). */
  error?: string;
}

const sameResource = (f: HealthFinding, r: ResourceStatus) =>
  f.resource?.kind === r.kind &&
  f.resource?.name === r.name &&
  (f.resource?.namespace ?? '') === (r.namespace ?? '');

/**
 * The data-stack custom resources' own status, beside Argo CD's health of
 * them: for each Strimzi Kafka, KafkaNodePool or KafkaTopic, FlinkDeployment,
 * SparkApplication, ClickHouseInstallation or Deployment that Argo CD says
 * is not Healthy (and not merely Progressing within the Application's
 * progress deadline), the live object (Argo CD's `GET …/resource`, through the
 * bounded client) is read and its status turned into the operator's message
 * and a suggested action on the resource's finding. Only what is unwell is
 * read, so a healthy fleet costs Argo CD nothing; a reading is shared through
 * the cache service for 30 s and while Argo CD's health of the resource is
 * unchanged, and concurrent views share one call. A read that fails leaves
 * Argo CD's own message in place.
 */
export class CustomResourceStatuses {
  readonly #loader: CachedLoader<Stored>;
  readonly #logger: LoggerService;

  constructor(options: { cache: CacheService; logger: LoggerService }) {
    this.#logger = options.logger;
    this.#loader = new CachedLoader({
      cache: options.cache,
      ttlMs: READING_TTL_MS,
      // A failure too: an instance that refuses is asked again in 30 s, not per view.
      shouldCache: () => true,
    });
  }

  /** `health` with the readings of its unwell custom resources in its findings. */
  async withReadings(
    client: ArgoCdClient,
    app: Application,
    health: ApplicationHealth,
  ): Promise<ApplicationHealth> {
    // Within the progress deadline a resource Argo CD calls Progressing is
    // rolling out as a sync does: its rules wait anyway, so its live object
    // is read once the deadline passes (or it turns Degraded), not on
    // every sync of every team.
    const settling =
      health.settling && Date.now() < Date.parse(health.settling.until);
    const unwell = (app.status?.resources ?? [])
      .filter(
        r =>
          readsKind(r.group ?? '', r.kind) &&
          r.health?.status &&
          r.health.status !== 'Healthy' &&
          r.health.status !== 'Missing' &&
          !(settling && r.health.status === 'Progressing'),
      )
      .slice(0, MAX_READS);
    if (!unwell.length) return health;
    const readings = await Promise.all(
      unwell.map(r => this.#read(client, app, r)),
    );
    let findings = health.findings;
    unwell.forEach((resource, index) => {
      const reading = readings[index].reading;
      if (!reading || reading.status === 'Healthy') return;
      findings = merge(findings, resource, reading, health);
    });
    return findings === health.findings ? health : { ...health, findings };
  }

  #read(
    client: ArgoCdClient,
    app: Application,
    r: ResourceStatus,
  ): Promise<Stored> {
    const said = createHash('sha1')
      .update(`${r.health?.status}\0${r.health?.message ?? ''}`)
      .digest('base64url');
    const key = `cr-status:v1:${client.name}:${app.metadata.namespace ?? ''}/${
      app.metadata.name
    }:${r.group ?? ''}/${r.kind}:${r.namespace ?? ''}/${r.name}:${said}`;
    return this.#loader.load(key, async () => {
      try {
        const object = await client.getResource({
          application: app.metadata.name,
          appNamespace: app.metadata.namespace,
          project: app.spec.project,
          namespace: r.namespace ?? '',
          name: r.name,
          group: r.group ?? '',
          version: r.version ?? '',
          kind: r.kind,
        });
        const reading = readCustomResourceStatus(object);
        return reading ? { reading } : {};
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.#logger.debug('Argo CD could not give a live resource', {
          instance: client.name,
          application: app.metadata.name,
          kind: r.kind,
          name: r.name,
          error: message,
        });
        return { error: message };
      }
    });
  }
}

/**
 * The reading on the resource's finding: its message becomes the operator's
 * and it gains the action; a resource without a finding gets one of its
 * own (`custom-resource-status`), pending like the others while the
 * Application settles unless the reading says it failed.
 */
function merge(
  findings: HealthFinding[],
  resource: ResourceStatus,
  reading: CustomResourceReading,
  health: ApplicationHealth,
): HealthFinding[] {
  const at = findings.findIndex(f => sameResource(f, resource));
  // The reading names its resource ("Kafka orders is not ready: …").
  const message = reading.message;
  if (at >= 0) {
    const next = [...findings];
    next[at] = {
      ...findings[at],
      message,
      ...(reading.action && { action: reading.action }),
    };
    return next;
  }
  const failed = reading.status === 'Degraded';
  return [
    ...findings,
    {
      rule: 'custom-resource-status',
      severity: failed ? 'error' : 'warning',
      message,
      ...(reading.action && { action: reading.action }),
      resource: {
        kind: resource.kind,
        name: resource.name,
        ...(resource.namespace && { namespace: resource.namespace }),
      },
      ...(!failed &&
        health.settling?.until && { pendingUntil: health.settling.until }),
    },
  ];
}
