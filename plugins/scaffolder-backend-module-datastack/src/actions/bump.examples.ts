import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Propose Trino 1.43.0 in every environment of the orders pipeline, whose GitOps repository is the local bare repository "orders" (the embedded default): only the branch is pushed.',
    example: yaml.stringify({
      steps: [
        {
          id: 'bump',
          action: 'datastack:gitops:bump',
          name: 'Propose the Trino upgrade',
          input: {
            repository: 'orders',
            pipeline: 'orders',
            componentId: 'trino',
            version: '1.43.0',
          },
        },
      ],
    }),
  },
  {
    description:
      'Propose Airflow 1.16.1 in staging and prod of a pipeline on GitHub, as a pull request with its own branch, title and description.',
    example: yaml.stringify({
      steps: [
        {
          id: 'bump',
          action: 'datastack:gitops:bump',
          name: 'Open the Airflow upgrade pull request',
          input: {
            repository: 'https://github.com/acme/clickstream-gitops.git',
            pipeline: 'clickstream',
            componentId: 'airflow',
            version: '1.16.1',
            environments: ['staging', 'prod'],
            branch: 'upgrade/airflow-1.16.1',
            baseBranch: 'main',
            title: 'Airflow chart 1.16.1 in staging and prod',
            description:
              'Fixes the scheduler liveness probe. Checked against the upgrade compatibility of the Datastack entity page.',
          },
        },
      ],
    }),
  },
];
