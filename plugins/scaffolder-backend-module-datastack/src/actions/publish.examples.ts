import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Publish the rendered workspace to a new bare repository under datastack.gitops.localRoot (the embedded default).',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'datastack:gitops:publish',
          name: 'Publish the GitOps repository',
          input: { localRepository: 'orders' },
        },
      ],
    }),
  },
  {
    description:
      'Publish a sub-directory of the workspace to an existing, empty repository on a git host, on a branch named gitops.',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'datastack:gitops:publish',
          name: 'Publish the GitOps repository',
          input: {
            repoUrl: 'https://gitea.example.com/data/clickstream-gitops.git',
            sourcePath: 'gitops',
            defaultBranch: 'gitops',
            commitMessage: 'Clickstream pipeline rendered by Datastack',
          },
        },
      ],
    }),
  },
];
