import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
} from '@backstage/catalog-model';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ComponentRegistry,
  PLATFORM_COMPONENT_TYPE,
  PLATFORM_SYSTEM,
  offeringEntityName,
} from '@datastack/plugin-datastack-common';

/** @public */
export interface DatastackComponentProviderOptions {
  registry: ComponentRegistry;
  /** Owner entity reference of the offering, e.g. group:default/platform-team. */
  owner: string;
}

/**
 * Puts the data-stack component registry in the catalog: one Component per
 * registry entry (its chart, default version, layer, Kubernetes range), in a
 * System that describes the platform offering. Entities that pipelines create
 * point back to these through `datastack.io/component`.
 *
 * @public
 */
export class DatastackComponentProvider implements EntityProvider {
  readonly #registry: ComponentRegistry;
  readonly #owner: string;

  constructor(options: DatastackComponentProviderOptions) {
    this.#registry = options.registry;
    this.#owner = options.owner;
  }

  getProviderName(): string {
    return 'datastack-component-registry';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    await connection.applyMutation({
      type: 'full',
      entities: this.entities().map(entity => ({
        entity,
        locationKey: this.getProviderName(),
      })),
    });
  }

  /** The entities the provider emits. */
  entities(): Entity[] {
    const location = `datastack:${this.getProviderName()}`;
    const annotations = {
      [ANNOTATION_LOCATION]: location,
      [ANNOTATION_ORIGIN_LOCATION]: location,
    };
    const system: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: {
        name: PLATFORM_SYSTEM,
        title: 'Datastack data platform',
        description:
          'The open-source data-stack components the platform team offers, each deployable from the "Create new data pipeline" template.',
        annotations,
        tags: ['datastack'],
      },
      spec: { owner: this.#owner },
    };
    const components = this.#registry.list().map(
      (c): Entity => ({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: offeringEntityName(c.id),
          title: c.title,
          description: c.description,
          annotations: {
            ...annotations,
            [ANNOTATION_DATASTACK_COMPONENT]: c.id,
            'datastack.io/layer': c.layer,
            ...(c.chart
              ? {
                  'datastack.io/chart': `${c.chart.repository} ${c.chart.name}`,
                  'datastack.io/chart-version': c.chart.version,
                  'datastack.io/app-version': c.chart.appVersion,
                }
              : {}),
            ...(c.dbt
              ? { 'datastack.io/dbt-core-version': c.dbt.coreVersion }
              : {}),
            ...(c.kubeVersion
              ? { 'datastack.io/kube-version': c.kubeVersion }
              : {}),
          },
          tags: [...new Set(['datastack', c.layer, c.id, ...c.tags])]
            .map(t =>
              t.toLocaleLowerCase('en-US').replace(/[^a-z0-9+#-]/g, '-'),
            )
            .slice(0, 20),
          links: [
            { url: c.docsUrl, title: 'Documentation' },
            { url: c.sourceUrl, title: 'Source' },
          ],
        },
        spec: {
          type: PLATFORM_COMPONENT_TYPE,
          lifecycle: 'production',
          owner: this.#owner,
          system: PLATFORM_SYSTEM,
        },
      }),
    );
    return [system, ...components];
  }
}
