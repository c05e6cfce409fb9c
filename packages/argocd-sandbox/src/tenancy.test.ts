import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { ArgoCdSandbox, startArgoCdSandbox } from './index';
import type { AppProject, Application, ApplicationTree } from './index';

// Argo CD's tenancy, through real HTTP: "Applications in any namespace",
// AppProject resource rules at sync time, an app of apps that really
// creates (or is refused) its children, and the AppProject API.

const TOKEN = 'tenancy-token';
const IN_CLUSTER = 'https://kubernetes.default.svc';
const CHARTS = 'https://charts.example.com';

interface ErrorBody {
  error: string;
  code: number;
  message: string;
}

interface Answer<T> {
  status: number;
  body: T;
}

async function call<T = ErrorBody>(
  sandbox: ArgoCdSandbox,
  method: string,
  path: string,
  body?: unknown,
  token = TOKEN,
): Promise<Answer<T>> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function argoError(code: number, message: string): ErrorBody {
  return { error: message, code, message };
}

const vague = (project: string) =>
  argoError(
    3,
    `app is not allowed in project "${project}", or the project does not exist`,
  );

function teamProject(team: string, repo: string): AppProject {
  return {
    metadata: {
      name: `team-${team}`,
      labels: { 'datastack.io/team': team },
      annotations: { 'datastack.io/owner': `group:default/${team}` },
    },
    spec: {
      sourceRepos: [repo, CHARTS],
      destinations: [
        { server: IN_CLUSTER, namespace: `${team}-*` },
        { server: IN_CLUSTER, namespace: `argocd-apps-${team}` },
      ],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
      sourceNamespaces: [`argocd-apps-${team}`],
      roles: [
        {
          name: 'team',
          policies: [
            `p, proj:team-${team}:team, applications, sync, team-${team}/*, allow`,
          ],
          groups: [team],
        },
      ],
    },
  };
}

const platformProject: AppProject = {
  metadata: { name: 'platform' },
  spec: {
    sourceRepos: ['*'],
    destinations: [{ server: '*', namespace: '*' }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
  },
};

function app(
  name: string,
  namespace: string | undefined,
  project: string,
  overrides: Partial<Application['spec']> = {},
): Application {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: {
      project,
      source: { repoURL: CHARTS, chart: 'airflow', targetRevision: '1.16.0' },
      destination: { server: IN_CLUSTER, namespace: 'a-airflow' },
      ...overrides,
    },
  };
}

describe('argocd-sandbox tenancy', () => {
  let clock = Date.parse('2025-06-01T10:00:00Z');
  let gitRoot: string;
  let sandbox: ArgoCdSandbox;

  function git(args: string[], cwd?: string): string {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    }).trim();
  }

  /** A bare repository under the git root holding `files`; answers its file:// URL and HEAD. */
  function repository(
    name: string,
    files: Record<string, unknown[]>,
  ): { url: string; head: string } {
    const bare = join(gitRoot, `${name}.git`);
    const work = join(gitRoot, `${name}-work`);
    rmSync(bare, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    git(['init', '--quiet', '--initial-branch=main', work]);
    for (const [file, docs] of Object.entries(files)) {
      mkdirSync(dirname(join(work, file)), { recursive: true });
      writeFileSync(
        join(work, file),
        docs.map(d => stringify(d)).join('---\n'),
      );
    }
    git(['add', '.'], work);
    git(['commit', '--quiet', '-m', 'manifests'], work);
    git(['push', '--quiet', bare, 'main'], work);
    return {
      url: pathToFileURL(bare).href,
      head: git(['rev-parse', 'HEAD'], work),
    };
  }

  beforeAll(() => {
    gitRoot = mkdtempSync(join(tmpdir(), 'argocd-sandbox-tenancy-'));
  });

  afterAll(() => {
    rmSync(gitRoot, { recursive: true, force: true });
  });

  beforeEach(async () => {
    clock = Date.parse('2025-06-01T10:00:00Z');
    sandbox = await startArgoCdSandbox({
      name: 'tenancy',
      token: TOKEN,
      syncDurationMs: 1000,
      now: () => clock,
      gitRoot,
      applicationNamespaces: ['argocd-apps-*'],
    });
    for (const project of [
      teamProject('a', 'file://*'),
      teamProject('b', 'file://*'),
      platformProject,
    ]) {
      const res = await call(sandbox, 'POST', '/api/v1/projects', {
        project,
      });
      if (res.status !== 200) {
        throw new Error(`project setup failed: ${JSON.stringify(res.body)}`);
      }
    }
  });

  afterEach(async () => {
    await sandbox.close();
  });

  describe('Applications in any namespace', () => {
    it('admits an Application in its team namespace only with its own project', async () => {
      const ok = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('airflow', 'argocd-apps-a', 'team-a'),
      );
      expect(ok.status).toBe(200);
      expect(ok.body.metadata.namespace).toBe('argocd-apps-a');

      for (const project of ['platform', 'default', 'team-b', 'missing']) {
        const refused = await call(
          sandbox,
          'POST',
          '/api/v1/applications?upsert=true',
          app('airflow', 'argocd-apps-a', project),
        );
        expect({ project, ...refused }).toEqual({
          project,
          status: 400,
          body: vague(project),
        });
      }

      // In the control-plane namespace any project may be used.
      const inArgocd = await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('airflow', undefined, 'team-a'),
      );
      expect(inArgocd.status).toBe(200);
    });

    it('refuses Applications in namespaces the instance does not watch', async () => {
      const wide: AppProject = {
        metadata: { name: 'wide' },
        spec: {
          sourceRepos: ['*'],
          destinations: [{ server: '*', namespace: '*' }],
          sourceNamespaces: ['*'],
        },
      };
      await call(sandbox, 'POST', '/api/v1/projects', { project: wide });
      const res = await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('x', 'kube-system', 'wide'),
      );
      expect(res).toEqual({
        status: 500,
        body: argoError(2, "namespace 'kube-system' is not permitted"),
      });

      const plain = await startArgoCdSandbox({ name: 'plain', token: TOKEN });
      try {
        await call(plain, 'POST', '/api/v1/projects', {
          project: teamProject('a', '*'),
        });
        const refused = await call(
          plain,
          'POST',
          '/api/v1/applications',
          app('airflow', 'argocd-apps-a', 'team-a'),
        );
        expect(refused).toEqual({
          status: 500,
          body: argoError(2, "namespace 'argocd-apps-a' is not permitted"),
        });
      } finally {
        await plain.close();
      }
    });

    it('finds, lists, syncs, updates and deletes by appNamespace, as Argo CD does', async () => {
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('airflow', 'argocd-apps-a', 'team-a'),
      );
      const found = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow?appNamespace=argocd-apps-a',
      );
      expect(found.status).toBe(200);
      // Without appNamespace Argo CD looks in its own namespace.
      expect(
        await call(sandbox, 'GET', '/api/v1/applications/airflow'),
      ).toEqual({ status: 403, body: argoError(7, 'permission denied') });
      // A namespace the instance does not watch hides everything, project or not.
      expect(
        await call(
          sandbox,
          'GET',
          '/api/v1/applications/airflow?appNamespace=kube-system&project=team-a',
        ),
      ).toEqual({ status: 403, body: argoError(7, 'permission denied') });

      const listed = await call<{ items: Application[] | null }>(
        sandbox,
        'GET',
        '/api/v1/applications?appNamespace=argocd-apps-a',
      );
      expect(listed.body.items?.map(a => a.metadata.name)).toEqual(['airflow']);
      const otherTeam = await call<{ items: Application[] | null }>(
        sandbox,
        'GET',
        '/api/v1/applications?appNamespace=argocd-apps-b',
      );
      expect(otherTeam.body.items).toBeNull();

      const synced = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications/airflow/sync',
        { appNamespace: 'argocd-apps-a' },
      );
      expect(synced.body.operation?.initiatedBy.username).toBe('admin');
      clock += 1000;
      const tree = await call<ApplicationTree>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow/resource-tree?appNamespace=argocd-apps-a',
      );
      expect(tree.body.nodes?.length).toBeGreaterThan(0);

      const hijack = app('airflow', 'argocd-apps-a', 'platform');
      expect(
        await call(sandbox, 'PUT', '/api/v1/applications/airflow', hijack),
      ).toEqual({ status: 400, body: vague('platform') });

      // A project that stops admitting the namespace hides its Applications.
      const project = await call<AppProject>(
        sandbox,
        'GET',
        '/api/v1/projects/team-a',
      );
      project.body.spec.sourceNamespaces = ['argocd-apps-elsewhere'];
      expect(
        (
          await call(sandbox, 'PUT', '/api/v1/projects/team-a', {
            project: project.body,
          })
        ).status,
      ).toBe(200);
      expect(
        await call(
          sandbox,
          'GET',
          '/api/v1/applications/airflow?appNamespace=argocd-apps-a',
        ),
      ).toEqual({ status: 400, body: vague('team-a') });

      project.body.spec.sourceNamespaces = ['argocd-apps-a'];
      const current = await call<AppProject>(
        sandbox,
        'GET',
        '/api/v1/projects/team-a',
      );
      project.body.metadata.resourceVersion =
        current.body.metadata.resourceVersion;
      await call(sandbox, 'PUT', '/api/v1/projects/team-a', {
        project: project.body,
      });
      expect(
        await call(
          sandbox,
          'DELETE',
          '/api/v1/applications/airflow?appNamespace=argocd-apps-a&cascade=false',
        ),
      ).toEqual({ status: 200, body: {} });
      expect(sandbox.applications()).toEqual([]);
    });
  });

  describe('resource rules at sync time', () => {
    it('fails the sync of an operator chart in a team project, and not in platform', async () => {
      const operator = (project: string, namespace: string) =>
        app(`kafka-${project}`, undefined, project, {
          source: {
            repoURL: CHARTS,
            chart: 'strimzi-kafka-operator',
            targetRevision: '0.48.0',
          },
          destination: { server: IN_CLUSTER, namespace },
        });
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        operator('team-a', 'a-kafka'),
      );
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        operator('platform', 'strimzi'),
      );
      await call(sandbox, 'POST', '/api/v1/applications/kafka-team-a/sync', {});
      await call(
        sandbox,
        'POST',
        '/api/v1/applications/kafka-platform/sync',
        {},
      );
      const refused = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/kafka-team-a',
      );
      const state = refused.body.status?.operationState;
      expect(state?.phase).toBe('Failed');
      expect(state?.message).toBe(
        'one or more synchronization tasks are not valid: resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team-a; resource rbac.authorization.k8s.io:ClusterRoleBinding is not permitted in project team-a',
      );
      expect(state?.syncResult?.resources).toEqual([
        {
          group: 'rbac.authorization.k8s.io',
          version: 'v1',
          kind: 'ClusterRole',
          namespace: '',
          name: 'strimzi-cluster-operator-namespaced',
          status: 'SyncFailed',
          message:
            'resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team-a',
          syncPhase: 'Sync',
        },
        expect.objectContaining({
          kind: 'ClusterRoleBinding',
          status: 'SyncFailed',
        }),
      ]);
      // Nothing was applied.
      expect(
        (
          await call<ApplicationTree>(
            sandbox,
            'GET',
            '/api/v1/applications/kafka-team-a/resource-tree',
          )
        ).body,
      ).toEqual({});

      clock += 1000;
      const allowed = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/kafka-platform',
      );
      expect(allowed.body.status?.operationState?.phase).toBe('Succeeded');
      expect(allowed.body.status?.sync.status).toBe('Synced');
    });

    it('checks the namespace CreateNamespace=true would create against the cluster whitelist', async () => {
      const project = (
        await call<AppProject>(sandbox, 'GET', '/api/v1/projects/team-a')
      ).body;
      project.spec.clusterResourceWhitelist = [];
      await call(sandbox, 'PUT', '/api/v1/projects/team-a', { project });
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('airflow', 'argocd-apps-a', 'team-a', {
          syncPolicy: {
            automated: { prune: true },
            syncOptions: ['CreateNamespace=true'],
          },
        }),
      );
      const res = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow?appNamespace=argocd-apps-a',
      );
      expect(res.body.status?.operationState?.phase).toBe('Failed');
      expect(res.body.status?.operationState?.message).toBe(
        'one or more synchronization tasks are not valid: resource :Namespace is not permitted in project team-a',
      );
      expect(res.body.status?.conditions).toEqual([
        expect.objectContaining({
          type: 'SyncError',
          message: expect.stringContaining(
            'resource :Namespace is not permitted in project team-a',
          ),
        }),
      ]);
      // Without the option nothing cluster-scoped is created.
      const manual = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications/airflow/sync',
        { appNamespace: 'argocd-apps-a', syncOptions: { items: [] } },
      );
      expect(manual.status).toBe(200);
      clock += 1000;
      const synced = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow?appNamespace=argocd-apps-a',
      );
      expect(synced.body.status?.operationState?.phase).toBe('Succeeded');
    });

    it('checks namespaced kinds against the white- and blacklists and destinations', async () => {
      const repo = repository('namespaced', {
        'kafka/kafka.yaml': [
          {
            apiVersion: 'kafka.strimzi.io/v1',
            kind: 'Kafka',
            metadata: { name: 'events' },
          },
          {
            apiVersion: 'v1',
            kind: 'ResourceQuota',
            metadata: { name: 'unlimited' },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'elsewhere', namespace: 'b-kafka' },
          },
        ],
      });
      const created = await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('kafka', 'argocd-apps-a', 'team-a', {
          source: { repoURL: repo.url, path: 'kafka', targetRevision: 'main' },
          destination: { server: IN_CLUSTER, namespace: 'a-kafka' },
        }),
      );
      expect(created.status).toBe(200);
      await call(sandbox, 'POST', '/api/v1/applications/kafka/sync', {
        appNamespace: 'argocd-apps-a',
      });
      const res = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/kafka?appNamespace=argocd-apps-a',
      );
      expect(res.body.status?.sync.revision).toBe(repo.head);
      expect(res.body.status?.operationState?.message).toBe(
        "one or more synchronization tasks are not valid: namespace b-kafka is not permitted in project 'team-a'; resource :ResourceQuota is not permitted in project team-a",
      );

      // A namespace whitelist allows only what it lists.
      const project = (
        await call<AppProject>(sandbox, 'GET', '/api/v1/projects/team-a')
      ).body;
      project.spec.namespaceResourceWhitelist = [
        { group: 'kafka.strimzi.io', kind: '*' },
      ];
      project.spec.namespaceResourceBlacklist = [];
      await call(sandbox, 'PUT', '/api/v1/projects/team-a', { project });
      const narrowed = repository('narrowed', {
        'kafka/kafka.yaml': [
          {
            apiVersion: 'kafka.strimzi.io/v1',
            kind: 'Kafka',
            metadata: { name: 'events' },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'settings' },
          },
        ],
      });
      await call(
        sandbox,
        'POST',
        '/api/v1/applications?upsert=true',
        app('kafka', 'argocd-apps-a', 'team-a', {
          source: {
            repoURL: narrowed.url,
            path: 'kafka',
            targetRevision: 'main',
          },
          destination: { server: IN_CLUSTER, namespace: 'a-kafka' },
        }),
      );
      await call(sandbox, 'POST', '/api/v1/applications/kafka/sync', {
        appNamespace: 'argocd-apps-a',
      });
      const again = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/kafka?appNamespace=argocd-apps-a',
      );
      expect(again.body.status?.operationState?.message).toBe(
        'one or more synchronization tasks are not valid: resource :ConfigMap is not permitted in project team-a',
      );
    });
  });

  describe('app of apps', () => {
    const child = (
      name: string,
      namespace: string | undefined,
      project: string,
      destinationNamespace = `a-${name}`,
    ) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: {
        project,
        source: {
          repoURL: CHARTS,
          chart: 'airflow',
          targetRevision: '1.16.0',
        },
        destination: { server: IN_CLUSTER, namespace: destinationNamespace },
      },
    });

    async function syncRoot(
      repo: { url: string },
      project = 'team-a',
      namespace = 'argocd-apps-a',
    ): Promise<Application> {
      const created = await call(
        sandbox,
        'POST',
        '/api/v1/applications?upsert=true',
        app('root', namespace, project, {
          source: { repoURL: repo.url, path: 'apps', targetRevision: 'main' },
          destination: { server: IN_CLUSTER, namespace },
        }),
      );
      expect(created.status).toBe(200);
      await call(sandbox, 'POST', '/api/v1/applications/root/sync', {
        appNamespace: namespace,
      });
      clock += 1000;
      return (
        await call<Application>(
          sandbox,
          'GET',
          `/api/v1/applications/root?appNamespace=${namespace}`,
        )
      ).body;
    }

    it('creates the children its project and theirs admit, and refuses the others', async () => {
      const repo = repository('team-a-hostile-children', {
        'apps/children.yaml': [
          child('airflow', undefined, 'team-a'),
          child('escalate', undefined, 'platform'),
          child('fallback', undefined, 'default'),
          child('outside', undefined, 'team-a', 'kube-system'),
        ],
      });
      const root = await syncRoot(repo);
      const state = root.status?.operationState;
      expect(state?.phase).toBe('Failed');
      expect(state?.message).toBe(
        "one or more objects failed to apply, reason: app is not allowed in project \"platform\", or the project does not exist,app is not allowed in project \"default\", or the project does not exist,application spec for outside is invalid: InvalidSpecError: application destination server 'https://kubernetes.default.svc' and namespace 'kube-system' do not match any of the allowed destinations in project 'team-a'",
      );
      expect(
        sandbox
          .applications()
          .map(a => `${a.metadata.namespace}/${a.metadata.name}`),
      ).toEqual(['argocd-apps-a/airflow', 'argocd-apps-a/root']);
      const airflow = sandbox
        .applications()
        .find(a => a.metadata.name === 'airflow')!;
      expect(airflow.metadata.annotations).toEqual({
        'argocd.argoproj.io/tracking-id':
          'root:argoproj.io/Application:argocd-apps-a/airflow',
      });
      expect(root.status?.sync.status).toBe('OutOfSync');
      expect(root.status?.resources?.find(r => r.name === 'escalate')).toEqual(
        expect.objectContaining({
          kind: 'Application',
          status: 'OutOfSync',
          health: { status: 'Missing' },
        }),
      );
    });

    it.each([
      [
        'an AppProject',
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'AppProject',
          metadata: { name: 'team-a', namespace: 'argocd' },
          spec: {
            sourceRepos: ['*'],
            destinations: [{ server: '*', namespace: '*' }],
          },
        },
        "namespace argocd is not permitted in project 'team-a'",
      ],
      [
        'a ClusterRole',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'cluster-admin-too' },
          rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
        },
        'resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team-a',
      ],
      [
        "an Application in another team's namespace",
        child('airflow', 'argocd-apps-b', 'team-b', 'b-airflow'),
        "namespace argocd-apps-b is not permitted in project 'team-a'",
      ],
    ])(
      'refuses a team repository pushing %s, applying nothing',
      async (what, hostile, reason) => {
        const repo = repository(`team-a-${what.replace(/\W+/g, '-')}`, {
          'apps/children.yaml': [
            child('airflow', undefined, 'team-a'),
            hostile,
          ],
        });
        const root = await syncRoot(repo);
        expect(root.status?.operationState?.phase).toBe('Failed');
        expect(root.status?.operationState?.message).toBe(
          `one or more synchronization tasks are not valid: ${reason}`,
        );
        expect(sandbox.applications().map(a => a.metadata.name)).toEqual([
          'root',
        ]);
        const project = await call<AppProject>(
          sandbox,
          'GET',
          '/api/v1/projects/team-a',
        );
        expect(project.body.spec.sourceRepos).toEqual(['file://*', CHARTS]);
      },
    );

    it('lets the platform app of apps in argocd create AppProjects and prunes removed children', async () => {
      const repo = repository('platform', {
        'apps/projects.yaml': [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'AppProject',
            metadata: { name: 'team-c', namespace: 'argocd' },
            spec: {
              sourceRepos: [CHARTS],
              destinations: [{ server: IN_CLUSTER, namespace: 'c-*' }],
              sourceNamespaces: ['argocd-apps-c'],
            },
          },
          child('strimzi', 'argocd', 'platform', 'strimzi'),
        ],
      });
      const root = await syncRoot(repo, 'platform', 'argocd');
      expect(root.status?.operationState?.phase).toBe('Succeeded');
      const created = await call<AppProject>(
        sandbox,
        'GET',
        '/api/v1/projects/team-c',
      );
      expect(created.body.spec.sourceNamespaces).toEqual(['argocd-apps-c']);
      expect(sandbox.applications().map(a => a.metadata.name)).toEqual([
        'root',
        'strimzi',
      ]);

      const pruned = repository('platform', {
        'apps/projects.yaml': [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'AppProject',
            metadata: { name: 'team-c', namespace: 'argocd' },
            spec: {
              sourceRepos: [CHARTS],
              destinations: [{ server: IN_CLUSTER, namespace: 'c-*' }],
              sourceNamespaces: ['argocd-apps-c'],
            },
          },
        ],
      });
      const sync = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications/root/sync',
        { prune: true },
      );
      expect(sync.body.status?.sync.revision).toBe(pruned.head);
      clock += 1000;
      expect(sandbox.applications().map(a => a.metadata.name)).toEqual([
        'root',
      ]);
    });

    it('reads only the top directory unless directory.recurse, as the repo-server does', async () => {
      const repo = repository('nested', {
        'apps/airflow.yaml': [child('airflow', undefined, 'team-a')],
        'apps/nested/role.yaml': [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: { name: 'nested-admin' },
          },
        ],
      });
      const flat = await syncRoot(repo);
      expect(flat.status?.operationState?.phase).toBe('Succeeded');
      expect(flat.status?.resources?.map(r => r.kind)).toEqual(['Application']);

      const recursive = await call(
        sandbox,
        'POST',
        '/api/v1/applications?upsert=true',
        app('root', 'argocd-apps-a', 'team-a', {
          source: {
            repoURL: repo.url,
            path: 'apps',
            targetRevision: 'main',
            directory: { recurse: true },
          },
          destination: { server: IN_CLUSTER, namespace: 'argocd-apps-a' },
        }),
      );
      expect(recursive.status).toBe(200);
      await call(sandbox, 'POST', '/api/v1/applications/root/sync', {
        appNamespace: 'argocd-apps-a',
      });
      const refused = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/root?appNamespace=argocd-apps-a',
      );
      expect(refused.body.status?.operationState?.message).toBe(
        'one or more synchronization tasks are not valid: resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team-a',
      );
    });

    it('syncs an automated app of apps by itself and sees a push on refresh', async () => {
      const first = repository('automated', {
        'apps/children.yaml': [child('airflow', undefined, 'team-a')],
      });
      const created = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('root', 'argocd-apps-a', 'team-a', {
          source: { repoURL: first.url, path: 'apps', targetRevision: 'main' },
          destination: { server: IN_CLUSTER, namespace: 'argocd-apps-a' },
          syncPolicy: { automated: { prune: true } },
        }),
      );
      expect(created.body.status?.sync.revision).toBe(first.head);
      clock += 1000;
      // The children exist as soon as the sync is over, whoever reads first.
      expect(
        (
          await call(
            sandbox,
            'GET',
            '/api/v1/applications/airflow?appNamespace=argocd-apps-a',
          )
        ).status,
      ).toBe(200);

      const second = repository('automated', {
        'apps/children.yaml': [child('trino', undefined, 'team-a')],
      });
      const refreshed = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/root?appNamespace=argocd-apps-a&refresh=normal',
      );
      expect(refreshed.body.status?.sync.revision).toBe(second.head);
      expect(refreshed.body.status?.operationState?.phase).toBe('Running');
      clock += 1000;
      expect(
        sandbox
          .applications()
          .map(a => a.metadata.name)
          .sort(),
      ).toEqual(['root', 'trino']);
    });

    it('enforces the same rules on POST /sandbox/import asApplication, and stays an admin import without', async () => {
      const repo = repository('import-hostile', {
        'apps/children.yaml': [
          child('airflow', undefined, 'team-a'),
          child('escalate', undefined, 'platform'),
        ],
      });
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('root', 'argocd-apps-a', 'team-a', {
          source: { repoURL: repo.url, path: 'apps', targetRevision: 'main' },
          destination: { server: IN_CLUSTER, namespace: 'argocd-apps-a' },
        }),
      );
      const imported = await fetch(`${sandbox.url}/sandbox/import`, {
        method: 'POST',
        body: JSON.stringify({
          repoUrl: repo.url,
          path: 'apps',
          asApplication: 'argocd-apps-a/root',
        }),
      });
      expect(imported.status).toBe(200);
      expect(await imported.json()).toEqual({
        revision: repo.head,
        applications: ['argocd-apps-a/airflow'],
        projects: [],
        skipped: [
          {
            file: 'apps/children.yaml',
            reason:
              'app is not allowed in project "platform", or the project does not exist',
          },
        ],
        phase: 'Failed',
        message:
          'one or more objects failed to apply, reason: app is not allowed in project "platform", or the project does not exist',
      });

      const unknownParent = await fetch(`${sandbox.url}/sandbox/import`, {
        method: 'POST',
        body: JSON.stringify({
          repoUrl: repo.url,
          path: 'apps',
          asApplication: 'argocd-apps-a/ghost',
        }),
      });
      expect(unknownParent.status).toBe(403);

      const admin = await fetch(`${sandbox.url}/sandbox/import`, {
        method: 'POST',
        body: JSON.stringify({ repoUrl: repo.url, path: 'apps' }),
      });
      expect(
        ((await admin.json()) as { applications: string[] }).applications,
      ).toEqual(['argocd/airflow', 'argocd/escalate']);
    });
  });

  describe('project-scoped tokens', () => {
    let scoped: ArgoCdSandbox;
    const iat = '2025-06-01T10:00:00Z';

    beforeEach(async () => {
      scoped = await startArgoCdSandbox({
        name: 'scoped',
        token: TOKEN,
        syncDurationMs: 1000,
        now: () => clock,
        applicationNamespaces: ['argocd-apps-*'],
        projectTokens: {
          'ci-a': 'proj:team-a:ci',
          'viewer-a': 'proj:team-a:viewer',
          'ghost-a': 'proj:team-a:ghost',
        },
      });
      const a = teamProject('a', '*');
      a.spec.roles = [
        {
          name: 'ci',
          policies: ['p, proj:team-a:ci, applications, *, team-a/*, allow'],
        },
        {
          name: 'viewer',
          policies: [
            'p, proj:team-a:viewer, applications, *, team-a/*, allow',
            'p, proj:team-a:viewer, applications, sync, team-a/*, deny',
          ],
        },
      ];
      for (const project of [a, teamProject('b', '*')]) {
        await call(scoped, 'POST', '/api/v1/projects', { project });
      }
      await call(
        scoped,
        'POST',
        '/api/v1/applications',
        app('airflow', 'argocd-apps-a', 'team-a'),
      );
      await call(
        scoped,
        'POST',
        '/api/v1/applications',
        app('trino', undefined, 'team-b', {
          destination: { server: IN_CLUSTER, namespace: 'b-trino' },
        }),
      );
    });

    afterEach(async () => {
      await scoped.close();
    });

    it('lets a project role do what its policies allow, and nothing else', async () => {
      const listed = await call<{ items: Application[] | null }>(
        scoped,
        'GET',
        '/api/v1/applications',
        undefined,
        'ci-a',
      );
      expect(listed.body.items?.map(a => a.metadata.name)).toEqual(['airflow']);
      const sync = await call(
        scoped,
        'POST',
        '/api/v1/applications/airflow/sync',
        { appNamespace: 'argocd-apps-a' },
        'ci-a',
      );
      expect(sync.status).toBe(200);

      // Another team's Application does not exist for it, named project or not.
      expect(
        await call(
          scoped,
          'POST',
          '/api/v1/applications/trino/sync',
          {},
          'ci-a',
        ),
      ).toEqual({ status: 403, body: argoError(7, 'permission denied') });
      expect(
        await call(
          scoped,
          'GET',
          '/api/v1/applications/trino?project=team-b',
          undefined,
          'ci-a',
        ),
      ).toEqual({ status: 403, body: argoError(7, 'permission denied') });

      expect(
        await call(
          scoped,
          'POST',
          '/api/v1/applications',
          app('escalate', 'argocd-apps-a', 'platform'),
          'ci-a',
        ),
      ).toEqual({
        status: 403,
        body: argoError(
          7,
          `permission denied: applications, create, platform/argocd-apps-a/escalate, sub: proj:team-a:ci, iat: ${iat}`,
        ),
      });

      expect(
        (
          await call(
            scoped,
            'GET',
            '/api/v1/projects/team-a',
            undefined,
            'ci-a',
          )
        ).status,
      ).toBe(200);
      expect(
        await call(scoped, 'GET', '/api/v1/projects/team-b', undefined, 'ci-a'),
      ).toEqual({
        status: 403,
        body: argoError(
          7,
          `permission denied: projects, get, team-b, sub: proj:team-a:ci, iat: ${iat}`,
        ),
      });
      expect(
        await call(
          scoped,
          'POST',
          '/api/v1/projects',
          { project: teamProject('a', '*'), upsert: true },
          'ci-a',
        ),
      ).toEqual({
        status: 403,
        body: argoError(
          7,
          `permission denied: projects, create, team-a, sub: proj:team-a:ci, iat: ${iat}`,
        ),
      });
      const clusters = await call<{ items: unknown[] }>(
        scoped,
        'GET',
        '/api/v1/clusters',
        undefined,
        'ci-a',
      );
      expect(clusters.body.items).toEqual([]);
    });

    it('lets deny policies win, and a role the project lacks do nothing', async () => {
      const read = await call(
        scoped,
        'GET',
        '/api/v1/applications/airflow?appNamespace=argocd-apps-a',
        undefined,
        'viewer-a',
      );
      expect(read.status).toBe(200);
      expect(
        await call(
          scoped,
          'POST',
          '/api/v1/applications/airflow/sync',
          { appNamespace: 'argocd-apps-a' },
          'viewer-a',
        ),
      ).toEqual({
        status: 403,
        body: argoError(
          7,
          `permission denied: applications, sync, team-a/argocd-apps-a/airflow, sub: proj:team-a:viewer, iat: ${iat}`,
        ),
      });
      const ghost = await call<{ items: Application[] | null }>(
        scoped,
        'GET',
        '/api/v1/applications',
        undefined,
        'ghost-a',
      );
      expect(ghost.body.items).toBeNull();
      expect(
        (
          await call(
            scoped,
            'GET',
            '/api/v1/applications/airflow?appNamespace=argocd-apps-a',
            undefined,
            'ghost-a',
          )
        ).status,
      ).toBe(403);
    });
  });

  describe('AppProject API', () => {
    it('creates idempotently, refuses a different spec without upsert, and upserts the spec only', async () => {
      const first = await call<AppProject>(
        sandbox,
        'GET',
        '/api/v1/projects/team-a',
      );
      expect(first.body.metadata.labels).toEqual({ 'datastack.io/team': 'a' });
      expect(first.body.metadata.annotations).toEqual({
        'datastack.io/owner': 'group:default/a',
      });
      expect(first.body.spec.roles?.[0].groups).toEqual(['a']);

      const same = await call<AppProject>(sandbox, 'POST', '/api/v1/projects', {
        project: teamProject('a', 'file://*'),
      });
      expect(same.body.metadata.uid).toBe(first.body.metadata.uid);

      const changed = teamProject('a', 'file:///elsewhere/*');
      changed.metadata.labels = { 'datastack.io/team': 'intruder' };
      expect(
        await call(sandbox, 'POST', '/api/v1/projects', { project: changed }),
      ).toEqual({
        status: 400,
        body: argoError(
          3,
          'existing project spec is different; use upsert flag to force update; difference in keys "SourceRepos,0"',
        ),
      });
      const upserted = await call<AppProject>(
        sandbox,
        'POST',
        '/api/v1/projects',
        { project: changed, upsert: true },
      );
      expect(upserted.body.spec.sourceRepos).toEqual([
        'file:///elsewhere/*',
        CHARTS,
      ]);
      expect(upserted.body.metadata.labels).toEqual({
        'datastack.io/team': 'a',
      });
      expect(await call(sandbox, 'POST', '/api/v1/projects', {})).toEqual({
        status: 400,
        body: argoError(3, "missing payload 'project' in request"),
      });
    });

    it('refuses role policies that reach beyond their own project', async () => {
      const greedy = teamProject('a', '*');
      greedy.metadata.name = 'team-greedy';
      greedy.spec.roles = [
        {
          name: 'ci',
          policies: [
            'p, proj:team-greedy:ci, applications, *, team-b/*, allow',
          ],
        },
      ];
      expect(
        await call(sandbox, 'POST', '/api/v1/projects', { project: greedy }),
      ).toEqual({
        status: 400,
        body: argoError(
          3,
          "error validating project: invalid policy rule 'p, proj:team-greedy:ci, applications, *, team-b/*, allow': object must be of form 'team-greedy/*', 'team-greedy[/<NAMESPACE>]/<APPNAME>' or 'team-greedy/<APPNAME>', not 'team-b/*'",
        ),
      });
      const project = (
        await call<AppProject>(sandbox, 'GET', '/api/v1/projects/team-a')
      ).body;
      project.spec.roles = [
        {
          name: 'ci',
          policies: ['p, proj:team-b:ci, applications, sync, team-a/*, allow'],
        },
      ];
      expect(
        await call(sandbox, 'PUT', '/api/v1/projects/team-a', { project }),
      ).toEqual({
        status: 400,
        body: argoError(
          3,
          "invalid policy rule 'p, proj:team-b:ci, applications, sync, team-a/*, allow': policy subject must be: 'proj:team-a:ci', not 'proj:team-b:ci'",
        ),
      });
      project.spec.roles = [];
      project.spec.destinations = [
        { server: IN_CLUSTER, namespace: 'a-*' },
        { server: IN_CLUSTER, namespace: 'a-*' },
      ];
      expect(
        await call(sandbox, 'PUT', '/api/v1/projects/team-a', { project }),
      ).toEqual({
        status: 400,
        body: argoError(
          3,
          "destination 'https://kubernetes.default.svc/a-*' already added",
        ),
      });
    });

    it('updates only at the resourceVersion read, and replaces labels and annotations', async () => {
      const read = (
        await call<AppProject>(sandbox, 'GET', '/api/v1/projects/team-b')
      ).body;
      const stale = structuredClone(read);
      read.metadata.labels = { 'datastack.io/team': 'b', extra: 'yes' };
      delete read.metadata.annotations;
      read.spec.sourceNamespaces = ['argocd-apps-b', 'argocd-apps-b2'];
      const updated = await call<AppProject>(
        sandbox,
        'PUT',
        '/api/v1/projects/team-b',
        { project: read },
      );
      expect(updated.status).toBe(200);
      expect(updated.body.metadata.labels).toEqual({
        'datastack.io/team': 'b',
        extra: 'yes',
      });
      expect(updated.body.metadata.annotations).toBeUndefined();
      expect(updated.body.metadata.generation).toBe(2);

      expect(
        await call(sandbox, 'PUT', '/api/v1/projects/team-b', {
          project: stale,
        }),
      ).toEqual({
        status: 409,
        body: argoError(
          10,
          'Operation cannot be fulfilled on appprojects.argoproj.io "team-b": the object has been modified; please apply your changes to the latest version and try again',
        ),
      });
      delete stale.metadata.resourceVersion;
      expect(
        await call(sandbox, 'PUT', '/api/v1/projects/team-b', {
          project: stale,
        }),
      ).toEqual({
        status: 400,
        body: argoError(
          3,
          'appprojects.argoproj.io "team-b" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
        ),
      });
    });

    it('refuses narrowing a project under its Applications, deleting default, and deleting a used project', async () => {
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        app('airflow', undefined, 'team-a'),
      );
      const project = (
        await call<AppProject>(sandbox, 'GET', '/api/v1/projects/team-a')
      ).body;
      project.spec.destinations = [
        { server: IN_CLUSTER, namespace: 'a-kafka' },
      ];
      expect(
        await call(sandbox, 'PUT', '/api/v1/projects/team-a', { project }),
      ).toEqual({
        status: 400,
        body: argoError(
          3,
          'as a result of project update 1 applications destination became invalid',
        ),
      });
      expect(await call(sandbox, 'DELETE', '/api/v1/projects/default')).toEqual(
        {
          status: 400,
          body: argoError(
            3,
            "name 'default' is reserved and cannot be deleted",
          ),
        },
      );
      expect(await call(sandbox, 'DELETE', '/api/v1/projects/team-a')).toEqual({
        status: 400,
        body: argoError(3, 'project is referenced by 1 applications'),
      });
      expect(await call(sandbox, 'DELETE', '/api/v1/projects/team-b')).toEqual({
        status: 200,
        body: {},
      });
      expect(await call(sandbox, 'GET', '/api/v1/projects/team-b')).toEqual({
        status: 404,
        body: argoError(5, 'appprojects.argoproj.io "team-b" not found'),
      });
    });
  });
});
