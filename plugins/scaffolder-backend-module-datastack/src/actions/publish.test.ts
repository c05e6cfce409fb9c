import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { ScmIntegrations } from '@backstage/integration';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  LocalGitRepositories,
  LocalGitUrlReader,
  gitCredentialsFor,
  runGit,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { createPublishAction } from './publish';
import { examples } from './publish.examples';
import { testGitHosts } from '../__testUtils__/gitHosts';
import { OwnershipGuard } from '../tenancy/OwnershipGuard';

/** A pipeline System as datastack:gitops:render writes it. */
const pipelineSystem = (owner: string, description = 'Orders') =>
  `apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: orders\n  description: ${description}\n  annotations:\n    datastack.io/pipeline: orders\nspec:\n  owner: ${owner}\n`;

const guardFor = (...groups: string[]) =>
  new OwnershipGuard({
    userInfo: mockServices.userInfo({
      userEntityRef: 'user:default/mock',
      ownershipEntityRefs: ['user:default/mock', ...groups],
    }),
    adminGroups: [],
  });

describe('datastack:gitops:publish', () => {
  const dir = createMockDirectory();
  let workspace: string;
  let repositories: LocalGitRepositories;
  let action: ReturnType<typeof createPublishAction>;

  beforeEach(() => {
    dir.clear();
    dir.setContent({
      workspace: {
        'catalog-info.yaml':
          'apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: orders\nspec:\n  owner: team-a\n',
        'environments/dev/root.yaml': 'kind: Application\n',
        'gitops/README.md': '# sub-path\n',
      },
    });
    workspace = path.join(dir.path, 'workspace');
    repositories = new LocalGitRepositories(path.join(dir.path, 'gitops-root'));
    const config = new ConfigReader({
      scaffolder: {
        defaultAuthor: { name: 'Portal', email: 'portal@example.com' },
      },
    });
    action = createPublishAction({
      integrations: ScmIntegrations.fromConfig(config),
      repositories,
      config,
      gitHosts: testGitHosts(repositories),
      guard: guardFor('group:default/data-platform'),
    });
  });

  function outputs(ctx: { output: unknown }) {
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  it('pushes the workspace as the initial commit of a new local bare repository', async () => {
    const ctx = createMockActionContext({
      input: { localRepository: 'orders' },
      workspacePath: workspace,
    });
    await action.handler(ctx as any);

    const out = outputs(ctx);
    const bare = path.join(dir.path, 'gitops-root', 'orders.git');
    expect(out.remoteUrl).toBe(`file://${bare}`);
    expect(out.commitHash).toMatch(/^[0-9a-f]{40}$/);

    // A real clone of what was pushed has the workspace tree and one commit.
    const clone = path.join(dir.path, 'clone');
    await runGit(['clone', '--quiet', out.remoteUrl, clone]);
    expect(
      fs.readFileSync(path.join(clone, 'environments/dev/root.yaml'), 'utf8'),
    ).toBe('kind: Application\n');
    expect(
      (await runGit(['-C', clone, 'log', '--format=%H %an <%ae> %s'])).trim(),
    ).toBe(
      `${out.commitHash} Portal <portal@example.com> Initial commit by Datastack`,
    );
    expect(
      (await runGit(['-C', clone, 'branch', '--show-current'])).trim(),
    ).toBe('main');
    expect(fs.existsSync(path.join(workspace, '.git'))).toBe(false);

    // The catalog can read catalog-info.yaml back through the local UrlReader.
    const reader = new LocalGitUrlReader(repositories);
    const response = await reader.readUrl(out.catalogInfoUrl);
    expect((await response.buffer()).toString()).toContain('name: orders');
  });

  it('with location local (as the templates give it) pushes to the local bare repository', async () => {
    const ctx = createMockActionContext({
      input: {
        location: 'local',
        localRepository: 'orders',
        // Only for new repositories on a host; a local one ignores them.
        description: 'GitOps repository of orders',
        repoVisibility: 'private',
      },
      workspacePath: workspace,
    });
    await action.handler(ctx as any);
    const out = outputs(ctx);
    const bare = path.join(dir.path, 'gitops-root', 'orders.git');
    expect(out).toEqual({
      remoteUrl: `file://${bare}`,
      repoContentsUrl: expect.stringContaining('orders.git'),
      catalogInfoUrl: expect.stringMatching(
        /orders\.git\/-\/blob\/main\/catalog-info\.yaml$/,
      ),
      commitHash: (
        await runGit(['--git-dir', bare, 'rev-parse', 'main'])
      ).trim(),
    });
  });

  it('publishes only the sub-path, on the branch asked for', async () => {
    const ctx = createMockActionContext({
      input: {
        localRepository: 'orders',
        sourcePath: 'gitops',
        defaultBranch: 'gitops',
      },
      workspacePath: workspace,
    });
    await action.handler(ctx as any);
    const files = await runGit([
      '--git-dir',
      path.join(dir.path, 'gitops-root/orders.git'),
      'ls-tree',
      '-r',
      '--name-only',
      'gitops',
    ]);
    expect(files.trim().split('\n')).toEqual(['README.md']);
  });

  it('refuses to overwrite a repository that has commits, and changes nothing', async () => {
    await action.handler(
      createMockActionContext({
        input: { localRepository: 'orders' },
        workspacePath: workspace,
      }) as any,
    );
    const bare = path.join(dir.path, 'gitops-root/orders.git');
    const before = (
      await runGit(['--git-dir', bare, 'rev-parse', 'main'])
    ).trim();

    const again = action.handler(
      createMockActionContext({
        input: { localRepository: 'orders' },
        workspacePath: workspace,
      }) as any,
    );
    await expect(again).rejects.toThrow(ConflictError);
    await expect(again).rejects.toThrow(
      'localRepository "orders" already has commits that are not this one',
    );
    expect(
      (await runGit(['--git-dir', bare, 'rev-parse', 'main'])).trim(),
    ).toBe(before);
  });

  describe('a pipeline rendered by Datastack', () => {
    const bare = () => path.join(dir.path, 'gitops-root/orders.git');
    const run = (a = action) =>
      a.handler(
        createMockActionContext({
          input: { localRepository: 'orders' },
          workspacePath: workspace,
        }) as any,
      );

    beforeEach(() => {
      fs.writeFileSync(
        path.join(workspace, 'catalog-info.yaml'),
        pipelineSystem('group:default/data-platform'),
      );
    });

    it('a re-run of the same pipeline with the same files keeps the commit', async () => {
      await run();
      const first = (
        await runGit(['--git-dir', bare(), 'rev-parse', 'main'])
      ).trim();
      await run();
      expect(
        (await runGit(['--git-dir', bare(), 'rev-parse', 'main'])).trim(),
      ).toBe(first);
    });

    it('a re-run with changed files continues the branch (fast-forward), never rewrites it', async () => {
      await run();
      const first = (
        await runGit(['--git-dir', bare(), 'rev-parse', 'main'])
      ).trim();
      fs.writeFileSync(
        path.join(workspace, 'catalog-info.yaml'),
        pipelineSystem('group:default/data-platform', 'Orders, second run'),
      );
      await run();
      const log = (
        await runGit(['--git-dir', bare(), 'log', '--format=%H', 'main'])
      )
        .trim()
        .split('\n');
      expect(log).toHaveLength(2);
      expect(log[1]).toBe(first);
    });

    it("refuses a repository holding another team's pipeline of the same name, changing nothing", async () => {
      fs.writeFileSync(
        path.join(workspace, 'catalog-info.yaml'),
        pipelineSystem('group:default/analytics'),
      );
      await run(
        createPublishAction({
          integrations: ScmIntegrations.fromConfig(new ConfigReader({})),
          repositories,
          config: new ConfigReader({}),
          gitHosts: testGitHosts(repositories),
          guard: guardFor('group:default/analytics'),
        }),
      );
      const before = (
        await runGit(['--git-dir', bare(), 'rev-parse', 'main'])
      ).trim();
      fs.writeFileSync(
        path.join(workspace, 'catalog-info.yaml'),
        pipelineSystem('group:default/data-platform'),
      );
      const result = run();
      await expect(result).rejects.toThrow(ConflictError);
      await expect(result).rejects.toThrow(
        "already has commits that are not pipeline orders's (group:default/data-platform)",
      );
      expect(
        (await runGit(['--git-dir', bare(), 'rev-parse', 'main'])).trim(),
      ).toBe(before);
    });

    it('refuses a user who is not a member of the owner, before creating anything', async () => {
      const result = run(
        createPublishAction({
          integrations: ScmIntegrations.fromConfig(new ConfigReader({})),
          repositories,
          config: new ConfigReader({}),
          gitHosts: testGitHosts(repositories),
          guard: guardFor('group:default/analytics'),
        }),
      );
      await expect(result).rejects.toThrow(NotAllowedError);
      expect(fs.existsSync(path.join(dir.path, 'gitops-root'))).toBe(false);
    });
  });

  it('writes nothing in a dry run but still outputs the URLs', async () => {
    // createMockActionContext drops isDryRun; the scaffolder sets it on the context.
    const ctx = {
      ...createMockActionContext({
        input: { localRepository: 'orders' },
        workspacePath: workspace,
      }),
      isDryRun: true,
    };
    await action.handler(ctx as any);
    expect(outputs(ctx).commitHash).toBe('');
    expect(outputs(ctx).catalogInfoUrl).toMatch(
      /orders\.git\/-\/blob\/main\/catalog-info\.yaml$/,
    );
    expect(fs.existsSync(path.join(dir.path, 'gitops-root'))).toBe(false);
  });

  const exampleInputs = examples.map(e => yaml.parse(e.example).steps[0].input);

  it('runs the local example up to the push (dry run)', async () => {
    const input = exampleInputs.find(i => i.localRepository);
    const ctx = {
      ...createMockActionContext({ input, workspacePath: workspace }),
      isDryRun: true,
    };
    await action.handler(ctx as any);
    expect(outputs(ctx).remoteUrl).toContain(`${input.localRepository}.git`);
  });

  it('runs the GitHub example in a dry run: the URLs publish:github would give, no request', async () => {
    const input = exampleInputs.find(i => i.location === 'github');
    const ctx = {
      ...createMockActionContext({ input, workspacePath: workspace }),
      isDryRun: true,
    };
    await action.handler(ctx as any);
    expect(outputs(ctx)).toEqual({
      remoteUrl: 'https://github.com/acme/orders-gitops.git',
      repoContentsUrl: 'https://github.com/acme/orders-gitops/blob/main',
      catalogInfoUrl:
        'https://github.com/acme/orders-gitops/blob/main/catalog-info.yaml',
      commitHash: '',
    });
  });

  it('runs the git host example until the host, which cannot be reached here, is read', async () => {
    const input = exampleInputs.find(i => i.repoUrl && !i.location);
    const ctx = {
      ...createMockActionContext({ input, workspacePath: workspace }),
      isDryRun: true,
    };
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /^repoUrl ".*" cannot be read/,
    );
  });

  it.each<[string, JsonObject, RegExp]>([
    ['neither target', {}, /^Give exactly one of localRepository or repoUrl/],
    [
      'location local without localRepository',
      { location: 'local', repoUrl: 'https://git.example.com/x.git' },
      /^location local publishes to localRepository/,
    ],
    [
      'an unknown location',
      { location: 'svn', localRepository: 'a' },
      /^location "svn" must be one of local, github, gitlab, gitea/,
    ],
    [
      'both targets',
      { localRepository: 'a', repoUrl: 'https://h/x.git' },
      /^Give exactly one/,
    ],
    [
      'a repository name that is not a label',
      { localRepository: '../etc' },
      /^localRepository "..\/etc" must be a DNS-1123 label/,
    ],
    [
      'a path traversal in sourcePath',
      { localRepository: 'a', sourcePath: '../..' },
      /^sourcePath "..\/.." must be a relative path/,
    ],
    [
      'a sourcePath that is not a directory',
      { localRepository: 'a', sourcePath: 'catalog-info.yaml' },
      /^sourcePath "catalog-info.yaml" is not a directory/,
    ],
    [
      'a bad branch name',
      { localRepository: 'a', defaultBranch: '-x' },
      /^defaultBranch "-x" is not a valid branch name/,
    ],
    [
      'a repoUrl with credentials in it',
      { repoUrl: 'https://u:p@git.example.com/x.git' },
      /^repoUrl must not carry credentials in the URL/,
    ],
    [
      'a repoUrl that is not http(s)',
      { repoUrl: 'ssh://git.example.com/x.git' },
      /^repoUrl "ssh:\/\/git.example.com\/x.git" uses ssh:\/\//,
    ],
    [
      'a repoUrl on a host without an integration',
      { repoUrl: 'https://attacker.example.net/x.git' },
      /^repoUrl "https:\/\/attacker.example.net\/x.git": attacker.example.net has no Backstage integration/,
    ],
    [
      'a repoUrl at the cloud metadata address',
      { repoUrl: 'http://169.254.169.254/latest.git' },
      /169.254.169.254 has no Backstage integration/,
    ],
    [
      'a file:// repoUrl',
      { repoUrl: 'file:///etc/passwd' },
      /^repoUrl "file:\/\/\/etc\/passwd" is not a repository under datastack.gitops.localRoot/,
    ],
  ])(
    'rejects %s with an InputError naming the field, before writing',
    async (_label, input, message) => {
      const result = action.handler(
        createMockActionContext({ input, workspacePath: workspace }) as any,
      );
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(message);
      expect(fs.existsSync(path.join(dir.path, 'gitops-root'))).toBe(false);
    },
  );
});

describe('gitCredentialsFor', () => {
  it('takes push credentials from the integrations config, per host type', async () => {
    const integrations = ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          github: [{ host: 'github.com', token: 'gh-token' }],
          gitlab: [{ host: 'gitlab.com', token: 'gl-token' }],
          gitea: [
            { host: 'gitea.example.com', username: 'bot', password: 'gt-pass' },
          ],
        },
      }),
    );
    await expect(
      gitCredentialsFor(integrations, 'https://github.com/acme/x.git'),
    ).resolves.toEqual({ username: 'x-access-token', password: 'gh-token' });
    await expect(
      gitCredentialsFor(integrations, 'https://gitlab.com/acme/x.git'),
    ).resolves.toEqual({ username: 'oauth2', password: 'gl-token' });
    await expect(
      gitCredentialsFor(integrations, 'https://gitea.example.com/acme/x.git'),
    ).resolves.toEqual({ username: 'bot', password: 'gt-pass' });
    await expect(
      gitCredentialsFor(integrations, 'https://other.example.com/x.git'),
    ).resolves.toBeUndefined();
  });
});
