import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Check the pipeline datastack:gitops:render wrote to the workspace root before it is published: the owner, the catalog names, the Argo CD AppProject and Applications, and the platform operators on every cluster.',
    example: yaml.stringify({
      steps: [
        {
          id: 'preflight',
          action: 'datastack:pipeline:preflight',
          name: 'Check ownership and the platform layer',
          input: {},
        },
      ],
    }),
  },
  {
    description: 'The same, for a pipeline rendered into gitops/.',
    example: yaml.stringify({
      steps: [
        {
          id: 'preflight',
          action: 'datastack:pipeline:preflight',
          name: 'Pre-flight',
          input: { sourcePath: 'gitops' },
        },
      ],
    }),
  },
];
