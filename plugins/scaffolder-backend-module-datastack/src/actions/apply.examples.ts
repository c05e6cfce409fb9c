import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Apply what datastack:gitops:render wrote to the workspace root: the team's AppProject is checked (or created where datastack.tenancy.createProjects allows it), every existing Application must be this pipeline's, then the Applications are upserted in sync-wave order.",
    example: yaml.stringify({
      steps: [
        {
          id: 'apply',
          action: 'datastack:argocd:apply',
          name: 'Create the Argo CD Applications',
          input: {},
        },
      ],
    }),
  },
  {
    description:
      'Apply the Applications rendered into gitops/ and wait up to ten minutes until every one is Synced and Healthy.',
    example: yaml.stringify({
      steps: [
        {
          id: 'apply',
          action: 'datastack:argocd:apply',
          name: 'Deploy and wait',
          input: { sourcePath: 'gitops', wait: true, timeoutSeconds: 600 },
        },
      ],
    }),
  },
];
