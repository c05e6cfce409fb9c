import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import {
  GitHostPolicy,
  LocalGitRepositories,
} from '@datastack/plugin-datastack-node';

/**
 * The git hosts the action tests may name: the integrations a platform
 * would configure (github.com by default, a GitLab and a Gitea), and the
 * local default when a root is given.
 */
export function testGitHosts(repositories?: LocalGitRepositories) {
  return new GitHostPolicy({
    integrations: ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          gitlab: [
            {
              host: 'gitlab.example.com',
              apiBaseUrl: 'https://gitlab.example.com/api/v4',
            },
          ],
          gitea: [
            { host: 'git.example.com' },
            { host: 'gitea.example.com' },
            { host: 'gitea.com' },
          ],
        },
      }),
    ),
    repositories,
  });
}
