import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  type ArgoCdLookup,
  type InventoryState,
  type LabelSelector,
  parseSelector,
} from '@datastack/plugin-datastack-common';
import type {
  Application,
  ArgoCdClient,
} from '@datastack/plugin-datastack-node';
import { randomUUID } from 'node:crypto';
import type { InventoryConfig } from './config';
import { StringPool } from './StringPool';
import { InstanceWatcher } from './InstanceWatcher';
import {
  InventoryStore,
  LeaseLostError,
  type StoredChange,
  type StoredInstance,
} from './InventoryStore';

/** Changes read from the store in one query. */
const PAGE = 2_000;
/** Parsed selectors kept; entities name a few dozen. */
const SELECTOR_CACHE = 500;
/** Query answers kept per replica (each a list of references into the projection). */
const ANSWER_CACHE = 2_000;

/** What the inventory answers for one instance and one lookup. */
export interface InventoryAnswer {
  applications: Application[];
  state: InventoryState;
  /** Changes with every change of this instance's projection or state. */
  version: number;
}

/** How to narrow an instance's Applications, as Argo CD's list and get do. */
export interface InventoryQuery {
  selector?: string;
  name?: string;
  appNamespace?: string;
  projects?: string[];
}

/** The inventory query of an entity's Argo CD lookup (its app name or its selector). */
export function inventoryQueryOf(lookup: ArgoCdLookup): InventoryQuery {
  return {
    ...(lookup.appName
      ? { name: lookup.appName }
      : { selector: lookup.selector }),
    appNamespace: lookup.appNamespace,
    projects: lookup.project ? [lookup.project] : undefined,
  };
}

interface LocalInstance {
  seq: number;
  apps: Map<string, Application>;
  rvs: Map<string, string | undefined>;
  /** `key=value` of every label to the Applications carrying it. */
  byLabel: Map<string, Set<string>>;
  version: number;
  stored?: StoredInstance;
}

export interface LiveInventoryOptions {
  clients: ArgoCdClient[];
  store: InventoryStore;
  config: InventoryConfig;
  logger: LoggerService;
}

/**
 * The live inventory of every Application of every Argo CD instance, shared
 * by the replicas through the database: each instance's watch stream is
 * held by one replica at a time (a lease renewed every third of its TTL,
 * taken over when it expires or is released at shutdown), which writes the
 * compact projection; every replica, the holder included, reads the changes
 * every `pollIntervalMs` into memory and answers from there. Page views
 * therefore ask Argo CD nothing; the answer carries the instance's
 * inventory state (live, stale since …, unreachable) so a user sees how
 * current it is.
 */
export class LiveInventory {
  readonly #clients: Map<string, ArgoCdClient>;
  readonly #store: InventoryStore;
  readonly #config: InventoryConfig;
  readonly #logger: LoggerService;
  readonly #holder = `${process.pid}-${randomUUID()}`;
  readonly #local = new Map<string, LocalInstance>();
  readonly #watchers = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();
  /** Watchers told to stop whose last write may still be in flight. */
  readonly #stopping = new Map<string, Promise<void>>();
  readonly #listeners = new Set<(instances: string[]) => void>();
  readonly #selectors = new Map<string, LabelSelector | null>();
  readonly #strings = new StringPool();
  /** Per instance and query: the matching Applications at a version. */
  readonly #answers = new Map<
    string,
    { version: number; applications: Application[] }
  >();
  #polling: Promise<void> = Promise.resolve();
  #generation = 0;
  #lastPollAt?: number;
  #pollTimer?: NodeJS.Timeout;
  #leaseTimer?: NodeJS.Timeout;
  #stopped = false;

  constructor(options: LiveInventoryOptions) {
    this.#clients = new Map(options.clients.map(c => [c.name, c]));
    this.#store = options.store;
    this.#config = options.config;
    this.#logger = options.logger;
    for (const name of this.#clients.keys()) {
      this.#local.set(name, {
        seq: 0,
        apps: new Map(),
        rvs: new Map(),
        byLabel: new Map(),
        version: 0,
      });
    }
  }

  /** Changes with every change of any instance's projection or state. */
  get generation(): number {
    return this.#generation;
  }

  /** This replica's identity in the leases. */
  get holder(): string {
    return this.#holder;
  }

  /** Starts reading the store and competing for the instances' leases. */
  start(): void {
    const pollLoop = () => {
      if (this.#stopped) return;
      this.catchUp()
        .catch(() => {})
        .finally(() => {
          if (!this.#stopped) {
            this.#pollTimer = setTimeout(pollLoop, this.#config.pollIntervalMs);
          }
        });
    };
    pollLoop();
    const leaseLoop = () => {
      if (this.#stopped) return;
      this.#leases()
        .catch(() => {})
        .finally(() => {
          if (!this.#stopped) {
            this.#leaseTimer = setTimeout(
              leaseLoop,
              Math.floor(this.#config.leaseTtlMs / 3),
            );
          }
        });
    };
    leaseLoop();
  }

  /** Stops every watcher and gives up this replica's leases. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#leaseTimer);
    const running = [...this.#watchers.values()];
    for (const w of running) w.controller.abort(new Error('shutting down'));
    await Promise.all([
      ...running.map(w => w.done),
      ...this.#stopping.values(),
    ]);
    await this.#store.release(this.#holder).catch(() => {});
  }

  /** Calls `listener` with the instances whose projection or state changed. */
  onChange(listener: (instances: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The instances whose stream this replica holds now. */
  held(): string[] {
    return [...this.#watchers.keys()];
  }

  /** Every instance's state as this replica knows it, with how many Applications it holds. */
  states(): Array<InventoryState & { applications: number }> {
    return [...this.#local.entries()].flatMap(([name, local]) => {
      const state = this.state(name);
      return state ? [{ ...state, applications: local.apps.size }] : [];
    });
  }

  /**
   * The instance's state, with what this replica can tell on its own: its
   * projection is stale when it could not read the store lately, or when
   * no replica has confirmed the stream for longer than a lease outlives
   * its holder.
   */
  state(instance: string): InventoryState | undefined {
    const stored = this.#local.get(instance)?.stored;
    if (!stored) return undefined;
    const { seq: _seq, holder: _holder, ...state } = stored;
    const now = Date.now();
    const pollLimit = Math.max(5 * this.#config.pollIntervalMs, 5_000);
    if (this.#lastPollAt !== undefined && now - this.#lastPollAt > pollLimit) {
      return {
        ...state,
        state: state.state === 'unreachable' ? 'unreachable' : 'stale',
        since: new Date(this.#lastPollAt).toISOString(),
        message: 'this replica could not read the inventory from the database',
      };
    }
    const confirmLimit =
      2 * this.#config.probeIntervalMs + this.#config.leaseTtlMs;
    if (
      state.state === 'live' &&
      state.asOf &&
      now - Date.parse(state.asOf) > confirmLimit
    ) {
      return {
        ...state,
        state: 'stale',
        since: state.asOf,
        message: `no replica has confirmed the watch stream of Argo CD instance "${instance}" since ${state.asOf}`,
      };
    }
    return state;
  }

  /**
   * The instance's Applications that match `query`, from memory; undefined
   * when the inventory cannot answer for it (off, never listed yet, or the
   * selector is one it does not parse), so the caller asks Argo CD.
   */
  answer(instance: string, query: InventoryQuery): InventoryAnswer | undefined {
    const local = this.#local.get(instance);
    const state = this.state(instance);
    if (!local || !state || !state.asOf) return undefined;
    // The same query at the same version matches the same Applications: a
    // page polled by many users is matched once per change.
    const key = [
      instance,
      query.selector ?? '',
      query.name ?? '',
      query.appNamespace ?? '',
      query.projects?.join(',') ?? '',
    ].join('\0');
    const known = this.#answers.get(key);
    if (known && known.version === local.version) {
      return {
        applications: known.applications,
        state,
        version: local.version,
      };
    }
    let candidates: Iterable<Application>;
    let selector: LabelSelector | undefined;
    if (query.selector) {
      const parsed = this.#selector(query.selector);
      if (!parsed) return undefined;
      selector = parsed;
      candidates = this.#narrowed(local, parsed);
    } else {
      candidates = local.apps.values();
    }
    const projects = query.projects?.length ? query.projects : undefined;
    const applications: Application[] = [];
    for (const app of candidates) {
      if (query.name && app.metadata.name !== query.name) continue;
      if (
        query.appNamespace &&
        (app.metadata.namespace ?? '') !== query.appNamespace
      ) {
        continue;
      }
      if (projects && !projects.includes(app.spec.project)) continue;
      if (selector && !selector.matches(app.metadata.labels)) continue;
      applications.push(app);
    }
    if (this.#answers.size >= ANSWER_CACHE) this.#answers.clear();
    this.#answers.set(key, { version: local.version, applications });
    return { applications, state, version: local.version };
  }

  /** Reads the changes written since this replica last read; serialised. */
  catchUp(): Promise<void> {
    const next = this.#polling.then(() => this.#poll());
    this.#polling = next.catch(() => {});
    return next;
  }

  async #poll(): Promise<void> {
    const rows = await this.#store.instances();
    const changed: string[] = [];
    for (const row of rows) {
      const local = this.#local.get(row.instance);
      if (!local) continue;
      let touched = false;
      if (local.seq > 0 && (row.prunedSeq ?? 0) > local.seq) {
        // Removals this replica has not read were pruned: read it all again.
        await this.#reload(local, row.instance);
        touched = true;
      }
      while (row.seq > local.seq) {
        const changes = await this.#store.changes(
          row.instance,
          local.seq,
          PAGE,
        );
        if (!changes.length) break;
        this.#applyAll(local, changes);
        touched = true;
      }
      local.seq = Math.max(local.seq, row.seq);
      const before = local.stored;
      if (
        touched ||
        !before ||
        before.state !== row.state ||
        before.since !== row.since ||
        before.message !== row.message
      ) {
        touched = true;
      }
      local.stored = row;
      if (touched) {
        local.version++;
        this.#generation++;
        changed.push(row.instance);
      }
    }
    this.#lastPollAt = Date.now();
    if (changed.length) {
      for (const listener of this.#listeners) {
        try {
          listener(changed);
        } catch {
          // A listener's failure is its own.
        }
      }
    }
  }

  /**
   * Reads every row of `instance` into a fresh projection, then puts it in
   * place at once: answers never see it half read.
   */
  async #reload(local: LocalInstance, instance: string): Promise<void> {
    const fresh: LocalInstance = {
      seq: 0,
      apps: new Map(),
      rvs: new Map(),
      byLabel: new Map(),
      version: local.version,
    };
    for (;;) {
      const changes = await this.#store.changes(instance, fresh.seq, PAGE);
      if (!changes.length) break;
      this.#applyAll(fresh, changes);
    }
    this.#logger.info(
      'Inventory read again: removals it had not read were pruned',
      { instance, from: local.seq, to: fresh.seq },
    );
    local.seq = fresh.seq;
    local.apps = fresh.apps;
    local.rvs = fresh.rvs;
    local.byLabel = fresh.byLabel;
  }

  /** Applies changes read from the store, in order, and moves `local.seq` past them. */
  #applyAll(local: LocalInstance, changes: StoredChange[]) {
    for (const change of changes) {
      this.#apply(
        local,
        change.key,
        change.deleted ? undefined : change.doc,
        change.resourceVersion,
      );
      local.seq = Math.max(local.seq, change.seq);
    }
  }

  #apply(
    local: LocalInstance,
    key: string,
    doc: string | undefined,
    resourceVersion: string | undefined,
  ) {
    const previous = local.apps.get(key);
    if (previous) this.#unindex(local, key, previous);
    if (doc === undefined) {
      local.apps.delete(key);
      local.rvs.delete(key);
      return;
    }
    let app: Application;
    try {
      app = this.#strings.parse(doc) as Application;
    } catch {
      this.#logger.warn('Inventory row is not JSON; skipped', { key });
      return;
    }
    local.apps.set(key, app);
    local.rvs.set(key, resourceVersion);
    for (const [k, v] of Object.entries(app.metadata.labels ?? {})) {
      const label = `${k}=${v}`;
      let set = local.byLabel.get(label);
      if (!set) local.byLabel.set(label, (set = new Set()));
      set.add(key);
    }
  }

  #unindex(local: LocalInstance, key: string, app: Application) {
    for (const [k, v] of Object.entries(app.metadata.labels ?? {})) {
      const label = `${k}=${v}`;
      const set = local.byLabel.get(label);
      set?.delete(key);
      if (set && !set.size) local.byLabel.delete(label);
    }
  }

  /** The Applications an equality requirement narrows to (the smallest), or all. */
  #narrowed(
    local: LocalInstance,
    selector: LabelSelector,
  ): Iterable<Application> {
    let smallest: Set<string> | undefined;
    for (const r of selector.requirements) {
      if (r.operator !== 'in' || r.values.size !== 1) continue;
      const [value] = r.values;
      const set = local.byLabel.get(`${r.key}=${value}`) ?? new Set<string>();
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    if (!smallest) return local.apps.values();
    const keys = smallest;
    return (function* narrowed() {
      for (const key of keys) {
        const app = local.apps.get(key);
        if (app) yield app;
      }
    })();
  }

  #selector(text: string): LabelSelector | null {
    const cached = this.#selectors.get(text);
    if (cached !== undefined) return cached;
    let parsed: LabelSelector | null;
    try {
      parsed = parseSelector(text);
    } catch {
      parsed = null;
    }
    if (this.#selectors.size >= SELECTOR_CACHE) this.#selectors.clear();
    this.#selectors.set(text, parsed);
    return parsed;
  }

  /** Takes, renews or gives up each instance's lease; starts and stops watchers. */
  async #leases(): Promise<void> {
    for (const [name, client] of this.#clients) {
      if (this.#stopped) return;
      let held: boolean;
      try {
        held = await this.#store.acquire(
          name,
          this.#holder,
          this.#config.leaseTtlMs,
        );
      } catch (error) {
        // A lease that cannot be renewed must not be written under.
        held = false;
        this.#logger.warn('Inventory lease could not be renewed', {
          instance: name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      const running = this.#watchers.get(name);
      if (held && !running && !this.#stopping.has(name)) {
        // Not before the last watcher of this instance has stopped: its
        // write in flight would otherwise move the sequence under the new.
        this.#startWatcher(name, client);
      } else if (!held && running) {
        this.#logger.info('Inventory lease lost; this replica stops writing', {
          instance: name,
        });
        running.controller.abort(new LeaseLostError(name));
        this.#watchers.delete(name);
        const stopped = running.done.finally(() => {
          if (this.#stopping.get(name) === stopped) this.#stopping.delete(name);
        });
        this.#stopping.set(name, stopped);
      }
    }
  }

  #startWatcher(name: string, client: ArgoCdClient) {
    const controller = new AbortController();
    const local = this.#local.get(name)!;
    const watcher = new InstanceWatcher({
      client,
      store: this.#store,
      holder: this.#holder,
      config: this.#config,
      logger: this.#logger,
      current: () => local.rvs,
      catchUp: () => this.catchUp(),
    });
    this.#logger.info('Inventory lease taken; watching Argo CD', {
      instance: name,
    });
    const done = watcher
      .run(controller.signal)
      .catch(error => {
        this.#logger.info('Inventory watcher stopped', {
          instance: name,
          reason: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        if (this.#watchers.get(name)?.controller === controller) {
          this.#watchers.delete(name);
        }
      });
    this.#watchers.set(name, { controller, done });
  }
}
