import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import os from 'node:os';
import path from 'node:path';
import { GitHostPolicy } from './hosts';
import { LocalGitRepositories } from './LocalGitRepositories';

const root = path.join(os.tmpdir(), 'datastack-hosts-test');
const policy = new GitHostPolicy({
  integrations: ScmIntegrations.fromConfig(
    new ConfigReader({
      integrations: {
        gitlab: [
          {
            host: 'gitlab.example.com',
            token: 't',
            apiBaseUrl: 'https://gitlab.example.com/api/v4',
          },
        ],
        gitea: [{ host: '10.0.0.5:3000', username: 'u', password: 'p' }],
      },
    }),
  ),
  repositories: new LocalGitRepositories(root),
});

describe('GitHostPolicy', () => {
  it.each([
    ['https://gitlab.example.com/data/orders.git', 'gitlab'],
    ['https://github.com/acme/orders.git', 'github'],
    ['http://10.0.0.5:3000/acme/orders.git', 'gitea'],
  ])('admits %s, a host with an integration', (url, integration) => {
    expect(policy.resolve(url, 'repoUrl')).toEqual(
      expect.objectContaining({ kind: 'remote', integration }),
    );
  });

  it('admits a local repository by URL, path or name', () => {
    const dir = path.join(root, 'orders.git');
    expect(policy.resolve(`file://${dir}`, 'repoUrl').kind).toBe('local');
    expect(policy.resolve(dir, 'repoUrl').kind).toBe('local');
    expect(policy.resolve('orders', 'repository', { allowName: true })).toEqual(
      {
        kind: 'local',
        name: 'orders',
        url: `file://${dir}`,
      },
    );
  });

  it.each([
    [
      'https://evil.example.net/x.git',
      /evil.example.net has no Backstage integration/,
    ],
    [
      'http://169.254.169.254/latest/meta-data',
      /169.254.169.254 has no Backstage integration/,
    ],
    [
      'http://10.0.0.6:3000/acme/orders.git',
      /10.0.0.6:3000 has no Backstage integration/,
    ],
    [
      'http://127.0.0.1:7007/api/x.git',
      /127.0.0.1:7007 has no Backstage integration/,
    ],
    ['ssh://git@github.com/acme/orders.git', /uses ssh:\/\//],
    ['git@github.com:acme/orders.git', /must be an http\(s\) clone URL/],
    ['file:///etc/passwd', /not a repository under datastack.gitops.localRoot/],
    [
      `file://${root}/../other/x.git`,
      /not a repository under datastack.gitops.localRoot/,
    ],
    [
      'https://user:secret@github.com/acme/orders.git',
      /must not carry credentials/,
    ],
    ['https://github.com/acme/orders.git?x=1', /without a query/],
    ['https://github.com/acme/ orders.git', /must not contain spaces/],
    ['', /repoUrl is required/],
  ])('refuses %s before any request', (url, message) => {
    expect(() => policy.resolve(url, 'repoUrl')).toThrow(InputError);
    expect(() => policy.resolve(url, 'repoUrl')).toThrow(message);
  });

  it('never echoes credentials in its error', () => {
    expect(() =>
      policy.resolve('https://user:secret@github.com/a/b.git', 'repoUrl'),
    ).not.toThrow(/secret/);
  });

  it('refuses a bare name unless asked to accept one', () => {
    expect(() => policy.resolve('orders', 'repoUrl')).toThrow(InputError);
  });

  it('refuses local repositories where there is no local root', () => {
    const remoteOnly = new GitHostPolicy({
      integrations: ScmIntegrations.fromConfig(new ConfigReader({})),
    });
    expect(() =>
      remoteOnly.resolve(`file://${root}/orders.git`, 'repoUrl'),
    ).toThrow(/local repositories are not available here/);
  });
});
