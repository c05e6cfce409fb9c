import type { Knex } from 'knex';
import type { InventoryState } from '@datastack/plugin-datastack-common';

const LEASES = 'datastack_inventory_leases';
const INSTANCES = 'datastack_inventory_instances';
const APPLICATIONS = 'datastack_inventory_applications';

/** Rows written in one statement; SQLite allows 999 bound variables in one. */
const WRITE_CHUNK = 100;

/** One change of the projection: an Application as it is now, or its removal. */
export interface StoredChange {
  key: string;
  seq: number;
  deleted: boolean;
  resourceVersion?: string;
  /** The compact Application as JSON; undefined when deleted. */
  doc?: string;
}

/** One instance's row: its state and the last change written. */
export interface StoredInstance extends InventoryState {
  seq: number;
  holder?: string;
  /** Tombstones up to this sequence number are gone: a reader behind it reads everything again. */
  prunedSeq?: number;
}

interface InstanceRow {
  instance: string;
  state: InventoryState['state'];
  since: string;
  message: string | null;
  resource_version: string | null;
  as_of: string | null;
  seq: number | string;
  holder: string | null;
  pruned_seq: number | string | null;
}

interface ApplicationRow {
  instance: string;
  app_key: string;
  seq: number | string;
  deleted: boolean | number;
  resource_version: string | null;
  doc: string | null;
}

/** The lease was lost: another replica holds the instance now. */
export class LeaseLostError extends Error {
  constructor(instance: string) {
    super(`The inventory lease of Argo CD instance "${instance}" was lost`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Another writer moved the instance's sequence on since this writer last
 * wrote or read it: its view of the rows is out of date, so it must start
 * again from what is stored.
 */
export class SequenceMovedError extends LeaseLostError {
  constructor(instance: string) {
    super(instance);
    this.message = `Another replica wrote the inventory of Argo CD instance "${instance}" since this one last did; it starts again from what is stored`;
    this.name = 'SequenceMovedError';
  }
}

/**
 * The live inventory in the plugin's database, shared by every replica: a
 * lease per instance (only its holder writes), each instance's state, and
 * the projection of every Application as change rows with a sequence number
 * per instance, so a reader asks only for what changed since it last read.
 * Every write checks the lease in the same transaction: a replica that lost
 * it writes nothing.
 */
export class InventoryStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /**
   * Takes or renews the lease of `instance` for `holder` until `now + ttlMs`;
   * true when `holder` holds it afterwards. A lease that expired is taken
   * over; one another holder renewed is left alone.
   */
  async acquire(
    instance: string,
    holder: string,
    ttlMs: number,
    now = Date.now(),
  ): Promise<boolean> {
    const expires = now + ttlMs;
    const updated = await this.#db(LEASES)
      .where({ instance })
      .andWhere(q => q.where({ holder }).orWhere('expires_at', '<', now))
      .update({ holder, expires_at: expires });
    if (updated > 0) return true;
    await this.#db(LEASES)
      .insert({ instance, holder, expires_at: expires })
      .onConflict('instance')
      .ignore();
    const row = await this.#db(LEASES).where({ instance }).first();
    return row?.holder === holder && Number(row.expires_at) === expires;
  }

  /** Gives up every lease of `holder`, so another replica takes over at once. */
  async release(holder: string): Promise<void> {
    await this.#db(LEASES).where({ holder }).update({ expires_at: 0 });
  }

  /** Who holds each lease now (for the instances' rows and tests). */
  async holders(now = Date.now()): Promise<Map<string, string>> {
    const rows = await this.#db(LEASES).where('expires_at', '>=', now);
    return new Map(rows.map(r => [r.instance as string, r.holder as string]));
  }

  /** The highest sequence number written for `instance` (0 when none). */
  async lastSeq(instance: string): Promise<number> {
    const row = await this.#db(INSTANCES).where({ instance }).first();
    return row ? Number(row.seq) : 0;
  }

  /**
   * Writes `changes` and the instance's state in one transaction, if
   * `holder` still holds the lease and the instance's last sequence number
   * is still `afterSeq` (what the writer last wrote or read); throws
   * {@link LeaseLostError} otherwise. The second check fences a writer whose
   * lease lapsed unnoticed while another replica wrote, and which then took
   * it back: its view of the rows is out of date, so it must start again.
   */
  async write(
    holder: string,
    state: Omit<StoredInstance, 'holder'>,
    changes: StoredChange[],
    afterSeq: number,
    now = Date.now(),
  ): Promise<void> {
    const stateRow = {
      state: state.state,
      since: state.since,
      message: state.message ?? null,
      resource_version: state.resourceVersion ?? null,
      as_of: state.asOf ?? null,
      seq: state.seq,
      holder,
    };
    await this.#db.transaction(async tx => {
      await this.#checkLease(tx, state.instance, holder, now);
      // The fence and the state in one conditional update: it locks the
      // row, so of two writers after the same sequence only one succeeds.
      const updated = await tx(INSTANCES)
        .where({ instance: state.instance, seq: afterSeq })
        .update(stateRow);
      if (!updated) {
        const row = await tx(INSTANCES)
          .where({ instance: state.instance })
          .first('seq');
        if (row || afterSeq !== 0) {
          throw new SequenceMovedError(state.instance);
        }
        // The instance's first write; a concurrent first write fails on
        // the primary key and rolls this one back.
        await tx(INSTANCES).insert({ instance: state.instance, ...stateRow });
      }
      for (let i = 0; i < changes.length; i += WRITE_CHUNK) {
        await tx(APPLICATIONS)
          .insert(
            changes.slice(i, i + WRITE_CHUNK).map(change => ({
              instance: state.instance,
              app_key: change.key,
              seq: change.seq,
              deleted: change.deleted,
              resource_version: change.resourceVersion ?? null,
              doc: change.deleted ? null : change.doc ?? null,
            })),
          )
          .onConflict(['instance', 'app_key'])
          .merge();
      }
    });
  }

  /**
   * Deletes the tombstones (rows of deleted Applications) of `instance` up
   * to `throughSeq` and records it as the instance's `prunedSeq`, if
   * `holder` still holds the lease. Resolves with how many were deleted.
   */
  async prune(
    holder: string,
    instance: string,
    throughSeq: number,
    now = Date.now(),
  ): Promise<number> {
    return this.#db.transaction(async tx => {
      await this.#checkLease(tx, instance, holder, now);
      const deleted = await tx(APPLICATIONS)
        .where({ instance, deleted: true })
        .andWhere('seq', '<=', throughSeq)
        .delete();
      await tx(INSTANCES)
        .where({ instance })
        .andWhere('pruned_seq', '<', throughSeq)
        .update({ pruned_seq: throughSeq });
      return deleted;
    });
  }

  async #checkLease(
    tx: Knex.Transaction,
    instance: string,
    holder: string,
    now: number,
  ): Promise<void> {
    const lease = await tx(LEASES).where({ instance }).first();
    if (!lease || lease.holder !== holder || Number(lease.expires_at) < now) {
      throw new LeaseLostError(instance);
    }
  }

  /** Every instance's row. */
  async instances(): Promise<StoredInstance[]> {
    const rows: InstanceRow[] = await this.#db(INSTANCES);
    return rows.map(row => ({
      instance: row.instance,
      state: row.state,
      since: row.since,
      ...(row.message && { message: row.message }),
      ...(row.resource_version && { resourceVersion: row.resource_version }),
      ...(row.as_of && { asOf: row.as_of }),
      seq: Number(row.seq),
      ...(row.holder && { holder: row.holder }),
      ...(Number(row.pruned_seq) > 0 && { prunedSeq: Number(row.pruned_seq) }),
    }));
  }

  /** The changes of `instance` after `afterSeq`, in order, at most `limit`. */
  async changes(
    instance: string,
    afterSeq: number,
    limit: number,
  ): Promise<StoredChange[]> {
    const rows: ApplicationRow[] = await this.#db(APPLICATIONS)
      .where({ instance })
      .andWhere('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit);
    return rows.map(row => ({
      key: row.app_key,
      seq: Number(row.seq),
      deleted: Boolean(row.deleted),
      ...(row.resource_version && { resourceVersion: row.resource_version }),
      ...(row.doc && { doc: row.doc }),
    }));
  }
}
