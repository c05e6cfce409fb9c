import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArgoCdSandbox, startArgoCdSandbox } from './index';
import type {
  Application,
  ApplicationSpec,
  ApplicationTree,
  Cluster,
} from './index';

const TOKEN = 'sandbox-test-token';

interface Answer<T> {
  status: number;
  body: T;
}

interface ErrorBody {
  error: string;
  code: number;
  message: string;
}

interface ListBody {
  metadata: { resourceVersion: string };
  items: Application[] | null;
}

interface StatusBody {
  kind: string;
  status: string;
  reason: string;
  code: number;
}

interface NodeListBody {
  kind: string;
  items: Array<{
    status: {
      conditions: Array<{ type: string; status: string }>;
      nodeInfo: { kubeletVersion: string };
    };
  }>;
}

async function call<T = ErrorBody>(
  sandbox: ArgoCdSandbox,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<Answer<T>> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function application(
  name: string,
  labels: Record<string, string> = {},
  spec: Partial<ApplicationSpec> = {},
): Application {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      labels,
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://airflow.apache.org',
        chart: 'airflow',
        targetRevision: '1.16.0',
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: 'airflow',
      },
      ...spec,
    },
  };
}

describe('argocd-sandbox', () => {
  let clock = Date.parse('2025-06-01T10:00:00Z');
  let sandbox: ArgoCdSandbox;

  beforeEach(async () => {
    clock = Date.parse('2025-06-01T10:00:00Z');
    sandbox = await startArgoCdSandbox({
      name: 'test',
      port: 0,
      token: TOKEN,
      users: [{ username: 'admin', password: 'secret' }],
      syncDurationMs: 3000,
      now: () => clock,
      clusters: [
        {
          name: 'staging',
          server: 'https://staging.k8s.example:6443',
          serverVersion: 'v1.29.3',
        },
      ],
    });
  });

  afterEach(async () => {
    await sandbox.close();
  });

  describe('authentication', () => {
    it('refuses calls without a token with Argo CD’s body', async () => {
      const res = await call(
        sandbox,
        'GET',
        '/api/v1/applications',
        undefined,
        null,
      );
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: 'no session information',
        code: 16,
        message: 'no session information',
      });
    });

    it('refuses a wrong token as an invalid session', async () => {
      const res = await call(
        sandbox,
        'GET',
        '/api/v1/applications',
        undefined,
        'nope',
      );
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(16);
      expect(res.body.message).toMatch(/^invalid session: /);
      expect(res.body.error).toBe(res.body.message);
    });

    it('logs users in with POST /api/v1/session and accepts the session token', async () => {
      const bad = await call(
        sandbox,
        'POST',
        '/api/v1/session',
        {
          username: 'admin',
          password: 'wrong',
        },
        null,
      );
      expect(bad.status).toBe(401);
      expect(bad.body).toEqual({
        error: 'Invalid username or password',
        code: 16,
        message: 'Invalid username or password',
      });

      const login = await call<{ token: string }>(
        sandbox,
        'POST',
        '/api/v1/session',
        {
          username: 'admin',
          password: 'secret',
        },
        null,
      );
      expect(login.status).toBe(200);
      expect(login.body.token.split('.')).toHaveLength(3);

      const list = await call(
        sandbox,
        'GET',
        '/api/v1/applications',
        undefined,
        login.body.token,
      );
      expect(list.status).toBe(200);
      const info = await call(
        sandbox,
        'GET',
        '/api/v1/session/userinfo',
        undefined,
        login.body.token,
      );
      expect(info.body).toEqual({
        loggedIn: true,
        username: 'admin',
        iss: 'argocd',
      });
      const anonymous = await call(
        sandbox,
        'GET',
        '/api/v1/session/userinfo',
        undefined,
        null,
      );
      expect(anonymous.body).toEqual({ loggedIn: false });
    });

    it('serves the version without authentication', async () => {
      const res = await call<{ Version: string }>(
        sandbox,
        'GET',
        '/api/version',
        undefined,
        null,
      );
      expect(res.status).toBe(200);
      expect(res.body.Version).toMatch(/^v2\.\d+\.\d+\+sandbox$/);
      const full = await call(sandbox, 'GET', '/api/version');
      expect(full.body).toEqual(
        expect.objectContaining({ Platform: 'linux/amd64' }),
      );
    });
  });

  describe('applications', () => {
    it('lists with label selectors and answers items null when nothing matches', async () => {
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('a', { team: 'data', tier: 'gold' }),
      );
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('b', { team: 'ml' }),
      );
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('c', { team: 'web', tier: 'bronze' }),
      );

      const names = async (selector: string) => {
        const res = await call<ListBody>(
          sandbox,
          'GET',
          `/api/v1/applications?selector=${encodeURIComponent(selector)}`,
        );
        expect(res.status).toBe(200);
        return res.body.items === null
          ? null
          : res.body.items.map(a => a.metadata.name);
      };
      expect(await names('')).toEqual(['a', 'b', 'c']);
      expect(await names('team=data')).toEqual(['a']);
      expect(await names('team==ml')).toEqual(['b']);
      expect(await names('team!=data')).toEqual(['b', 'c']);
      expect(await names('team in (data, web)')).toEqual(['a', 'c']);
      expect(await names('team notin (data)')).toEqual(['b', 'c']);
      expect(await names('tier')).toEqual(['a', 'c']);
      expect(await names('!tier')).toEqual(['b']);
      expect(await names('team in (data,web),tier=bronze')).toEqual(['c']);
      expect(await names('team=nobody')).toBeNull();

      const empty = await call<ListBody>(
        sandbox,
        'GET',
        '/api/v1/applications?selector=team%3Dnobody',
      );
      expect(empty.body).toEqual({
        metadata: { resourceVersion: expect.any(String) },
        items: null,
      });

      const invalid = await call(
        sandbox,
        'GET',
        '/api/v1/applications?selector=team%20in%20data',
      );
      expect(invalid.status).toBe(500);
      expect(invalid.body.code).toBe(2);
      expect(invalid.body.message).toMatch(/^error parsing the selector: /);

      const byName = await call<ListBody>(
        sandbox,
        'GET',
        '/api/v1/applications?name=b&projects=default',
      );
      expect(byName.body.items).toHaveLength(1);
      const otherProject = await call<ListBody>(
        sandbox,
        'GET',
        '/api/v1/applications?projects=other',
      );
      expect(otherProject.body.items).toBeNull();
    });

    it('creates, refuses a different spec without upsert, and upserts', async () => {
      const created = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('kafka'),
      );
      expect(created.status).toBe(200);
      expect(created.body.metadata).toEqual(
        expect.objectContaining({
          name: 'kafka',
          namespace: 'argocd',
          uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
          resourceVersion: expect.any(String),
          generation: 1,
          creationTimestamp: '2025-06-01T10:00:00Z',
        }),
      );
      expect(created.body.status?.sync.status).toBe('OutOfSync');
      expect(created.body.status?.health.status).toBe('Missing');

      const same = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('kafka'),
      );
      expect(same.status).toBe(200);
      expect(same.body.metadata.uid).toBe(created.body.metadata.uid);

      const changed = application('kafka');
      changed.spec.source!.targetRevision = '1.17.0';
      const conflict = await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        changed,
      );
      expect(conflict.status).toBe(400);
      expect(conflict.body).toEqual({
        error:
          'existing application spec is different, use upsert flag to force update',
        code: 3,
        message:
          'existing application spec is different, use upsert flag to force update',
      });

      const upserted = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications?upsert=true',
        changed,
      );
      expect(upserted.status).toBe(200);
      expect(upserted.body.metadata.generation).toBe(2);
      expect(upserted.body.spec.source?.targetRevision).toBe('1.17.0');
      expect(upserted.body.metadata.uid).toBe(created.body.metadata.uid);

      const put = application('kafka', { owner: 'data' });
      const updated = await call<Application>(
        sandbox,
        'PUT',
        '/api/v1/applications/kafka',
        put,
      );
      expect(updated.body.metadata.labels).toEqual({ owner: 'data' });
      expect(updated.body.spec.source?.targetRevision).toBe('1.16.0');

      const deleted = await call(
        sandbox,
        'DELETE',
        '/api/v1/applications/kafka?cascade=true',
      );
      expect(deleted).toEqual({ status: 200, body: {} });
    });

    it('answers 403 for a missing Application, and 404 when the project is named', async () => {
      const denied = await call(sandbox, 'GET', '/api/v1/applications/ghost');
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({
        error: 'permission denied',
        code: 7,
        message: 'permission denied',
      });
      const missing = await call(
        sandbox,
        'GET',
        '/api/v1/applications/ghost?project=default',
      );
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        error: 'applications.argoproj.io "ghost" not found',
        code: 5,
        message: 'applications.argoproj.io "ghost" not found',
      });
    });

    it('validates projects and destinations with Argo CD’s wording', async () => {
      const project = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/projects',
        {
          project: {
            metadata: { name: 'data' },
            spec: {
              sourceRepos: ['https://airflow.apache.org'],
              destinations: [
                {
                  server: 'https://kubernetes.default.svc',
                  namespace: 'data-*',
                },
              ],
            },
          },
          upsert: false,
        },
      );
      expect(project.status).toBe(200);
      expect(project.body.metadata.name).toBe('data');

      const outside = application(
        'x',
        {},
        {
          project: 'data',
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'kube-system',
          },
        },
      );
      const refused = await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        outside,
      );
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe(3);
      expect(refused.body.message).toBe(
        "application spec for x is invalid: InvalidSpecError: application destination server 'https://kubernetes.default.svc' and namespace 'kube-system' do not match any of the allowed destinations in project 'data'",
      );

      const inside = application(
        'y',
        {},
        {
          project: 'data',
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'data-airflow',
          },
        },
      );
      expect(
        (await call(sandbox, 'POST', '/api/v1/applications', inside)).status,
      ).toBe(200);

      const unknown = await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('z', {}, { project: 'nope' }),
      );
      // server/application getAppProject (v2.6+): the same vague answer
      // whether the project is missing or does not admit the namespace.
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({
        error:
          'app is not allowed in project "nope", or the project does not exist',
        code: 3,
        message:
          'app is not allowed in project "nope", or the project does not exist',
      });

      const noProject = await call(sandbox, 'GET', '/api/v1/projects/nope');
      expect(noProject.status).toBe(404);
      expect(noProject.body.message).toBe(
        'appprojects.argoproj.io "nope" not found',
      );

      const projects = await call<ListBody>(sandbox, 'GET', '/api/v1/projects');
      expect(projects.body.items?.map(p => p.metadata.name)).toEqual([
        'data',
        'default',
      ]);
    });

    it('lists clusters with connection state and application counts', async () => {
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application(
          'a',
          {},
          {
            destination: { name: 'staging', namespace: 'a' },
          },
        ),
      );
      const res = await call<{ metadata: object; items: Cluster[] }>(
        sandbox,
        'GET',
        '/api/v1/clusters',
      );
      expect(res.status).toBe(200);
      expect(res.body.metadata).toEqual({});
      const [inCluster, staging] = res.body.items;
      expect(inCluster).toEqual(
        expect.objectContaining({
          server: 'https://kubernetes.default.svc',
          name: 'in-cluster',
          serverVersion: '1.30',
        }),
      );
      expect(inCluster.info.connectionState.status).toBe('Unknown');
      expect(staging.info).toEqual(
        expect.objectContaining({
          serverVersion: '1.29',
          applicationsCount: 1,
          connectionState: {
            status: 'Successful',
            message: '',
            attemptedAt: '2025-06-01T10:00:00Z',
          },
        }),
      );
    });
  });

  describe('lifecycle', () => {
    it('runs a requested sync for syncDurationMs and ends Synced/Healthy', async () => {
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('airflow', { team: 'data' }),
      );
      const tree0 = await call<ApplicationTree>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow/resource-tree',
      );
      expect(tree0.body).toEqual({});

      const sync = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications/airflow/sync',
        {
          prune: true,
        },
      );
      expect(sync.status).toBe(200);
      expect(sync.body.operation).toEqual(
        expect.objectContaining({ initiatedBy: { username: 'admin' } }),
      );
      expect(sync.body.status?.operationState).toEqual(
        expect.objectContaining({
          phase: 'Running',
          startedAt: '2025-06-01T10:00:00Z',
        }),
      );
      expect(sync.body.status?.health.status).toBe('Progressing');

      const again = await call(
        sandbox,
        'POST',
        '/api/v1/applications/airflow/sync',
        {},
      );
      expect(again.status).toBe(400);
      expect(again.body).toEqual({
        error: 'another operation is already in progress',
        code: 9,
        message: 'another operation is already in progress',
      });

      clock += 2999;
      const during = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow',
      );
      expect(during.body.status?.operationState?.phase).toBe('Running');

      clock += 1;
      const done = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow',
      );
      const status = done.body.status!;
      expect(done.body.operation).toBeUndefined();
      expect(status.sync).toEqual(
        expect.objectContaining({ status: 'Synced', revision: '1.16.0' }),
      );
      expect(status.health.status).toBe('Healthy');
      expect(status.operationState).toEqual(
        expect.objectContaining({
          phase: 'Succeeded',
          message: 'successfully synced (all tasks run)',
          startedAt: '2025-06-01T10:00:00Z',
          finishedAt: '2025-06-01T10:00:03Z',
        }),
      );
      expect(status.operationState?.syncResult?.revision).toBe('1.16.0');
      expect(status.history).toEqual([
        expect.objectContaining({
          id: 0,
          revision: '1.16.0',
          deployedAt: '2025-06-01T10:00:03Z',
          source: expect.objectContaining({ chart: 'airflow' }),
          initiatedBy: { username: 'admin' },
        }),
      ]);
      expect(status.summary.images).toContain('apache/airflow:1.16.0');
      expect(status.resources).toEqual(
        expect.arrayContaining([
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'airflow',
            name: 'airflow-scheduler',
            status: 'Synced',
            health: { status: 'Healthy' },
          },
          expect.objectContaining({
            group: 'networking.k8s.io',
            kind: 'Ingress',
          }),
          expect.objectContaining({
            group: 'policy',
            version: 'v1',
            kind: 'PodDisruptionBudget',
          }),
          expect.objectContaining({
            group: 'batch',
            version: 'v1',
            kind: 'CronJob',
          }),
        ]),
      );

      const tree = await call<ApplicationTree>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow/resource-tree',
      );
      const kinds = new Set(tree.body.nodes?.map(n => n.kind));
      expect([...kinds]).toEqual(
        expect.arrayContaining([
          'Deployment',
          'ReplicaSet',
          'Pod',
          'StatefulSet',
          'Service',
        ]),
      );
      const pod = tree.body.nodes!.find(n => n.kind === 'Pod')!;
      expect(pod).toEqual(
        expect.objectContaining({
          uid: expect.any(String),
          resourceVersion: expect.any(String),
          parentRefs: [expect.objectContaining({ kind: expect.any(String) })],
          images: expect.any(Array),
          health: { status: 'Healthy' },
          createdAt: '2025-06-01T10:00:00Z',
        }),
      );

      clock += 60_000;
      const refreshed = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow?refresh=normal',
      );
      expect(refreshed.body.status?.reconciledAt).toBe('2025-06-01T10:01:03Z');

      const upgraded = application('airflow', { team: 'data' });
      upgraded.spec.source!.targetRevision = '1.17.0';
      await call(sandbox, 'PUT', '/api/v1/applications/airflow', upgraded);
      const outOfSync = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/airflow',
      );
      expect(outOfSync.body.status?.sync.status).toBe('OutOfSync');
      expect(outOfSync.body.status?.sync.revision).toBe('1.17.0');
      expect(outOfSync.body.status?.health.status).toBe('Healthy');
    });

    it('syncs automated Applications by itself, with degraded and failed outcomes', async () => {
      const automated = {
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      };
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application('ok', {}, automated),
      );
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application(
          'bad',
          { 'sandbox.datastack.io/outcome': 'degraded' },
          {
            ...automated,
            source: {
              repoURL: 'quay.io/strimzi-helm',
              chart: 'strimzi-kafka-operator',
              targetRevision: '0.45.0',
            },
          },
        ),
      );
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application(
          'broken',
          { 'sandbox.datastack.io/outcome': 'failed' },
          automated,
        ),
      );
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application(
          'legacy',
          { 'sandbox.datastack.io/legacy-apis': 'true' },
          automated,
        ),
      );

      const running = await call<ListBody>(
        sandbox,
        'GET',
        '/api/v1/applications',
      );
      for (const app of running.body.items ?? []) {
        expect(app.status?.operationState?.phase).toBe('Running');
        expect(app.status?.operationState?.operation.initiatedBy).toEqual({
          automated: true,
        });
        expect(app.status?.health.status).toBe('Progressing');
      }

      clock += 3000;
      const byName = new Map<string, Application>(
        (
          (await call<ListBody>(sandbox, 'GET', '/api/v1/applications')).body
            .items ?? []
        ).map(a => [a.metadata.name, a]),
      );
      expect(byName.get('ok')?.status?.sync.status).toBe('Synced');
      expect(byName.get('ok')?.status?.health.status).toBe('Healthy');

      const bad = byName.get('bad')!.status!;
      expect(bad.sync.status).toBe('Synced');
      expect(bad.health.status).toBe('Degraded');
      expect(bad.resources?.find(r => r.health?.status === 'Degraded')).toEqual(
        expect.objectContaining({
          kind: 'Deployment',
          name: 'strimzi-cluster-operator',
          health: {
            status: 'Degraded',
            message:
              'Deployment "strimzi-cluster-operator" exceeded its progress deadline',
          },
        }),
      );
      expect(bad.resources).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            group: 'kafka.strimzi.io',
            version: 'v1beta2',
            kind: 'Kafka',
          }),
        ]),
      );
      expect(bad.summary.images).toEqual(['quay.io/strimzi/operator:0.45.0']);

      const broken = byName.get('broken')!.status!;
      expect(broken.operationState?.phase).toBe('Failed');
      expect(broken.operationState?.message).toMatch(
        /^one or more objects failed to apply, reason: /,
      );
      expect(broken.sync.status).toBe('OutOfSync');
      expect(broken.health.status).toBe('Missing');
      expect(broken.history).toBeUndefined();
      expect(broken.conditions).toEqual([
        expect.objectContaining({
          type: 'SyncError',
          message: expect.stringMatching(
            /^Failed last sync attempt to 1\.16\.0: /,
          ),
        }),
      ]);

      const legacy = byName.get('legacy')!.status!;
      expect(legacy.resources).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            group: 'batch',
            version: 'v1beta1',
            kind: 'CronJob',
          }),
          expect.objectContaining({
            group: 'policy',
            version: 'v1beta1',
            kind: 'PodDisruptionBudget',
          }),
        ]),
      );

      clock += 60_000;
      const stillFailed = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/broken',
      );
      expect(stillFailed.body.status?.operationState?.phase).toBe('Failed');
    });

    it('fills revisions arrays for multi-source Applications', async () => {
      const multi = application(
        'trino',
        {},
        {
          source: undefined,
          sources: [
            {
              repoURL: 'https://trinodb.github.io/charts',
              chart: 'trino',
              targetRevision: '1.42.0',
            },
            {
              repoURL: 'https://git.example.com/platform/values.git',
              targetRevision: 'main',
              ref: 'values',
            },
          ],
        },
      );
      const created = await call<Application>(
        sandbox,
        'POST',
        '/api/v1/applications',
        multi,
      );
      expect(created.status).toBe(200);
      const revisions = created.body.status?.sync.revisions;
      expect(revisions).toHaveLength(2);
      expect(revisions?.[0]).toBe('1.42.0');
      expect(revisions?.[1]).toMatch(/^[0-9a-f]{40}$/);
      expect(created.body.status?.sync.revision).toBeUndefined();
      expect(created.body.status?.sourceTypes).toEqual(['Helm', 'Directory']);

      await call(sandbox, 'POST', '/api/v1/applications/trino/sync', {});
      clock += 3000;
      const done = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/trino',
      );
      const status = done.body.status!;
      expect(status.sync.status).toBe('Synced');
      expect(status.operationState?.syncResult?.revisions).toEqual(revisions);
      expect(status.operationState?.syncResult?.sources).toHaveLength(2);
      expect(status.history?.[0]).toEqual(
        expect.objectContaining({ revisions, sources: multi.spec.sources }),
      );
      expect(status.history?.[0].revision).toBeUndefined();
      expect(status.summary.images).toEqual(['trinodb/trino:1.42.0']);
    });

    it('deletes a deployed Application with the resources finalizer after its resources', async () => {
      await call(
        sandbox,
        'POST',
        '/api/v1/applications',
        application(
          'gone',
          {},
          {
            syncPolicy: { automated: {} },
          },
        ),
      );
      clock += 3000;
      await call(sandbox, 'DELETE', '/api/v1/applications/gone');
      const deleting = await call<Application>(
        sandbox,
        'GET',
        '/api/v1/applications/gone',
      );
      expect(deleting.body.metadata.deletionTimestamp).toBe(
        '2025-06-01T10:00:03Z',
      );
      clock += 3000;
      const after = await call(
        sandbox,
        'GET',
        '/api/v1/applications/gone?project=default',
      );
      expect(after.status).toBe(404);
    });
  });

  describe('failure modes', () => {
    it('closes connections when down', async () => {
      sandbox.setFailureMode('down');
      await expect(
        fetch(`${sandbox.url}/api/v1/applications`),
      ).rejects.toThrow();
    });

    it('answers 500 with a gRPC Internal body', async () => {
      sandbox.setFailureMode('http500');
      const res = await call(sandbox, 'GET', '/api/v1/applications');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        error: expect.any(String),
        code: 13,
        message: expect.any(String),
      });
      const kube = await call<StatusBody>(
        sandbox,
        'GET',
        '/k8s/in-cluster/version',
      );
      expect(kube.status).toBe(500);
      expect(kube.body).toEqual(
        expect.objectContaining({
          kind: 'Status',
          status: 'Failure',
          code: 500,
        }),
      );
    });

    it('never answers when hanging', async () => {
      sandbox.setFailureMode('hang');
      await expect(
        fetch(`${sandbox.url}/api/v1/applications`, {
          signal: AbortSignal.timeout(300),
        }),
      ).rejects.toThrow(/timeout|aborted/i);
    });

    it('answers truncated JSON when malformed', async () => {
      sandbox.setFailureMode('malformed');
      const res = await fetch(`${sandbox.url}/api/v1/clusters`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      await expect(res.json()).rejects.toThrow();
    });

    it('answers 401 when unauthorized, and the control API keeps working', async () => {
      const control = await fetch(`${sandbox.url}/sandbox/failure`, {
        method: 'POST',
        body: JSON.stringify({ mode: 'unauthorized' }),
      });
      expect(control.status).toBe(200);
      expect(sandbox.failureMode).toBe('unauthorized');
      const res = await call(sandbox, 'GET', '/api/v1/applications');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(16);

      sandbox.setFailureMode('down');
      const back = await fetch(`${sandbox.url}/sandbox/failure`, {
        method: 'POST',
        body: JSON.stringify({ mode: 'none' }),
      });
      expect(back.status).toBe(200);
      expect((await call(sandbox, 'GET', '/api/v1/applications')).status).toBe(
        200,
      );
    });

    it('logs requests without credentials', async () => {
      sandbox.requests.clear();
      await call(sandbox, 'GET', '/api/v1/applications?selector=a%3Db');
      expect(sandbox.requests.count).toBe(1);
      expect(sandbox.requests.entries).toEqual([
        {
          method: 'GET',
          path: '/api/v1/applications?selector=a%3Db',
          area: 'argocd',
          status: 200,
        },
      ]);
      expect(JSON.stringify(sandbox.requests.entries)).not.toContain(TOKEN);
    });

    it('counts API requests apart from its own control routes', async () => {
      const state = async () =>
        (await (await fetch(`${sandbox.url}/sandbox`)).json()) as {
          requests: number;
          apiRequests: number;
        };
      const before = await state();
      await call(sandbox, 'GET', '/api/v1/applications');
      await call(sandbox, 'GET', '/k8s/staging/version');
      const after = await state();
      expect(after.apiRequests - before.apiRequests).toBe(2);
      // Both GET /sandbox calls count as requests, not as API requests.
      expect(after.requests - before.requests).toBe(3);
    });

    it('lists its recent requests over HTTP, without credentials', async () => {
      sandbox.requests.clear();
      await call(sandbox, 'GET', '/api/v1/applications?selector=a%3Db');
      const res = await fetch(`${sandbox.url}/sandbox/requests`);
      const body = (await res.json()) as {
        count: number;
        entries: Array<{ path: string }>;
      };
      expect(body.count).toBe(2);
      expect(body.entries).toEqual([
        {
          method: 'GET',
          path: '/api/v1/applications?selector=a%3Db',
          area: 'argocd',
          status: 200,
        },
        { method: 'GET', path: '/sandbox/requests', area: 'sandbox' },
      ]);
      expect(JSON.stringify(body)).not.toContain(TOKEN);
    });
  });

  describe('kubernetes', () => {
    it('serves version and nodes of the sandbox clusters', async () => {
      const version = await call<Record<string, string>>(
        sandbox,
        'GET',
        '/k8s/staging/version',
      );
      expect(version.body).toEqual(
        expect.objectContaining({
          major: '1',
          minor: '29',
          gitVersion: 'v1.29.3',
          platform: 'linux/amd64',
        }),
      );
      const nodes = await call<NodeListBody>(
        sandbox,
        'GET',
        '/k8s/in-cluster/api/v1/nodes',
      );
      expect(nodes.body.kind).toBe('NodeList');
      expect(nodes.body.items).toHaveLength(3);
      for (const node of nodes.body.items) {
        expect(node.status.conditions).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ type: 'Ready', status: 'True' }),
          ]),
        );
        expect(node.status.nodeInfo.kubeletVersion).toBe('v1.30.4');
      }
      const missing = await call<StatusBody>(
        sandbox,
        'GET',
        '/k8s/in-cluster/api/v1/pods',
      );
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      });
      const unauthenticated = await call<StatusBody>(
        sandbox,
        'GET',
        '/k8s/in-cluster/version',
        undefined,
        null,
      );
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.body.reason).toBe('Unauthorized');
    });
  });

  describe('git import', () => {
    let root: string;

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'argocd-sandbox-test-'));
    });

    afterAll(() => {
      rmSync(root, { recursive: true, force: true });
    });

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

    it('applies the Application manifests of a bare repository (app of apps)', async () => {
      const bare = join(root, 'gitops.git');
      const work = join(root, 'work');
      git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
      git(['init', '--quiet', '--initial-branch=main', work]);
      mkdirSync(join(work, 'apps', 'data'), { recursive: true });
      writeFileSync(
        join(work, 'apps', 'root.yaml'),
        [
          'apiVersion: argoproj.io/v1alpha1',
          'kind: AppProject',
          'metadata:',
          '  name: data',
          'spec:',
          "  sourceRepos: ['*']",
          '  destinations:',
          "    - server: '*'",
          "      namespace: '*'",
          '---',
          'apiVersion: argoproj.io/v1alpha1',
          'kind: Application',
          'metadata:',
          '  name: airflow',
          '  labels: { datastack.io/component: airflow }',
          'spec:',
          '  project: data',
          '  source: { repoURL: "https://airflow.apache.org", chart: airflow, targetRevision: 1.16.0 }',
          '  destination: { server: "https://kubernetes.default.svc", namespace: airflow }',
          '  syncPolicy: { automated: { prune: true } }',
          '---',
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: { name: not-an-app }',
        ].join('\n'),
      );
      writeFileSync(
        join(work, 'apps', 'data', 'kafka.yml'),
        [
          'apiVersion: argoproj.io/v1alpha1',
          'kind: Application',
          'metadata: { name: kafka }',
          'spec:',
          '  project: data',
          '  source: { repoURL: quay.io/strimzi-helm, chart: strimzi-kafka-operator, targetRevision: 0.48.0 }',
          '  destination: { name: staging, namespace: kafka }',
        ].join('\n'),
      );
      writeFileSync(join(work, 'README.md'), '# not yaml\n');
      git(['add', '.'], work);
      git(['commit', '--quiet', '-m', 'apps'], work);
      git(['push', '--quiet', bare, 'main'], work);
      const head = git(['rev-parse', 'HEAD'], work);

      const withRoot = await startArgoCdSandbox({
        name: 'import',
        token: TOKEN,
        gitRoot: root,
        now: () => clock,
        clusters: [
          {
            name: 'staging',
            server: 'https://staging.k8s.example:6443',
            serverVersion: '1.29',
          },
        ],
      });
      try {
        const res = await fetch(`${withRoot.url}/sandbox/import`, {
          method: 'POST',
          body: JSON.stringify({
            repoUrl: pathToFileURL(bare).href,
            path: 'apps',
            revision: 'main',
          }),
        });
        expect(res.status).toBe(200);
        const result: unknown = await res.json();
        expect(result).toEqual({
          revision: head,
          applications: ['argocd/kafka', 'argocd/airflow'],
          projects: ['data'],
          skipped: [
            {
              file: 'apps/root.yaml',
              reason: 'v1/ConfigMap is not applied by the sandbox',
            },
          ],
        });
        const apps = withRoot.applications();
        expect(apps.map(a => a.metadata.name)).toEqual(['airflow', 'kafka']);
        expect(apps[0].status?.operationState?.phase).toBe('Running');

        const outside = await fetch(`${withRoot.url}/sandbox/import`, {
          method: 'POST',
          body: JSON.stringify({ repoPath: '/etc', path: '.' }),
        });
        expect(outside.status).toBe(400);
        expect(((await outside.json()) as ErrorBody).error).toMatch(
          /not under the git root/,
        );

        const remote = await fetch(`${withRoot.url}/sandbox/import`, {
          method: 'POST',
          body: JSON.stringify({
            repoUrl: 'https://github.com/example/gitops.git',
            path: '.',
          }),
        });
        expect(remote.status).toBe(400);
      } finally {
        await withRoot.close();
      }
    });
  });

  describe('benchmark scale', () => {
    it('seeds 5,000 Applications and lists them by selector quickly', async () => {
      const started = Date.now();
      expect(sandbox.seedApplications(5000)).toBe(5000);
      const seeded = Date.now() - started;
      expect(seeded).toBeLessThan(5000);

      const listStarted = Date.now();
      const res = await call<ListBody>(
        sandbox,
        'GET',
        '/api/v1/applications?selector=datastack.io%2Fteam%3Dteam-3',
      );
      const listed = Date.now() - listStarted;
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(250);
      for (const app of res.body.items ?? []) {
        expect(app.metadata.labels?.['datastack.io/team']).toBe('team-3');
        expect(app.status?.sync.status).toBe('Synced');
        expect(app.status?.health.status).toBe('Healthy');
        expect(app.status?.history).toHaveLength(1);
      }
      expect(listed).toBeLessThan(3000);

      const all = await call<ListBody>(sandbox, 'GET', '/api/v1/applications');
      expect(all.body.items).toHaveLength(5000);
      const clusters = await call<{ items: Cluster[] }>(
        sandbox,
        'GET',
        '/api/v1/clusters',
      );
      expect(clusters.body.items[0].info.applicationsCount).toBe(5000);
    }, 30_000);
  });
});
