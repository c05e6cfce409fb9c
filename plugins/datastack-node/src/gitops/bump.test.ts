import {
  createMockDirectory,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import type { Application } from '../argocd/types';
import { ChartBumper, type ChartBumpInput, editApplication } from './bump';
import { runGit } from './git';
import { LocalGitRepositories } from './LocalGitRepositories';

jest.mock('./git', () => {
  const actual = jest.requireActual('./git');
  return { ...actual, runGit: jest.fn(actual.runGit) };
});

/** Secrets that must never reach an error, a log line, an output or git's argv. */
const CANARY_TOKEN = 'canary-gh0-t0ken-5e1f';
const CANARY_PASSWORD = 'canary-g1tea-pa55-77c2';

const ENVIRONMENTS = ['dev', 'staging', 'prod'];

/** An Application exactly as datastack:gitops:render writes it. */
function renderedApplication(component: string, env: string, version: string) {
  const app: Application = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: `orders-${component}-${env}`,
      namespace: 'argocd',
      labels: {
        'datastack.io/pipeline': 'orders',
        'datastack.io/component': component,
        'datastack.io/environment': env,
      },
      annotations: {
        'argocd.argoproj.io/sync-wave': '0',
        'datastack.io/argocd-instance': env,
      },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: 'default',
      sources: [
        {
          repoURL: 'https://trinodb.github.io/charts',
          chart: component,
          targetRevision: version,
          helm: {
            releaseName: component,
            valueFiles: [
              `$values/components/${component}/values.yaml`,
              `$values/environments/${env}/values/${component}.yaml`,
            ],
          },
        },
        {
          repoURL: 'file:///srv/gitops/orders.git',
          targetRevision: 'HEAD',
          ref: 'values',
        },
      ],
      destination: { name: 'in-cluster', namespace: `orders-${component}` },
      syncPolicy: {
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      },
    },
  };
  return stringify(app, { lineWidth: 0 });
}

function pipelineFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'README.md': '# orders\n',
    'environments/dev/root.yaml': 'kind: Application\n',
  };
  for (const env of ENVIRONMENTS) {
    files[`environments/${env}/applications/orders-trino-${env}.yaml`] =
      renderedApplication('trino', env, '1.42.2');
    files[`environments/${env}/applications/orders-airflow-${env}.yaml`] =
      renderedApplication('airflow', env, '1.16.0');
  }
  // A platform engineer's hand edit, which a bump must keep as it is.
  files['environments/prod/applications/orders-trino-prod.yaml'] = files[
    'environments/prod/applications/orders-trino-prod.yaml'
  ]
    .replace('targetRevision: 1.42.2', 'targetRevision: "1.42.2" # pinned')
    .replace('spec:\n', '# Reviewed by the platform team.\nspec:\n');
  return files;
}

/** Writes `files` as the first commit of a new bare repository at `bare`. */
async function seedBareRepository(
  bare: string,
  files: Record<string, string>,
  work: string,
) {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
  }
  await runGit(['init', '--bare', '--quiet', '--initial-branch=main', bare]);
  const git = (...args: string[]) =>
    runGit([
      '--git-dir',
      path.join(work, '.git'),
      '--work-tree',
      work,
      ...args,
    ]);
  await runGit(['init', '--quiet', '--initial-branch=main', work]);
  await git('add', '--all');
  await git(
    '-c',
    'user.name=Seed',
    '-c',
    'user.email=seed@example.com',
    'commit',
    '--quiet',
    '-m',
    'Initial commit by Datastack',
  );
  await git('push', '--quiet', bare, 'HEAD:refs/heads/main');
}

async function heads(bare: string): Promise<Record<string, string>> {
  const out = await runGit(['--git-dir', bare, 'for-each-ref', 'refs/heads']);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(line => {
        const [sha, , ref] = line.split(/\s+/);
        return [ref.replace('refs/heads/', ''), sha];
      }),
  );
}

function show(bare: string, ref: string, file: string): Promise<string> {
  return runGit(['--git-dir', bare, 'show', `${ref}:${file}`]);
}

const trinoFile = (env: string) =>
  `environments/${env}/applications/orders-trino-${env}.yaml`;

/**
 * A git smart-HTTP server in front of real bare repositories
 * (`git http-backend`), refusing requests without the expected
 * Authorization header, as a git host refuses a push without credentials.
 */
async function startGitHttpServer(root: string) {
  const seen: Array<string | undefined> = [];
  let expected: string | undefined;
  const server: Server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://git.local');
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length']
          ? { CONTENT_LENGTH: req.headers['content-length'] }
          : {}),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'datastack-bot',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let streaming = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (streaming) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [key, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (key.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(key, value);
      }
      res.writeHead(status);
      streaming = true;
      res.write(head.subarray(end + 4));
    });
    child.stdout.on('end', () => res.end());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    seen,
    /** The credentials a request must carry; none when called without. */
    expect(username?: string, password?: string) {
      expected =
        username === undefined
          ? undefined
          : `Basic ${Buffer.from(`${username}:${password}`).toString(
              'base64',
            )}`;
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

describe('ChartBumper', () => {
  const dir = createMockDirectory();
  const msw = setupServer();
  registerMswTestHooks(msw);
  let root: string;
  let bare: string;
  let workDir: string;
  let logger: ReturnType<typeof mockServices.logger.mock>;

  function bumper(
    options: {
      config?: object;
      requestTimeoutMs?: number;
      maxResponseBytes?: number;
    } = {},
  ): ChartBumper {
    return new ChartBumper({
      repositories: new LocalGitRepositories(root),
      integrations: ScmIntegrations.fromConfig(
        new ConfigReader(options.config ?? {}),
      ),
      requestTimeoutMs: options.requestTimeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      defaultAuthor: { name: 'Portal', email: 'portal@example.com' },
      logger,
      workDir,
    });
  }

  const input = (extra: Partial<ChartBumpInput> = {}): ChartBumpInput => ({
    repository: pathToFileURL(bare).href,
    pipeline: 'orders',
    componentId: 'trino',
    version: '1.43.0',
    ...extra,
  });

  function logText(): string {
    return JSON.stringify([
      ...logger.info.mock.calls,
      ...logger.warn.mock.calls,
      ...logger.error.mock.calls,
      ...logger.debug.mock.calls,
    ]);
  }

  beforeEach(async () => {
    dir.clear();
    (runGit as jest.Mock).mockClear();
    root = path.join(dir.path, 'gitops');
    bare = path.join(root, 'orders.git');
    workDir = path.join(dir.path, 'work');
    logger = mockServices.logger.mock();
    await seedBareRepository(
      bare,
      pipelineFiles(),
      path.join(dir.path, 'seed'),
    );
  });

  describe('on a local repository', () => {
    it('pushes a branch that changes only the chart version, in every environment that has the component', async () => {
      const before = await heads(bare);
      const proposal = await bumper().propose(input());

      expect(proposal).toEqual({
        branch: 'datastack/upgrade-trino-1.43.0',
        commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
        files: ENVIRONMENTS.slice().sort().map(trinoFile),
        repository: pathToFileURL(bare).href,
      });
      expect(proposal.pullRequestUrl).toBeUndefined();

      // A real clone of the pushed branch.
      const clone = path.join(dir.path, 'clone');
      await runGit([
        'clone',
        '--quiet',
        '--branch',
        proposal.branch,
        pathToFileURL(bare).href,
        clone,
      ]);
      const seed = pipelineFiles();
      for (const env of ENVIRONMENTS) {
        const text = fs.readFileSync(path.join(clone, trinoFile(env)), 'utf8');
        const quoted = env === 'prod';
        expect(text).toBe(
          seed[trinoFile(env)].replace(
            quoted ? '"1.42.2" # pinned' : 'targetRevision: 1.42.2',
            quoted ? '"1.43.0" # pinned' : 'targetRevision: 1.43.0',
          ),
        );
        // airflow is untouched
        expect(
          fs.readFileSync(
            path.join(
              clone,
              `environments/${env}/applications/orders-airflow-${env}.yaml`,
            ),
            'utf8',
          ),
        ).toBe(
          seed[`environments/${env}/applications/orders-airflow-${env}.yaml`],
        );
      }
      expect(
        fs.readFileSync(path.join(clone, trinoFile('prod')), 'utf8'),
      ).toContain('# Reviewed by the platform team.\nspec:\n');

      const diff = await runGit([
        '-C',
        clone,
        'diff',
        '--numstat',
        'origin/main',
        'HEAD',
      ]);
      expect(diff.trim().split('\n')).toEqual(
        ENVIRONMENTS.slice()
          .sort()
          .map(env => `1\t1\t${trinoFile(env)}`),
      );
      const log = await runGit([
        '-C',
        clone,
        'log',
        '-1',
        '--format=%H%n%an <%ae>%n%s%n%b',
      ]);
      expect(log).toContain(
        `${proposal.commitHash}\nPortal <portal@example.com>\nUpgrade trino of orders to 1.43.0\n`,
      );
      expect(log).toContain(
        `- prod: 1.42.2 → 1.43.0 (\`${trinoFile('prod')}\`)`,
      );

      // The base branch did not move; the clone is gone.
      expect((await heads(bare)).main).toBe(before.main);
      expect(fs.readdirSync(workDir)).toEqual([]);
      expect(logText()).toContain(
        `No pull request opened (a local repository has no pull requests)`,
      );
    });

    it('takes the repository as a name or a path, bumps only the environments asked for, with the branch, title and author given', async () => {
      for (const repository of ['orders', bare]) {
        const branch = `bump-${repository === 'orders' ? 'a' : 'b'}`;
        const proposal = await bumper().propose(
          input({
            repository,
            environments: ['prod', 'dev'],
            branch,
            baseBranch: 'main',
            title: 'Trino 1.43.0 in prod and dev',
            description: 'Needed for the new connector.',
            author: { name: 'Ada', email: 'ada@example.com' },
          }),
        );
        expect(proposal.files).toEqual([trinoFile('prod'), trinoFile('dev')]);
        expect(proposal.repository).toBe(pathToFileURL(bare).href);
        expect(await show(bare, branch, trinoFile('staging'))).toContain(
          'targetRevision: 1.42.2',
        );
        expect(await show(bare, branch, trinoFile('dev'))).toContain(
          'targetRevision: 1.43.0',
        );
        expect(
          await runGit([
            '--git-dir',
            bare,
            'log',
            '-1',
            '--format=%an %ae|%s|%b',
            branch,
          ]),
        ).toBe(
          'Ada ada@example.com|Trino 1.43.0 in prod and dev|Needed for the new connector.\n\n',
        );
      }
    });

    it('pushes nothing in a dry run but says what it would change', async () => {
      const before = await heads(bare);
      const proposal = await bumper().propose(input(), { dryRun: true });
      expect(proposal).toEqual({
        branch: 'datastack/upgrade-trino-1.43.0',
        commitHash: '',
        files: ENVIRONMENTS.slice().sort().map(trinoFile),
        repository: pathToFileURL(bare).href,
      });
      expect(await heads(bare)).toEqual(before);
      expect(fs.readdirSync(workDir)).toEqual([]);
      expect(logText()).toContain(
        'Dry run: would push branch datastack/upgrade-trino-1.43.0',
      );
    });

    it('refuses a branch that already exists, and leaves it as it is', async () => {
      await bumper().propose(input());
      const before = await heads(bare);
      const again = bumper().propose(input({ version: '1.43.0' }));
      await expect(again).rejects.toThrow(ConflictError);
      await expect(again).rejects.toThrow(
        'branch "datastack/upgrade-trino-1.43.0" already exists in repository',
      );
      expect(await heads(bare)).toEqual(before);
    });

    it('refuses a version that is already in place', async () => {
      const everywhere = bumper().propose(input({ version: '1.42.2' }));
      await expect(everywhere).rejects.toThrow(ConflictError);
      await expect(everywhere).rejects.toThrow(
        `trino is already at version 1.42.2 in ${ENVIRONMENTS.slice()
          .sort()
          .map(trinoFile)
          .join(', ')}`,
      );
      const named = bumper().propose(
        input({ version: '1.42.2', environments: ['dev'] }),
      );
      await expect(named).rejects.toThrow(
        `${trinoFile('dev')} already has trino at version 1.42.2`,
      );
      expect(Object.keys(await heads(bare))).toEqual(['main']);
      expect(fs.readdirSync(workDir)).toEqual([]);
    });

    it.each<[string, Partial<ChartBumpInput>, RegExp]>([
      [
        'a version that is not SemVer',
        { version: 'v1.43' },
        /^version "v1.43" must be a SemVer 2 version/,
      ],
      [
        'a version with a leading v',
        { version: 'v1.43.0' },
        /^version "v1.43.0" must be a SemVer 2/,
      ],
      [
        'a component id that is not a label',
        { componentId: 'Trino' },
        /^componentId "Trino" must be a DNS-1123 label/,
      ],
      [
        'a pipeline that is not a label',
        { pipeline: 'orders_2' },
        /^pipeline "orders_2" must be a DNS-1123 label/,
      ],
      [
        'an environment that is not a label',
        { environments: ['dev', 'Prod'] },
        /^environments\[1\] "Prod" must be a DNS-1123 label/,
      ],
      [
        'an environment listed twice',
        { environments: ['dev', 'dev'] },
        /^environments lists "dev" twice/,
      ],
      [
        'an empty environment list',
        { environments: [] },
        /^environments must list at least one environment/,
      ],
      [
        'an environment without the file',
        { environments: ['dev', 'qa'] },
        /^environments\[1\] "qa": environments\/qa\/applications\/orders-trino-qa.yaml does not exist on main of repository/,
      ],
      [
        'a component no environment has',
        { componentId: 'kafka' },
        /^componentId "kafka": no environment of repository ".*" \(main\) has environments\/<env>\/applications\/orders-kafka-<env>.yaml/,
      ],
      [
        'a bad branch name',
        { branch: 'feature/../x' },
        /^branch "feature\/..\/x" is not a valid branch name/,
      ],
      [
        'a base branch that does not exist',
        { baseBranch: 'develop' },
        /^baseBranch "develop" does not exist in repository/,
      ],
      [
        'a title on two lines',
        { title: 'a\nb' },
        /^title must be one non-empty line/,
      ],
      [
        'a bad author email',
        { author: { name: 'Ada', email: 'ada' } },
        /^author.email "ada" is not an email address/,
      ],
      [
        'an ssh URL',
        { repository: 'git@github.com:acme/orders.git' },
        /^repository "git@github.com:acme\/orders.git" must be a local repository .* or an http\(s\) clone URL/,
      ],
      [
        'a URL with credentials',
        { repository: 'https://bot:secret@github.com/acme/orders.git' },
        /without credentials in it/,
      ],
      [
        'a file URL outside localRoot',
        { repository: 'file:///etc/orders.git' },
        /^repository "file:\/\/\/etc\/orders.git" is not a repository under datastack.gitops.localRoot/,
      ],
      [
        'a local name that does not exist',
        { repository: 'payments' },
        /^repository "payments" cannot be read: git ls-remote failed/,
      ],
    ])(
      'rejects %s with an InputError naming it, pushing nothing',
      async (_label, extra, message) => {
        const before = await heads(bare);
        const result = bumper().propose(input(extra));
        await expect(result).rejects.toThrow(InputError);
        await expect(result).rejects.toThrow(message);
        expect(await heads(bare)).toEqual(before);
        expect(fs.existsSync(workDir) ? fs.readdirSync(workDir) : []).toEqual(
          [],
        );
      },
    );

    it('rejects an Application file it cannot edit, naming the file', async () => {
      const work = path.join(dir.path, 'broken');
      const broken = path.join(root, 'broken.git');
      await seedBareRepository(
        broken,
        {
          [trinoFile('dev')]:
            'kind: Application\nspec:\n  source:\n    path: charts/trino\n',
          [trinoFile('prod')]: 'kind: [Application\n',
        },
        work,
      );
      await expect(
        bumper().propose(
          input({ repository: 'broken', environments: ['dev'] }),
        ),
      ).rejects.toThrow(
        `${trinoFile(
          'dev',
        )} has no Helm chart source (spec.sources[].chart or spec.source.chart)`,
      );
      await expect(
        bumper().propose(
          input({ repository: 'broken', environments: ['prod'] }),
        ),
      ).rejects.toThrow(new RegExp(`^${trinoFile('prod')} is not valid YAML`));
      expect(Object.keys(await heads(broken))).toEqual(['main']);
      expect(fs.readdirSync(workDir)).toEqual([]);
    });
  });

  describe('editApplication', () => {
    it('changes only the version characters of a single-source Application, keeping quotes and comments', () => {
      const text = [
        '# Trino in dev',
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'spec:',
        '  source:',
        '    repoURL: https://trinodb.github.io/charts # upstream',
        '    chart: trino',
        "    targetRevision: '1.42.2'   # bump with care",
        '    helm: { releaseName: trino }',
        '',
      ].join('\n');
      expect(editApplication(text, 'a.yaml', '1.43.0-rc.1+b7')).toEqual({
        from: '1.42.2',
        text: text.replace("'1.42.2'", "'1.43.0-rc.1+b7'"),
      });
    });

    it('picks the chart source among several sources', () => {
      const text = renderedApplication('trino', 'dev', '1.42.2').replace(
        /sources:\n/,
        'sources:\n    - repoURL: https://example.com/values.git\n      targetRevision: main\n      ref: extra\n',
      );
      const { text: out } = editApplication(text, 'a.yaml', '1.43.0');
      expect(out).toContain('targetRevision: main\n');
      expect(out).toContain('targetRevision: 1.43.0\n');
      expect(out).toContain('targetRevision: HEAD\n');
    });

    it('refuses a file that is not an Application', () => {
      expect(() =>
        editApplication('kind: AppProject\n', 'p.yaml', '1.0.0'),
      ).toThrow('p.yaml is not an Argo CD Application');
    });
  });

  describe('on a git host', () => {
    let git: Awaited<ReturnType<typeof startGitHttpServer>>;
    let hosted: string;

    beforeAll(async () => {
      // beforeEach of the outer describe clears the directory; the server reads it per request.
      git = await startGitHttpServer(path.join(dir.path, 'hosted'));
    });
    afterAll(() => git.close());

    beforeEach(async () => {
      hosted = path.join(dir.path, 'hosted', 'acme', 'orders-gitops.git');
      await seedBareRepository(
        hosted,
        pipelineFiles(),
        path.join(dir.path, 'seed-hosted'),
      );
    });

    const hosts = () => ({
      github: {
        config: {
          integrations: {
            github: [
              {
                host: git.host,
                apiBaseUrl: 'https://ghe.example.com/api/v3',
                token: CANARY_TOKEN,
              },
            ],
          },
        },
        credentials: ['x-access-token', CANARY_TOKEN],
        api: 'https://ghe.example.com/api/v3/repos/acme/orders-gitops/pulls',
      },
      gitlab: {
        config: {
          integrations: {
            gitlab: [
              {
                host: git.host,
                baseUrl: git.origin,
                apiBaseUrl: 'https://gitlab.example.com/api/v4',
                token: CANARY_TOKEN,
              },
            ],
          },
        },
        credentials: ['oauth2', CANARY_TOKEN],
        api: 'https://gitlab.example.com/api/v4/projects/acme%2Forders-gitops/merge_requests',
      },
      gitea: {
        config: {
          integrations: {
            gitea: [
              {
                host: git.host,
                baseUrl: git.origin,
                username: 'datastack-bot',
                password: CANARY_PASSWORD,
              },
            ],
          },
        },
        credentials: ['datastack-bot', CANARY_PASSWORD],
        api: `${git.origin}/api/v1/repos/acme/orders-gitops/pulls`,
      },
    });
    type HostType = keyof ReturnType<typeof hosts>;

    const repoUrl = () => `${git.origin}/acme/orders-gitops.git`;

    function expectNoSecret(...texts: string[]) {
      const basic = (u: string, p: string) =>
        Buffer.from(`${u}:${p}`).toString('base64');
      for (const text of [...texts, logText()]) {
        for (const secret of [
          CANARY_TOKEN,
          CANARY_PASSWORD,
          basic('x-access-token', CANARY_TOKEN),
          basic('oauth2', CANARY_TOKEN),
          basic('datastack-bot', CANARY_PASSWORD),
        ]) {
          expect(text).not.toContain(secret);
        }
      }
      // Credentials reached git through its environment only.
      for (const [args] of (runGit as jest.Mock).mock.calls) {
        expect(JSON.stringify(args)).not.toMatch(/canary|Authorization/);
      }
    }

    it.each<
      [
        HostType,
        (body: Record<string, unknown>, headers: Headers) => Response,
        object,
        string,
      ]
    >([
      [
        'github',
        (_body, _headers) =>
          HttpResponse.json(
            {
              url: 'https://ghe.example.com/api/v3/repos/acme/orders-gitops/pulls/42',
              id: 2117311824,
              number: 42,
              state: 'open',
              html_url: 'https://ghe.example.com/acme/orders-gitops/pull/42',
              title: 'Upgrade trino of orders to 1.43.0',
              head: {
                ref: 'datastack/upgrade-trino-1.43.0',
                sha: 'f'.repeat(40),
              },
              base: { ref: 'main', sha: 'e'.repeat(40) },
              draft: false,
              merged: false,
            },
            { status: 201 },
          ),
        {
          title: 'Upgrade trino of orders to 1.43.0',
          head: 'datastack/upgrade-trino-1.43.0',
          base: 'main',
          body: expect.stringContaining('- dev: 1.42.2 → 1.43.0'),
          maintainer_can_modify: true,
        },
        'https://ghe.example.com/acme/orders-gitops/pull/42',
      ],
      [
        'gitlab',
        () =>
          HttpResponse.json(
            {
              id: 93818,
              iid: 7,
              project_id: 1402,
              title: 'Upgrade trino of orders to 1.43.0',
              state: 'opened',
              source_branch: 'datastack/upgrade-trino-1.43.0',
              target_branch: 'main',
              merge_status: 'checking',
              web_url:
                'https://gitlab.example.com/acme/orders-gitops/-/merge_requests/7',
            },
            { status: 201 },
          ),
        {
          source_branch: 'datastack/upgrade-trino-1.43.0',
          target_branch: 'main',
          title: 'Upgrade trino of orders to 1.43.0',
          description: expect.stringContaining('- prod: 1.42.2 → 1.43.0'),
          remove_source_branch: true,
        },
        'https://gitlab.example.com/acme/orders-gitops/-/merge_requests/7',
      ],
      [
        'gitea',
        () =>
          HttpResponse.json(
            {
              id: 311,
              number: 3,
              user: { id: 2, login: 'datastack-bot' },
              title: 'Upgrade trino of orders to 1.43.0',
              state: 'open',
              html_url: 'https://gitea.example.com/acme/orders-gitops/pulls/3',
              head: {
                label: 'datastack/upgrade-trino-1.43.0',
                ref: 'datastack/upgrade-trino-1.43.0',
              },
              base: { label: 'main', ref: 'main' },
              mergeable: true,
              merged: false,
            },
            { status: 201 },
          ),
        {
          head: 'datastack/upgrade-trino-1.43.0',
          base: 'main',
          title: 'Upgrade trino of orders to 1.43.0',
          body: expect.stringContaining('- staging: 1.42.2 → 1.43.0'),
        },
        'https://gitea.example.com/acme/orders-gitops/pulls/3',
      ],
    ])(
      '%s: pushes the branch with the integration credentials and opens the request',
      async (type, answer, expectedBody, webUrl) => {
        const host = hosts()[type];
        git.expect(host.credentials[0], host.credentials[1]);
        const received: Array<{ body: unknown; headers: Headers }> = [];
        msw.use(
          http.post(host.api, async ({ request }) => {
            const body = (await request.json()) as Record<string, unknown>;
            received.push({ body, headers: request.headers });
            return answer(body, request.headers);
          }),
        );

        const proposal = await bumper({ config: host.config }).propose(
          input({ repository: repoUrl() }),
        );

        expect(proposal).toEqual({
          branch: 'datastack/upgrade-trino-1.43.0',
          commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
          files: ENVIRONMENTS.slice().sort().map(trinoFile),
          pullRequestUrl: webUrl,
          repository: repoUrl(),
        });
        // The branch really is on the host, with the bump.
        expect((await heads(hosted))['datastack/upgrade-trino-1.43.0']).toBe(
          proposal.commitHash,
        );
        expect(
          await show(hosted, proposal.branch, trinoFile('staging')),
        ).toContain('targetRevision: 1.43.0\n');
        // Git got in only with the credentials.
        expect(git.seen).toContain(
          `Basic ${Buffer.from(host.credentials.join(':')).toString('base64')}`,
        );
        expect(received).toHaveLength(1);
        expect(received[0].body).toEqual(expectedBody);
        // Through the libraries Backstage's own publish modules use:
        // Octokit sends a token, gitbeaker GitLab's private-token header.
        const headers: Record<string, unknown> = {
          github: {
            authorization: `token ${CANARY_TOKEN}`,
            'user-agent': expect.stringMatching(/^octokit-rest\.js\//),
          },
          gitlab: { 'private-token': CANARY_TOKEN },
          gitea: {
            authorization: `basic ${Buffer.from(
              host.credentials.join(':'),
            ).toString('base64')}`,
          },
        }[type];
        expect(
          Object.fromEntries(
            Object.keys(headers).map(h => [h, received[0].headers.get(h)]),
          ),
        ).toEqual(headers);
        expectNoSecret(JSON.stringify(proposal));
        expect(fs.readdirSync(workDir)).toEqual([]);
      },
    );

    it.each<
      [
        string,
        HostType,
        () => Response | Promise<Response>,
        jest.Constructable,
        RegExp,
      ]
    >([
      [
        'GitHub 422 Validation Failed (a pull request exists)',
        'github',
        () =>
          HttpResponse.json(
            {
              message: 'Validation Failed',
              errors: [
                {
                  resource: 'PullRequest',
                  code: 'custom',
                  message:
                    'A pull request already exists for acme:datastack/upgrade-trino-1.43.0.',
                },
              ],
              documentation_url:
                'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
              status: '422',
            },
            { status: 422 },
          ),
        ConflictError,
        /^GitHub answered 422 to opening a pull request \(POST https:\/\/ghe.example.com\/api\/v3\/repos\/acme\/orders-gitops\/pulls\): Validation Failed: A pull request already exists/,
      ],
      [
        'GitHub 422 Validation Failed (a field)',
        'github',
        () =>
          HttpResponse.json(
            {
              message: 'Validation Failed',
              errors: [
                { resource: 'PullRequest', field: 'base', code: 'invalid' },
              ],
              documentation_url:
                'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
              status: '422',
            },
            { status: 422 },
          ),
        InputError,
        /Validation Failed: base invalid/,
      ],
      [
        'GitHub 401 Bad credentials, echoing the token back',
        'github',
        () =>
          HttpResponse.json(
            {
              message: `Bad credentials: token ${CANARY_TOKEN} is revoked`,
              documentation_url: 'https://docs.github.com/rest',
              status: '401',
            },
            { status: 401 },
          ),
        NotAllowedError,
        /^GitHub answered 401 to opening a pull request .*: Bad credentials: token \*\*\* is revoked; check the credentials of the github integration/,
      ],
      [
        'GitLab 409 (a merge request exists)',
        'gitlab',
        () =>
          HttpResponse.json(
            {
              message: [
                'Another open merge request already exists for this source branch: !7',
              ],
            },
            { status: 409 },
          ),
        ConflictError,
        /^GitLab answered 409 to opening a merge request .*: Another open merge request already exists for this source branch: !7/,
      ],
      [
        'GitLab 401',
        'gitlab',
        () =>
          HttpResponse.json({ message: '401 Unauthorized' }, { status: 401 }),
        NotAllowedError,
        /GitLab answered 401 .*: 401 Unauthorized/,
      ],
      [
        'GitHub 409 (the head branch moved)',
        'github',
        () =>
          HttpResponse.json(
            {
              message: 'Reference update failed',
              documentation_url:
                'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
              status: '409',
            },
            { status: 409 },
          ),
        ConflictError,
        /^GitHub answered 409 to opening a pull request .*: Reference update failed/,
      ],
      [
        'GitLab 422 (a field)',
        'gitlab',
        () =>
          HttpResponse.json(
            { message: { target_branch: ['is invalid'] } },
            { status: 422 },
          ),
        InputError,
        /^GitLab answered 422 to opening a merge request \(POST https:\/\/gitlab.example.com\/api\/v4\/projects\/acme%2Forders-gitops\/merge_requests\): target_branch is invalid/,
      ],
      [
        'GitLab 401, echoing the token back',
        'gitlab',
        () =>
          HttpResponse.json(
            { message: `401 Unauthorized: ${CANARY_TOKEN}` },
            { status: 401 },
          ),
        NotAllowedError,
        /GitLab answered 401 .*: 401 Unauthorized: \*\*\*; check the credentials of the gitlab integration/,
      ],
      [
        'GitLab hanging past the timeout',
        'gitlab',
        async () => {
          await delay(2_000);
          return HttpResponse.json({}, { status: 201 });
        },
        ServiceUnavailableError,
        /^GitLab did not answer within 250 ms when opening a merge request/,
      ],
      [
        'GitLab answering 502 (one attempt, not gitbeaker’s ten retries)',
        'gitlab',
        () => HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 }),
        ServiceUnavailableError,
        /^GitLab answered 502 to opening a merge request .*: Bad Gateway/,
      ],
      [
        'Gitea 409 (a pull request exists)',
        'gitea',
        () =>
          HttpResponse.json(
            {
              message:
                'pull request already exists for these targets [id: 3, issue_id: 7, head_repo_id: 2, base_repo_id: 2, head_branch: datastack/upgrade-trino-1.43.0, base_branch: main]',
              url: 'https://gitea.example.com/api/swagger',
            },
            { status: 409 },
          ),
        ConflictError,
        /^Gitea answered 409 to opening a pull request .*: pull request already exists for these targets/,
      ],
      [
        'Gitea 422',
        'gitea',
        () =>
          HttpResponse.json(
            {
              message: '[Title]: Required',
              url: 'https://gitea.example.com/api/swagger',
            },
            { status: 422 },
          ),
        InputError,
        /Gitea answered 422 .*: \[Title\]: Required/,
      ],
      [
        'a slow answer past the timeout',
        'github',
        async () => {
          await delay(2_000);
          return HttpResponse.json({}, { status: 201 });
        },
        ServiceUnavailableError,
        /^GitHub did not answer within 250 ms when opening a pull request/,
      ],
      ...(['github', 'gitlab', 'gitea'] as const).map(
        (
          type,
        ): [string, HostType, () => Response, jest.Constructable, RegExp] => [
          `${type}: an answer larger than datastack.gitops.maxResponseBytes`,
          type,
          () =>
            HttpResponse.json(
              {
                html_url: 'https://example.com/pr/1',
                web_url: 'https://example.com/mr/1',
                padding: 'x'.repeat(8 * 1024),
              },
              { status: 201 },
            ),
          ServiceUnavailableError,
          /is unreachable when opening a (pull|merge) request .*declared \d+ bytes, more than the 4096 allowed \(datastack\.gitops\.maxResponseBytes\)/,
        ],
      ),
      [
        'a redirect to another origin',
        'github',
        () =>
          new HttpResponse(null, {
            status: 307,
            headers: { location: 'https://collector.example.net/steal' },
          }),
        ServiceUnavailableError,
        /redirected to another origin \(https:\/\/collector\.example\.net\), which is not followed/,
      ],
      [
        'an answer without the URL',
        'gitea',
        () => HttpResponse.json({ id: 311 }, { status: 201 }),
        ServiceUnavailableError,
        /^Gitea answered 201 to opening a pull request .* without the pull request's URL/,
      ],
    ])(
      '%s: fails naming the host, deletes the branch again, leaks no secret',
      async (_label, type, answer, errorType, message) => {
        const host = hosts()[type];
        git.expect(host.credentials[0], host.credentials[1]);
        msw.use(http.post(host.api, answer));

        const result = bumper({
          config: host.config,
          requestTimeoutMs: 250,
          maxResponseBytes: 4096,
        }).propose(input({ repository: repoUrl() }));
        const error: Error = await result.catch(e => e);
        expect(error).toBeInstanceOf(errorType);
        expect(error.message).toMatch(message);
        expect(error.message).toMatch(
          /The branch "datastack\/upgrade-trino-1.43.0" was deleted again, so the proposal can be retried$/,
        );
        expect(Object.keys(await heads(hosted))).toEqual(['main']);
        expect(logText()).toContain('Opening the pull request failed');
        expectNoSecret(error.message, error.stack ?? '');
        expect(fs.readdirSync(workDir)).toEqual([]);
      },
    );

    it('refuses an existing branch on the host before cloning', async () => {
      const host = hosts().github;
      git.expect(host.credentials[0], host.credentials[1]);
      await runGit([
        '--git-dir',
        hosted,
        'branch',
        'datastack/upgrade-trino-1.43.0',
        'main',
      ]);
      const result = bumper({ config: host.config }).propose(
        input({ repository: repoUrl() }),
      );
      await expect(result).rejects.toThrow(ConflictError);
      expect(fs.existsSync(workDir)).toBe(false);
    });

    it('reports a host that refuses the credentials as unreadable, without them', async () => {
      const host = hosts().gitea;
      git.expect('someone', 'else');
      const result = bumper({ config: host.config }).propose(
        input({ repository: repoUrl() }),
      );
      const error: Error = await result.catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(
        /^repository "http:\/\/127.0.0.1:\d+\/acme\/orders-gitops.git" cannot be read: git ls-remote failed/,
      );
      expectNoSecret(error.message, error.stack ?? '');
    });

    it.each([false, true])(
      'refuses a host without an integration before any git command (dry run %s)',
      async dryRun => {
        git.expect();
        (runGit as jest.Mock).mockClear();
        const seen = git.seen.length;
        const result = bumper().propose(input({ repository: repoUrl() }), {
          dryRun,
        });
        await expect(result).rejects.toThrow(InputError);
        await expect(result).rejects.toThrow(
          `repository "${repoUrl()}": ${
            git.host
          } has no Backstage integration (integrations.*); Datastack only talks to configured git hosts`,
        );
        expect(runGit).not.toHaveBeenCalled();
        expect(git.seen.length).toBe(seen);
        expect(Object.keys(await heads(hosted))).toEqual(['main']);
      },
    );
  });
});
