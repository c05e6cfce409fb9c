import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'A batch pipeline: Airbyte ingests, dbt transforms in Trino, Airflow schedules it, Superset shows it, in dev and prod.',
    example: yaml.stringify({
      steps: [
        {
          id: 'render',
          action: 'datastack:gitops:render',
          name: 'Render the GitOps repository',
          input: {
            name: 'orders',
            owner: 'group:default/data-platform',
            repoUrl: 'https://github.com/acme/orders-gitops.git',
            components: [
              { id: 'airbyte' },
              { id: 'trino', values: { server: { workers: 3 } } },
              { id: 'dbt' },
              { id: 'airflow' },
              { id: 'superset' },
            ],
            environments: [
              {
                name: 'dev',
                argocdInstance: 'dev',
                cluster: { server: 'https://kubernetes.default.svc' },
              },
              {
                name: 'prod',
                argocdInstance: 'prod',
                cluster: { name: 'prod-eu-1' },
                size: 'large',
              },
            ],
          },
        },
      ],
    }),
  },
  {
    description:
      'A streaming pipeline rendered into a sub-directory of the workspace: a Strimzi Kafka cluster with two topics and a Flink session cluster, monitored, on the platform operators, manual sync.',
    example: yaml.stringify({
      steps: [
        {
          id: 'render',
          action: 'datastack:gitops:render',
          name: 'Render the GitOps repository',
          input: {
            name: 'clickstream',
            owner: 'group:default/streaming',
            repoUrl: 'https://gitlab.example.com/data/clickstream-gitops.git',
            targetPath: 'gitops',
            automatedSync: false,
            components: [
              { id: 'kafka', topics: ['clicks', 'sessions'] },
              { id: 'flink' },
              { id: 'observability' },
            ],
            environments: [
              {
                name: 'staging',
                argocdInstance: 'staging',
                cluster: { name: 'staging' },
                size: 'medium',
                values: 'kafka:\n  topics:\n    partitions: 6\n',
              },
            ],
          },
        },
      ],
    }),
  },
];
