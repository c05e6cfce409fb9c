/**
 * The sandbox's in-memory Argo CD: Applications (in a Map, so that 5,000 of
 * them list quickly), AppProjects and clusters, with the semantics of Argo
 * CD's API server (upsert, RBAC-style not-found answers, validation).
 */

import { randomUUID } from 'node:crypto';
import {
  ArgoCdApiError,
  GrpcCode,
  applicationNotFound,
  permissionDenied,
  projectNotFound,
} from './errors';
import {
  AppRecord,
  LifecycleContext,
  SyncRequest,
  advance,
  markDeployed,
  requestSync,
  view,
} from './lifecycle';
import { SeedTemplate, buildSeedApplication } from './seed';
import { LabelSelector } from './selector';
import { resourceTree } from './tree';
import type {
  AppProject,
  Application,
  ApplicationSpec,
  ApplicationTree,
  Cluster,
  ConnectionState,
  ObjectMeta,
} from './types';
import { cloneJson, iso, isRecord, jsonEqual } from './util';
import { KnownCluster, validateApplication, validateName } from './validation';

/** The finalizer that makes Argo CD delete an Application's resources first. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Namespace of Argo CD's own objects. */
export const ARGOCD_NAMESPACE = 'argocd';

/** The in-cluster destination every Argo CD has. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** A cluster of the sandbox. */
export interface SandboxCluster {
  name: string;
  server: string;
  /** Kubernetes version, `v1.30.4` or `1.30`. */
  serverVersion: string;
  /** Simulate a cluster Argo CD cannot reach. */
  connectionState?: 'Successful' | 'Failed';
}

/** Options of {@link SandboxStore}. */
export interface StoreOptions {
  instance: string;
  now: () => number;
  syncDurationMs: number;
  clusters: SandboxCluster[];
}

/** Query of GET /api/v1/applications. */
export interface ListQuery {
  selector?: LabelSelector;
  projects?: string[];
  appNamespace?: string;
  name?: string;
  repo?: string;
}

/** Where to find one Application, and the project the caller names. */
export interface AppRef {
  name: string;
  appNamespace?: string;
  project?: string;
}

/** `major.minor` of a Kubernetes version such as `v1.30.4`. */
export function majorMinor(version: string): string {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  return match ? `${match[1]}.${match[2]}` : version;
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The in-memory state of one sandbox instance. */
export class SandboxStore {
  private readonly apps = new Map<string, AppRecord>();
  private readonly projects = new Map<string, AppProject>();
  private readonly options: StoreOptions;
  private resourceVersion = 1000;
  private seedCounter = 0;

  constructor(options: StoreOptions) {
    this.options = options;
    this.reset();
  }

  /** Clears Applications and AppProjects and recreates the `default` project. */
  reset(): void {
    this.apps.clear();
    this.projects.clear();
    this.seedCounter = 0;
    const now = this.options.now();
    this.projects.set('default', {
      metadata: {
        name: 'default',
        namespace: ARGOCD_NAMESPACE,
        uid: randomUUID(),
        resourceVersion: this.nextResourceVersion(),
        generation: 1,
        creationTimestamp: iso(now),
      },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
      status: {},
    });
  }

  /** The clusters Argo CD knows: `in-cluster` plus the configured ones. */
  clusters(): SandboxCluster[] {
    return this.options.clusters;
  }

  private knownClusters(): KnownCluster[] {
    return this.options.clusters.map(c => ({ name: c.name, server: c.server }));
  }

  private nextResourceVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }

  private context(): LifecycleContext {
    return {
      now: this.options.now(),
      syncDurationMs: this.options.syncDurationMs,
      nextResourceVersion: () => this.nextResourceVersion(),
    };
  }

  /** Advances a record; removes it when its deletion has completed. */
  private current(
    record: AppRecord,
    ctx: LifecycleContext,
  ): AppRecord | undefined {
    if (advance(record, ctx) === 'gone') {
      this.apps.delete(record.key);
      return undefined;
    }
    return record;
  }

  /**
   * Finds an Application the way Argo CD's API server does for a caller
   * allowed everything: without a project in the request a missing
   * Application is "permission denied" (403); with one it is "not found".
   */
  private lookup(ref: AppRef, ctx: LifecycleContext): AppRecord {
    const key = `${ref.appNamespace || ARGOCD_NAMESPACE}/${ref.name}`;
    const stored = this.apps.get(key);
    const record = stored ? this.current(stored, ctx) : undefined;
    if (!record) {
      throw ref.project ? applicationNotFound(ref.name) : permissionDenied();
    }
    if (ref.project && record.spec.project !== ref.project) {
      throw applicationNotFound(ref.name);
    }
    return record;
  }

  /** GET /api/v1/applications: `null` when nothing matches, as Argo CD answers. */
  listApplications(query: ListQuery): Application[] | null {
    const ctx = this.context();
    const items: Application[] = [];
    for (const stored of [...this.apps.values()]) {
      const { metadata, spec } = stored;
      if (query.appNamespace && metadata.namespace !== query.appNamespace)
        continue;
      if (query.name && metadata.name !== query.name) continue;
      if (query.projects?.length && !query.projects.includes(spec.project))
        continue;
      if (
        query.repo &&
        spec.source?.repoURL !== query.repo &&
        !spec.sources?.some(s => s.repoURL === query.repo)
      ) {
        continue;
      }
      if (query.selector && !query.selector.matches(metadata.labels)) continue;
      const record = this.current(stored, ctx);
      if (record) items.push(view(record, ctx));
    }
    items.sort(
      (a, b) =>
        a.metadata.name.localeCompare(b.metadata.name) ||
        (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? ''),
    );
    return items.length ? items : null;
  }

  /** The list's `metadata.resourceVersion`. */
  listResourceVersion(): string {
    return String(this.resourceVersion);
  }

  /** GET /api/v1/applications/{name} (with `refresh` bumping reconciledAt). */
  getApplication(ref: AppRef, refresh?: string): Application {
    const ctx = this.context();
    const record = this.lookup(ref, ctx);
    if (refresh === 'normal' || refresh === 'hard') {
      record.reconciledAt = ctx.now;
      record.metadata.resourceVersion = this.nextResourceVersion();
    }
    return view(record, ctx);
  }

  /** GET /api/v1/applications/{name}/resource-tree */
  resourceTree(ref: AppRef): ApplicationTree {
    const ctx = this.context();
    return resourceTree(this.lookup(ref, ctx), ctx);
  }

  private validate(
    name: string,
    spec: ApplicationSpec | undefined,
  ): ApplicationSpec {
    return validateApplication(
      name,
      spec,
      project => this.projects.get(project),
      this.knownClusters(),
    );
  }

  /** Applies a new spec and metadata to a record; bumps generation when the spec changed. */
  private applyUpdate(
    record: AppRecord,
    spec: ApplicationSpec,
    incoming: ObjectMeta,
    merge: boolean,
    ctx: LifecycleContext,
  ): void {
    const labels = stringMap(incoming.labels);
    const annotations = stringMap(incoming.annotations);
    const metadata = record.metadata;
    if (!jsonEqual(record.spec, spec)) {
      record.spec = spec;
      metadata.generation += 1;
      record.specChangedAt = ctx.now;
    }
    metadata.labels = merge ? { ...metadata.labels, ...labels } : labels;
    metadata.annotations = merge
      ? { ...metadata.annotations, ...annotations }
      : annotations;
    if (!metadata.labels || !Object.keys(metadata.labels).length)
      delete metadata.labels;
    if (!metadata.annotations || !Object.keys(metadata.annotations).length) {
      delete metadata.annotations;
    }
    if (Array.isArray(incoming.finalizers))
      metadata.finalizers = incoming.finalizers;
    else delete metadata.finalizers;
    record.cache = undefined;
    metadata.resourceVersion = this.nextResourceVersion();
    advance(record, ctx);
  }

  /**
   * POST /api/v1/applications. An existing Application with the same spec,
   * labels, annotations and finalizers is returned as is; a different one
   * is refused unless `upsert`.
   */
  createApplication(body: unknown, upsert: boolean): Application {
    const app = isRecord(body) ? (body as Partial<Application>) : {};
    const name = validateName('Application', app.metadata);
    const metadata = app.metadata as ObjectMeta;
    const spec = this.validate(name, cloneJson(app.spec));
    const namespace = metadata.namespace || ARGOCD_NAMESPACE;
    const key = `${namespace}/${name}`;
    const ctx = this.context();
    const stored = this.apps.get(key);
    const existing = stored ? this.current(stored, ctx) : undefined;
    if (existing) {
      const same =
        jsonEqual(existing.spec, spec) &&
        jsonEqual(
          existing.metadata.labels ?? {},
          stringMap(metadata.labels) ?? {},
        ) &&
        jsonEqual(
          existing.metadata.annotations ?? {},
          stringMap(metadata.annotations) ?? {},
        ) &&
        jsonEqual(
          existing.metadata.finalizers ?? [],
          metadata.finalizers ?? [],
        );
      if (!same) {
        if (!upsert) {
          throw new ArgoCdApiError(
            GrpcCode.InvalidArgument,
            'existing application spec is different, use upsert flag to force update',
          );
        }
        this.applyUpdate(existing, spec, cloneJson(metadata), true, ctx);
      }
      return view(existing, ctx);
    }
    const record = this.insert(
      {
        name,
        namespace,
        labels: stringMap(metadata.labels),
        annotations: stringMap(metadata.annotations),
        finalizers: Array.isArray(metadata.finalizers)
          ? [...metadata.finalizers]
          : undefined,
      },
      spec,
      ctx,
    );
    advance(record, ctx);
    return view(record, ctx);
  }

  private insert(
    metadata: ObjectMeta,
    spec: ApplicationSpec,
    ctx: LifecycleContext,
    createdAt = ctx.now,
  ): AppRecord {
    const namespace = metadata.namespace || ARGOCD_NAMESPACE;
    const record: AppRecord = {
      key: `${namespace}/${metadata.name}`,
      metadata: {
        name: metadata.name,
        namespace,
        ...(metadata.labels ? { labels: metadata.labels } : {}),
        ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
        ...(metadata.finalizers ? { finalizers: metadata.finalizers } : {}),
        uid: randomUUID(),
        resourceVersion: this.nextResourceVersion(),
        generation: 1,
        creationTimestamp: iso(createdAt),
      },
      spec,
      createdAt,
      specChangedAt: createdAt,
      reconciledAt: createdAt,
      history: [],
    };
    this.apps.set(record.key, record);
    return record;
  }

  /** PUT /api/v1/applications/{name}: replaces spec, labels, annotations, finalizers. */
  updateApplication(ref: AppRef, body: unknown): Application {
    const app = isRecord(body) ? (body as Partial<Application>) : {};
    const ctx = this.context();
    const record = this.lookup(ref, ctx);
    const spec = this.validate(ref.name, cloneJson(app.spec));
    this.applyUpdate(
      record,
      spec,
      cloneJson(app.metadata ?? { name: ref.name }),
      false,
      ctx,
    );
    return view(record, ctx);
  }

  /**
   * DELETE /api/v1/applications/{name}. With the resources finalizer and
   * `cascade` (the default) a deployed Application is marked for deletion
   * and disappears once its resources are "deleted" (one sync duration).
   */
  deleteApplication(ref: AppRef, cascade: boolean): void {
    const ctx = this.context();
    const record = this.lookup(ref, ctx);
    const finalizer = record.metadata.finalizers?.includes(RESOURCES_FINALIZER);
    if (cascade && finalizer && record.deployed) {
      if (record.deletingAt === undefined) {
        record.deletingAt = ctx.now;
        record.metadata.deletionTimestamp = iso(ctx.now);
        record.metadata.resourceVersion = this.nextResourceVersion();
      }
      return;
    }
    this.apps.delete(record.key);
  }

  /** POST /api/v1/applications/{name}/sync */
  syncApplication(
    ref: AppRef,
    request: SyncRequest,
    username: string,
  ): Application {
    const ctx = this.context();
    const record = this.lookup(ref, ctx);
    requestSync(record, request, username, ctx);
    return view(record, ctx);
  }

  /** Creates `count` synthetic Applications quickly (no per-app validation). */
  seed(
    count: number,
    template: SeedTemplate | ((index: number) => Application) = {},
  ): number {
    const ctx = this.context();
    const createdAt = ctx.now - ctx.syncDurationMs;
    let created = 0;
    while (created < count) {
      this.seedCounter += 1;
      const index = this.seedCounter;
      const built =
        typeof template === 'function'
          ? template(index)
          : buildSeedApplication(index, template, this.options.instance);
      const namespace = built.metadata.namespace || ARGOCD_NAMESPACE;
      if (this.apps.has(`${namespace}/${built.metadata.name}`)) continue;
      const spec: ApplicationSpec = {
        ...built.spec,
        project: built.spec.project || 'default',
      };
      const record = this.insert(
        { ...built.metadata, namespace },
        spec,
        ctx,
        createdAt,
      );
      const deployed =
        typeof template === 'function' || template.deployed !== false;
      if (deployed) markDeployed(record, ctx);
      created += 1;
    }
    return created;
  }

  /** Every Application, materialized now. */
  allApplications(): Application[] {
    return this.listApplications({}) ?? [];
  }

  /** Applications whose destination is a cluster, by cluster server. */
  private countsByServer(): Map<string, number> {
    const counts = new Map<string, number>();
    const ctx = this.context();
    const byName = new Map(this.options.clusters.map(c => [c.name, c.server]));
    for (const stored of [...this.apps.values()]) {
      const record = this.current(stored, ctx);
      if (!record) continue;
      const dest = record.spec.destination;
      const server =
        dest.server || (dest.name ? byName.get(dest.name) : undefined);
      if (server) counts.set(server, (counts.get(server) ?? 0) + 1);
    }
    return counts;
  }

  /** GET /api/v1/clusters */
  listClusters(): Cluster[] {
    const counts = this.countsByServer();
    const now = iso(this.options.now());
    return this.options.clusters.map(cluster => {
      const applicationsCount = counts.get(cluster.server) ?? 0;
      let connectionState: ConnectionState;
      if (cluster.connectionState === 'Failed') {
        connectionState = {
          status: 'Failed',
          message:
            'Unable to connect to cluster: the server has asked for the client to provide credentials',
          attemptedAt: now,
        };
      } else if (applicationsCount === 0) {
        connectionState = {
          status: 'Unknown',
          message: 'Cluster has no applications and is not being monitored.',
          attemptedAt: now,
        };
      } else {
        connectionState = {
          status: 'Successful',
          message: '',
          attemptedAt: now,
        };
      }
      const serverVersion = majorMinor(cluster.serverVersion);
      return {
        server: cluster.server,
        name: cluster.name,
        config: { tlsClientConfig: { insecure: false } },
        connectionState,
        serverVersion,
        info: {
          connectionState,
          serverVersion,
          cacheInfo:
            connectionState.status === 'Successful'
              ? {
                  resourcesCount: 240 + applicationsCount * 12,
                  apisCount: 64,
                  lastCacheSyncTime: now,
                }
              : {},
          applicationsCount,
        },
      };
    });
  }

  /** GET /api/v1/projects */
  listProjects(): AppProject[] {
    return [...this.projects.values()].sort((a, b) =>
      a.metadata.name.localeCompare(b.metadata.name),
    );
  }

  /** GET /api/v1/projects/{name} */
  getProject(name: string): AppProject {
    const project = this.projects.get(name);
    if (!project) throw projectNotFound(name);
    return project;
  }

  /** POST /api/v1/projects `{project, upsert}` */
  createProject(body: unknown): AppProject {
    const request = isRecord(body) ? body : {};
    const project = (
      isRecord(request.project) ? request.project : {}
    ) as Partial<AppProject>;
    const name = validateName('AppProject', project.metadata);
    const spec = cloneJson(isRecord(project.spec) ? project.spec : {});
    const existing = this.projects.get(name);
    if (existing) {
      if (jsonEqual(existing.spec, spec)) return existing;
      if (request.upsert !== true) {
        throw new ArgoCdApiError(
          GrpcCode.InvalidArgument,
          'existing project spec is different, use upsert flag to force update',
        );
      }
      existing.spec = spec;
      existing.metadata.generation = (existing.metadata.generation ?? 1) + 1;
      existing.metadata.resourceVersion = this.nextResourceVersion();
      return existing;
    }
    const metadata = project.metadata as ObjectMeta;
    const created: AppProject = {
      metadata: {
        name,
        namespace: ARGOCD_NAMESPACE,
        ...(stringMap(metadata.labels)
          ? { labels: stringMap(metadata.labels) }
          : {}),
        ...(stringMap(metadata.annotations)
          ? { annotations: stringMap(metadata.annotations) }
          : {}),
        uid: randomUUID(),
        resourceVersion: this.nextResourceVersion(),
        generation: 1,
        creationTimestamp: iso(this.options.now()),
      },
      spec,
      status: {},
    };
    this.projects.set(name, created);
    return created;
  }

  /** PUT /api/v1/projects/{name} `{project}` */
  updateProject(name: string, body: unknown): AppProject {
    const existing = this.getProject(name);
    const request = isRecord(body) ? body : {};
    const project = isRecord(request.project) ? request.project : {};
    const spec = cloneJson(isRecord(project.spec) ? project.spec : {});
    if (!jsonEqual(existing.spec, spec)) {
      existing.spec = spec;
      existing.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    existing.metadata.resourceVersion = this.nextResourceVersion();
    return existing;
  }

  /** DELETE /api/v1/projects/{name}: refused while Applications use it. */
  deleteProject(name: string): void {
    this.getProject(name);
    const users = [...this.apps.values()].filter(
      r => r.spec.project === name,
    ).length;
    if (users > 0) {
      throw new ArgoCdApiError(
        GrpcCode.InvalidArgument,
        `project is referenced by ${users} applications`,
      );
    }
    this.projects.delete(name);
  }
}
