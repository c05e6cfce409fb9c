import type {
  LoggerService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import type {
  ChartRelease,
  ValuesDiff,
} from '@datastack/plugin-datastack-common';
import { parseYamlData } from '@datastack/plugin-datastack-node';
import type {
  ChartCoordinates,
  ChartRepositoryClient,
} from './ChartRepositoryClient';
import type { ChartVersionStore, StoredChartValues } from './ChartVersionStore';
import type { Deployment, ValuesFileRef } from './DeploymentInventory';
import { diffValues, readArchiveValues, schemaChanged } from './valuesDiff';
import { blobUrl } from '../scm';

/** How long a values diff that failed (an archive unavailable) is reused. */
const FAILURE_TTL_MS = 60_000;

/**
 * Values changes between two versions of a chart: both archives fetched
 * (through the repository client, with its limits and timeout), their
 * `values.yaml` and `values.schema.json` kept in the database so every
 * replica reads them once, and the user's overrides read from the GitOps
 * repository files the Applications name (`$values/…`) and their inline
 * values.
 */
export class ChartValuesService {
  readonly #client: ChartRepositoryClient;
  readonly #store: ChartVersionStore;
  readonly #urlReader: UrlReaderService;
  readonly #integrations: ScmIntegrationRegistry;
  readonly #logger: LoggerService;
  readonly #inFlight = new Map<string, Promise<StoredChartValues>>();
  readonly #diffs = new Map<
    string,
    { value: ValuesDiff; componentId: string; expiresAt: number }
  >();
  readonly #ttlMs: number;
  readonly #limits: {
    maxValuesBytes: number;
    maxInflatedBytes: number;
    maxYamlAliases: number;
  };

  constructor(options: {
    client: ChartRepositoryClient;
    store: ChartVersionStore;
    urlReader: UrlReaderService;
    integrations: ScmIntegrationRegistry;
    logger: LoggerService;
    /** How long a computed diff (with the user's overrides) is reused. */
    ttlMs: number;
    /** Bytes of one values file, inflated or read (`datastack.upgrades.maxValuesBytes`). Default 8 MiB. */
    maxValuesBytes?: number;
    /** Bytes one archive may inflate to. Default 16 × 16 MiB. */
    maxInflatedBytes?: number;
    /** Alias expansions per values document (`datastack.upgrades.maxYamlAliases`). Default 100. */
    maxYamlAliases?: number;
  }) {
    this.#client = options.client;
    this.#store = options.store;
    this.#urlReader = options.urlReader;
    this.#integrations = options.integrations;
    this.#logger = options.logger;
    this.#ttlMs = options.ttlMs;
    this.#limits = {
      maxValuesBytes: options.maxValuesBytes ?? 8 * 1024 * 1024,
      maxInflatedBytes: options.maxInflatedBytes ?? 256 * 1024 * 1024,
      maxYamlAliases: options.maxYamlAliases ?? 100,
    };
  }

  /** A values text as plain data, with the alias limit; throws a message naming `field`. */
  #parse(text: string, field: string): unknown {
    return parseYamlData(text, field, {
      maxAliasCount: this.#limits.maxYamlAliases,
      aliasLimitKey: 'datastack.upgrades.maxYamlAliases',
      maxLength: this.#limits.maxValuesBytes,
    });
  }

  async diff(
    coordinates: ChartCoordinates,
    from: ChartRelease,
    to: ChartRelease,
    deployments: Deployment[],
  ): Promise<ValuesDiff> {
    const key = `${coordinates.repository}|${coordinates.chart}|${
      from.chartVersion
    }|${to.chartVersion}|${deployments
      .map(d => `${d.instance}/${d.application}`)
      .sort()
      .join(',')}`;
    const cached = this.#diffs.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const fetchedAt = new Date().toISOString();
    const source = [from, to].map(r => r.urls[0] ?? r.chartVersion).join(' → ');
    const base = {
      componentId: coordinates.componentId,
      from: from.chartVersion,
      to: to.chartVersion,
      source,
      fetchedAt,
    };
    let before: StoredChartValues;
    let after: StoredChartValues;
    try {
      [before, after] = await Promise.all([
        this.#values(coordinates, from),
        this.#values(coordinates, to),
      ]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.warn('Chart archives unavailable for a values diff', {
        component: coordinates.componentId,
        from: from.chartVersion,
        to: to.chartVersion,
        error: message,
      });
      const unavailable: ValuesDiff = {
        ...base,
        status: 'unavailable',
        error: message,
        changes: [],
        affectedOverrides: [],
        schemaChanged: false,
      };
      // A hanging or failing repository costs its timeout once a minute,
      // not on every page view; "Refresh now" forgets it at once.
      this.#remember(key, coordinates.componentId, unavailable, {
        ttlMs: Math.min(this.#ttlMs, FAILURE_TTL_MS),
      });
      return unavailable;
    }
    const overrides = await this.#overrides(deployments);
    let parsedBefore: unknown;
    let parsedAfter: unknown;
    try {
      parsedBefore = this.#parse(
        before.valuesYaml,
        `values.yaml of ${coordinates.chart} ${from.chartVersion}`,
      );
      parsedAfter = this.#parse(
        after.valuesYaml,
        `values.yaml of ${coordinates.chart} ${to.chartVersion}`,
      );
    } catch (error) {
      return {
        ...base,
        status: 'unavailable',
        error: (error as Error).message,
        changes: [],
        affectedOverrides: [],
        schemaChanged: false,
      };
    }
    const { changes, affectedOverrides } = diffValues(
      parsedBefore,
      parsedAfter,
      overrides,
    );
    const value: ValuesDiff = {
      ...base,
      status: 'ok',
      changes,
      affectedOverrides,
      schemaChanged: schemaChanged(before.valuesSchema, after.valuesSchema),
    };
    this.#remember(key, coordinates.componentId, value, {
      ttlMs: this.#ttlMs,
    });
    return value;
  }

  /** Forgets every diff of a component, failed ones included (after "Refresh now"). */
  forget(componentId: string): void {
    for (const [key, entry] of this.#diffs) {
      if (entry.componentId === componentId) this.#diffs.delete(key);
    }
  }

  #remember(
    key: string,
    componentId: string,
    value: ValuesDiff,
    options: { ttlMs: number },
  ) {
    this.#diffs.set(key, {
      value,
      componentId,
      expiresAt: Date.now() + options.ttlMs,
    });
    if (this.#diffs.size > 1000) {
      this.#diffs.delete(this.#diffs.keys().next().value!);
    }
  }

  /** values.yaml and values.schema.json of one version: from the database, else the archive. */
  #values(
    coordinates: ChartCoordinates,
    release: ChartRelease,
  ): Promise<StoredChartValues> {
    const key = `${coordinates.repository}|${coordinates.chart}|${
      release.chartVersion
    }|${release.digest ?? ''}`;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const promise = (async () => {
      const stored = await this.#store.getValues(key);
      if (stored) return stored;
      const archive = await this.#client.fetchArchive(coordinates, release);
      const values = await readArchiveValues(archive, coordinates.chart, {
        maxValuesBytes: this.#limits.maxValuesBytes,
        maxInflatedBytes: this.#limits.maxInflatedBytes,
      }).catch(error => {
        throw new Error(
          `${coordinates.chart} ${release.chartVersion}: ${
            (error as Error).message
          }`,
        );
      });
      const value: StoredChartValues = {
        ...values,
        fetchedAt: new Date().toISOString(),
      };
      await this.#store.putValues(key, value);
      return value;
    })().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }

  /** The user's values: each `$values/…` file of the Applications, and their inline values. */
  async #overrides(
    deployments: Deployment[],
  ): Promise<Array<{ file: string; values: unknown }>> {
    const seen = new Set<string>();
    const reads: Array<Promise<{ file: string; values: unknown } | undefined>> =
      [];
    for (const deployment of deployments) {
      for (const ref of deployment.valueFiles) {
        const id = `${ref.repoURL}|${ref.revision}|${ref.path}`;
        if (seen.has(id)) continue;
        seen.add(id);
        reads.push(this.#readValuesFile(ref));
      }
      const inline = deployment.inlineValues;
      if (inline?.valuesObject) {
        reads.push(
          Promise.resolve({
            file: `${deployment.application} (spec.source.helm.valuesObject)`,
            values: inline.valuesObject,
          }),
        );
      }
      if (inline?.values) {
        try {
          reads.push(
            Promise.resolve({
              file: `${deployment.application} (spec.source.helm.values)`,
              values: this.#parse(
                inline.values,
                `${deployment.application} spec.source.helm.values`,
              ),
            }),
          );
        } catch {
          // Argo CD would refuse it too; nothing to compare.
        }
      }
    }
    return (await Promise.all(reads)).filter(
      (o): o is { file: string; values: unknown } => o !== undefined,
    );
  }

  async #readValuesFile(
    ref: ValuesFileRef,
  ): Promise<{ file: string; values: unknown } | undefined> {
    const url = blobUrl(this.#integrations, ref);
    if (!url) {
      this.#logger.debug('No integration reads this GitOps repository', {
        repository: ref.repoURL,
      });
      return undefined;
    }
    try {
      const response = await this.#urlReader.readUrl(url);
      const text = (
        response.stream
          ? await this.#bounded(response.stream(), ref.path)
          : await response.buffer()
      ).toString('utf8');
      return { file: ref.path, values: this.#parse(text, ref.path) };
    } catch (error) {
      this.#logger.warn('A values file of a GitOps repository is unreadable', {
        repository: ref.repoURL,
        path: ref.path,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  /** A urlReader answer read up to `maxValuesBytes`, abandoned past it. */
  async #bounded(stream: NodeJS.ReadableStream, file: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > this.#limits.maxValuesBytes) {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        throw new Error(
          `${file} is more than the ${
            this.#limits.maxValuesBytes
          } bytes allowed (datastack.upgrades.maxValuesBytes)`,
        );
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks, size);
  }
}
