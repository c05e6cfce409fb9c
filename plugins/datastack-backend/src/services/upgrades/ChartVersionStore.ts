import type {
  ChartRelease,
  ChartVersionsState,
} from '@datastack/plugin-datastack-common';
import type { DatabaseService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { migrateDatabase } from '../database';

const VERSIONS = 'datastack_chart_versions';
const ARCHIVES = 'datastack_chart_archives';

/** How long a parsed row is reused in this process before the database is read again. */
const LOCAL_TTL_MS = 5_000;

interface VersionsRow {
  component_id: string;
  repository: string;
  chart: string;
  etag: string | null;
  last_modified: string | null;
  fetched_at: string | null;
  checked_at: string;
  error: string | null;
  releases: string;
}

/** What is stored of one component's chart repository. */
export interface StoredChartVersions {
  componentId: string;
  repository: string;
  chart: string;
  etag?: string;
  lastModified?: string;
  fetchedAt?: string;
  checkedAt: string;
  error?: string;
  releases: ChartRelease[];
}

/** The parts of a chart archive that a values diff reads. */
export interface StoredChartValues {
  valuesYaml: string;
  valuesSchema?: string;
  fetchedAt: string;
}

/** The repository state shown to users, from what is stored. */
export function versionsState(
  stored: StoredChartVersions | undefined,
  coordinates: { componentId: string; repository: string; chart: string },
): ChartVersionsState {
  if (!stored || (!stored.fetchedAt && stored.releases.length === 0)) {
    return {
      ...coordinates,
      status: 'unknown',
      ...(stored?.checkedAt && { checkedAt: stored.checkedAt }),
      ...(stored?.error && { error: stored.error }),
      versionCount: 0,
    };
  }
  return {
    ...coordinates,
    status: stored.error ? 'stale' : 'ok',
    ...(stored.fetchedAt && { fetchedAt: stored.fetchedAt }),
    checkedAt: stored.checkedAt,
    ...(stored.error && { error: stored.error }),
    versionCount: stored.releases.length,
    ...(stored.releases[0] && { latest: stored.releases[0].chartVersion }),
  };
}

/**
 * Chart versions and archive values in the plugin's database (SQLite or
 * PostgreSQL), so that every replica answers from the same facts and a
 * restart does not refetch every repository. Rows are kept parsed in this
 * process for a few seconds, so a warm upgrade answer does not parse JSON.
 */
export class ChartVersionStore {
  readonly #db: Knex;
  readonly #local = new Map<
    string,
    { value: StoredChartVersions | undefined; expiresAt: number }
  >();

  static async create(database: DatabaseService): Promise<ChartVersionStore> {
    return new ChartVersionStore(await migrateDatabase(database));
  }

  constructor(db: Knex) {
    this.#db = db;
  }

  async get(componentId: string): Promise<StoredChartVersions | undefined> {
    const local = this.#local.get(componentId);
    if (local && local.expiresAt > Date.now()) return local.value;
    const row = await this.#db<VersionsRow>(VERSIONS)
      .where({ component_id: componentId })
      .first();
    const value = row ? ChartVersionStore.#fromRow(row) : undefined;
    this.#local.set(componentId, {
      value,
      expiresAt: Date.now() + LOCAL_TTL_MS,
    });
    return value;
  }

  /** Stores a successful fetch. */
  async putReleases(value: {
    componentId: string;
    repository: string;
    chart: string;
    etag?: string;
    lastModified?: string;
    releases: ChartRelease[];
    at: string;
  }): Promise<void> {
    await this.#db<VersionsRow>(VERSIONS)
      .insert({
        component_id: value.componentId,
        repository: value.repository,
        chart: value.chart,
        etag: value.etag ?? null,
        last_modified: value.lastModified ?? null,
        fetched_at: value.at,
        checked_at: value.at,
        error: null,
        releases: JSON.stringify(value.releases),
      })
      .onConflict('component_id')
      .merge();
    this.#local.delete(value.componentId);
  }

  /**
   * Records an attempt that changed nothing: a 304, or a failure (whose
   * error is kept beside the versions fetched before).
   */
  async markChecked(value: {
    componentId: string;
    repository: string;
    chart: string;
    at: string;
    error?: string;
    /** Also counts as a successful fetch (a 304). */
    fresh?: boolean;
  }): Promise<void> {
    const updated = await this.#db<VersionsRow>(VERSIONS)
      .where({ component_id: value.componentId })
      .update({
        checked_at: value.at,
        error: value.error ?? null,
        ...(value.fresh && { fetched_at: value.at }),
        // A repository moved in the registry: the old versions are not its.
        repository: value.repository,
        chart: value.chart,
      });
    if (updated === 0) {
      await this.#db<VersionsRow>(VERSIONS)
        .insert({
          component_id: value.componentId,
          repository: value.repository,
          chart: value.chart,
          etag: null,
          last_modified: null,
          fetched_at: null,
          checked_at: value.at,
          error: value.error ?? null,
          releases: '[]',
        })
        .onConflict('component_id')
        .merge();
    }
    this.#local.delete(value.componentId);
  }

  async getValues(key: string): Promise<StoredChartValues | undefined> {
    const row = await this.#db(ARCHIVES).where({ archive_key: key }).first();
    return row
      ? {
          valuesYaml: row.values_yaml,
          ...(row.values_schema && { valuesSchema: row.values_schema }),
          fetchedAt: row.fetched_at,
        }
      : undefined;
  }

  async putValues(key: string, value: StoredChartValues): Promise<void> {
    await this.#db(ARCHIVES)
      .insert({
        archive_key: key,
        values_yaml: value.valuesYaml,
        values_schema: value.valuesSchema ?? null,
        fetched_at: value.fetchedAt,
      })
      .onConflict('archive_key')
      .merge();
  }

  static #fromRow(row: VersionsRow): StoredChartVersions {
    return {
      componentId: row.component_id,
      repository: row.repository,
      chart: row.chart,
      ...(row.etag && { etag: row.etag }),
      ...(row.last_modified && { lastModified: row.last_modified }),
      ...(row.fetched_at && { fetchedAt: row.fetched_at }),
      checkedAt: row.checked_at,
      ...(row.error && { error: row.error }),
      releases: JSON.parse(row.releases),
    };
  }
}
