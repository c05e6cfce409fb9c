import type { LoggerService } from '@backstage/backend-plugin-api';
import { createHash } from 'node:crypto';
import type { InventoryState } from '@datastack/plugin-datastack-common';
import {
  type Application,
  type ApplicationWatchEvent,
  ArgoCdClient,
  ArgoCdRequestError,
} from '@datastack/plugin-datastack-node';
import {
  applicationKey,
  compareResourceVersions,
  projectApplication,
} from './projection';
import {
  InventoryStore,
  LeaseLostError,
  type StoredChange,
} from './InventoryStore';
import type { InventoryConfig } from './config';

/**
 * What two projections of one Application are compared by: the projection
 * without its resourceVersion, which every status write changes, even one
 * that changed nothing the projection keeps. Its digest, not the document,
 * is kept: 28 bytes an Application instead of about 2 KB.
 */
const contentDigests = new WeakMap<StoredChange, string>();

const sha1 = (text: string) => createHash('sha1').update(text).digest('base64');

/** The change that stores `app`'s projection, with its content digest. */
function changeOf(key: string, app: Application): StoredChange {
  const projection = projectApplication(app);
  const rv = app.metadata.resourceVersion;
  const change: StoredChange = {
    key,
    seq: 0,
    deleted: false,
    ...(rv && { resourceVersion: rv }),
    doc: JSON.stringify(projection),
  };
  const { resourceVersion: _dropped, ...metadata } = projection.metadata;
  contentDigests.set(change, sha1(JSON.stringify({ ...projection, metadata })));
  return change;
}

function contentDigest(change: StoredChange): string {
  return contentDigests.get(change) ?? sha1(change.doc ?? '');
}

/** The stream looked stalled: Argo CD moved on and sent nothing. */
class StalledError extends Error {
  constructor(instance: string, resourceVersion: string, ms: number) {
    super(
      `the watch stream of Argo CD instance "${instance}" sent nothing for ${Math.round(
        ms / 1000,
      )} s while Argo CD moved on to resourceVersion ${resourceVersion}; it was replaced`,
    );
    this.name = 'StalledError';
  }
}

/** Changes waiting to be written, coalesced per Application. */
const MAX_PENDING = 500;

export interface InstanceWatcherOptions {
  client: ArgoCdClient;
  store: InventoryStore;
  holder: string;
  config: InventoryConfig;
  logger: LoggerService;
  /** The projection as this replica has read it (caught up): each key's resourceVersion. */
  current(): ReadonlyMap<string, string | undefined>;
  /** Reads what the store holds now into this replica's projection. */
  catchUp(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Keeps one Argo CD instance's projection current while this replica holds
 * its lease: a full list at start, after a broken or stalled stream and
 * after a resourceVersion Argo CD no longer has; between them, the watch
 * stream's events, coalesced and written in small batches. A stream is
 * taken as stalled when Argo CD's resourceVersion (read from a list that
 * matches nothing, every `probeIntervalMs`) moved past the last event for
 * two probes in a row. Reconnects back off exponentially up to
 * `reconnectMaxMs`. Every write goes through the lease check; a lost lease
 * ends the watcher.
 *
 * A change whose projection is the one this watcher last wrote for that
 * Application (Argo CD's reconciliation rewrites each Application's status
 * every few minutes, `reconciledAt` and a new resourceVersion, often with
 * nothing else changed) is not written: no row, no work for the replicas,
 * no signal to the browsers. The digests are this watcher's, so they start
 * empty with each lease, when another replica may have written since.
 */
export class InstanceWatcher {
  readonly #o: InstanceWatcherOptions;
  readonly #instance: string;
  #seq = 0;
  #state: InventoryState;
  #lastLiveAt?: string;
  #pending = new Map<string, StoredChange>();
  /** The digest of what this watcher last wrote for each Application. */
  readonly #written = new Map<string, string>();
  /** The last state written, without its asOf and resourceVersion. */
  #writtenState?: string;
  #flushTimer?: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();
  #writeError?: unknown;
  /** Ends the current stream; a failed write does (a relist then heals what it lost). */
  #abortStream?: (reason: unknown) => void;

  constructor(options: InstanceWatcherOptions) {
    this.#o = options;
    this.#instance = options.client.name;
    this.#state = {
      instance: this.#instance,
      state: 'connecting',
      since: new Date().toISOString(),
    };
  }

  /** Runs until `signal` aborts or the lease is lost (then it rejects with LeaseLostError). */
  async run(signal: AbortSignal): Promise<void> {
    await this.#o.catchUp();
    this.#seq = await this.#o.store.lastSeq(this.#instance);
    // Every tombstoneTtlMs, the tombstones written before the last tick go:
    // each has been there at least that long for the replicas to read.
    let mark: number | undefined;
    const pruner = setInterval(() => {
      const through = mark;
      mark = this.#seq;
      if (!through) return;
      this.#o.store
        .prune(this.#o.holder, this.#instance, through)
        .then(deleted => {
          if (deleted) {
            this.#o.logger.debug('Inventory tombstones pruned', {
              instance: this.#instance,
              deleted,
              through,
            });
          }
        })
        // A lost lease is the write path's to notice; a failed prune is
        // tried again at the next tick.
        .catch(() => {
          mark = through;
        });
    }, this.#o.config.tombstoneTtlMs);
    signal.addEventListener('abort', () => clearInterval(pruner), {
      once: true,
    });
    try {
      await this.#follow(signal);
    } finally {
      clearInterval(pruner);
    }
  }

  async #follow(signal: AbortSignal): Promise<void> {
    // Failures since the last stream that carried an event.
    const failures = { count: 0 };
    while (!signal.aborted) {
      const stream = new AbortController();
      const stop = () => stream.abort(signal.reason);
      signal.addEventListener('abort', stop, { once: true });
      this.#abortStream = reason => stream.abort(reason);
      let listed = false;
      let immediate = false;
      let reason: string;
      let probe: NodeJS.Timeout | undefined;
      try {
        const list = await this.#o.client.listApplicationsAt({
          signal: stream.signal,
        });
        listed = true;
        await this.#o.catchUp();
        const changes = this.#diff(list.items);
        const now = new Date().toISOString();
        this.#lastLiveAt = now;
        this.#state = {
          instance: this.#instance,
          state: 'live',
          since: now,
          asOf: now,
          ...(list.resourceVersion && {
            resourceVersion: list.resourceVersion,
          }),
        };
        await this.#write(changes);
        this.#o.logger.info('Argo CD inventory is live', {
          instance: this.#instance,
          applications: list.items.length,
          changed: changes.length,
          resourceVersion: list.resourceVersion,
        });

        let lastEventRv = list.resourceVersion;
        let eventsSinceProbe = 0;
        let behindSince: number | undefined;
        let failedProbes = 0;
        probe = setInterval(() => {
          this.#o.client
            .currentResourceVersion({ signal: stream.signal })
            .then(async rv => {
              failedProbes = 0;
              const ahead = compareResourceVersions(rv, lastEventRv) === 1;
              if (ahead && eventsSinceProbe === 0) {
                behindSince ??= Date.now();
                if (
                  Date.now() - behindSince >=
                  this.#o.config.probeIntervalMs
                ) {
                  stream.abort(
                    new StalledError(
                      this.#instance,
                      rv!,
                      Date.now() - behindSince,
                    ),
                  );
                  return;
                }
              } else {
                behindSince = undefined;
              }
              eventsSinceProbe = 0;
              // The stream is confirmed current: say so to every replica.
              const at = new Date().toISOString();
              this.#lastLiveAt = at;
              this.#state = { ...this.#state, asOf: at };
              await this.#write([]);
            })
            .catch(error => {
              // One failed probe proves nothing; three in a row end the
              // stream, and the list that follows says what Argo CD is.
              if (++failedProbes >= 3 && !stream.signal.aborted) {
                stream.abort(
                  new Error(
                    `Argo CD instance "${
                      this.#instance
                    }" did not answer three checks of its watch stream: ${
                      error instanceof Error ? error.message : String(error)
                    }`,
                  ),
                );
              }
            });
        }, this.#o.config.probeIntervalMs);

        await this.#o.client.watchApplications({
          resourceVersion: list.resourceVersion,
          signal: stream.signal,
          maxEventBytes: this.#o.config.maxEventBytes,
          idleTimeoutMs: this.#o.config.streamIdleTimeoutMs,
          // Argo CD sends the headers with the first change; until then
          // the probe tells a stall (and a dead instance) apart.
          headersTimeoutMs: 24 * 60 * 60 * 1000,
          onEvent: event => {
            eventsSinceProbe++;
            // A stream that carries events is a good one: the next
            // failure may reconnect at once.
            failures.count = 0;
            const rv = event.application.metadata.resourceVersion;
            if (compareResourceVersions(rv, lastEventRv) !== -1) {
              lastEventRv = rv ?? lastEventRv;
            }
            this.#queue(event, lastEventRv);
          },
        });
        reason = `Argo CD ended the watch stream of instance "${
          this.#instance
        }"`;
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        if (signal.aborted) break;
        const cause = stream.signal.aborted ? stream.signal.reason : error;
        if (cause instanceof LeaseLostError) throw cause;
        reason =
          cause instanceof Error
            ? cause.message
            : `the inventory of Argo CD instance "${
                this.#instance
              }" stopped: ${String(cause)}`;
        immediate =
          cause instanceof StalledError ||
          (cause instanceof ArgoCdRequestError && cause.failure === 'expired');
      } finally {
        clearInterval(probe);
        signal.removeEventListener('abort', stop);
        this.#abortStream = undefined;
        stream.abort();
      }
      await this.#flush().catch(error => {
        if (error instanceof LeaseLostError) throw error;
      });
      if (signal.aborted) break;
      const now = new Date().toISOString();
      this.#state = {
        instance: this.#instance,
        state: listed || this.#lastLiveAt ? 'stale' : 'unreachable',
        since: now,
        message: reason,
        ...(this.#lastLiveAt && { asOf: this.#lastLiveAt }),
        ...(this.#state.resourceVersion && {
          resourceVersion: this.#state.resourceVersion,
        }),
      };
      if (!listed) {
        // Argo CD could not be listed: unreachable, whatever is kept.
        this.#state = { ...this.#state, state: 'unreachable' };
      }
      this.#o.logger.warn('Argo CD inventory stream replaced', {
        instance: this.#instance,
        reason,
      });
      await this.#write([]).catch(error => {
        if (error instanceof LeaseLostError) throw error;
      });
      // A stall or an expired resourceVersion relists at once, unless the
      // last stream failed the same way before carrying anything.
      if (!immediate || failures.count > 0) {
        const backoff = Math.min(
          this.#o.config.reconnectMaxMs,
          500 * 2 ** Math.min(failures.count, 10),
        );
        // Jitter, so replicas and instances do not reconnect in step.
        await sleep(backoff * (0.75 + Math.random() * 0.5), signal);
      }
      failures.count++;
    }
    clearTimeout(this.#flushTimer);
    await this.#writing.catch(() => {});
  }

  /** The changes that bring the projection to `items`: new or changed ones, and removals. */
  #diff(items: Application[]) {
    const current = this.#o.current();
    const seen = new Set<string>();
    const changes: StoredChange[] = [];
    for (const app of items) {
      if (!app?.metadata?.name) continue;
      const key = applicationKey(app);
      seen.add(key);
      const rv = app.metadata.resourceVersion;
      if (current.has(key) && rv && current.get(key) === rv) continue;
      changes.push(changeOf(key, app));
    }
    for (const key of current.keys()) {
      if (!seen.has(key)) changes.push({ key, seq: 0, deleted: true });
    }
    return changes;
  }

  #queue(event: ApplicationWatchEvent, resourceVersion: string | undefined) {
    const app = event.application;
    const key = applicationKey(app);
    const rv = app.metadata.resourceVersion;
    this.#pending.set(
      key,
      event.type === 'DELETED'
        ? {
            key,
            seq: 0,
            deleted: true,
            ...(rv && { resourceVersion: rv }),
          }
        : changeOf(key, app),
    );
    if (resourceVersion) {
      this.#state = { ...this.#state, resourceVersion };
    }
    if (this.#pending.size >= MAX_PENDING) {
      this.#flush().catch(() => {});
    } else if (!this.#flushTimer) {
      this.#flushTimer = setTimeout(() => {
        this.#flush().catch(() => {});
      }, this.#o.config.flushMs);
    }
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const changes = [...this.#pending.values()];
    this.#pending = new Map();
    if (changes.length) {
      this.#state = { ...this.#state, asOf: new Date().toISOString() };
      await this.#write(changes);
    }
    if (this.#writeError) {
      const error = this.#writeError;
      this.#writeError = undefined;
      throw error;
    }
  }

  /**
   * Writes in order, one batch at a time, leaving out the Applications
   * whose projection is the one last written; then this replica reads them
   * back. A batch left empty that way writes nothing unless the state
   * changed (an empty batch writes the state alone).
   */
  #write(changes: StoredChange[]): Promise<void> {
    const next = this.#writing.then(async () => {
      const digests = new Map<StoredChange, string>();
      const fresh = changes.filter(change => {
        if (change.deleted) return true;
        const digest = contentDigest(change);
        if (this.#written.get(change.key) === digest) return false;
        digests.set(change, digest);
        return true;
      });
      // The state (live after a relist, say) is written even when every
      // change was skipped; only a batch that changes neither is dropped
      // (asOf and the instance's resourceVersion move with every event).
      const {
        asOf: _asOf,
        resourceVersion: _resourceVersion,
        ...stateNow
      } = this.#state;
      const stateKey = JSON.stringify(stateNow);
      if (changes.length && !fresh.length && stateKey === this.#writtenState) {
        return;
      }
      const afterSeq = this.#seq;
      for (const change of fresh) change.seq = ++this.#seq;
      try {
        await this.#o.store.write(
          this.#o.holder,
          { ...this.#state, seq: this.#seq },
          fresh,
          afterSeq,
        );
      } catch (error) {
        // Nothing was written: the next write follows the last one that was.
        this.#seq = afterSeq;
        throw error;
      }
      this.#writtenState = stateKey;
      for (const change of fresh) {
        if (change.deleted) this.#written.delete(change.key);
        else this.#written.set(change.key, digests.get(change)!);
      }
      await this.#o.catchUp();
    });
    this.#writing = next.catch(error => {
      this.#writeError = error;
      this.#abortStream?.(error);
    });
    return next;
  }
}
