import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Apply what datastack:gitops:render wrote to the workspace root, creating the AppProject when it is missing.',
    example: yaml.stringify({
      steps: [
        {
          id: 'apply',
          action: 'datastack:argocd:apply',
          name: 'Create the Argo CD Applications',
          input: { createProject: true },
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
