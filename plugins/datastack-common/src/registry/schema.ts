import semver from 'semver';
import { z } from 'zod';

/**
 * The layers of a data stack, in the order a pipeline reads.
 *
 * @public
 */
export const DATASTACK_LAYERS = [
  'ingest',
  'transform',
  'orchestrate',
  'store',
  'stream',
  'visualise',
  'observe',
] as const;
/** @public */
export type DatastackLayer = (typeof DATASTACK_LAYERS)[number];

/**
 * An RFC 1123 label: Kubernetes namespaces, Argo CD Application names, component ids.
 *
 * @public
 */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** @public */
export const DNS_1123_LABEL_MAX = 63;

/** @public */
export const dnsLabelSchema = z
  .string()
  .max(DNS_1123_LABEL_MAX, `must be at most ${DNS_1123_LABEL_MAX} characters`)
  .regex(
    DNS_1123_LABEL,
    'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  );

/** @public */
export const semverSchema = z
  .string()
  .refine(v => semver.valid(v) !== null, 'must be a SemVer 2 version (x.y.z)');

/** @public */
export const semverRangeSchema = z
  .string()
  .refine(
    v => semver.validRange(v, { includePrerelease: true }) !== null,
    'must be a SemVer range (for example ">=1.25.0-0")',
  );

const chartRepositorySchema = z
  .string()
  .regex(
    /^(https?|oci):\/\/[^\s/]+(\/[^\s]*)?$/,
    'must be an http(s):// chart repository URL or an oci:// reference',
  );

/**
 * A Kubernetes group/version/kind, `group` empty for the core group.
 *
 * @public
 */
export const groupVersionKindSchema = z.object({
  group: z.string(),
  version: z.string().min(1),
  kind: z.string().min(1),
});
/** @public */
export type GroupVersionKind = z.infer<typeof groupVersionKindSchema>;

/**
 * A constraint one component puts on another: `componentId` must be in `range`.
 *
 * @public
 */
export const constraintSchema = z.object({
  componentId: dnsLabelSchema,
  range: semverRangeSchema,
  reason: z.string().min(1),
  /** Versions of the declaring component the constraint applies to; all when absent. */
  appliesTo: semverRangeSchema.optional(),
  /** Where the rule comes from: a release note, the chart, a curated finding. */
  source: z.string().min(1),
});
/** @public */
export type Constraint = z.infer<typeof constraintSchema>;

const valuesSchema = z.record(z.string(), z.unknown());

/**
 * An upgrade that may not be made in one jump: from a deployed version in
 * `from` to a target in `to`, the component must first run a version in `via`.
 *
 * @public
 */
export const upgradeHopSchema = z.object({
  from: semverRangeSchema,
  to: semverRangeSchema,
  via: semverRangeSchema,
  reason: z.string().min(1),
  source: z.string().min(1),
});
/** @public */
export type UpgradeHop = z.infer<typeof upgradeHopSchema>;

/**
 * A curated note on the chart versions in `versions`, shown on every candidate there.
 *
 * @public
 */
export const breakingNoteSchema = z.object({
  versions: semverRangeSchema,
  note: z.string().min(1),
  source: z.string().min(1),
});
/** @public */
export type BreakingNote = z.infer<typeof breakingNoteSchema>;

/**
 * Environment sizes that pick a component's default values.
 *
 * @public
 */
export const ENVIRONMENT_SIZES = ['small', 'medium', 'large'] as const;
/** @public */
export type EnvironmentSize = (typeof ENVIRONMENT_SIZES)[number];

/** A Kubernetes quantity such as `10Gi`, `512Mi`, `500m` or `2`. */
const quantitySchema = z
  .string()
  .regex(
    /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi)?$/,
    'must be a Kubernetes quantity such as 10Gi or 500m',
  );
const resourcesSchema = z
  .object({
    requests: z
      .object({ cpu: quantitySchema, memory: quantitySchema })
      .partial()
      .strict()
      .optional(),
    limits: z
      .object({ cpu: quantitySchema, memory: quantitySchema })
      .partial()
      .strict()
      .optional(),
  })
  .strict();
const imageSchema = z
  .string()
  .regex(/^[a-z0-9][^\s]*$/, 'must be a container image reference')
  .max(255);
const scalarConfigSchema = z.record(
  z.string().min(1),
  z.union([z.string(), z.number(), z.boolean()]),
);
const storageSchema = z
  .object({
    size: quantitySchema,
    /** StorageClass; the cluster default when absent. */
    class: dnsLabelSchema.optional(),
    /** Whether the volume is deleted with the cluster; kept when absent. */
    deleteClaim: z.boolean().optional(),
  })
  .strict();

/**
 * One API version of a custom resource kind and the operator chart versions
 * that serve it: the CR ↔ operator constraint the upgrade engine and the
 * pre-flight read.
 *
 * @public
 */
export const servedVersionSchema = z
  .object({
    /** The version part of the apiVersion, for example `v1`. */
    version: z.string().regex(/^v[0-9]+((alpha|beta)[0-9]+)?$/),
    /** Operator chart versions that serve it. */
    operator: semverRangeSchema,
    source: z.string().min(1),
  })
  .strict();
/** @public */
export type ServedVersion = z.infer<typeof servedVersionSchema>;

/**
 * A namespaced custom resource kind a pipeline's instance renders. Its
 * `versions` are in order of preference: the first whose operator range holds
 * the operator version deployed on the cluster is the apiVersion rendered.
 *
 * @public
 */
export const instanceResourceSchema = z
  .object({
    group: z.string().min(1),
    kind: z.string().min(1),
    versions: z.array(servedVersionSchema).min(1),
  })
  .strict();
/** @public */
export type InstanceResource = z.infer<typeof instanceResourceSchema>;

/**
 * The platform layer of an operator-based component: installed once per
 * cluster by the platform team ("Platform operators" template), never by a
 * pipeline. The chart it installs is the component's `chart` (whose version
 * the upgrade engine compares); its cluster-scoped objects are the
 * component's `crds` plus `clusterScoped`.
 *
 * @public
 */
export const operatorSchema = z
  .object({
    /** How people name the operator: `Strimzi operator`. */
    title: z.string().min(1),
    /** The platform namespace the operator runs in. */
    namespace: dnsLabelSchema,
    /** Helm release name of the platform install. */
    releaseName: dnsLabelSchema,
    /** The operator Deployment of that release. */
    deployment: z.string().min(1),
    /**
     * Helm values, merged over the component's `values` of the cluster's
     * size, that make the operator watch the tenant namespaces.
     */
    watchValues: valuesSchema,
    /** Cluster-scoped kinds the chart installs besides CRDs. */
    clusterScoped: z.array(
      z.object({ group: z.string(), kind: z.string().min(1) }).strict(),
    ),
    source: z.string().min(1),
  })
  .strict();
/** @public */
export type OperatorDefinition = z.infer<typeof operatorSchema>;

/**
 * How the pods of an instance expose Prometheus metrics (scraped by the pipeline's observability).
 *
 * @public
 */
export const instanceMetricsSchema = z
  .object({
    kind: z.enum(['PodMonitor', 'ServiceMonitor']),
    selector: z
      .object({
        matchLabels: z.record(z.string(), z.string()).optional(),
        matchExpressions: z
          .array(
            z
              .object({
                key: z.string().min(1),
                operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
                values: z.array(z.string()).optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict(),
    /** Name of the container (PodMonitor) or Service (ServiceMonitor) port. */
    port: z.string().min(1).max(15),
    path: z.string().startsWith('/'),
    source: z.string().min(1),
  })
  .strict();
/** @public */
export type InstanceMetrics = z.infer<typeof instanceMetricsSchema>;

const kafkaListenerSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]{1,11}$/, 'must be 1-11 lower-case letters or digits'),
    port: z.number().int().min(9092).max(65535),
    type: z.enum(['internal', 'cluster-ip']),
    tls: z.boolean(),
  })
  .strict();

/**
 * Parameters of a Strimzi Kafka cluster in KRaft mode with node pools.
 *
 * @public
 */
export const kafkaInstanceParametersSchema = z
  .object({
    /** Kafka version; the operator's default when absent. */
    version: z
      .string()
      .regex(/^[0-9]+\.[0-9]+\.[0-9]+$/)
      .optional(),
    nodePools: z
      .array(
        z
          .object({
            name: dnsLabelSchema,
            roles: z
              .array(z.enum(['controller', 'broker']))
              .min(1)
              .max(2),
            replicas: z.number().int().min(1).max(99),
            storage: storageSchema,
            resources: resourcesSchema.optional(),
          })
          .strict(),
      )
      .min(1),
    listeners: z.array(kafkaListenerSchema).min(1),
    config: scalarConfigSchema,
    /** Defaults of every KafkaTopic of the pipeline. */
    topics: z
      .object({
        partitions: z.number().int().min(1).max(1000),
        replicas: z.number().int().min(1).max(9),
        config: scalarConfigSchema,
      })
      .strict(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const count = (role: 'controller' | 'broker') =>
      p.nodePools
        .filter(n => n.roles.includes(role))
        .reduce((sum, n) => sum + n.replicas, 0);
    for (const role of ['controller', 'broker'] as const) {
      if (count(role) === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodePools'],
          message: `needs at least one node with the ${role} role (KRaft)`,
        });
      }
    }
    if (p.topics.replicas > count('broker')) {
      ctx.addIssue({
        code: 'custom',
        path: ['topics', 'replicas'],
        message: `is ${p.topics.replicas}, more than the ${count(
          'broker',
        )} brokers of the node pools`,
      });
    }
    const names = p.nodePools.map(n => n.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodePools'],
        message: 'names each node pool once',
      });
    }
  });

const flinkResourceSchema = z
  .object({
    cpu: z.number().positive().max(64),
    memory: z.string().regex(/^[0-9]+(m|g|Mi|Gi)$/),
  })
  .strict();

/**
 * Parameters of a Flink session cluster (a FlinkDeployment without `job`).
 *
 * @public
 */
export const flinkInstanceParametersSchema = z
  .object({
    image: imageSchema,
    flinkVersion: z.string().regex(/^v[0-9]+_[0-9]+$/),
    serviceAccount: dnsLabelSchema,
    jobManager: z
      .object({
        replicas: z.number().int().min(1).max(3),
        resource: flinkResourceSchema,
      })
      .strict(),
    taskManager: z
      .object({
        replicas: z.number().int().min(1).max(100),
        resource: flinkResourceSchema,
      })
      .strict(),
    taskSlots: z.number().int().min(1).max(64),
    flinkConfiguration: z.record(z.string().min(1), z.string()),
  })
  .strict();

/**
 * Parameters of an Altinity ClickHouseInstallation (and its Keeper).
 *
 * @public
 */
export const clickhouseInstanceParametersSchema = z
  .object({
    image: imageSchema,
    cluster: dnsLabelSchema,
    shards: z.number().int().min(1).max(64),
    replicas: z.number().int().min(1).max(9),
    storage: storageSchema,
    resources: resourcesSchema.optional(),
    keeper: z
      .object({
        image: imageSchema,
        replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]),
        storage: storageSchema,
      })
      .strict(),
  })
  .strict();

/**
 * Parameters of the Spark operator's wiring in a pipeline namespace.
 *
 * @public
 */
export const sparkInstanceParametersSchema = z
  .object({
    /** The driver pods' service account, bound to the Role the operator's drivers need. */
    serviceAccount: dnsLabelSchema,
    /** The example SparkApplication the orchestrator submits. */
    example: z
      .object({
        image: imageSchema,
        sparkVersion: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/),
        mainClass: z.string().min(1),
        mainApplicationFile: z.string().min(1),
        arguments: z.array(z.string()),
        driver: z
          .object({
            cores: z.number().int().min(1).max(32),
            memory: z.string().regex(/^[0-9]+(m|g)$/),
          })
          .strict(),
        executor: z
          .object({
            instances: z.number().int().min(1).max(500),
            cores: z.number().int().min(1).max(32),
            memory: z.string().regex(/^[0-9]+(m|g)$/),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

/**
 * Parameters of a pipeline's monitoring: its monitors and its Grafana dashboard folder.
 *
 * @public
 */
export const monitoringInstanceParametersSchema = z
  .object({
    scrapeInterval: z.string().regex(/^[0-9]+(s|m)$/),
    /** Grafana folder of the pipeline's dashboards; the pipeline name when absent. */
    dashboardFolder: z.string().min(1).max(100).optional(),
  })
  .strict();

/**
 * The parameter schema of each kind of instance.
 *
 * @public
 */
export const INSTANCE_PARAMETER_SCHEMAS = {
  'strimzi-kafka': kafkaInstanceParametersSchema,
  'flink-session': flinkInstanceParametersSchema,
  'clickhouse-installation': clickhouseInstanceParametersSchema,
  'spark-namespace': sparkInstanceParametersSchema,
  monitoring: monitoringInstanceParametersSchema,
} as const;
/** @public */
export type InstanceType = keyof typeof INSTANCE_PARAMETER_SCHEMAS;
/** @public */
export type InstanceParameters<T extends InstanceType> = z.infer<
  (typeof INSTANCE_PARAMETER_SCHEMAS)[T]
>;

function instanceOf<T extends InstanceType>(type: T) {
  const parameters = INSTANCE_PARAMETER_SCHEMAS[type];
  return z
    .object({
      type: z.literal(type),
      resources: z.array(instanceResourceSchema).min(1),
      metrics: instanceMetricsSchema.optional(),
      sizes: z
        .object({ small: parameters, medium: parameters, large: parameters })
        .strict(),
      source: z.string().min(1),
    })
    .strict();
}

/**
 * What a pipeline gets of an operator-based component: namespaced custom
 * resources in its own namespace, sized per environment.
 *
 * @public
 */
export const instanceSchema = z.discriminatedUnion('type', [
  instanceOf('strimzi-kafka'),
  instanceOf('flink-session'),
  instanceOf('clickhouse-installation'),
  instanceOf('spark-namespace'),
  instanceOf('monitoring'),
]);
/** @public */
export type InstanceDefinition = z.infer<typeof instanceSchema>;

/**
 * One data-stack component: what it is, where its chart lives, what it needs.
 *
 * @public
 */
export const componentDefinitionSchema = z
  .object({
    id: dnsLabelSchema,
    title: z.string().min(1),
    description: z.string().min(1),
    layer: z.enum(DATASTACK_LAYERS),
    /** `helm-chart`: deployed by Argo CD from a chart; `dbt-project`: rendered code run by an orchestrator. */
    type: z.enum(['helm-chart', 'dbt-project']),
    chart: z
      .object({
        repository: chartRepositorySchema,
        name: z.string().min(1),
        version: semverSchema,
        appVersion: z.string().min(1),
      })
      .optional(),
    /** For `dbt-project`: the dbt-core version and the adapter per warehouse component. */
    dbt: z
      .object({
        coreVersion: semverSchema,
        adapters: z.record(
          dnsLabelSchema,
          z.object({ package: z.string().min(1), version: semverSchema }),
        ),
      })
      .optional(),
    namespace: dnsLabelSchema,
    /** The Kubernetes range the chart declares (Chart.yaml kubeVersion) or documents. */
    kubeVersion: semverRangeSchema.optional(),
    images: z.array(z.string().min(1)),
    crds: z.array(groupVersionKindSchema),
    /** The operator Deployment whose availability decides the component's health. */
    operatorDeployment: z.string().min(1).optional(),
    requires: z.array(constraintSchema),
    conflicts: z.array(constraintSchema),
    /** Upgrades that must pass through an intermediate version. */
    upgradeHops: z.array(upgradeHopSchema).optional(),
    /** Curated breaking notes per chart version range. */
    breakingNotes: z.array(breakingNoteSchema).optional(),
    /** For operator-based components: the platform layer (installed once per cluster). */
    operator: operatorSchema.optional(),
    /** For operator-based components: the namespaced resources a pipeline gets. */
    instance: instanceSchema.optional(),
    values: z.object({
      small: valuesSchema,
      medium: valuesSchema,
      large: valuesSchema,
    }),
    docsUrl: z.string().url(),
    sourceUrl: z.string().url(),
    tags: z.array(z.string().min(1)),
  })
  .superRefine((c, ctx) => {
    if (c.type === 'helm-chart' && !c.chart) {
      ctx.addIssue({
        code: 'custom',
        path: ['chart'],
        message: 'is required for a helm-chart component',
      });
    }
    if (Boolean(c.operator) !== Boolean(c.instance)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.operator ? 'instance' : 'operator'],
        message:
          'is required with the other: an operator-based component has both an operator and an instance',
      });
    }
    if (c.operator && c.type !== 'helm-chart') {
      ctx.addIssue({
        code: 'custom',
        path: ['operator'],
        message:
          'needs a helm-chart component (the chart is the operator chart)',
      });
    }
    if (c.type === 'dbt-project' && !c.dbt) {
      ctx.addIssue({
        code: 'custom',
        path: ['dbt'],
        message: 'is required for a dbt-project component',
      });
    }
  });
/** @public */
export type ComponentDefinition = z.infer<typeof componentDefinitionSchema>;

/**
 * A rule between layers or components of one pipeline: when `when` is present,
 * at least one of `requiresAny` must be too.
 *
 * @public
 */
export const compositionRuleSchema = z.object({
  id: z.string().min(1),
  when: z.union([
    z.object({ layer: z.enum(DATASTACK_LAYERS) }),
    z.object({ component: dnsLabelSchema }),
  ]),
  requiresAny: z.array(dnsLabelSchema).min(1),
  message: z.string().min(1),
});
/** @public */
export type CompositionRule = z.infer<typeof compositionRuleSchema>;

/**
 * An override from app-config `datastack.components.<id>`: any field but the id.
 *
 * @public
 */
export const componentOverrideSchema = z
  .object({
    title: z.string().min(1),
    description: z.string().min(1),
    layer: z.enum(DATASTACK_LAYERS),
    type: z.enum(['helm-chart', 'dbt-project']),
    chart: z
      .object({
        repository: chartRepositorySchema,
        name: z.string().min(1),
        version: semverSchema,
        appVersion: z.string().min(1),
      })
      .partial(),
    namespace: dnsLabelSchema,
    kubeVersion: semverRangeSchema,
    images: z.array(z.string().min(1)),
    crds: z.array(groupVersionKindSchema),
    operatorDeployment: z.string().min(1),
    requires: z.array(constraintSchema),
    conflicts: z.array(constraintSchema),
    upgradeHops: z.array(upgradeHopSchema),
    breakingNotes: z.array(breakingNoteSchema),
    /** Fields of the operator; `watchValues` merge deeply. */
    operator: operatorSchema.partial(),
    /** Instance parameters per size, merged deeply over the shipped ones (lists are replaced). */
    instance: z
      .object({
        sizes: z
          .object({
            small: valuesSchema,
            medium: valuesSchema,
            large: valuesSchema,
          })
          .partial()
          .strict(),
      })
      .partial()
      .strict(),
    values: z
      .object({
        small: valuesSchema,
        medium: valuesSchema,
        large: valuesSchema,
      })
      .partial(),
    docsUrl: z.string().url(),
    sourceUrl: z.string().url(),
    tags: z.array(z.string().min(1)),
  })
  .partial()
  .strict();
/** @public */
export type ComponentOverride = z.infer<typeof componentOverrideSchema>;
