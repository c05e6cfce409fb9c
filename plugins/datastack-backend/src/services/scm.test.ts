import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { blobUrl, commitUrl } from './scm';

const integrations = ScmIntegrations.fromConfig(
  new ConfigReader({
    integrations: {
      gitea: [{ host: 'gitea.example.com' }],
      bitbucketServer: [{ host: 'bitbucket.example.com' }],
      gitlab: [
        {
          host: 'gitlab.example.com',
          apiBaseUrl: 'https://gitlab.example.com/api/v4',
        },
      ],
    },
  }),
);
const SHA = '9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912';

describe('commitUrl', () => {
  it.each([
    [
      'https://github.com/acme/gitops.git',
      `https://github.com/acme/gitops/commit/${SHA}`,
    ],
    [
      'git@github.com:acme/gitops.git',
      `https://github.com/acme/gitops/commit/${SHA}`,
    ],
    [
      'https://gitlab.example.com/data/gitops',
      `https://gitlab.example.com/data/gitops/-/commit/${SHA}`,
    ],
    [
      'https://gitea.example.com/data/gitops.git',
      `https://gitea.example.com/data/gitops/commit/${SHA}`,
    ],
    [
      'https://bitbucket.example.com/scm/data/gitops.git',
      `https://bitbucket.example.com/scm/data/gitops/commits/${SHA}`,
    ],
    ['https://git.unknown.example.com/gitops.git', undefined],
    ['file:///srv/gitops/orders.git', undefined],
  ])('%s', (repoURL, expected) => {
    expect(commitUrl(integrations, repoURL, SHA)).toBe(expected);
  });

  it('links only commit SHAs, not branches or chart versions', () => {
    expect(
      commitUrl(integrations, 'https://github.com/a/b', 'main'),
    ).toBeUndefined();
    expect(
      commitUrl(integrations, 'https://github.com/a/b', '1.2.0'),
    ).toBeUndefined();
  });
});

describe('blobUrl', () => {
  it.each([
    [
      'file:///srv/gitops/orders.git',
      'HEAD',
      'file:///srv/gitops/orders.git/-/blob/HEAD/components/trino/values.yaml',
    ],
    [
      'https://github.com/acme/gitops.git',
      'main',
      'https://github.com/acme/gitops/blob/main/components/trino/values.yaml',
    ],
    [
      'https://gitlab.example.com/data/gitops.git',
      'main',
      'https://gitlab.example.com/data/gitops/-/blob/main/components/trino/values.yaml',
    ],
    [
      'https://gitea.example.com/data/gitops',
      'main',
      'https://gitea.example.com/data/gitops/src/branch/main/components/trino/values.yaml',
    ],
    ['https://git.unknown.example.com/gitops.git', 'main', undefined],
  ])('%s at %s', (repoURL, revision, expected) => {
    expect(
      blobUrl(integrations, {
        repoURL,
        revision,
        path: 'components/trino/values.yaml',
      }),
    ).toBe(expected);
  });
});
