import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Every operator Datastack knows on the cluster Argo CD runs in, for the dev instance.',
    example: yaml.stringify({
      steps: [
        {
          id: 'render',
          action: 'datastack:platform:render',
          name: 'Render the cluster add-ons repository',
          input: {
            name: 'platform-operators',
            owner: 'group:default/platform',
            repoUrl: 'https://git.example.com/platform/cluster-addons.git',
            operators: [
              'observability',
              'kafka',
              'flink',
              'clickhouse',
              'spark',
            ],
            clusters: [
              { argocdInstance: 'dev', cluster: { name: 'in-cluster' } },
            ],
          },
        },
      ],
    }),
  },
  {
    description:
      'Strimzi pinned to 0.49.1 and the Prometheus stack on two production clusters of one Argo CD instance, sized large.',
    example: yaml.stringify({
      steps: [
        {
          id: 'render',
          action: 'datastack:platform:render',
          name: 'Render the cluster add-ons repository',
          input: {
            name: 'prod-addons',
            owner: 'group:default/platform',
            repoUrl: 'https://gitea.example.com/platform/prod-addons.git',
            repoRevision: 'main',
            operators: ['kafka', 'observability'],
            versions: { kafka: '0.49.1' },
            clusters: [
              {
                argocdInstance: 'prod',
                cluster: { server: 'https://prod-eu-1.k8s.example.com:6443' },
                size: 'large',
              },
              {
                argocdInstance: 'prod',
                cluster: { name: 'prod-us-1' },
                size: 'large',
              },
            ],
          },
        },
      ],
    }),
  },
];
