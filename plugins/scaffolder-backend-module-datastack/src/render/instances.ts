import { InputError } from '@backstage/errors';
import {
  ComponentDefinition,
  DNS_1123_LABEL,
  INSTANCE_PARAMETER_SCHEMAS,
  InstanceParameters,
  RenderedResource,
  instanceResources,
  isOperatorBased,
  mergeValues,
} from '@datastack/plugin-datastack-common';
import { stringify } from 'yaml';

/** Labels and annotations every manifest of an instance carries. */
export interface InstanceMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A component of the same pipeline and environment whose metrics the observability instance scrapes. */
export interface MonitoredComponent {
  definition: ComponentDefinition;
  /** The component's namespace in the environment. */
  namespace: string;
}

export interface RenderInstanceArgs {
  /** From the registry. */
  definition: ComponentDefinition;
  /** Pipeline name. */
  pipeline: string;
  environment: { name: string; size: 'small' | 'medium' | 'large' };
  /** The component's namespace in that environment. */
  namespace: string;
  /** Operator chart version on the destination cluster; default the registry's. */
  operatorVersion?: string;
  /** Kafka topics (DNS-1123 names). */
  topics?: string[];
  metadata: InstanceMetadata;
  /** The user's values for this component and environment (merged over the size defaults). */
  values?: Record<string, unknown>;
  /** For observability: the pipeline's components in this environment whose metrics it scrapes. */
  monitored?: MonitoredComponent[];
  /** How errors name the values, for example `environments[0].values.kafka`. */
  field?: string;
}

/** What an instance renders: manifests per file name. */
export interface RenderedInstance {
  /** File name (e.g. `kafka.yaml`) → manifests, synced by the component's Application. */
  files: Record<string, unknown[]>;
  /**
   * File name → manifests the orchestrator submits (Spark's example
   * SparkApplication): not synced by Argo CD.
   */
  jobs?: Record<string, unknown[]>;
}

/** Port of Flink's PrometheusReporter (docs: metrics reporters). */
const FLINK_METRICS_PORT = 9249;
/** Key of the JMX Prometheus exporter rules in the Kafka metrics ConfigMap. */
const KAFKA_METRICS_KEY = 'kafka-metrics-config.yml';

/**
 * The namespaced manifests a pipeline environment gets of an operator-based
 * component: Strimzi Kafka with node pools and topics, a Flink session
 * cluster, a ClickHouseInstallation (and Keeper), the Spark operator's
 * namespace wiring, or the pipeline's monitors and dashboard. Pure and
 * deterministic; undefined for components without an instance. Throws an
 * InputError naming the field when the values do not fit the instance.
 */
export function renderInstance(
  args: RenderInstanceArgs,
): RenderedInstance | undefined {
  const { definition } = args;
  if (!isOperatorBased(definition)) return undefined;
  const instance = definition.instance;
  const field = args.field ?? `values of ${definition.id}`;
  const schema = INSTANCE_PARAMETER_SCHEMAS[instance.type] as {
    safeParse(value: unknown):
      | { success: true; data: any }
      | {
          success: false;
          error: { issues: Array<{ path: PropertyKey[]; message: string }> };
        };
  };
  const merged = mergeValues(
    instance.sizes[args.environment.size] as Record<string, unknown>,
    args.values ?? {},
  );
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `${[field, ...issue.path.map(String)].join('.')} ${issue.message} (${
        definition.title
      } in ${args.environment.name})`,
    );
  }
  let resources: RenderedResource[];
  try {
    resources = instanceResources(definition, args.operatorVersion);
  } catch (error) {
    throw new InputError(
      `${definition.title} in ${args.environment.name}: ${
        (error as Error).message
      }`,
    );
  }
  const apiVersion = (kind: string) =>
    resources.find(r => r.kind === kind)!.apiVersion;
  const ctx: Context = { ...args, apiVersion };
  switch (instance.type) {
    case 'strimzi-kafka':
      return kafka(ctx, parsed.data);
    case 'flink-session':
      return flink(ctx, parsed.data);
    case 'clickhouse-installation':
      return clickhouse(ctx, parsed.data);
    case 'spark-namespace':
      return spark(ctx, parsed.data);
    case 'monitoring':
      return monitoring(ctx, parsed.data);
    default:
      return undefined;
  }
}

type Context = RenderInstanceArgs & { apiVersion: (kind: string) => string };

function meta(
  ctx: Context,
  name: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } = {},
) {
  const labels = { ...ctx.metadata.labels, ...extra.labels };
  const annotations = { ...ctx.metadata.annotations, ...extra.annotations };
  return {
    name,
    namespace: ctx.namespace,
    ...(Object.keys(labels).length ? { labels } : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
}

function resourcesOf(
  r: InstanceParameters<'strimzi-kafka'>['nodePools'][number]['resources'],
) {
  return r ? { resources: r } : {};
}

function kafka(
  ctx: Context,
  p: InstanceParameters<'strimzi-kafka'>,
): RenderedInstance {
  const cluster = ctx.pipeline;
  const clusterLabel = { 'strimzi.io/cluster': cluster };
  const metricsConfigMap = `${cluster}-kafka-metrics`;
  const pools = p.nodePools.map(pool => ({
    apiVersion: ctx.apiVersion('KafkaNodePool'),
    kind: 'KafkaNodePool',
    metadata: meta(ctx, pool.name, { labels: clusterLabel }),
    spec: {
      replicas: pool.replicas,
      roles: pool.roles,
      storage: {
        type: 'jbod',
        volumes: [
          {
            id: 0,
            type: 'persistent-claim',
            size: pool.storage.size,
            ...(pool.storage.class ? { class: pool.storage.class } : {}),
            deleteClaim: pool.storage.deleteClaim ?? false,
            // Controllers and brokers keep the KRaft metadata log on this volume.
            kraftMetadata: 'shared',
          },
        ],
      },
      ...resourcesOf(pool.resources),
    },
  }));
  const kafkaCr = {
    apiVersion: ctx.apiVersion('Kafka'),
    kind: 'Kafka',
    metadata: meta(ctx, cluster, {
      annotations: {
        'strimzi.io/node-pools': 'enabled',
        'strimzi.io/kraft': 'enabled',
      },
    }),
    spec: {
      kafka: {
        ...(p.version ? { version: p.version } : {}),
        listeners: p.listeners.map(l => ({
          name: l.name,
          port: l.port,
          type: l.type,
          tls: l.tls,
        })),
        config: p.config,
        metricsConfig: {
          type: 'jmxPrometheusExporter',
          valueFrom: {
            configMapKeyRef: { name: metricsConfigMap, key: KAFKA_METRICS_KEY },
          },
        },
      },
      entityOperator: { topicOperator: {}, userOperator: {} },
    },
  };
  const metrics = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(ctx, metricsConfigMap),
    data: {
      [KAFKA_METRICS_KEY]: stringify(
        {
          lowercaseOutputName: true,
          rules: [
            {
              pattern: 'kafka.server<type=(.+), name=(.+)><>Value',
              name: 'kafka_server_$1_$2',
              type: 'GAUGE',
            },
            {
              pattern: 'kafka.server<type=(.+), name=(.+)><>Count',
              name: 'kafka_server_$1_$2_total',
              type: 'COUNTER',
            },
            {
              pattern:
                'kafka.server<type=(.+), name=(.+), topic=(.+)><>OneMinuteRate',
              name: 'kafka_server_$1_$2_rate',
              type: 'GAUGE',
              labels: { topic: '$3' },
            },
          ],
        },
        { lineWidth: 0 },
      ),
    },
  };
  const files: Record<string, unknown[]> = {
    'kafka.yaml': [kafkaCr, ...pools, metrics],
  };
  const topics = ctx.topics ?? [];
  topics.forEach((topic, j) => {
    if (!DNS_1123_LABEL.test(topic) || topic.length > 63) {
      throw new InputError(
        `topics[${j}] "${topic}" must be a DNS-1123 label of at most 63 characters`,
      );
    }
  });
  if (topics.length) {
    files['topics.yaml'] = [...new Set(topics)].map(topic => ({
      apiVersion: ctx.apiVersion('KafkaTopic'),
      kind: 'KafkaTopic',
      metadata: meta(ctx, topic, { labels: clusterLabel }),
      spec: {
        partitions: p.topics.partitions,
        replicas: p.topics.replicas,
        ...(Object.keys(p.topics.config).length
          ? { config: p.topics.config }
          : {}),
      },
    }));
  }
  return { files };
}

/** A ServiceAccount, a Role with `rules` and the RoleBinding between them. */
function serviceAccountWithRole(
  ctx: Context,
  name: string,
  rules: unknown[],
): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ctx, name) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(ctx, name),
      rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(ctx, name),
      subjects: [{ kind: 'ServiceAccount', name, namespace: ctx.namespace }],
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name,
      },
    },
  ];
}

const WRITE_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
];

function flink(
  ctx: Context,
  p: InstanceParameters<'flink-session'>,
): RenderedInstance {
  const metricsPort = [
    { name: 'metrics', containerPort: FLINK_METRICS_PORT, protocol: 'TCP' },
  ];
  return {
    files: {
      // The Role of the chart's jobRbacRules, which the operator creates
      // only in the namespaces it lists.
      'rbac.yaml': serviceAccountWithRole(ctx, p.serviceAccount, [
        {
          apiGroups: [''],
          resources: ['pods', 'configmaps'],
          verbs: WRITE_VERBS,
        },
        {
          apiGroups: ['apps'],
          resources: ['deployments', 'deployments/finalizers'],
          verbs: WRITE_VERBS,
        },
      ]),
      'flink.yaml': [
        {
          apiVersion: ctx.apiVersion('FlinkDeployment'),
          kind: 'FlinkDeployment',
          metadata: meta(ctx, ctx.pipeline),
          // No `job`: a session cluster the pipeline's jobs are submitted to.
          spec: {
            image: p.image,
            flinkVersion: p.flinkVersion,
            serviceAccount: p.serviceAccount,
            flinkConfiguration: {
              'taskmanager.numberOfTaskSlots': String(p.taskSlots),
              'metrics.reporter.prom.factory.class':
                'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
              'metrics.reporter.prom.port': String(FLINK_METRICS_PORT),
              ...p.flinkConfiguration,
            },
            podTemplate: {
              spec: {
                containers: [
                  { name: 'flink-main-container', ports: metricsPort },
                ],
              },
            },
            jobManager: {
              replicas: p.jobManager.replicas,
              resource: p.jobManager.resource,
            },
            taskManager: {
              replicas: p.taskManager.replicas,
              resource: p.taskManager.resource,
            },
          },
        },
      ],
    },
  };
}

function volumeClaim(name: string, storage: { size: string; class?: string }) {
  return {
    name,
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storage.class ? { storageClassName: storage.class } : {}),
      resources: { requests: { storage: storage.size } },
    },
  };
}

function clickhouse(
  ctx: Context,
  p: InstanceParameters<'clickhouse-installation'>,
): RenderedInstance {
  const keeperName = `${ctx.pipeline}-keeper`;
  const replicated = p.replicas > 1;
  const files: Record<string, unknown[]> = {};
  if (replicated) {
    files['keeper.yaml'] = [
      {
        apiVersion: ctx.apiVersion('ClickHouseKeeperInstallation'),
        kind: 'ClickHouseKeeperInstallation',
        metadata: meta(ctx, keeperName),
        spec: {
          defaults: {
            templates: {
              podTemplate: 'keeper',
              volumeClaimTemplate: 'keeper-data',
            },
          },
          configuration: {
            clusters: [
              { name: 'keeper', layout: { replicasCount: p.keeper.replicas } },
            ],
          },
          templates: {
            podTemplates: [
              {
                name: 'keeper',
                spec: {
                  containers: [
                    { name: 'clickhouse-keeper', image: p.keeper.image },
                  ],
                },
              },
            ],
            volumeClaimTemplates: [
              volumeClaim('keeper-data', p.keeper.storage),
            ],
          },
        },
      },
    ];
  }
  files['clickhouse.yaml'] = [
    {
      apiVersion: ctx.apiVersion('ClickHouseInstallation'),
      kind: 'ClickHouseInstallation',
      metadata: meta(ctx, ctx.pipeline),
      spec: {
        defaults: {
          templates: {
            podTemplate: 'clickhouse',
            dataVolumeClaimTemplate: 'data',
          },
        },
        configuration: {
          // Replicated tables coordinate through the Keeper, whose Service
          // the operator names keeper-<installation>.
          ...(replicated
            ? {
                zookeeper: {
                  nodes: [{ host: `keeper-${keeperName}`, port: 2181 }],
                },
              }
            : {}),
          clusters: [
            {
              name: p.cluster,
              layout: { shardsCount: p.shards, replicasCount: p.replicas },
            },
          ],
        },
        templates: {
          podTemplates: [
            {
              name: 'clickhouse',
              spec: {
                containers: [
                  {
                    name: 'clickhouse',
                    image: p.image,
                    ...(p.resources ? { resources: p.resources } : {}),
                  },
                ],
              },
            },
          ],
          volumeClaimTemplates: [volumeClaim('data', p.storage)],
        },
      },
    },
  ];
  return { files };
}

function spark(
  ctx: Context,
  p: InstanceParameters<'spark-namespace'>,
): RenderedInstance {
  const e = p.example;
  const labels = { version: e.sparkVersion };
  return {
    files: {
      // The drivers' Role of the chart's templates/spark/rbac.yaml, which
      // the operator creates only in the job namespaces it lists.
      'rbac.yaml': serviceAccountWithRole(ctx, p.serviceAccount, [
        {
          apiGroups: [''],
          resources: [
            'pods',
            'configmaps',
            'persistentvolumeclaims',
            'services',
          ],
          verbs: [...WRITE_VERBS, 'deletecollection'],
        },
      ]),
    },
    jobs: {
      [`${ctx.pipeline}-spark-pi.yaml`]: [
        {
          apiVersion: ctx.apiVersion('SparkApplication'),
          kind: 'SparkApplication',
          metadata: meta(ctx, `${ctx.pipeline}-spark-pi`),
          spec: {
            type: 'Scala',
            mode: 'cluster',
            image: e.image,
            imagePullPolicy: 'IfNotPresent',
            mainClass: e.mainClass,
            mainApplicationFile: e.mainApplicationFile,
            arguments: e.arguments,
            sparkVersion: e.sparkVersion,
            restartPolicy: { type: 'Never' },
            driver: {
              cores: e.driver.cores,
              memory: e.driver.memory,
              serviceAccount: p.serviceAccount,
              labels,
            },
            executor: {
              instances: e.executor.instances,
              cores: e.executor.cores,
              memory: e.executor.memory,
              labels,
            },
          },
        },
      ],
    },
  };
}

function monitoring(
  ctx: Context,
  p: InstanceParameters<'monitoring'>,
): RenderedInstance {
  const monitored = [...(ctx.monitored ?? [])]
    .filter(m => m.definition.instance?.metrics)
    .sort((a, b) => a.definition.id.localeCompare(b.definition.id));
  const monitors = monitored.map(m => {
    const metrics = m.definition.instance!.metrics!;
    const endpoint = {
      port: metrics.port,
      path: metrics.path,
      interval: p.scrapeInterval,
    };
    return {
      apiVersion: ctx.apiVersion(metrics.kind),
      kind: metrics.kind,
      metadata: meta(ctx, `${ctx.pipeline}-${m.definition.id}`),
      spec: {
        selector: metrics.selector,
        namespaceSelector: { matchNames: [m.namespace] },
        ...(metrics.kind === 'PodMonitor'
          ? { podMetricsEndpoints: [endpoint] }
          : { endpoints: [endpoint] }),
      },
    };
  });
  const folder = p.dashboardFolder ?? ctx.pipeline;
  const dashboard = {
    title: `${ctx.pipeline} (${ctx.environment.name})`,
    uid: `${ctx.pipeline}-${ctx.environment.name}`.slice(0, 40),
    tags: ['datastack', ctx.pipeline],
    timezone: 'browser',
    schemaVersion: 39,
    refresh: p.scrapeInterval,
    panels: monitored.map((m, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: `${m.definition.title}: scrape targets up`,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      targets: [
        {
          refId: 'A',
          expr: `sum(up{namespace="${m.namespace}"})`,
          legendFormat: m.definition.id,
        },
      ],
    })),
  };
  return {
    files: {
      ...(monitors.length ? { 'monitors.yaml': monitors } : {}),
      'dashboards.yaml': [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: meta(ctx, `${ctx.pipeline}-dashboards`, {
            // kube-prometheus-stack's Grafana sidecar loads ConfigMaps with
            // this label from every namespace, into the annotated folder.
            labels: { grafana_dashboard: '1' },
            annotations: { grafana_folder: folder },
          }),
          data: {
            [`${ctx.pipeline}-${ctx.environment.name}.json`]: `${JSON.stringify(
              dashboard,
              null,
              2,
            )}\n`,
          },
        },
      ],
    },
  };
}

/** The manifests of a file as one multi-document YAML text. */
export function instanceFileText(
  manifests: unknown[],
  header?: string,
): string {
  const body = manifests.map(m => stringify(m, { lineWidth: 0 })).join('---\n');
  return header ? `# ${header}\n${body}` : body;
}
