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
          input: { location: 'local', localRepository: 'orders' },
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
  {
    description:
      "Create a new private GitHub repository and push the workspace to it, through Backstage's publish:github run by this step (location gitlab or gitea the same way, with publish:gitlab or publish:gitea). repoUrl is what RepoUrlPicker gives.",
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'datastack:gitops:publish',
          name: 'Publish the GitOps repository',
          input: {
            location: 'github',
            repoUrl: 'github.com?owner=acme&repo=orders-gitops',
            description: 'GitOps repository of the data pipeline orders',
            repoVisibility: 'private',
            commitMessage: 'Render the data pipeline orders with Datastack',
          },
        },
      ],
    }),
  },
];
