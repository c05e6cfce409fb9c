import { ConfigReader } from '@backstage/config';
import { readDeploymentConfig } from './deployment';
import { LocalGitRepositories } from './gitops/LocalGitRepositories';
import path from 'node:path';

const config = (datastack: object, database = { client: 'pg' }) =>
  new ConfigReader({ backend: { database }, datastack });

describe('readDeploymentConfig', () => {
  it('defaults to one replica with local repositories under .datastack/gitops', () => {
    expect(readDeploymentConfig(new ConfigReader({}))).toEqual({
      replicas: 1,
      localRepositories: true,
      localRoot: '.datastack/gitops',
    });
  });

  it('refuses several replicas with local repositories on a per-pod disk, naming the keys', () => {
    expect(() =>
      readDeploymentConfig(
        config({ replicas: 2, gitops: { localRoot: '/data/gitops' } }),
      ),
    ).toThrow(
      /^Invalid configuration at datastack\.replicas: is 2, but local GitOps repositories live in datastack\.gitops\.localRoot \("\/data\/gitops"\), a directory of one pod.*localRepositories: false.*localRootShared: true/,
    );
    // The default directory is a per-pod disk too.
    expect(() => readDeploymentConfig(config({ replicas: 3 }))).toThrow(
      /datastack\.gitops\.localRoot \("\.datastack\/gitops"\)/,
    );
  });

  it('accepts several replicas on a shared volume, or with local repositories off', () => {
    expect(
      readDeploymentConfig(
        config({
          replicas: 2,
          gitops: { localRoot: '/shared/gitops', localRootShared: true },
        }),
      ),
    ).toEqual({
      replicas: 2,
      localRepositories: true,
      localRoot: '/shared/gitops',
    });
    expect(
      readDeploymentConfig(
        config({ replicas: 2, gitops: { localRepositories: false } }),
      ).localRepositories,
    ).toBe(false);
  });

  it('refuses several replicas on SQLite', () => {
    expect(() =>
      readDeploymentConfig(
        config(
          { replicas: 2, gitops: { localRepositories: false } },
          { client: 'better-sqlite3' },
        ),
      ),
    ).toThrow(
      /datastack\.replicas: is 2, but backend\.database\.client is "better-sqlite3"/,
    );
  });

  it.each([0, 1.5, -1, 5000])('refuses %s replicas', replicas => {
    expect(() => readDeploymentConfig(config({ replicas }))).toThrow(
      /^Invalid configuration at datastack\.replicas: .* must be a whole number/,
    );
  });
});

describe('LocalGitRepositories.enabledFromConfig', () => {
  it('is undefined when local repositories are off, and rooted at localRoot otherwise', () => {
    expect(
      LocalGitRepositories.enabledFromConfig(
        config({ gitops: { localRepositories: false } }),
      ),
    ).toBeUndefined();
    expect(
      LocalGitRepositories.enabledFromConfig(
        config({ gitops: { localRoot: '/srv/gitops' } }),
      )?.root,
    ).toBe(path.resolve('/srv/gitops'));
  });
});
