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
import type { InventoryItem } from './charts';
import type { ManifestDocument } from './gitImport';
import { GitSources, manifestItems } from './gitSource';
import {
  AppRecord,
  LifecycleContext,
  Refusal,
  SyncRequest,
  advance,
  liveResources,
  markDeployed,
  nextDueAt,
  requestSync,
  sourcesOf,
  view,
} from './lifecycle';
import {
  appNotAllowedInProject,
  isAppNamespacePermitted,
  isDestinationPermitted as projectAdmitsDestination,
  isNamespaceEnabled,
  namespaceNotPermitted,
  syncPermissionError,
  validateProject,
} from './projectRules';
import {
  ResourceQuery,
  StatusOverride,
  liveObject,
  resourceKey,
} from './liveObject';
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
import {
  KnownCluster,
  globMatch,
  validateApplication,
  validateName,
} from './validation';

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
  /** Namespaces (globs, `/regex/`) besides `argocd` that hold Applications. */
  applicationNamespaces?: string[];
  /** Where Applications' `file://` Git sources may live. */
  gitRoot?: string;
}

/** Annotation Argo CD's annotation tracking writes on the resources it applies. */
export const TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

/** Query of GET /api/v1/applications. */
export interface ListQuery {
  selector?: LabelSelector;
  projects?: string[];
  appNamespace?: string;
  name?: string;
  repo?: string;
}

/** The type of a change, as Kubernetes' watch (and Argo CD's stream) names it. */
export type ApplicationChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * One change of an Application, published to the store's subscribers (the
 * watch streams) as it happens. Every change has bumped the Application's
 * `metadata.resourceVersion` first.
 */
export interface ApplicationChange {
  type: ApplicationChangeType;
  /**
   * The Application as the API returns it now (for `DELETED`: as it was when
   * it went). Only valid during the call: the store goes on changing it.
   */
  application: Application;
  /** `JSON.stringify(application)`, computed once for all subscribers. */
  json(): string;
}

/** A subscriber of {@link SandboxStore.subscribe}. */
export type ApplicationChangeListener = (change: ApplicationChange) => void;

/** Where to find one Application, and the project the caller names. */
export interface AppRef {
  name: string;
  appNamespace?: string;
  project?: string;
}

/** A live resource of an Application, as a test names it (namespace optional). */
export interface ResourceTarget {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
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
  /** Apps of apps with a sync under way: settled before any read, so children appear. */
  private readonly parents = new Set<AppRecord>();
  private readonly enabledCache = new Map<string, boolean>();
  /** Git sources under the git root. */
  readonly git: GitSources;
  /** The watch streams' listeners. */
  private readonly subscribers = new Set<ApplicationChangeListener>();
  /** Records with an operation or deletion under way (time changes them). */
  private readonly active = new Set<AppRecord>();
  /** Wakes the store when an active record is due, while someone watches. */
  private pumpTimer?: NodeJS.Timeout;
  private pumpAt?: number;
  private rescheduleQueued = false;
  /** Statuses tests set on live resources, by Application uid and resource key. */
  private readonly statusOverrides = new Map<
    string,
    Map<string, StatusOverride>
  >();

  constructor(options: StoreOptions) {
    this.options = options;
    this.git = new GitSources(options.gitRoot);
    this.reset();
  }

  /** Whether Applications may live in `namespace` ("Applications in any namespace"). */
  namespaceEnabled(namespace: string): boolean {
    let enabled = this.enabledCache.get(namespace);
    if (enabled === undefined) {
      enabled = isNamespaceEnabled(
        namespace,
        this.options.applicationNamespaces ?? [],
      );
      this.enabledCache.set(namespace, enabled);
    }
    return enabled;
  }

  /**
   * The project of an Application in `namespace`, as server/application
   * `getAppProject` finds it: missing, or not listing the namespace in
   * `sourceNamespaces`, is the same vague InvalidArgument.
   */
  private admittingProject(projectName: string, namespace: string) {
    const project = this.projects.get(projectName || 'default');
    if (!project || !isAppNamespacePermitted(project, namespace)) {
      throw appNotAllowedInProject(projectName || 'default');
    }
    return project;
  }

  private clusterOf(spec: ApplicationSpec) {
    const dest = spec.destination ?? {};
    return this.options.clusters.find(c =>
      dest.name ? c.name === dest.name : c.server === dest.server,
    );
  }

  /** The controller's permission check of every resource a sync would apply. */
  private permissionErrors(
    record: AppRecord,
    inventory: InventoryItem[],
    syncOptions: string[] = [],
  ): Refusal[] {
    if (inventory.some(i => i.group === 'argoproj.io'))
      this.parents.add(record);
    const project = this.projects.get(record.spec.project);
    const cluster = this.clusterOf(record.spec);
    if (!project || !cluster) return [];
    const refused: Refusal[] = [];
    const tasks = [...inventory];
    const namespace = record.spec.destination.namespace;
    if (namespace && syncOptions.includes('CreateNamespace=true')) {
      // gitops-engine adds the destination namespace as a task, checked
      // like any other resource (a team project whitelists Namespace).
      tasks.unshift({
        group: '',
        version: 'v1',
        kind: 'Namespace',
        namespace: '',
        name: namespace,
      });
    }
    for (const item of tasks) {
      const message = syncPermissionError(project, cluster, item);
      if (message) refused.push({ item, message });
    }
    return refused;
  }

  /**
   * What applying the Argo CD objects of a sync does: child Applications
   * are created or updated and admitted by their own project (as the API
   * would admit them), AppProjects in `argocd` become projects; children
   * no longer rendered are deleted when the sync prunes.
   */
  applyObjects(
    parent: { key: string; metadata: { name: string } },
    inventory: InventoryItem[],
    previous: InventoryItem[] | undefined,
    prune: boolean,
  ): Refusal[] {
    const refused: Refusal[] = [];
    for (const item of inventory) {
      if (item.group !== 'argoproj.io' || !item.manifest) continue;
      try {
        if (item.kind === 'Application') {
          const manifest = cloneJson(item.manifest) as Partial<Application>;
          const metadata = (
            isRecord(manifest.metadata) ? manifest.metadata : {}
          ) as ObjectMeta;
          metadata.namespace = item.namespace;
          metadata.annotations = {
            ...stringMap(metadata.annotations),
            [TRACKING_ANNOTATION]: `${parent.metadata.name}:argoproj.io/Application:${item.namespace}/${item.name}`,
          };
          manifest.metadata = metadata;
          this.createApplication(manifest, true);
        } else if (
          item.kind === 'AppProject' &&
          item.namespace === ARGOCD_NAMESPACE
        ) {
          this.createProject({ project: item.manifest, upsert: true });
        }
      } catch (error) {
        if (!(error instanceof ArgoCdApiError)) throw error;
        refused.push({ item, message: error.message });
      }
    }
    if (prune) {
      const kept = new Set(
        inventory
          .filter(i => i.kind === 'Application')
          .map(i => `${i.namespace}/${i.name}`),
      );
      for (const item of previous ?? []) {
        const key = `${item.namespace}/${item.name}`;
        if (
          item.group !== 'argoproj.io' ||
          item.kind !== 'Application' ||
          kept.has(key)
        ) {
          continue;
        }
        const child = this.apps.get(key);
        if (child) {
          this.deleteRecord(child, true, this.context());
        }
      }
    }
    return refused;
  }

  /**
   * POST /sandbox/import with `asApplication`: the manifests as a sync of
   * that Application would apply them. A resource its project refuses fails
   * the whole operation before anything is applied; a refused child fails
   * it after the others were applied.
   */
  applyAsApplication(
    ref: AppRef,
    documents: ManifestDocument[],
  ): {
    applied: InventoryItem[];
    refused: Refusal[];
    phase: 'Succeeded' | 'Failed';
    message: string;
  } {
    const record = this.lookup(ref, this.context());
    const items = manifestItems(
      documents,
      record.spec.destination.namespace || 'default',
    );
    const invalid = this.permissionErrors(record, items);
    if (invalid.length) {
      const reasons = [...new Set(invalid.map(r => r.message))].sort();
      return {
        applied: [],
        refused: invalid,
        phase: 'Failed',
        message: `one or more synchronization tasks are not valid: ${reasons.join(
          '; ',
        )}`,
      };
    }
    const refused = this.applyObjects(record, items, undefined, false);
    const failed = new Set(refused.map(r => r.item));
    const applied = items.filter(
      i =>
        i.group === 'argoproj.io' &&
        !failed.has(i) &&
        (i.kind === 'Application' ||
          (i.kind === 'AppProject' && i.namespace === ARGOCD_NAMESPACE)),
    );
    return {
      applied,
      refused,
      phase: refused.length ? 'Failed' : 'Succeeded',
      message: refused.length
        ? `one or more objects failed to apply, reason: ${refused
            .map(r => r.message)
            .join(',')}`
        : 'successfully synced (all tasks run)',
    };
  }

  /** Ends the syncs of apps of apps that are due, so their children exist before any read. */
  private settle(ctx: LifecycleContext): void {
    for (const record of [...this.parents]) {
      if (!this.apps.has(record.key) || !record.running) {
        this.parents.delete(record);
        continue;
      }
      this.current(record, ctx);
      if (!record.running) this.parents.delete(record);
    }
  }

  /** Clears Applications and AppProjects and recreates the `default` project. */
  reset(): void {
    if (this.apps.size) {
      const ctx = this.context();
      for (const record of [...this.apps.values()]) {
        this.apps.delete(record.key);
        record.metadata.resourceVersion = this.nextResourceVersion();
        this.publish('DELETED', record, ctx);
      }
    }
    this.apps.clear();
    this.statusOverrides.clear();
    this.active.clear();
    this.projects.clear();
    this.parents.clear();
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
    const ctx: LifecycleContext = {
      changed: record => this.publish('MODIFIED', record, ctx),
      now: this.options.now(),
      syncDurationMs: this.options.syncDurationMs,
      nextResourceVersion: () => this.nextResourceVersion(),
      gitSource: source => this.git.state(source),
      gitEpoch: this.git.epoch,
      permissionErrors: (record, inventory, syncOptions) =>
        this.permissionErrors(record, inventory, syncOptions),
      applyObjects: (record, inventory, previous, prune) =>
        this.applyObjects(record, inventory, previous, prune),
    };
    return ctx;
  }

  /**
   * Subscribes to every change of every Application (ADDED, MODIFIED,
   * DELETED), as Argo CD's API server's informer broadcasts them. While
   * someone is subscribed, a timer brings running operations and deletions
   * forward when they are due, so their changes are published without a
   * read; without subscribers nothing runs.
   *
   * @returns the unsubscribe function
   */
  subscribe(listener: ApplicationChangeListener): () => void {
    if (!this.subscribers.size) {
      // Records are tracked only while someone watches: find those under way.
      for (const record of this.apps.values()) {
        if (record.running || record.deletingAt !== undefined)
          this.active.add(record);
      }
    }
    this.subscribers.add(listener);
    this.queueReschedule();
    return () => {
      this.subscribers.delete(listener);
      if (!this.subscribers.size) {
        this.stopPump();
        this.active.clear();
      }
    };
  }

  /** How many listeners are subscribed (leak checks). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Drops every subscriber and stops the timer (the server closes). */
  close(): void {
    this.subscribers.clear();
    this.active.clear();
    this.stopPump();
  }

  /** Tells the subscribers about a change of `record`; tracks it while time changes it. */
  private publish(
    type: ApplicationChangeType,
    record: AppRecord,
    ctx: LifecycleContext,
  ): void {
    if (!this.subscribers.size) return;
    if (
      type !== 'DELETED' &&
      (record.running || record.deletingAt !== undefined)
    ) {
      this.active.add(record);
    }
    const application = view(record, ctx);
    let text: string | undefined;
    const change: ApplicationChange = {
      type,
      application,
      json: () => (text ??= JSON.stringify(application)),
    };
    for (const listener of [...this.subscribers]) {
      try {
        listener(change);
      } catch {
        // A subscriber's failure is its own; the change has happened.
      }
    }
    this.queueReschedule();
  }

  private queueReschedule(): void {
    if (this.rescheduleQueued) return;
    this.rescheduleQueued = true;
    queueMicrotask(() => {
      this.rescheduleQueued = false;
      this.reschedule();
    });
  }

  private stopPump(): void {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    this.pumpAt = undefined;
  }

  /** Arms the timer for the earliest due active record, if someone watches. */
  private reschedule(): void {
    if (!this.subscribers.size) {
      this.stopPump();
      return;
    }
    const ctx = this.context();
    let due = Infinity;
    for (const record of [...this.active]) {
      const at =
        this.apps.get(record.key) === record
          ? nextDueAt(record, ctx)
          : undefined;
      if (at === undefined) this.active.delete(record);
      else due = Math.min(due, at);
    }
    if (due === Infinity) {
      this.stopPump();
      return;
    }
    if (this.pumpTimer && this.pumpAt === due) return;
    this.stopPump();
    this.pumpAt = due;
    this.pumpTimer = setTimeout(() => this.pump(), Math.max(1, due - ctx.now));
    this.pumpTimer.unref?.();
  }

  /** Brings the active records up to now: their changes are published. */
  private pump(): void {
    this.pumpTimer = undefined;
    this.pumpAt = undefined;
    const ctx = this.context();
    this.settle(ctx);
    for (const record of [...this.active]) {
      if (this.apps.get(record.key) === record) this.current(record, ctx);
    }
    this.reschedule();
  }

  /** Advances a record; removes it when its deletion has completed. */
  private current(
    record: AppRecord,
    ctx: LifecycleContext,
  ): AppRecord | undefined {
    if (advance(record, ctx) === 'gone') {
      this.apps.delete(record.key);
      this.statusOverrides.delete(record.metadata.uid ?? record.key);
      record.metadata.resourceVersion = this.nextResourceVersion();
      this.publish('DELETED', record, ctx);
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
    const namespace = ref.appNamespace || ARGOCD_NAMESPACE;
    // Outside the enabled namespaces the informer has nothing: Argo CD
    // answers "permission denied" whether or not a project is named.
    if (!this.namespaceEnabled(namespace)) throw permissionDenied();
    this.settle(ctx);
    const stored = this.apps.get(`${namespace}/${ref.name}`);
    const record = stored ? this.current(stored, ctx) : undefined;
    if (!record) {
      throw ref.project ? applicationNotFound(ref.name) : permissionDenied();
    }
    if (ref.project && record.spec.project !== ref.project) {
      throw applicationNotFound(ref.name);
    }
    this.admittingProject(record.spec.project, namespace);
    return record;
  }

  /** The spec of an Application, if it exists (for re-reading its Git sources). */
  specOf(ref: AppRef): ApplicationSpec | undefined {
    const namespace = ref.appNamespace || ARGOCD_NAMESPACE;
    return this.apps.get(`${namespace}/${ref.name}`)?.spec;
  }

  /**
   * Whether an Application matches a query of GET /api/v1/applications: in
   * a namespace the instance watches, and of the query's namespace, name,
   * projects, repository and label selector when given. The watch stream
   * filters its events with it too.
   */
  matchesQuery(
    query: ListQuery,
    app: { metadata: ObjectMeta; spec: ApplicationSpec },
  ): boolean {
    const { metadata, spec } = app;
    const namespace = metadata.namespace || ARGOCD_NAMESPACE;
    if (query.appNamespace && namespace !== query.appNamespace) return false;
    if (!this.namespaceEnabled(namespace)) return false;
    if (query.name && metadata.name !== query.name) return false;
    if (query.projects?.length && !query.projects.includes(spec.project))
      return false;
    if (
      query.repo &&
      spec.source?.repoURL !== query.repo &&
      !spec.sources?.some(s => s.repoURL === query.repo)
    ) {
      return false;
    }
    return !query.selector || query.selector.matches(metadata.labels);
  }

  /** GET /api/v1/applications: `null` when nothing matches, as Argo CD answers. */
  listApplications(query: ListQuery): Application[] | null {
    const ctx = this.context();
    this.settle(ctx);
    const items: Application[] = [];
    for (const stored of [...this.apps.values()]) {
      if (!this.matchesQuery(query, stored)) continue;
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
      this.publish('MODIFIED', record, ctx);
    }
    return view(record, ctx);
  }

  /** GET /api/v1/applications/{name}/resource-tree */
  resourceTree(ref: AppRef): ApplicationTree {
    const ctx = this.context();
    return resourceTree(this.lookup(ref, ctx), ctx);
  }

  /** GET /api/v1/applications/{name}/resource: one live object of the Application. */
  liveResource(ref: AppRef, query: ResourceQuery): Record<string, unknown> {
    const ctx = this.context();
    const record = this.lookup(ref, ctx);
    return liveObject(
      record,
      ctx,
      query,
      this.statusOverrides.get(record.metadata.uid ?? record.key),
    );
  }

  /**
   * Sets the `status` (and optionally the generation) the live object of
   * one resource of an Application shows, in place of its operator's, until
   * cleared (`undefined`), the store is reset or the Application deleted.
   * Argo CD's own health of the resource is not changed.
   *
   * @returns the resource it applies to
   * @throws ArgoCdApiError NotFound for an unknown Application or a
   *   resource that is not live in it now
   */
  setResourceStatus(
    ref: AppRef,
    target: ResourceTarget,
    override: StatusOverride | undefined,
  ): ResourceQuery {
    const namespace = ref.appNamespace || ARGOCD_NAMESPACE;
    if (!this.apps.has(`${namespace}/${ref.name}`)) {
      throw applicationNotFound(ref.name);
    }
    const ctx = this.context();
    const record = this.lookup(ref, ctx);
    const group = target.group ?? '';
    const live = liveResources(record, ctx).find(
      l =>
        l.item.group === group &&
        l.item.kind === target.kind &&
        l.item.name === target.name &&
        (target.namespace === undefined ||
          l.item.namespace === target.namespace),
    );
    if (!live) {
      throw new ArgoCdApiError(
        GrpcCode.NotFound,
        `${target.kind} ${group} ${target.name} is not a live resource of application ${ref.name}`,
      );
    }
    const { version, kind, name } = live.item;
    const found = {
      group,
      version,
      kind,
      namespace: live.item.namespace,
      name,
    };
    const uid = record.metadata.uid ?? record.key;
    const overrides = this.statusOverrides.get(uid) ?? new Map();
    if (override) overrides.set(resourceKey(found), cloneJson(override));
    else overrides.delete(resourceKey(found));
    if (overrides.size) this.statusOverrides.set(uid, overrides);
    else this.statusOverrides.delete(uid);
    return found;
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
    this.publish('MODIFIED', record, ctx);
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
    const namespace = metadata.namespace || ARGOCD_NAMESPACE;
    this.admittingProject(
      isRecord(app.spec) ? String(app.spec.project ?? '') : '',
      namespace,
    );
    const spec = this.validate(name, cloneJson(app.spec));
    if (!this.namespaceEnabled(namespace)) {
      throw namespaceNotPermitted(namespace);
    }
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
    this.publish('ADDED', record, ctx);
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
    this.admittingProject(
      isRecord(app.spec) ? String(app.spec.project ?? '') : '',
      record.metadata.namespace,
    );
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
    this.deleteRecord(this.lookup(ref, ctx), cascade, ctx);
  }

  private deleteRecord(
    record: AppRecord,
    cascade: boolean,
    ctx: LifecycleContext,
  ): void {
    const finalizer = record.metadata.finalizers?.includes(RESOURCES_FINALIZER);
    if (cascade && finalizer && record.deployed) {
      if (record.deletingAt === undefined) {
        record.deletingAt = ctx.now;
        record.metadata.deletionTimestamp = iso(ctx.now);
        record.metadata.resourceVersion = this.nextResourceVersion();
        this.publish('MODIFIED', record, ctx);
      }
      return;
    }
    this.apps.delete(record.key);
    this.statusOverrides.delete(record.metadata.uid ?? record.key);
    record.metadata.resourceVersion = this.nextResourceVersion();
    this.publish('DELETED', record, ctx);
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
    // A seeded Application appears deployed: one ADDED, not its history.
    const quiet: LifecycleContext = { ...ctx, changed: undefined };
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
        quiet,
        createdAt,
      );
      const deployed =
        typeof template === 'function' || template.deployed !== false;
      if (deployed) markDeployed(record, quiet);
      this.publish('ADDED', record, ctx);
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

  /** Whether an AppProject of that name exists. */
  hasProject(name: string): boolean {
    return this.projects.has(name);
  }

  /** The AppProject, if any (RBAC reads role policies from it). */
  findProject(name: string): AppProject | undefined {
    return this.projects.get(name);
  }

  /** GET /api/v1/projects/{name} */
  getProject(name: string): AppProject {
    const project = this.projects.get(name);
    if (!project) throw projectNotFound(name);
    return project;
  }

  /** POST /api/v1/projects `{project, upsert}` (server/project `Create`). */
  createProject(body: unknown): AppProject {
    const request = isRecord(body) ? body : {};
    if (!isRecord(request.project)) {
      throw new ArgoCdApiError(
        GrpcCode.InvalidArgument,
        "missing payload 'project' in request",
      );
    }
    const project = request.project as Partial<AppProject>;
    const name = validateName('AppProject', project.metadata);
    const spec = normalizeProjectSpec(project.spec);
    try {
      validateProject({ metadata: { name }, spec });
    } catch (error) {
      if (!(error instanceof ArgoCdApiError)) throw error;
      throw new ArgoCdApiError(
        error.code,
        `error validating project: ${error.message}`,
      );
    }
    const existing = this.projects.get(name);
    if (existing) {
      if (request.upsert !== true) {
        if (!jsonEqual(existing.spec, spec)) {
          throw new ArgoCdApiError(
            GrpcCode.InvalidArgument,
            specIsDifferent('project', existing.spec, spec),
          );
        }
        return existing;
      }
      // Upsert replaces the spec only, as Argo CD does.
      if (!jsonEqual(existing.spec, spec)) {
        existing.spec = spec;
        existing.metadata.generation = (existing.metadata.generation ?? 1) + 1;
      }
      existing.metadata.resourceVersion = this.nextResourceVersion();
      return existing;
    }
    const metadata = project.metadata as ObjectMeta;
    const created: AppProject = {
      metadata: {
        name,
        namespace: ARGOCD_NAMESPACE,
        ...metadataMaps(metadata),
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

  /**
   * PUT /api/v1/projects/{name} `{project}`: a Kubernetes update, so
   * `metadata.resourceVersion` must be the stored one; spec, labels and
   * annotations are replaced. Refused when Applications in `argocd` that
   * the old project admitted would lose their source or destination.
   */
  updateProject(name: string, body: unknown): AppProject {
    const request = isRecord(body) ? body : {};
    if (!isRecord(request.project)) {
      throw new ArgoCdApiError(
        GrpcCode.InvalidArgument,
        "missing payload 'project' in request",
      );
    }
    const project = request.project as Partial<AppProject>;
    const metadata = (
      isRecord(project.metadata) ? project.metadata : { name }
    ) as ObjectMeta;
    validateProject({
      metadata: { name: metadata.name || name },
      spec: normalizeProjectSpec(project.spec),
    });
    const existing = this.getProject(metadata.name || name);
    const resourceVersion = metadata.resourceVersion;
    if (!resourceVersion) {
      throw new ArgoCdApiError(
        GrpcCode.InvalidArgument,
        `appprojects.argoproj.io "${existing.metadata.name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
      );
    }
    if (resourceVersion !== existing.metadata.resourceVersion) {
      throw new ArgoCdApiError(
        GrpcCode.Aborted,
        `Operation cannot be fulfilled on appprojects.argoproj.io "${existing.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const spec = normalizeProjectSpec(project.spec);
    const next: AppProject = { ...existing, spec };
    let invalidSources = 0;
    let invalidDestinations = 0;
    for (const record of this.apps.values()) {
      if (
        record.spec.project !== existing.metadata.name ||
        record.metadata.namespace !== ARGOCD_NAMESPACE
      ) {
        continue;
      }
      const source = sourcesOf(record.spec).sources[0];
      if (
        source &&
        repoPermitted(existing, source.repoURL) &&
        !repoPermitted(next, source.repoURL)
      ) {
        invalidSources += 1;
      }
      const cluster = this.clusterOf(record.spec);
      if (!cluster) continue;
      const namespace = record.spec.destination.namespace ?? '';
      if (
        projectAdmitsDestination(existing, cluster, namespace) &&
        !projectAdmitsDestination(next, cluster, namespace)
      ) {
        invalidDestinations += 1;
      }
    }
    const parts: string[] = [];
    if (invalidSources)
      parts.push(`${invalidSources} applications source became invalid`);
    if (invalidDestinations) {
      parts.push(
        `${invalidDestinations} applications destination became invalid`,
      );
    }
    if (parts.length) {
      throw new ArgoCdApiError(
        GrpcCode.InvalidArgument,
        `as a result of project update ${parts.join(' and ')}`,
      );
    }
    if (!jsonEqual(existing.spec, spec)) {
      existing.spec = spec;
      existing.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    const maps = metadataMaps(metadata);
    delete existing.metadata.labels;
    delete existing.metadata.annotations;
    Object.assign(existing.metadata, maps);
    existing.metadata.resourceVersion = this.nextResourceVersion();
    return existing;
  }

  /**
   * DELETE /api/v1/projects/{name}: `default` is reserved; refused while
   * Applications in `argocd` use the project (Argo CD counts only those).
   */
  deleteProject(name: string, authorize: () => void = () => {}): void {
    if (name === 'default') {
      throw new ArgoCdApiError(
        GrpcCode.InvalidArgument,
        `name 'default' is reserved and cannot be deleted`,
      );
    }
    authorize();
    this.getProject(name);
    const users = [...this.apps.values()].filter(
      r => r.spec.project === name && r.metadata.namespace === ARGOCD_NAMESPACE,
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

/** The spec of a posted project: a copy, JSON-normalized. */
function normalizeProjectSpec(spec: unknown): AppProject['spec'] {
  return cloneJson(isRecord(spec) ? spec : {}) as AppProject['spec'];
}

function metadataMaps(metadata: ObjectMeta): Partial<ObjectMeta> {
  const labels = stringMap(metadata.labels);
  const annotations = stringMap(metadata.annotations);
  return {
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

function repoPermitted(project: AppProject, repoURL: string): boolean {
  const patterns = project.spec.sourceRepos ?? [];
  if (patterns.some(p => p.startsWith('!') && globMatch(p.slice(1), repoURL)))
    return false;
  return patterns.some(p => !p.startsWith('!') && globMatch(p, repoURL));
}

/** Go's field name of a JSON key, as r3labs/diff reports paths. */
function goName(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/**
 * The changed paths between two specs, the way r3labs/diff (which Argo CD
 * uses) reports them: Go field names, slices compared as sets with the
 * unmatched items paired by index.
 */
function differentPaths(
  a: unknown,
  b: unknown,
  path: string[],
  out: string[],
): void {
  if (jsonEqual(a, b)) return;
  if (Array.isArray(a) || Array.isArray(b)) {
    const left = Array.isArray(a) ? a : [];
    const right = Array.isArray(b) ? b : [];
    const keys: number[] = [];
    const onlyLeft = new Map<number, unknown>();
    const onlyRight = new Map<number, unknown>();
    left.forEach((x, i) => {
      if (!right.some(y => jsonEqual(x, y))) {
        keys.push(i);
        onlyLeft.set(i, x);
      }
    });
    right.forEach((y, i) => {
      if (!left.some(x => jsonEqual(x, y))) {
        if (!keys.includes(i)) keys.push(i);
        onlyRight.set(i, y);
      }
    });
    for (const key of keys) {
      differentPaths(
        onlyLeft.get(key),
        onlyRight.get(key),
        [...path, String(key)],
        out,
      );
    }
    return;
  }
  if (isRecord(a) || isRecord(b)) {
    const left = isRecord(a) ? a : {};
    const right = isRecord(b) ? b : {};
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      differentPaths(left[key], right[key], [...path, goName(key)], out);
    }
    return;
  }
  out.push(...path);
}

/** util/argo `GenerateSpecIsDifferentErrorMessage`. */
function specIsDifferent(entity: string, a: unknown, b: unknown): string {
  const basic = `existing ${entity} spec is different; use upsert flag to force update`;
  const paths: string[] = [];
  differentPaths(a, b, [], paths);
  return paths.length
    ? `${basic}; difference in keys ${JSON.stringify(paths.join(','))}`
    : basic;
}
