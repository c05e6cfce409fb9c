import type { ComponentDefinition } from './schema';

/**
 * The data-stack components Datastack ships with. Data only: every entry is
 * validated against `componentDefinitionSchema` by {@link ComponentRegistry},
 * and app-config `datastack.components` can override any field.
 *
 * Conventions:
 * - `chart.version` is the default chart version a new pipeline pins; the
 *   upgrade views read newer versions from the chart repository's index.
 * - `chart.repository` is the URL the chart's `index.yaml` is published
 *   under, or an `oci://` registry path to which `/<name>` is appended.
 * - `operatorDeployment` assumes the Helm release is named after the
 *   component id (what the "Platform operators" template does:
 *   `operator.releaseName` is the id).
 * - Operator-based components (`operator` and `instance`) are installed once
 *   per cluster by the platform team; `chart`, `crds`, `kubeVersion`,
 *   `upgradeHops` and `breakingNotes` describe that operator chart, and
 *   `values` are its Helm values per cluster size. A pipeline gets the
 *   `instance`: namespaced custom resources sized per environment, whose
 *   apiVersions follow the operator version (`instance.resources[].versions`).
 * - `requires` orders deployment (sync waves) between components of the same
 *   pipeline and is checked by the upgrade planner; a constraint on a
 *   component that is not in the pipeline does not apply.
 * - `kubeVersion` is the range the chart declares in Chart.yaml, or, where
 *   noted, the range its project documents.
 *
 * @public
 */
export const defaultComponents: ComponentDefinition[] = [
  // Verified: https://airbytehq.github.io/charts/index.yaml (airbyte 2.3.0,
  // appVersion 2.3.0, created 2026-09-15); values keys from
  // airbytehq/airbyte-platform charts/v2/airbyte/values.yaml.
  {
    id: 'airbyte',
    title: 'Airbyte',
    description:
      'Open-source ELT platform that replicates data from APIs, databases and files into the warehouse.',
    layer: 'ingest',
    type: 'helm-chart',
    chart: {
      repository: 'https://airbytehq.github.io/charts',
      name: 'airbyte',
      version: '2.3.0',
      appVersion: '2.3.0',
    },
    namespace: 'airbyte',
    images: [
      'airbyte/server:2.3.0',
      'airbyte/webapp:2.3.0',
      'airbyte/worker:2.3.0',
      'airbyte/workload-launcher:2.3.0',
      'airbyte/cron:2.3.0',
      'airbyte/bootloader:2.3.0',
    ],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: {
        global: { edition: 'community' },
        server: {
          replicaCount: 1,
          resources: {
            requests: { cpu: '250m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        worker: { replicaCount: 1 },
        workloadLauncher: { replicaCount: 1 },
        webapp: { replicaCount: 1 },
      },
      medium: {
        global: { edition: 'community' },
        server: {
          replicaCount: 2,
          resources: {
            requests: { cpu: '500m', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        worker: {
          replicaCount: 2,
          resources: {
            requests: { cpu: '500m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        workloadLauncher: { replicaCount: 1 },
        webapp: { replicaCount: 2 },
      },
      large: {
        global: { edition: 'community' },
        server: {
          replicaCount: 3,
          resources: {
            requests: { cpu: '1', memory: '4Gi' },
            limits: { memory: '8Gi' },
          },
        },
        worker: {
          replicaCount: 4,
          resources: {
            requests: { cpu: '1', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        workloadLauncher: { replicaCount: 2 },
        webapp: { replicaCount: 2 },
      },
    },
    docsUrl:
      'https://docs.airbyte.com/platform/deploying-airbyte/chart-v2-community',
    sourceUrl:
      'https://github.com/airbytehq/airbyte-platform/tree/main/charts/v2/airbyte',
    tags: ['airbyte', 'elt', 'ingestion', 'connectors'],
  },

  // Verified: chart 1.22.0 added to the Airflow Helm repo index
  // (apache/airflow-site#1554, 2026-06-04); chart 1.22.0 declares
  // appVersion 3.2.2 (pinned stacks citing the chart's Chart.yaml). Chart.yaml
  // declares no kubeVersion.
  {
    id: 'airflow',
    title: 'Apache Airflow',
    description:
      'Workflow orchestrator: schedules and monitors DAGs of tasks, including dbt runs and Spark jobs.',
    layer: 'orchestrate',
    type: 'helm-chart',
    chart: {
      repository: 'https://airflow.apache.org',
      name: 'airflow',
      version: '1.22.0',
      appVersion: '3.2.2',
    },
    namespace: 'airflow',
    images: ['apache/airflow:3.2.2'],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: {
        executor: 'KubernetesExecutor',
        scheduler: {
          replicas: 1,
          resources: {
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '1Gi' },
          },
        },
        apiServer: { replicas: 1 },
        triggerer: { replicas: 1 },
        postgresql: { primary: { persistence: { size: '8Gi' } } },
      },
      medium: {
        executor: 'KubernetesExecutor',
        scheduler: {
          replicas: 2,
          resources: {
            requests: { cpu: '500m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        apiServer: { replicas: 2 },
        triggerer: { replicas: 1 },
        postgresql: { primary: { persistence: { size: '20Gi' } } },
      },
      large: {
        executor: 'KubernetesExecutor',
        scheduler: {
          replicas: 3,
          resources: {
            requests: { cpu: '1', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        apiServer: { replicas: 3 },
        triggerer: { replicas: 2 },
        postgresql: { primary: { persistence: { size: '50Gi' } } },
      },
    },
    docsUrl: 'https://airflow.apache.org/docs/helm-chart/1.22.0/',
    sourceUrl: 'https://github.com/apache/airflow/tree/main/chart',
    tags: ['airflow', 'orchestration', 'workflows', 'apache'],
  },

  // Verified: dagster-io/dagster helm/dagster/Chart.yaml (kubeVersion
  // '>= 1.18.0-0', chart and app versions equal the Dagster release);
  // 1.13.12 published to https://dagster-io.github.io/helm
  // (dagster-io/dagster#33983, 2026-07-07).
  {
    id: 'dagster',
    title: 'Dagster',
    description:
      'Asset-oriented data orchestrator with a web UI, daemon and code-location servers.',
    layer: 'orchestrate',
    type: 'helm-chart',
    chart: {
      repository: 'https://dagster-io.github.io/helm',
      name: 'dagster',
      version: '1.13.12',
      appVersion: '1.13.12',
    },
    namespace: 'dagster',
    kubeVersion: '>= 1.18.0-0',
    images: ['docker.io/dagster/dagster-celery-k8s:1.13.12'],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: {
        dagsterWebserver: {
          replicaCount: 1,
          resources: {
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '1Gi' },
          },
        },
        dagsterDaemon: {
          resources: {
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '1Gi' },
          },
        },
        postgresql: { enabled: true, persistence: { size: '8Gi' } },
      },
      medium: {
        dagsterWebserver: {
          replicaCount: 2,
          resources: {
            requests: { cpu: '500m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        dagsterDaemon: {
          resources: {
            requests: { cpu: '500m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        postgresql: { enabled: true, persistence: { size: '20Gi' } },
      },
      large: {
        dagsterWebserver: {
          replicaCount: 3,
          resources: {
            requests: { cpu: '1', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        dagsterDaemon: {
          resources: {
            requests: { cpu: '1', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        postgresql: { enabled: true, persistence: { size: '50Gi' } },
      },
    },
    docsUrl:
      'https://docs.dagster.io/deployment/oss/deployment-options/kubernetes/deploying-to-kubernetes',
    sourceUrl: 'https://github.com/dagster-io/dagster/tree/master/helm/dagster',
    tags: ['dagster', 'orchestration', 'assets'],
  },

  // Verified: PrefectHQ/prefect-helm charts/prefect-server/Chart.yaml (date-based
  // versions, appVersion and prefectTag pinned at package time); chart
  // 2025.9.5190948 paired with Prefect 3.4.17 in a pinned deployment. Newer
  // 2026 releases exist (e.g. 2026.6.1154549) but their appVersion was not
  // verified.
  {
    id: 'prefect',
    title: 'Prefect',
    description:
      'Python-native workflow orchestrator; self-hosted Prefect server with API and UI.',
    layer: 'orchestrate',
    type: 'helm-chart',
    chart: {
      repository: 'https://prefecthq.github.io/prefect-helm',
      name: 'prefect-server',
      version: '2025.9.5190948',
      appVersion: '3.4.17',
    },
    namespace: 'prefect',
    images: ['prefecthq/prefect:3.4.17-python3.11'],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: {
        server: {
          replicaCount: 1,
          resources: {
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '1Gi' },
          },
        },
        postgresql: { primary: { persistence: { size: '8Gi' } } },
      },
      medium: {
        server: {
          replicaCount: 2,
          resources: {
            requests: { cpu: '500m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        postgresql: { primary: { persistence: { size: '20Gi' } } },
      },
      large: {
        server: {
          replicaCount: 3,
          resources: {
            requests: { cpu: '1', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        postgresql: { primary: { persistence: { size: '50Gi' } } },
      },
    },
    docsUrl: 'https://docs.prefect.io/v3/advanced/server-helm',
    sourceUrl:
      'https://github.com/PrefectHQ/prefect-helm/tree/main/charts/prefect-server',
    tags: ['prefect', 'orchestration', 'python'],
  },

  // Verified: PyPI package list (dbt-core 1.12.6, dbt-clickhouse 1.10.3,
  // dbt-trino 1.11.0, dbt-spark 1.11.0 are the newest released versions).
  // Not deployed by Argo CD: rendered as a dbt project the orchestrator runs.
  {
    id: 'dbt',
    title: 'dbt',
    description:
      'SQL transformations as version-controlled code, run by the orchestrator against the warehouse through an adapter.',
    layer: 'transform',
    type: 'dbt-project',
    dbt: {
      coreVersion: '1.12.6',
      adapters: {
        clickhouse: { package: 'dbt-clickhouse', version: '1.10.3' },
        trino: { package: 'dbt-trino', version: '1.11.0' },
        spark: { package: 'dbt-spark', version: '1.11.0' },
      },
    },
    namespace: 'dbt',
    images: [],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: { threads: 4 },
      medium: { threads: 8 },
      large: { threads: 16 },
    },
    docsUrl: 'https://docs.getdbt.com/docs/core/installation-overview',
    sourceUrl: 'https://github.com/dbt-labs/dbt-core',
    tags: ['dbt', 'transformation', 'sql', 'analytics-engineering'],
  },

  // Verified: Altinity/clickhouse-operator releases (release-0.27.3,
  // 2026-08-11; 0.28.0 is only on master); deploy/helm/clickhouse-operator
  // Chart.yaml (name altinity-clickhouse-operator, version == appVersion),
  // values.yaml and templates/_helpers.tpl (fullname = <release>-<chart>).
  {
    id: 'clickhouse',
    title: 'ClickHouse (Altinity operator)',
    description:
      'Column-oriented OLAP database, run as ClickHouseInstallation resources managed by the Altinity ClickHouse operator.',
    layer: 'store',
    type: 'helm-chart',
    chart: {
      repository: 'https://docs.altinity.com/clickhouse-operator/',
      name: 'altinity-clickhouse-operator',
      version: '0.27.3',
      appVersion: '0.27.3',
    },
    namespace: 'clickhouse',
    images: [
      'altinity/clickhouse-operator:0.27.3',
      'altinity/metrics-exporter:0.27.3',
    ],
    crds: [
      {
        group: 'clickhouse.altinity.com',
        version: 'v1',
        kind: 'ClickHouseInstallation',
      },
      {
        group: 'clickhouse.altinity.com',
        version: 'v1',
        kind: 'ClickHouseInstallationTemplate',
      },
      {
        group: 'clickhouse.altinity.com',
        version: 'v1',
        kind: 'ClickHouseOperatorConfiguration',
      },
      {
        group: 'clickhouse-keeper.altinity.com',
        version: 'v1',
        kind: 'ClickHouseKeeperInstallation',
      },
    ],
    operatorDeployment: 'clickhouse-altinity-clickhouse-operator',
    // Platform layer: deploy/helm/clickhouse-operator values.yaml
    // (configs.files.config.yaml watch.namespaces: an empty list watches
    // every namespace; rbac.namespaceScoped false keeps the ClusterRole).
    operator: {
      title: 'Altinity ClickHouse operator',
      namespace: 'clickhouse-operator',
      releaseName: 'clickhouse',
      deployment: 'clickhouse-altinity-clickhouse-operator',
      watchValues: {
        rbac: { namespaceScoped: false },
        configs: {
          files: { 'config.yaml': { watch: { namespaces: [] } } },
        },
      },
      clusterScoped: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      source:
        'Altinity/clickhouse-operator deploy/helm/clickhouse-operator values.yaml (watch.namespaces, rbac.namespaceScoped)',
    },
    // Instance: docs/chi-examples (configuration.clusters[].layout,
    // zookeeper.nodes) and docs/chk-examples/01-chi-simple-with-keeper.yaml
    // (a CHK named x is served as Service keeper-x on port 2181).
    instance: {
      type: 'clickhouse-installation',
      source:
        'Altinity/clickhouse-operator docs/chi-examples, docs/chk-examples/01-chi-simple-with-keeper.yaml',
      resources: [
        {
          group: 'clickhouse.altinity.com',
          kind: 'ClickHouseInstallation',
          versions: [
            {
              version: 'v1',
              operator: '>=0.18.0',
              source: 'curated: Altinity operator 0.18.0 (CRD v1)',
            },
          ],
        },
        {
          group: 'clickhouse-keeper.altinity.com',
          kind: 'ClickHouseKeeperInstallation',
          versions: [
            {
              version: 'v1',
              operator: '>=0.24.0',
              source:
                'curated: Altinity operator 0.24.0 release notes (ClickHouseKeeperInstallation with the CHI layout)',
            },
          ],
        },
      ],
      sizes: {
        small: {
          image: 'clickhouse/clickhouse-server:25.8',
          cluster: 'main',
          shards: 1,
          replicas: 1,
          storage: { size: '20Gi' },
          resources: {
            requests: { cpu: '500m', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
          keeper: {
            image: 'clickhouse/clickhouse-keeper:25.8',
            replicas: 1,
            storage: { size: '5Gi' },
          },
        },
        medium: {
          image: 'clickhouse/clickhouse-server:25.8',
          cluster: 'main',
          shards: 1,
          replicas: 2,
          storage: { size: '100Gi' },
          resources: {
            requests: { cpu: '2', memory: '8Gi' },
            limits: { memory: '8Gi' },
          },
          keeper: {
            image: 'clickhouse/clickhouse-keeper:25.8',
            replicas: 3,
            storage: { size: '10Gi' },
          },
        },
        large: {
          image: 'clickhouse/clickhouse-server:25.8',
          cluster: 'main',
          shards: 3,
          replicas: 2,
          storage: { size: '500Gi' },
          resources: {
            requests: { cpu: '8', memory: '32Gi' },
            limits: { memory: '32Gi' },
          },
          keeper: {
            image: 'clickhouse/clickhouse-keeper:25.8',
            replicas: 3,
            storage: { size: '20Gi' },
          },
        },
      },
    },
    requires: [],
    conflicts: [],
    values: {
      small: {
        operator: {
          resources: {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { memory: '256Mi' },
          },
        },
        metrics: { enabled: true },
      },
      medium: {
        operator: {
          resources: {
            requests: { cpu: '200m', memory: '256Mi' },
            limits: { memory: '512Mi' },
          },
        },
        metrics: {
          enabled: true,
          resources: {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { memory: '256Mi' },
          },
        },
      },
      large: {
        operator: {
          resources: {
            requests: { cpu: '500m', memory: '512Mi' },
            limits: { memory: '1Gi' },
          },
        },
        metrics: {
          enabled: true,
          resources: {
            requests: { cpu: '200m', memory: '256Mi' },
            limits: { memory: '512Mi' },
          },
        },
      },
    },
    docsUrl: 'https://docs.altinity.com/altinitykubernetesoperator/',
    sourceUrl:
      'https://github.com/Altinity/clickhouse-operator/tree/master/deploy/helm/clickhouse-operator',
    tags: ['clickhouse', 'olap', 'warehouse', 'operator', 'altinity'],
  },

  // Verified: https://trinodb.github.io/charts/index.yaml via a pinned stack
  // citing it (trino 1.42.2, appVersion "480", published 2026-05-01); helm
  // search output in trinodb/charts#415 (1.42.1 / 479); charts/trino/Chart.yaml.
  {
    id: 'trino',
    title: 'Trino',
    description:
      'Distributed SQL query engine federating queries over object storage, lakehouse tables and databases.',
    layer: 'store',
    type: 'helm-chart',
    chart: {
      repository: 'https://trinodb.github.io/charts',
      name: 'trino',
      version: '1.42.2',
      appVersion: '480',
    },
    namespace: 'trino',
    images: ['trinodb/trino:480'],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: {
        server: { workers: 1, config: { query: { maxMemory: '2GB' } } },
        coordinator: {
          jvm: { maxHeapSize: '2G' },
          resources: {
            requests: { cpu: '500m', memory: '3Gi' },
            limits: { memory: '3Gi' },
          },
        },
        worker: {
          jvm: { maxHeapSize: '2G' },
          resources: {
            requests: { cpu: '500m', memory: '3Gi' },
            limits: { memory: '3Gi' },
          },
        },
      },
      medium: {
        server: { workers: 3, config: { query: { maxMemory: '12GB' } } },
        coordinator: {
          jvm: { maxHeapSize: '6G' },
          resources: {
            requests: { cpu: '2', memory: '8Gi' },
            limits: { memory: '8Gi' },
          },
        },
        worker: {
          jvm: { maxHeapSize: '6G' },
          resources: {
            requests: { cpu: '2', memory: '8Gi' },
            limits: { memory: '8Gi' },
          },
        },
      },
      large: {
        server: { workers: 8, config: { query: { maxMemory: '96GB' } } },
        coordinator: {
          jvm: { maxHeapSize: '12G' },
          resources: {
            requests: { cpu: '4', memory: '16Gi' },
            limits: { memory: '16Gi' },
          },
        },
        worker: {
          jvm: { maxHeapSize: '24G' },
          resources: {
            requests: { cpu: '8', memory: '32Gi' },
            limits: { memory: '32Gi' },
          },
        },
      },
    },
    docsUrl: 'https://trino.io/docs/current/installation/kubernetes.html',
    sourceUrl: 'https://github.com/trinodb/charts',
    tags: ['trino', 'sql', 'query-engine', 'lakehouse'],
  },

  // Verified: chart/release archive spark-operator-2.5.2.tgz at
  // github.com/kubeflow/spark-operator/releases/download/v2.5.2 (chart version
  // == appVersion since 2.x); image ghcr.io/kubeflow/spark-operator/controller;
  // crds/ in charts/spark-operator-chart; templates/_helpers.tpl (fullname =
  // <release>-spark-operator, controller Deployment = <fullname>-controller).
  {
    id: 'spark',
    title: 'Apache Spark (Kubeflow Spark operator)',
    description:
      'Runs Apache Spark batch and streaming applications declared as SparkApplication resources.',
    layer: 'store',
    type: 'helm-chart',
    chart: {
      repository: 'https://kubeflow.github.io/spark-operator',
      name: 'spark-operator',
      version: '2.5.2',
      appVersion: '2.5.2',
    },
    namespace: 'spark',
    images: ['ghcr.io/kubeflow/spark-operator/controller:2.5.2'],
    crds: [
      {
        group: 'sparkoperator.k8s.io',
        version: 'v1beta2',
        kind: 'SparkApplication',
      },
      {
        group: 'sparkoperator.k8s.io',
        version: 'v1beta2',
        kind: 'ScheduledSparkApplication',
      },
      {
        group: 'sparkoperator.k8s.io',
        version: 'v1alpha1',
        kind: 'SparkConnect',
      },
    ],
    operatorDeployment: 'spark-spark-operator-controller',
    // Platform layer: charts/spark-operator-chart values.yaml
    // (spark.jobNamespaces: "If empty string is included, all namespaces
    // will be allowed"; the chart then creates the drivers' service account
    // and Role in no tenant namespace, so the instance brings them:
    // templates/spark/rbac.yaml).
    operator: {
      title: 'Kubeflow Spark operator',
      namespace: 'spark-operator',
      releaseName: 'spark',
      deployment: 'spark-spark-operator-controller',
      watchValues: { spark: { jobNamespaces: [''] } },
      clusterScoped: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
        {
          group: 'admissionregistration.k8s.io',
          kind: 'MutatingWebhookConfiguration',
        },
        {
          group: 'admissionregistration.k8s.io',
          kind: 'ValidatingWebhookConfiguration',
        },
      ],
      source:
        'kubeflow/spark-operator charts/spark-operator-chart values.yaml (spark.jobNamespaces)',
    },
    // Instance: the Role of templates/spark/rbac.yaml in the pipeline
    // namespace and examples/spark-pi.yaml as the job the orchestrator runs.
    instance: {
      type: 'spark-namespace',
      source:
        'kubeflow/spark-operator charts/spark-operator-chart/templates/spark/rbac.yaml, examples/spark-pi.yaml',
      resources: [
        {
          group: 'sparkoperator.k8s.io',
          kind: 'SparkApplication',
          versions: [
            {
              version: 'v1beta2',
              operator: '>=1.1.0',
              source:
                'curated: kubeflow/spark-operator chart 1.1.0 (v1beta2 CRDs)',
            },
          ],
        },
      ],
      sizes: {
        small: {
          serviceAccount: 'spark',
          example: {
            image: 'docker.io/library/spark:4.0.0',
            sparkVersion: '4.0.0',
            mainClass: 'org.apache.spark.examples.SparkPi',
            mainApplicationFile:
              'local:///opt/spark/examples/jars/spark-examples.jar',
            arguments: ['1000'],
            driver: { cores: 1, memory: '512m' },
            executor: { instances: 1, cores: 1, memory: '512m' },
          },
        },
        medium: {
          serviceAccount: 'spark',
          example: {
            image: 'docker.io/library/spark:4.0.0',
            sparkVersion: '4.0.0',
            mainClass: 'org.apache.spark.examples.SparkPi',
            mainApplicationFile:
              'local:///opt/spark/examples/jars/spark-examples.jar',
            arguments: ['1000'],
            driver: { cores: 1, memory: '1g' },
            executor: { instances: 2, cores: 2, memory: '2g' },
          },
        },
        large: {
          serviceAccount: 'spark',
          example: {
            image: 'docker.io/library/spark:4.0.0',
            sparkVersion: '4.0.0',
            mainClass: 'org.apache.spark.examples.SparkPi',
            mainApplicationFile:
              'local:///opt/spark/examples/jars/spark-examples.jar',
            arguments: ['1000'],
            driver: { cores: 2, memory: '4g' },
            executor: { instances: 8, cores: 4, memory: '8g' },
          },
        },
      },
    },
    requires: [],
    conflicts: [],
    values: {
      small: {
        controller: {
          replicas: 1,
          workers: 10,
          resources: {
            requests: { cpu: '100m', memory: '300Mi' },
            limits: { memory: '512Mi' },
          },
        },
        webhook: { enable: true, replicas: 1 },
      },
      medium: {
        controller: {
          replicas: 1,
          workers: 20,
          resources: {
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '1Gi' },
          },
        },
        webhook: { enable: true, replicas: 2 },
      },
      large: {
        controller: {
          replicas: 2,
          workers: 40,
          resources: {
            requests: { cpu: '500m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        webhook: { enable: true, replicas: 3 },
      },
    },
    docsUrl: 'https://www.kubeflow.org/docs/components/spark-operator/',
    sourceUrl:
      'https://github.com/kubeflow/spark-operator/tree/master/charts/spark-operator-chart',
    tags: ['spark', 'batch', 'operator', 'kubeflow'],
  },

  // Verified: Strimzi 1.2.0 (scholzj/strimzi-go#15 "Update to Strimzi 1.2.0");
  // chart published at oci://quay.io/strimzi-helm/strimzi-kafka-operator;
  // 1.x serves every Strimzi CRD at v1 (StrimziPodSet at core.strimzi.io/v1;
  // kafka.strimzi.io/v1beta2 removed in 1.0.0). Kubernetes >= 1.30 is
  // documented for 0.51+, not declared in Chart.yaml.
  {
    id: 'kafka',
    title: 'Apache Kafka (Strimzi)',
    description:
      'Event streaming: Kafka clusters, topics and users declared as Strimzi custom resources.',
    layer: 'stream',
    type: 'helm-chart',
    chart: {
      repository: 'oci://quay.io/strimzi-helm',
      name: 'strimzi-kafka-operator',
      version: '1.2.0',
      appVersion: '1.2.0',
    },
    namespace: 'kafka',
    kubeVersion: '>=1.30.0-0',
    images: ['quay.io/strimzi/operator:1.2.0'],
    crds: [
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'Kafka' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaNodePool' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaTopic' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaUser' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaConnect' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaConnector' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaMirrorMaker2' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaBridge' },
      { group: 'kafka.strimzi.io', version: 'v1', kind: 'KafkaRebalance' },
      { group: 'core.strimzi.io', version: 'v1', kind: 'StrimziPodSet' },
    ],
    operatorDeployment: 'strimzi-cluster-operator',
    // Platform layer: Strimzi's Helm chart README (watchAnyNamespace makes the
    // Cluster Operator watch every namespace, through ClusterRoleBindings it
    // creates). Served API versions: Strimzi 0.49.0 CHANGELOG (v1 added,
    // v1beta2 still served), 1.0.0 CHANGELOG (v1beta2 removed).
    operator: {
      title: 'Strimzi operator',
      namespace: 'strimzi',
      releaseName: 'kafka',
      deployment: 'strimzi-cluster-operator',
      watchValues: { watchAnyNamespace: true },
      clusterScoped: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      source:
        'strimzi/strimzi-kafka-operator helm-charts/helm3/strimzi-kafka-operator README (watchNamespaces, watchAnyNamespace)',
    },
    // Instance: examples/kafka/kafka-with-dual-role-nodes.yaml and
    // examples/kafka/kafka-with-node-pools.yaml (KRaft, KafkaNodePool with
    // roles and JBOD storage carrying the KRaft metadata), examples/topic/
    // kafka-topic.yaml (strimzi.io/cluster label) and
    // examples/metrics/prometheus-install/strimzi-pod-monitor.yaml.
    instance: {
      type: 'strimzi-kafka',
      source:
        'strimzi/strimzi-kafka-operator examples/kafka (node pools, KRaft), examples/topic',
      resources: ['Kafka', 'KafkaNodePool', 'KafkaTopic'].map(kind => ({
        group: 'kafka.strimzi.io',
        kind,
        versions: [
          {
            version: 'v1',
            operator: '>=0.49.0',
            source: 'curated: Strimzi 0.49.0 CHANGELOG (v1 API)',
          },
          {
            version: 'v1beta2',
            operator: '<1.0.0',
            source: 'curated: Strimzi 1.0.0 CHANGELOG (v1beta2 removed)',
          },
        ],
      })),
      metrics: {
        kind: 'PodMonitor',
        selector: {
          matchExpressions: [
            { key: 'strimzi.io/kind', operator: 'In', values: ['Kafka'] },
          ],
        },
        port: 'tcp-prometheus',
        path: '/metrics',
        source:
          'strimzi/strimzi-kafka-operator examples/metrics/prometheus-install/strimzi-pod-monitor.yaml',
      },
      sizes: {
        small: {
          nodePools: [
            {
              name: 'dual-role',
              roles: ['controller', 'broker'],
              replicas: 1,
              storage: { size: '10Gi' },
              resources: {
                requests: { cpu: '250m', memory: '1Gi' },
                limits: { memory: '1Gi' },
              },
            },
          ],
          listeners: [
            { name: 'plain', port: 9092, type: 'internal', tls: false },
            { name: 'tls', port: 9093, type: 'internal', tls: true },
          ],
          config: {
            'offsets.topic.replication.factor': 1,
            'transaction.state.log.replication.factor': 1,
            'transaction.state.log.min.isr': 1,
            'default.replication.factor': 1,
            'min.insync.replicas': 1,
          },
          topics: { partitions: 3, replicas: 1, config: {} },
        },
        medium: {
          nodePools: [
            {
              name: 'dual-role',
              roles: ['controller', 'broker'],
              replicas: 3,
              storage: { size: '50Gi' },
              resources: {
                requests: { cpu: '1', memory: '4Gi' },
                limits: { memory: '4Gi' },
              },
            },
          ],
          listeners: [
            { name: 'plain', port: 9092, type: 'internal', tls: false },
            { name: 'tls', port: 9093, type: 'internal', tls: true },
          ],
          config: {
            'offsets.topic.replication.factor': 3,
            'transaction.state.log.replication.factor': 3,
            'transaction.state.log.min.isr': 2,
            'default.replication.factor': 3,
            'min.insync.replicas': 2,
          },
          topics: {
            partitions: 6,
            replicas: 3,
            config: { 'min.insync.replicas': 2 },
          },
        },
        large: {
          nodePools: [
            {
              name: 'controllers',
              roles: ['controller'],
              replicas: 3,
              storage: { size: '20Gi' },
              resources: {
                requests: { cpu: '500m', memory: '2Gi' },
                limits: { memory: '2Gi' },
              },
            },
            {
              name: 'brokers',
              roles: ['broker'],
              replicas: 5,
              storage: { size: '500Gi' },
              resources: {
                requests: { cpu: '4', memory: '16Gi' },
                limits: { memory: '16Gi' },
              },
            },
          ],
          listeners: [
            { name: 'plain', port: 9092, type: 'internal', tls: false },
            { name: 'tls', port: 9093, type: 'internal', tls: true },
          ],
          config: {
            'offsets.topic.replication.factor': 3,
            'transaction.state.log.replication.factor': 3,
            'transaction.state.log.min.isr': 2,
            'default.replication.factor': 3,
            'min.insync.replicas': 2,
          },
          topics: {
            partitions: 12,
            replicas: 3,
            config: { 'min.insync.replicas': 2 },
          },
        },
      },
    },
    requires: [
      {
        componentId: 'observability',
        range: '>=9.0.0',
        reason:
          'Kafka metrics are scraped through PodMonitor resources (monitoring.coreos.com/v1) whose CRD kube-prometheus-stack installs; observability must be deployed first when both are in the pipeline.',
        source:
          'curated: Strimzi examples/metrics/prometheus-install/strimzi-pod-monitor.yaml',
      },
    ],
    conflicts: [],
    upgradeHops: [
      {
        from: '<0.49.0',
        to: '>=1.0.0',
        via: '>=0.49.0 <1.0.0',
        reason:
          'Strimzi 1.x serves only the v1 API: run 0.49 or later first and convert every Strimzi resource to kafka.strimzi.io/v1 with the v1 API conversion tool.',
        source:
          'curated: Strimzi 0.49.0 CHANGELOG (v1 API, conversion tool) and 1.0.0 CHANGELOG (v1beta2 removed)',
      },
    ],
    breakingNotes: [
      {
        versions: '>=1.0.0',
        note: 'kafka.strimzi.io/v1beta2 is no longer served: resources still stored at v1beta2 must be converted before the operator is upgraded.',
        source: 'curated: Strimzi 1.0.0 CHANGELOG',
      },
    ],
    values: {
      small: {
        replicas: 1,
        resources: {
          requests: { cpu: '200m', memory: '384Mi' },
          limits: { memory: '384Mi' },
        },
      },
      medium: {
        replicas: 1,
        resources: {
          requests: { cpu: '500m', memory: '512Mi' },
          limits: { memory: '768Mi' },
        },
      },
      large: {
        replicas: 2,
        resources: {
          requests: { cpu: '1', memory: '1Gi' },
          limits: { memory: '1536Mi' },
        },
      },
    },
    docsUrl: 'https://strimzi.io/docs/operators/latest/deploying',
    sourceUrl:
      'https://github.com/strimzi/strimzi-kafka-operator/tree/main/helm-charts/helm3/strimzi-kafka-operator',
    tags: ['kafka', 'strimzi', 'streaming', 'operator'],
  },

  // Verified: Flink Kubernetes Operator 1.15.0 release announcement; chart
  // helm/flink-kubernetes-operator (version == appVersion, crds/ holds
  // FlinkDeployment, FlinkSessionJob, FlinkStateSnapshot,
  // FlinkBlueGreenDeployment; values.yaml keys). The Deployment is named after
  // the chart, not the release.
  {
    id: 'flink',
    title: 'Apache Flink (Kubernetes operator)',
    description:
      'Stateful stream processing: Flink applications and session jobs managed by the Flink Kubernetes operator.',
    layer: 'stream',
    type: 'helm-chart',
    chart: {
      repository:
        'https://downloads.apache.org/flink/flink-kubernetes-operator-1.15.0/',
      name: 'flink-kubernetes-operator',
      version: '1.15.0',
      appVersion: '1.15.0',
    },
    namespace: 'flink',
    images: ['apache/flink-kubernetes-operator:1.15.0'],
    crds: [
      {
        group: 'flink.apache.org',
        version: 'v1beta1',
        kind: 'FlinkDeployment',
      },
      {
        group: 'flink.apache.org',
        version: 'v1beta1',
        kind: 'FlinkSessionJob',
      },
      {
        group: 'flink.apache.org',
        version: 'v1beta1',
        kind: 'FlinkStateSnapshot',
      },
      {
        group: 'flink.apache.org',
        version: 'v1beta1',
        kind: 'FlinkBlueGreenDeployment',
      },
    ],
    operatorDeployment: 'flink-kubernetes-operator',
    // Platform layer: helm/flink-kubernetes-operator values.yaml
    // (watchNamespaces empty = every namespace, through a ClusterRole;
    // the admission webhook needs cert-manager, which the platform layer
    // does not install). The chart creates the jobs' `flink` service account
    // only in the namespaces it lists, so the instance brings its own
    // (templates/rbac/_helpers.tpl jobRbacRules).
    operator: {
      title: 'Flink Kubernetes operator',
      namespace: 'flink-operator',
      releaseName: 'flink',
      deployment: 'flink-kubernetes-operator',
      watchValues: { watchNamespaces: [], webhook: { create: false } },
      clusterScoped: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      source:
        'apache/flink-kubernetes-operator helm/flink-kubernetes-operator values.yaml (watchNamespaces, webhook.create)',
    },
    // Instance: examples/basic-session-deployment-only.yaml (a FlinkDeployment
    // without `job` is a session cluster); metrics through Flink's
    // PrometheusReporter (docs/operations/metrics-logging.md).
    instance: {
      type: 'flink-session',
      source:
        'apache/flink-kubernetes-operator examples/basic-session-deployment-only.yaml',
      resources: [
        {
          group: 'flink.apache.org',
          kind: 'FlinkDeployment',
          versions: [
            {
              version: 'v1beta1',
              operator: '>=1.0.0',
              source: 'curated: Flink Kubernetes Operator 1.0.0 release',
            },
          ],
        },
      ],
      metrics: {
        kind: 'PodMonitor',
        selector: { matchLabels: { type: 'flink-native-kubernetes' } },
        port: 'metrics',
        path: '/',
        source:
          'apache/flink-kubernetes-operator docs/content/docs/operations/metrics-logging.md (PrometheusReporter)',
      },
      sizes: {
        small: {
          image: 'flink:1.20',
          flinkVersion: 'v1_20',
          serviceAccount: 'flink',
          jobManager: { replicas: 1, resource: { cpu: 0.5, memory: '1024m' } },
          taskManager: { replicas: 1, resource: { cpu: 1, memory: '2048m' } },
          taskSlots: 2,
          flinkConfiguration: {},
        },
        medium: {
          image: 'flink:1.20',
          flinkVersion: 'v1_20',
          serviceAccount: 'flink',
          jobManager: { replicas: 1, resource: { cpu: 1, memory: '2048m' } },
          taskManager: { replicas: 2, resource: { cpu: 2, memory: '4096m' } },
          taskSlots: 4,
          flinkConfiguration: {},
        },
        large: {
          image: 'flink:1.20',
          flinkVersion: 'v1_20',
          serviceAccount: 'flink',
          jobManager: { replicas: 1, resource: { cpu: 2, memory: '4096m' } },
          taskManager: { replicas: 4, resource: { cpu: 4, memory: '8192m' } },
          taskSlots: 8,
          flinkConfiguration: {},
        },
      },
    },
    requires: [
      {
        componentId: 'kafka',
        range: '>=0.45.0',
        reason:
          'The Flink jobs Datastack renders read from a KRaft-mode Strimzi Kafka cluster running Kafka 3.9 or newer; Strimzi supports Kafka 3.9 from 0.45.0.',
        source: 'curated: Strimzi CHANGELOG 0.45.0 (support for Kafka 3.9.0)',
      },
    ],
    conflicts: [],
    values: {
      small: {
        replicas: 1,
        operatorPod: {
          resources: {
            requests: { cpu: '250m', memory: '512Mi' },
            limits: { memory: '512Mi' },
          },
        },
      },
      medium: {
        replicas: 1,
        operatorPod: {
          resources: {
            requests: { cpu: '500m', memory: '1Gi' },
            limits: { memory: '1Gi' },
          },
        },
      },
      large: {
        replicas: 1,
        operatorPod: {
          resources: {
            requests: { cpu: '1', memory: '2Gi' },
            limits: { memory: '2Gi' },
          },
        },
      },
    },
    docsUrl:
      'https://nightlies.apache.org/flink/flink-kubernetes-operator-docs-release-1.15/',
    sourceUrl:
      'https://github.com/apache/flink-kubernetes-operator/tree/main/helm/flink-kubernetes-operator',
    tags: ['flink', 'streaming', 'operator', 'apache'],
  },

  // Verified: apache/superset helm/superset/Chart.yaml (version 0.22.8,
  // appVersion "6.1.0", deprecated: true; apache/superset#40862, 2026-06-08)
  // and values.yaml keys (supersetNode/supersetWorker.replicas.replicaCount).
  {
    id: 'superset',
    title: 'Apache Superset',
    description:
      'Business-intelligence web application: SQL lab, charts and dashboards over the warehouse.',
    layer: 'visualise',
    type: 'helm-chart',
    chart: {
      repository: 'https://apache.github.io/superset',
      name: 'superset',
      version: '0.22.8',
      appVersion: '6.1.0',
    },
    namespace: 'superset',
    images: ['apachesuperset.docker.scarf.sh/apache/superset:6.1.0'],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: {
        supersetNode: {
          replicas: { enabled: true, replicaCount: 1 },
          resources: {
            requests: { cpu: '250m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        supersetWorker: {
          replicas: { enabled: true, replicaCount: 1 },
          resources: {
            requests: { cpu: '250m', memory: '1Gi' },
            limits: { memory: '2Gi' },
          },
        },
        postgresql: { primary: { persistence: { size: '8Gi' } } },
      },
      medium: {
        supersetNode: {
          replicas: { enabled: true, replicaCount: 2 },
          resources: {
            requests: { cpu: '500m', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        supersetWorker: {
          replicas: { enabled: true, replicaCount: 2 },
          resources: {
            requests: { cpu: '500m', memory: '2Gi' },
            limits: { memory: '4Gi' },
          },
        },
        postgresql: { primary: { persistence: { size: '20Gi' } } },
      },
      large: {
        supersetNode: {
          replicas: { enabled: true, replicaCount: 4 },
          resources: {
            requests: { cpu: '1', memory: '4Gi' },
            limits: { memory: '8Gi' },
          },
        },
        supersetWorker: {
          replicas: { enabled: true, replicaCount: 4 },
          resources: {
            requests: { cpu: '1', memory: '4Gi' },
            limits: { memory: '8Gi' },
          },
        },
        postgresql: { primary: { persistence: { size: '50Gi' } } },
      },
    },
    docsUrl: 'https://superset.apache.org/docs/installation/kubernetes',
    sourceUrl: 'https://github.com/apache/superset/tree/master/helm/superset',
    tags: ['superset', 'bi', 'dashboards', 'apache'],
  },

  // Verified: pmint93/helm-charts charts/metabase/Chart.yaml and
  // pmint93/helm-charts#182 (2026-04-30: chart 2.27.2, appVersion v0.60.3.x).
  // No official Metabase chart exists; this is the maintained community chart.
  {
    id: 'metabase',
    title: 'Metabase',
    description:
      'Self-service business-intelligence: questions, dashboards and alerts over the warehouse.',
    layer: 'visualise',
    type: 'helm-chart',
    chart: {
      repository: 'https://pmint93.github.io/helm-charts',
      name: 'metabase',
      version: '2.27.2',
      appVersion: 'v0.60.3.x',
    },
    namespace: 'metabase',
    images: ['metabase/metabase:v0.60.3.x'],
    crds: [],
    requires: [],
    conflicts: [],
    values: {
      small: {
        replicaCount: 1,
        resources: {
          requests: { cpu: '250m', memory: '1Gi' },
          limits: { memory: '2Gi' },
        },
      },
      medium: {
        replicaCount: 1,
        resources: {
          requests: { cpu: '500m', memory: '2Gi' },
          limits: { memory: '3Gi' },
        },
      },
      large: {
        replicaCount: 1,
        resources: {
          requests: { cpu: '1', memory: '4Gi' },
          limits: { memory: '6Gi' },
        },
      },
    },
    docsUrl:
      'https://github.com/pmint93/helm-charts/tree/master/charts/metabase',
    sourceUrl: 'https://github.com/pmint93/helm-charts',
    tags: ['metabase', 'bi', 'dashboards'],
  },

  // Verified: prometheus-community/helm-charts#7152 (88.0.0 = operator
  // v0.93.0) and linode/apl-core#3526 (88.3.0 renders prometheus-operator
  // v0.93.0); image versions of 88.3.0 from a stack pinned to it; kubeVersion
  // from charts/kube-prometheus-stack/Chart.yaml; fullname truncated to 26
  // characters (templates/_helpers.tpl), hence the operator Deployment name.
  {
    id: 'observability',
    title: 'Prometheus & Grafana (kube-prometheus-stack)',
    description:
      'Cluster and pipeline monitoring: Prometheus operator, Prometheus, Alertmanager, Grafana, kube-state-metrics and node-exporter.',
    layer: 'observe',
    type: 'helm-chart',
    chart: {
      repository: 'https://prometheus-community.github.io/helm-charts',
      name: 'kube-prometheus-stack',
      version: '88.3.0',
      appVersion: 'v0.93.0',
    },
    namespace: 'observability',
    kubeVersion: '>=1.19.0-0',
    images: [
      'quay.io/prometheus-operator/prometheus-operator:v0.93.0',
      'quay.io/prometheus/prometheus:v3.13.2',
      'quay.io/prometheus/alertmanager:v0.33.1',
      'docker.io/grafana/grafana:13.1.3',
    ],
    crds: [
      { group: 'monitoring.coreos.com', version: 'v1', kind: 'Prometheus' },
      { group: 'monitoring.coreos.com', version: 'v1', kind: 'Alertmanager' },
      { group: 'monitoring.coreos.com', version: 'v1', kind: 'ServiceMonitor' },
      { group: 'monitoring.coreos.com', version: 'v1', kind: 'PodMonitor' },
      { group: 'monitoring.coreos.com', version: 'v1', kind: 'Probe' },
      { group: 'monitoring.coreos.com', version: 'v1', kind: 'PrometheusRule' },
      { group: 'monitoring.coreos.com', version: 'v1', kind: 'ThanosRuler' },
      {
        group: 'monitoring.coreos.com',
        version: 'v1alpha1',
        kind: 'AlertmanagerConfig',
      },
      {
        group: 'monitoring.coreos.com',
        version: 'v1alpha1',
        kind: 'PrometheusAgent',
      },
      {
        group: 'monitoring.coreos.com',
        version: 'v1alpha1',
        kind: 'ScrapeConfig',
      },
    ],
    operatorDeployment: 'observability-kube-prometh-operator',
    // Platform layer: charts/kube-prometheus-stack values.yaml
    // (*SelectorNilUsesHelmValues false: Prometheus selects the monitors of
    // every namespace, not only those labelled with the release) and the
    // grafana chart's sidecar.dashboards (label grafana_dashboard "1",
    // searchNamespace ALL, folderAnnotation with foldersFromFilesStructure).
    operator: {
      title: 'Prometheus operator (kube-prometheus-stack)',
      namespace: 'monitoring',
      releaseName: 'observability',
      deployment: 'observability-kube-prometh-operator',
      watchValues: {
        prometheus: {
          prometheusSpec: {
            podMonitorSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
          },
        },
        grafana: {
          sidecar: {
            dashboards: {
              enabled: true,
              label: 'grafana_dashboard',
              labelValue: '1',
              searchNamespace: 'ALL',
              folderAnnotation: 'grafana_folder',
              provider: { foldersFromFilesStructure: true },
            },
          },
        },
      },
      clusterScoped: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
        {
          group: 'admissionregistration.k8s.io',
          kind: 'MutatingWebhookConfiguration',
        },
        {
          group: 'admissionregistration.k8s.io',
          kind: 'ValidatingWebhookConfiguration',
        },
      ],
      source:
        'prometheus-community/helm-charts charts/kube-prometheus-stack values.yaml; grafana/helm-charts charts/grafana values.yaml (sidecar.dashboards)',
    },
    // Instance: a PodMonitor/ServiceMonitor per pipeline component that
    // exposes metrics (monitoring.coreos.com/v1) and the pipeline's Grafana
    // dashboard ConfigMap in its own folder.
    instance: {
      type: 'monitoring',
      source:
        'prometheus-operator/prometheus-operator Documentation/api-reference (PodMonitor, ServiceMonitor)',
      resources: ['PodMonitor', 'ServiceMonitor'].map(kind => ({
        group: 'monitoring.coreos.com',
        kind,
        versions: [
          {
            version: 'v1',
            operator: '>=9.0.0',
            source:
              'curated: kube-prometheus-stack 9.0.0 (prometheus-operator v0.38, monitoring.coreos.com/v1 CRDs)',
          },
        ],
      })),
      sizes: {
        small: { scrapeInterval: '60s' },
        medium: { scrapeInterval: '30s' },
        large: { scrapeInterval: '15s' },
      },
    },
    requires: [],
    conflicts: [],
    values: {
      small: {
        prometheus: {
          prometheusSpec: {
            replicas: 1,
            retention: '3d',
            resources: {
              requests: { cpu: '250m', memory: '1Gi' },
              limits: { memory: '2Gi' },
            },
            storageSpec: {
              volumeClaimTemplate: {
                spec: { resources: { requests: { storage: '10Gi' } } },
              },
            },
          },
        },
        alertmanager: { alertmanagerSpec: { replicas: 1 } },
        grafana: { replicas: 1, persistence: { enabled: false } },
      },
      medium: {
        prometheus: {
          prometheusSpec: {
            replicas: 1,
            retention: '7d',
            retentionSize: '18GiB',
            resources: {
              requests: { cpu: '500m', memory: '2Gi' },
              limits: { memory: '4Gi' },
            },
            storageSpec: {
              volumeClaimTemplate: {
                spec: { resources: { requests: { storage: '20Gi' } } },
              },
            },
          },
        },
        alertmanager: { alertmanagerSpec: { replicas: 2 } },
        grafana: { replicas: 1, persistence: { enabled: true, size: '5Gi' } },
      },
      large: {
        prometheus: {
          prometheusSpec: {
            replicas: 2,
            retention: '15d',
            retentionSize: '90GiB',
            resources: {
              requests: { cpu: '2', memory: '8Gi' },
              limits: { memory: '16Gi' },
            },
            storageSpec: {
              volumeClaimTemplate: {
                spec: { resources: { requests: { storage: '100Gi' } } },
              },
            },
          },
        },
        alertmanager: { alertmanagerSpec: { replicas: 3 } },
        grafana: { replicas: 1, persistence: { enabled: true, size: '10Gi' } },
      },
    },
    docsUrl:
      'https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack',
    sourceUrl: 'https://github.com/prometheus-community/helm-charts',
    tags: ['prometheus', 'grafana', 'alertmanager', 'monitoring', 'operator'],
  },
];
