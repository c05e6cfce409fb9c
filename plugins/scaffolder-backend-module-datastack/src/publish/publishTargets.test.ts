import {
  createMockDirectory,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject } from '@backstage/types';
import { LocalGitRepositories, runGit } from '@datastack/plugin-datastack-node';
import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPublishAction } from '../actions/publish';
import { testGitHosts } from '../__testUtils__/gitHosts';
import { startGitHttpServer } from '../__testUtils__/gitHttpServer';
import { OwnershipGuard } from '../tenancy/OwnershipGuard';

// datastack:gitops:publish with location github, gitlab or gitea: the step
// runs Backstage's own publish:<host>, which creates the repository through
// the host's API (msw, answering as the real API does) and pushes to the
// clone URL the API gave (a real git smart-HTTP server over bare
// repositories), so what was pushed can be cloned and read back.

const CATALOG_INFO = `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: orders
  annotations:
    datastack.io/pipeline: orders
spec:
  owner: group:default/data-platform
`;

const guardFor = (...groups: string[]) =>
  new OwnershipGuard({
    userInfo: mockServices.userInfo({
      userEntityRef: 'user:default/mock',
      ownershipEntityRefs: ['user:default/mock', ...groups],
    }),
    adminGroups: [],
  });

/** GET /users/{username} for an organisation, as api.github.com answers it. */
const githubOrganisation = (login: string) => ({
  login,
  id: 1024,
  node_id: 'O_kgDOAAAEAA',
  avatar_url: 'https://avatars.githubusercontent.com/u/1024?v=4',
  url: `https://api.github.com/users/${login}`,
  html_url: `https://github.com/${login}`,
  repos_url: `https://api.github.com/users/${login}/repos`,
  type: 'Organization',
  user_view_type: 'public',
  site_admin: false,
  name: 'Acme',
  public_repos: 12,
  created_at: '2021-03-01T09:00:00Z',
  updated_at: '2026-10-01T09:00:00Z',
});

/** POST /orgs/{org}/repos, 201, as api.github.com answers it (clone_url is the test's git server). */
const githubRepository = (options: {
  owner: string;
  name: string;
  cloneUrl: string;
  description: string | null;
  isPrivate: boolean;
}) => ({
  id: 880011,
  node_id: 'R_kgDOMT9wCw',
  name: options.name,
  full_name: `${options.owner}/${options.name}`,
  private: options.isPrivate,
  visibility: options.isPrivate ? 'private' : 'public',
  owner: {
    login: options.owner,
    id: 1024,
    type: 'Organization',
    site_admin: false,
  },
  html_url: `https://github.com/${options.owner}/${options.name}`,
  description: options.description,
  fork: false,
  url: `https://api.github.com/repos/${options.owner}/${options.name}`,
  git_url: `git://github.com/${options.owner}/${options.name}.git`,
  ssh_url: `git@github.com:${options.owner}/${options.name}.git`,
  clone_url: options.cloneUrl,
  default_branch: 'main',
  size: 0,
  created_at: '2026-11-22T04:00:00Z',
  updated_at: '2026-11-22T04:00:00Z',
  pushed_at: '2026-11-22T04:00:00Z',
  permissions: { admin: true, maintain: true, push: true, pull: true },
});

describe('datastack:gitops:publish to a new repository on a git host', () => {
  // The first push loads isomorphic-git and the host clients.
  jest.setTimeout(30_000);
  const dir = createMockDirectory();
  const msw = setupServer();
  registerMswTestHooks(msw);
  /** Every request that left the action, answered by msw or passed to the git server. */
  const sent: string[] = [];
  msw.events.on('request:start', ({ request }) => {
    sent.push(`${request.method} ${request.url}`);
  });
  let hostRoot: string;
  let git: Awaited<ReturnType<typeof startGitHttpServer>>;
  let workspace: string;
  let action: ReturnType<typeof createPublishAction>;

  beforeAll(async () => {
    hostRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'datastack-git-host-'));
    git = await startGitHttpServer(hostRoot);
  });
  afterAll(async () => {
    await git.close();
    fs.rmSync(hostRoot, { recursive: true, force: true });
  });

  beforeEach(() => {
    sent.length = 0;
    git.requests.length = 0;
    // Each test's host starts without repositories.
    for (const entry of fs.readdirSync(hostRoot)) {
      fs.rmSync(path.join(hostRoot, entry), { recursive: true, force: true });
    }
    dir.clear();
    dir.setContent({
      workspace: {
        'catalog-info.yaml': CATALOG_INFO,
        'environments/dev/root.yaml': 'kind: Application\n',
      },
    });
    workspace = path.join(dir.path, 'workspace');
    const config = new ConfigReader({
      integrations: {
        github: [{ host: 'github.com', token: 'gh-token' }],
        gitlab: [
          {
            host: 'gitlab.example.com',
            apiBaseUrl: 'https://gitlab.example.com/api/v4',
            token: 'gl-token',
          },
        ],
        gitea: [
          {
            host: git.host,
            baseUrl: git.origin,
            username: 'datastack-bot',
            password: 'gitea-pass',
          },
        ],
      },
      scaffolder: {
        defaultAuthor: { name: 'Portal', email: 'portal@example.com' },
      },
    });
    const repositories = new LocalGitRepositories(path.join(dir.path, 'local'));
    action = createPublishAction({
      integrations: ScmIntegrations.fromConfig(config),
      repositories,
      config,
      gitHosts: testGitHosts(repositories),
      guard: guardFor('group:default/data-platform'),
    });
  });

  function outputs(ctx: { output: unknown }): Record<string, unknown> {
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  /** A clone of what the host's git server received: files, and the one commit's author and message. */
  async function pushed(repository: string) {
    const clone = path.join(dir.path, `clone-${path.basename(repository)}`);
    // The branch pushed, not the bare repository's HEAD (the host sets that).
    await runGit([
      'clone',
      '--quiet',
      '--branch',
      'main',
      git.pathOf(repository),
      clone,
    ]);
    return {
      catalogInfo: fs.readFileSync(
        path.join(clone, 'catalog-info.yaml'),
        'utf8',
      ),
      root: fs.readFileSync(
        path.join(clone, 'environments/dev/root.yaml'),
        'utf8',
      ),
      log: (
        await runGit(['-C', clone, 'log', '--format=%H %an <%ae> %s'])
      ).trim(),
      branches: (
        await runGit([
          '--git-dir',
          git.pathOf(repository),
          'for-each-ref',
          '--format=%(refname)',
        ])
      )
        .trim()
        .split('\n'),
    };
  }

  it('creates the GitHub repository with publish:github and pushes the workspace to it', async () => {
    let created: { body: unknown; authorization: string | null } | undefined;
    let protection: unknown;
    git.expect('x-access-token', 'gh-token');
    msw.use(
      http.get('https://api.github.com/users/acme', () =>
        HttpResponse.json(githubOrganisation('acme')),
      ),
      http.post(
        'https://api.github.com/orgs/acme/repos',
        async ({ request }) => {
          const body = (await request.json()) as Record<string, any>;
          created = {
            body,
            authorization: request.headers.get('authorization'),
          };
          return HttpResponse.json(
            githubRepository({
              owner: 'acme',
              name: body.name,
              cloneUrl: await git.create(`acme/${body.name}`),
              description: body.description ?? null,
              isPrivate: body.private,
            }),
            { status: 201 },
          );
        },
      ),
      http.put(
        'https://api.github.com/repos/acme/orders-gitops/branches/main/protection',
        async ({ request }) => {
          protection = await request.json();
          return HttpResponse.json({
            url: 'https://api.github.com/repos/acme/orders-gitops/branches/main/protection',
            enforce_admins: {
              url: 'https://api.github.com/repos/acme/orders-gitops/branches/main/protection/enforce_admins',
              enabled: true,
            },
          });
        },
      ),
      http.all(`${git.origin}/*`, () => passthrough()),
    );

    const ctx = createMockActionContext({
      input: {
        location: 'github',
        repoUrl: 'github.com?owner=acme&repo=orders-gitops',
        description: 'GitOps repository of the data pipeline orders',
        repoVisibility: 'private',
        commitMessage: 'Render the data pipeline orders with Datastack',
      },
      workspacePath: workspace,
    });
    await action.handler(ctx as any);

    // The repository GitHub was asked to create, with the integration's token.
    expect(created).toEqual({
      authorization: 'token gh-token',
      body: expect.objectContaining({
        name: 'orders-gitops',
        private: true,
        visibility: 'private',
        description: 'GitOps repository of the data pipeline orders',
      }),
    });
    // What was pushed, as a clone shows it (the git server refuses a
    // request without the integration's token).
    const repo = await pushed('acme/orders-gitops');
    expect(repo.catalogInfo).toBe(CATALOG_INFO);
    expect(repo.root).toBe('kind: Application\n');
    expect(repo.branches).toEqual(['refs/heads/main']);
    const out = outputs(ctx);
    expect(repo.log).toBe(
      `${out.commitHash} Portal <portal@example.com> Render the data pipeline orders with Datastack`,
    );
    // One output for the register step, whichever host it was.
    expect(out).toEqual({
      remoteUrl: `${git.origin}/acme/orders-gitops.git`,
      repoContentsUrl: 'https://github.com/acme/orders-gitops/blob/main',
      catalogInfoUrl:
        'https://github.com/acme/orders-gitops/blob/main/catalog-info.yaml',
      commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    // publish:github's own default: the default branch protected.
    expect(protection).toEqual(
      expect.objectContaining({ enforce_admins: true }),
    );
  });

  it('creates the GitLab project with publish:gitlab (description in its settings) and pushes to it', async () => {
    let created: { body: unknown; token: string | null } | undefined;
    git.expect('oauth2', 'gl-token');
    const api = 'https://gitlab.example.com/api/v4';
    msw.use(
      http.get(`${api}/namespaces/data%2Fteam`, () =>
        HttpResponse.json({
          id: 77,
          name: 'team',
          path: 'team',
          kind: 'group',
          full_path: 'data/team',
          parent_id: 76,
          web_url: 'https://gitlab.example.com/groups/data/team',
        }),
      ),
      http.get(`${api}/user`, () =>
        HttpResponse.json({
          id: 5,
          username: 'datastack-bot',
          state: 'active',
        }),
      ),
      http.get(`${api}/groups/data%2Fteam/projects`, () =>
        HttpResponse.json([], {
          headers: { 'x-total': '0', 'x-total-pages': '1', 'x-page': '1' },
        }),
      ),
      http.post(`${api}/projects`, async ({ request }) => {
        const body = (await request.json()) as Record<string, any>;
        created = { body, token: request.headers.get('private-token') };
        const cloneUrl = await git.create(`data/team/${body.path}`);
        return HttpResponse.json(
          {
            id: 4242,
            name: body.name,
            path: body.path,
            path_with_namespace: `data/team/${body.path}`,
            visibility: body.visibility,
            default_branch: null,
            http_url_to_repo: cloneUrl,
            ssh_url_to_repo: `git@gitlab.example.com:data/team/${body.path}.git`,
            web_url: `https://gitlab.example.com/data/team/${body.path}`,
            namespace: { id: 77, kind: 'group', full_path: 'data/team' },
          },
          { status: 201 },
        );
      }),
      http.all(`${git.origin}/*`, () => passthrough()),
    );

    const ctx = createMockActionContext({
      input: {
        location: 'gitlab',
        repoUrl: 'gitlab.example.com?owner=data%2Fteam&repo=orders-gitops',
        description: 'GitOps repository of the data pipeline orders',
      },
      workspacePath: workspace,
    });
    await action.handler(ctx as any);

    expect(created).toEqual({
      token: 'gl-token',
      body: expect.objectContaining({
        namespace_id: 77,
        name: 'orders-gitops',
        path: 'orders-gitops',
        visibility: 'private',
        description: 'GitOps repository of the data pipeline orders',
      }),
    });
    const repo = await pushed('data/team/orders-gitops');
    expect(repo.catalogInfo).toBe(CATALOG_INFO);
    expect(repo.branches).toEqual(['refs/heads/main']);
    expect(repo.log).toMatch(
      / Portal <portal@example.com> Initial commit by Datastack$/,
    );
    const web = `${git.origin}/data/team/orders-gitops`;
    expect(outputs(ctx)).toEqual({
      remoteUrl: web,
      repoContentsUrl: `${web}/-/blob/main`,
      catalogInfoUrl: `${web}/-/blob/main/catalog-info.yaml`,
      commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
      projectId: 4242,
      created: true,
    });
  });

  it('creates the Gitea repository with publish:gitea and pushes to it', async () => {
    let created: { body: unknown; authorization: string | null } | undefined;
    git.expect('datastack-bot', 'gitea-pass');
    msw.use(
      http.get(`${git.origin}/api/v1/orgs/acme`, () =>
        HttpResponse.json({
          id: 3,
          name: 'acme',
          username: 'acme',
          full_name: 'Acme',
          visibility: 'public',
        }),
      ),
      http.post(`${git.origin}/api/v1/orgs/acme/repos`, async ({ request }) => {
        const body = (await request.json()) as Record<string, any>;
        created = { body, authorization: request.headers.get('authorization') };
        await git.create(`acme/${body.name}`);
        return HttpResponse.json(
          {
            id: 31,
            name: body.name,
            full_name: `acme/${body.name}`,
            private: body.private,
            empty: true,
            clone_url: `${git.origin}/acme/${body.name}.git`,
            html_url: `${git.origin}/acme/${body.name}`,
            default_branch: 'main',
          },
          { status: 201 },
        );
      }),
      // publish:gitea waits for the branch's page to answer.
      http.get(`${git.origin}/acme/orders-gitops/src/branch/main`, () =>
        HttpResponse.text('<html>orders-gitops</html>', {
          headers: { 'content-type': 'text/html; charset=utf-8' },
        }),
      ),
      http.all(`${git.origin}/acme/orders-gitops.git/*`, () => passthrough()),
    );

    const ctx = createMockActionContext({
      input: {
        location: 'gitea',
        repoUrl: `${git.host}?owner=acme&repo=orders-gitops`,
        description: 'GitOps repository of the data pipeline orders',
      },
      workspacePath: workspace,
    });
    await action.handler(ctx as any);

    expect(created).toEqual({
      // Backstage's Gitea client spells the scheme in lower case.
      authorization: `basic ${Buffer.from('datastack-bot:gitea-pass').toString(
        'base64',
      )}`,
      body: {
        name: 'orders-gitops',
        description: 'GitOps repository of the data pipeline orders',
        private: true,
      },
    });
    expect((await pushed('acme/orders-gitops')).catalogInfo).toBe(CATALOG_INFO);
    const web = `${git.origin}/acme/orders-gitops`;
    expect(outputs(ctx)).toEqual({
      remoteUrl: `${web}.git`,
      repoContentsUrl: `${web}/src/branch/main/`,
      catalogInfoUrl: `${web}/src/branch/main/catalog-info.yaml`,
      commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it('in a dry run outputs the URLs the host would give, and sends nothing', async () => {
    const ctx = {
      ...createMockActionContext({
        input: {
          location: 'github',
          repoUrl: 'github.com?owner=acme&repo=orders-gitops',
        },
        workspacePath: workspace,
      }),
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
    expect(sent).toEqual([]);
  });

  it('refuses a user who is not a member of the owner, before asking the host', async () => {
    const repositories = new LocalGitRepositories(path.join(dir.path, 'local'));
    const config = new ConfigReader({
      integrations: { github: [{ host: 'github.com', token: 'gh-token' }] },
    });
    const result = createPublishAction({
      integrations: ScmIntegrations.fromConfig(config),
      repositories,
      config,
      gitHosts: testGitHosts(repositories),
      guard: guardFor('group:default/analytics'),
    }).handler(
      createMockActionContext({
        input: {
          location: 'github',
          repoUrl: 'github.com?owner=acme&repo=orders-gitops',
        },
        workspacePath: workspace,
      }) as any,
    );
    await expect(result).rejects.toThrow(NotAllowedError);
    expect(sent).toEqual([]);
  });

  it.each<[string, JsonObject, RegExp]>([
    [
      'an unknown location',
      { location: 'bitbucket', repoUrl: 'bitbucket.org?owner=a&repo=b' },
      /^location "bitbucket" must be one of local, github, gitlab, gitea$/,
    ],
    [
      'a host without an integration',
      { location: 'github', repoUrl: 'attacker.example.net?owner=acme&repo=x' },
      /^repoUrl "attacker.example.net\?owner=acme&repo=x": attacker.example.net has no Backstage integration/,
    ],
    [
      'the cloud metadata address',
      { location: 'gitea', repoUrl: '169.254.169.254?owner=acme&repo=x' },
      /169.254.169.254 has no Backstage integration/,
    ],
    [
      'a host of another kind than the location',
      { location: 'github', repoUrl: 'gitlab.example.com?owner=acme&repo=x' },
      /^repoUrl ".*": gitlab.example.com is a gitlab integration, not github as location says$/,
    ],
    [
      'an http(s) clone URL instead of the picker form',
      { location: 'github', repoUrl: 'https://github.com/acme/x.git' },
      /^repoUrl "https:\/\/github.com\/acme\/x.git" must be <host>\?owner=<owner>&repo=<name>/,
    ],
    [
      'credentials in repoUrl',
      { location: 'github', repoUrl: 'u:p@github.com?owner=acme&repo=x' },
      /^repoUrl must not carry credentials/,
    ],
    [
      'no owner',
      { location: 'github', repoUrl: 'github.com?repo=x' },
      /^repoUrl "github.com\?repo=x": owner "" is not a GitHub user/,
    ],
    [
      'a repository name with a path in it',
      { location: 'github', repoUrl: 'github.com?owner=acme&repo=../x' },
      /repo "..\/x" is not a repository name/,
    ],
    [
      'no repoUrl',
      { location: 'gitlab' },
      /^repoUrl is required for location gitlab/,
    ],
    [
      'a local repository name with a host location',
      {
        location: 'github',
        localRepository: 'orders',
        repoUrl: 'github.com?owner=acme&repo=x',
      },
      /^localRepository is for location local/,
    ],
    [
      'an unknown visibility',
      {
        location: 'github',
        repoUrl: 'github.com?owner=acme&repo=x',
        repoVisibility: 'secret',
      },
      /^repoVisibility "secret" must be one of private, internal, public$/,
    ],
  ])(
    'rejects %s with an InputError naming the field, before any request',
    async (_label, input, message) => {
      const result = action.handler(
        createMockActionContext({ input, workspacePath: workspace }) as any,
      );
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(message);
      expect(sent).toEqual([]);
      expect(git.requests).toEqual([]);
    },
  );

  it('rejects an internal Gitea repository on the configured Gitea', async () => {
    const result = action.handler(
      createMockActionContext({
        input: {
          location: 'gitea',
          repoUrl: `${git.host}?owner=acme&repo=x`,
          repoVisibility: 'internal',
        },
        workspacePath: workspace,
      }) as any,
    );
    await expect(result).rejects.toThrow(
      'repoVisibility "internal": Gitea repositories are private or public',
    );
    expect(sent).toEqual([]);
  });
});
