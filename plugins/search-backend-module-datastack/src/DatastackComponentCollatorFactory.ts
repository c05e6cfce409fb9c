import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  DocumentCollatorFactory,
  IndexableDocument,
} from '@backstage/plugin-search-common';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_PIPELINE,
  ANNOTATION_DATASTACK_PLATFORM,
  ComponentDefinition,
  ComponentRegistry,
  PLATFORM_COMPONENT_TYPE,
  datastackFleetReadPermission,
  offeringEntityName,
} from '@datastack/plugin-datastack-common';
import { Readable } from 'node:stream';
import { DatastackFleetReader, FleetSnapshot } from './DatastackFleetReader';

/**
 * The search document type of the data-stack components.
 *
 * @public
 */
export const DATASTACK_COMPONENT_DOCUMENT_TYPE = 'datastack-component';

/**
 * One data-stack component of the registry, with where it runs. Every field is
 * always present (empty when unknown): Lunr takes its schema from the first
 * document it indexes.
 *
 * @public
 */
export interface DatastackComponentDocument extends IndexableDocument {
  /** The registry id, e.g. `trino`. */
  componentId: string;
  /** The offering entity of the component, `component:default/datastack-<id>`. */
  entityRef: string;
  layer: string;
  /** The chart name; empty for a dbt project. */
  chart: string;
  /** The chart repository (https:// or oci://); empty for a dbt project. */
  chartRepository: string;
  /** The registry's default chart version; empty for a dbt project. */
  chartVersion: string;
  /** The chart's app version, or the dbt-core version of a dbt project. */
  appVersion: string;
  /** Chart versions deployed anywhere in the fleet. */
  deployedVersions: string[];
  /** Environments the component is deployed to. */
  environments: string[];
  /** Owners (entity refs) of the pipeline entities that run the component. */
  owners: string[];
  /** Pipelines that run the component. */
  pipelines: string[];
}

/** @public */
export interface DatastackComponentCollatorFactoryOptions {
  registry: ComponentRegistry;
  fleet: DatastackFleetReader;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
}

interface Usage {
  deployedVersions: Set<string>;
  environments: Set<string>;
  owners: Set<string>;
  pipelines: Set<string>;
}

const sorted = (values: Set<string>) =>
  [...values].sort((a, b) => a.localeCompare(b, 'en-US', { numeric: true }));

function ownerRef(owner: string, namespace?: string): string | undefined {
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: namespace ?? 'default',
      }),
    );
  } catch {
    return undefined;
  }
}

/**
 * Search documents for the data-stack components: one per registry entry,
 * linking to its offering entity in the catalog, with the versions,
 * environments, pipelines and owners that run it. Deployments come from the
 * datastack backend's fleet; pipelines and owners also from the catalog's
 * pipeline entities (`datastack.io/component`), so a component is found by
 * its owner before Argo CD has deployed it. When either source does not
 * answer, the documents still come out with what the others know.
 *
 * The documents carry fleet facts, so they are visible to those allowed
 * `datastack.fleet.read`, as the fleet page is.
 *
 * @public
 */
export class DatastackComponentCollatorFactory
  implements DocumentCollatorFactory
{
  readonly type = DATASTACK_COMPONENT_DOCUMENT_TYPE;
  readonly visibilityPermission = datastackFleetReadPermission;

  readonly #registry: ComponentRegistry;
  readonly #fleet: DatastackFleetReader;
  readonly #catalog: CatalogService;
  readonly #auth: AuthService;
  readonly #logger: LoggerService;

  static create(
    options: DatastackComponentCollatorFactoryOptions,
  ): DatastackComponentCollatorFactory {
    return new DatastackComponentCollatorFactory(options);
  }

  private constructor(options: DatastackComponentCollatorFactoryOptions) {
    this.#registry = options.registry;
    this.#fleet = options.fleet;
    this.#catalog = options.catalog;
    this.#auth = options.auth;
    this.#logger = options.logger;
  }

  async getCollator(): Promise<Readable> {
    return Readable.from(this.execute());
  }

  /** The documents, one per registry component. */
  async *execute(): AsyncGenerator<DatastackComponentDocument> {
    const components = this.#registry.list();
    const usage = new Map<string, Usage>(
      components.map(c => [
        c.id,
        {
          deployedVersions: new Set(),
          environments: new Set(),
          owners: new Set(),
          pipelines: new Set(),
        },
      ]),
    );
    const [fleet] = await Promise.all([
      this.#readFleet(),
      this.#readCatalog(usage),
    ]);
    for (const row of fleet?.rows ?? []) {
      const u = usage.get(row.component);
      if (!u) continue;
      if (row.version) u.deployedVersions.add(row.version);
      if (row.environment) u.environments.add(row.environment);
      if (row.pipeline) u.pipelines.add(row.pipeline);
      const owner = row.owner && ownerRef(row.owner);
      if (owner) u.owners.add(owner);
    }
    for (const c of components) {
      yield this.#document(c, usage.get(c.id)!);
    }
  }

  async #readFleet(): Promise<FleetSnapshot | undefined> {
    try {
      const fleet = await this.#fleet.read();
      if (fleet.failedInstances.length) {
        this.#logger.warn(
          'Argo CD instances did not answer the fleet; their deployments are missing from the datastack-component search documents',
          {
            instances: fleet.failedInstances.map(i => i.instance).join(','),
          },
        );
      }
      return fleet;
    } catch (error) {
      this.#logger.warn(
        'The datastack backend did not answer the fleet; datastack-component search documents carry registry and catalog facts only',
        { error: error instanceof Error ? error.message : String(error) },
      );
      return undefined;
    }
  }

  /** Pipelines and owners of the catalog's entities that run a registry component. */
  async #readCatalog(usage: Map<string, Usage>): Promise<void> {
    try {
      const credentials = await this.#auth.getOwnServiceCredentials();
      const pages = this.#catalog.streamEntities(
        {
          filter: {
            kind: 'component',
            [`metadata.annotations.${ANNOTATION_DATASTACK_COMPONENT}`]: [
              ...usage.keys(),
            ],
          },
          fields: [
            'kind',
            'metadata.name',
            'metadata.namespace',
            'metadata.annotations',
            'spec.type',
            'spec.owner',
          ],
        },
        { credentials },
      );
      for await (const entities of pages) {
        for (const entity of entities) this.#addEntity(entity, usage);
      }
    } catch (error) {
      this.#logger.warn(
        'The catalog did not answer the pipeline entities; datastack-component search documents carry no owners from it',
        { error: error instanceof Error ? error.message : String(error) },
      );
    }
  }

  #addEntity(entity: Entity, usage: Map<string, Usage>): void {
    // The offering entities describe the platform, not a pipeline that runs
    // it; nor do the platform layer's operators (type platform-operator,
    // annotated datastack.io/platform), whose owner is the platform team.
    if (entity.spec?.type === PLATFORM_COMPONENT_TYPE) return;
    const annotations = entity.metadata.annotations ?? {};
    if (annotations[ANNOTATION_DATASTACK_PLATFORM] === 'true') return;
    const u = usage.get(annotations[ANNOTATION_DATASTACK_COMPONENT] ?? '');
    if (!u) return;
    const pipeline = annotations[ANNOTATION_DATASTACK_PIPELINE]?.trim();
    if (pipeline) u.pipelines.add(pipeline);
    const owner =
      typeof entity.spec?.owner === 'string'
        ? ownerRef(entity.spec.owner, entity.metadata.namespace)
        : undefined;
    if (owner) u.owners.add(owner);
  }

  #document(c: ComponentDefinition, u: Usage): DatastackComponentDocument {
    const name = offeringEntityName(c.id);
    const deployedVersions = sorted(u.deployedVersions);
    const environments = sorted(u.environments);
    const owners = sorted(u.owners);
    const pipelines = sorted(u.pipelines);
    const packaging = c.chart
      ? `Helm chart ${c.chart.name} ${c.chart.version} (app ${c.chart.appVersion}) from ${c.chart.repository}.`
      : `dbt project on dbt-core ${c.dbt?.coreVersion ?? ''}.`;
    const facts = [
      deployedVersions.length &&
        `Deployed versions: ${deployedVersions.join(', ')}.`,
      environments.length && `Environments: ${environments.join(', ')}.`,
      pipelines.length && `Pipelines: ${pipelines.join(', ')}.`,
      owners.length && `Owners: ${owners.join(', ')}.`,
    ].filter(Boolean);
    return {
      title: c.title,
      text: [c.description, `Layer: ${c.layer}.`, packaging, ...facts].join(
        ' ',
      ),
      // The fragment keeps the location apart from the catalog collator's
      // document for the same entity: Lunr keys its documents by location.
      location: `/catalog/default/component/${name}#${DATASTACK_COMPONENT_DOCUMENT_TYPE}`,
      componentId: c.id,
      entityRef: `component:default/${name}`,
      layer: c.layer,
      chart: c.chart?.name ?? '',
      chartRepository: c.chart?.repository ?? '',
      chartVersion: c.chart?.version ?? '',
      appVersion: c.chart?.appVersion ?? c.dbt?.coreVersion ?? '',
      deployedVersions,
      environments,
      owners,
      pipelines,
    };
  }
}
