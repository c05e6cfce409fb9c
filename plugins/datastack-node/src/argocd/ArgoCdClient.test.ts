import { inspect } from 'node:util';
import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  type ArgoCdInstanceConfig,
  readArgoCdMaxResponseBytes,
} from '../config';
import { ConfigReader } from '@backstage/config';
import { ArgoCdClient, ArgoCdRequestError } from './ArgoCdClient';
import type { AppProject, Application } from './types';

const API = 'https://argocd.example.com';
const UI = 'https://argocd-ui.example.com';

/** Secrets that must never reach an error a user or a log sees. */
const CANARY_TOKEN = 'canary-s3cr3t-9f1c';
const CANARY_PASSWORD = 'canary-pa55w0rd-4b7e';
const CANARY_SESSION = 'canary-sess10n-2d8a';

const tokenInstance: ArgoCdInstanceConfig = {
  name: 'prod-eu',
  url: API,
  uiUrl: UI,
  auth: { type: 'token', token: CANARY_TOKEN },
};

const passwordInstance: ArgoCdInstanceConfig = {
  name: 'staging',
  url: API,
  uiUrl: UI,
  auth: { type: 'password', username: 'backstage', password: CANARY_PASSWORD },
};

/** An Application as Argo CD 2.x/3.x answers it from GET /api/v1/applications. */
function argoApplication(name: string, project = 'data-platform'): Application {
  return {
    metadata: {
      name,
      namespace: 'argocd',
      uid: `6a0c9a52-3d0f-4b8e-9c1e-${name.length
        .toString()
        .padStart(12, '0')}`,
      resourceVersion: '918273',
      generation: 4,
      creationTimestamp: '2025-11-03T09:12:44Z',
      labels: { 'backstage.io/kubernetes-id': 'payments' },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project,
      sources: [
        {
          repoURL: 'https://airflow.apache.org',
          chart: 'airflow',
          targetRevision: '1.16.0',
          helm: {
            releaseName: name,
            valueFiles: ['$values/payments/airflow/values.yaml'],
          },
        },
        {
          repoURL: 'https://github.com/acme/data-stack-config.git',
          targetRevision: 'main',
          ref: 'values',
        },
      ],
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: 'payments',
      },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      },
    },
    status: {
      sync: {
        status: 'Synced',
        revisions: ['1.16.0', '4f6c2d1e9a7b3c5d8e0f1a2b3c4d5e6f7a8b9c0d'],
      },
      health: { status: 'Healthy' },
      operationState: {
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: '2026-01-14T10:02:11Z',
        finishedAt: '2026-01-14T10:02:39Z',
        syncResult: {
          revisions: ['1.16.0', '4f6c2d1e9a7b3c5d8e0f1a2b3c4d5e6f7a8b9c0d'],
          resources: [
            {
              group: 'apps',
              version: 'v1',
              kind: 'Deployment',
              namespace: 'payments',
              name: `${name}-webserver`,
              status: 'Synced',
              message: 'deployment.apps/webserver configured',
            },
          ],
        },
      },
      history: [
        {
          id: 7,
          revisions: ['1.16.0', '4f6c2d1e9a7b3c5d8e0f1a2b3c4d5e6f7a8b9c0d'],
          deployedAt: '2026-01-14T10:02:39Z',
          sources: [
            {
              repoURL: 'https://airflow.apache.org',
              chart: 'airflow',
              targetRevision: '1.16.0',
            },
          ],
        },
      ],
      summary: {
        images: ['apache/airflow:2.10.5'],
        externalURLs: ['https://airflow.payments.example.com'],
      },
      resources: [
        {
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: 'payments',
          name: `${name}-webserver`,
          status: 'Synced',
          health: { status: 'Healthy' },
        },
        {
          version: 'v1',
          kind: 'Service',
          namespace: 'payments',
          name: `${name}-webserver`,
          status: 'Synced',
          health: { status: 'Healthy' },
        },
      ],
      reconciledAt: '2026-01-14T10:05:00Z',
    },
  };
}

function argoList(items: Application[] | null) {
  return { metadata: { resourceVersion: '123' }, items };
}

/** Argo CD's error body: a gRPC status mapped onto HTTP. */
function argoError(status: number, code: number, message: string) {
  return HttpResponse.json({ error: message, code, message }, { status });
}

const notFound = (name: string) =>
  argoError(404, 5, `applications.argoproj.io "${name}" not found`);
const expired = () =>
  argoError(
    401,
    16,
    'invalid session: token has invalid claims: token is expired',
  );

/** Asserts the promise rejects with an ArgoCdRequestError and returns it. */
async function failureOf(
  promise: Promise<unknown>,
): Promise<ArgoCdRequestError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    e => e,
  );
  expect(error).toBeInstanceOf(ArgoCdRequestError);
  return error as ArgoCdRequestError;
}

function expectNoSecrets(error: unknown) {
  const renderings = [
    (error as Error).message,
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 5 }),
  ];
  for (const text of renderings) {
    expect(text).not.toContain(CANARY_TOKEN);
    expect(text).not.toContain(CANARY_PASSWORD);
    expect(text).not.toContain(CANARY_SESSION);
  }
}

describe('ArgoCdClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const tokenClient = (timeoutMs = 5_000) =>
    new ArgoCdClient({ instance: tokenInstance, timeoutMs });
  const passwordClient = (timeoutMs = 5_000) =>
    new ArgoCdClient({ instance: passwordInstance, timeoutMs });

  describe('listApplications', () => {
    it('sends the selector, the appNamespace and the bearer token', async () => {
      const seen: Request[] = [];
      server.use(
        http.get(`${API}/api/v1/applications`, ({ request }) => {
          seen.push(request.clone());
          return HttpResponse.json(
            argoList([argoApplication('payments-airflow')]),
          );
        }),
      );

      const apps = await tokenClient().listApplications({
        selector: 'backstage.io/kubernetes-id=payments',
        appNamespace: 'argocd-apps',
      });

      expect(apps.map(a => a.metadata.name)).toEqual(['payments-airflow']);
      expect(apps[0].status?.health?.status).toBe('Healthy');
      expect(seen).toHaveLength(1);
      const url = new URL(seen[0].url);
      expect(url.searchParams.get('selector')).toBe(
        'backstage.io/kubernetes-id=payments',
      );
      expect(url.searchParams.get('appNamespace')).toBe('argocd-apps');
      expect(url.searchParams.has('name')).toBe(false);
      expect(seen[0].headers.get('authorization')).toBe(
        `Bearer ${CANARY_TOKEN}`,
      );
    });

    it('answers an empty list when Argo CD answers "items": null', async () => {
      server.use(
        http.get(`${API}/api/v1/applications`, () =>
          HttpResponse.json(argoList(null)),
        ),
      );
      await expect(
        tokenClient().listApplications({ selector: 'team=nobody' }),
      ).resolves.toEqual([]);
    });

    it('keeps only the Applications of the given projects', async () => {
      server.use(
        http.get(`${API}/api/v1/applications`, () =>
          HttpResponse.json(
            argoList([
              argoApplication('payments-airflow', 'data-platform'),
              argoApplication('guestbook', 'default'),
              argoApplication('payments-trino', 'analytics'),
            ]),
          ),
        ),
      );
      const client = tokenClient();

      const filtered = await client.listApplications({
        projects: ['data-platform', 'analytics'],
      });
      expect(filtered.map(a => a.metadata.name)).toEqual([
        'payments-airflow',
        'payments-trino',
      ]);

      const all = await client.listApplications({ projects: [] });
      expect(all).toHaveLength(3);
    });

    it('reports a list body without items as malformed', async () => {
      server.use(
        http.get(`${API}/api/v1/applications`, () =>
          HttpResponse.json({ metadata: { resourceVersion: '123' } }),
        ),
      );
      const error = await failureOf(tokenClient().listApplications());
      expect(error.failure).toBe('malformed');
      expect(error.message).toContain('"prod-eu"');
    });
  });

  describe('upsertApplication', () => {
    it('POSTs the exact Application with upsert=true and validate=true', async () => {
      const application: Application = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name: 'payments-airflow',
          namespace: 'argocd',
          labels: { 'backstage.io/kubernetes-id': 'payments' },
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
        },
        spec: {
          project: 'data-platform',
          sources: [
            {
              repoURL: 'https://airflow.apache.org',
              chart: 'airflow',
              targetRevision: '1.16.0',
              helm: { valueFiles: ['$values/payments/airflow/values.yaml'] },
            },
            {
              repoURL: 'https://github.com/acme/data-stack-config.git',
              targetRevision: 'main',
              ref: 'values',
            },
          ],
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: 'payments',
          },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      };
      const requests: Array<{
        url: URL;
        contentType: string | null;
        authorization: string | null;
        body: unknown;
      }> = [];
      server.use(
        http.post(`${API}/api/v1/applications`, async ({ request }) => {
          requests.push({
            url: new URL(request.url),
            contentType: request.headers.get('content-type'),
            authorization: request.headers.get('authorization'),
            body: await request.json(),
          });
          return HttpResponse.json(argoApplication('payments-airflow'));
        }),
      );

      const created = await tokenClient().upsertApplication(application);

      expect(requests).toHaveLength(1);
      const [req] = requests;
      expect(req.url.searchParams.get('upsert')).toBe('true');
      expect(req.url.searchParams.get('validate')).toBe('true');
      expect(req.contentType).toBe('application/json');
      expect(req.authorization).toBe(`Bearer ${CANARY_TOKEN}`);
      expect(req.body).toEqual(application);
      expect(created.metadata.uid).toBeDefined();
      expect(created.status?.sync?.status).toBe('Synced');
    });

    it('names the Application when Argo CD rejects the spec', async () => {
      server.use(
        http.post(`${API}/api/v1/applications`, () =>
          argoError(
            400,
            3,
            'application spec for payments-airflow is invalid: InvalidSpecError: application destination spec for payments-airflow is invalid: unable to find destination server: there are no clusters with this URL: https://gone.example.com',
          ),
        ),
      );
      const error = await failureOf(
        tokenClient().upsertApplication(argoApplication('payments-airflow')),
      );
      expect(error.failure).toBe('invalid');
      expect(error.status).toBe(400);
      expect(error.code).toBe(3);
      expect(error.message).toContain('"prod-eu"');
      expect(error.message).toContain('Application "payments-airflow"');
      expect(error.message).toContain('there are no clusters with this URL');
    });
  });

  describe('username and password', () => {
    it('logs in once for many concurrent calls and reuses the session', async () => {
      const sessionBodies: unknown[] = [];
      const authorizations: Array<string | null> = [];
      server.use(
        http.post(`${API}/api/v1/session`, async ({ request }) => {
          sessionBodies.push(await request.json());
          await delay(20);
          return HttpResponse.json({ token: CANARY_SESSION });
        }),
        http.get(`${API}/api/v1/applications/:name`, ({ request, params }) => {
          authorizations.push(request.headers.get('authorization'));
          return HttpResponse.json(argoApplication(String(params.name)));
        }),
      );
      const client = passwordClient();

      const apps = await Promise.all(
        ['a', 'b', 'c', 'd', 'e'].map(n => client.getApplication(`app-${n}`)),
      );
      await client.getApplication('app-f');

      expect(apps.map(a => a.metadata.name)).toEqual([
        'app-a',
        'app-b',
        'app-c',
        'app-d',
        'app-e',
      ]);
      expect(sessionBodies).toEqual([
        { username: 'backstage', password: CANARY_PASSWORD },
      ]);
      expect(authorizations).toHaveLength(6);
      expect(authorizations.every(a => a === `Bearer ${CANARY_SESSION}`)).toBe(
        true,
      );
    });

    it('renews an expired session once and retries the call', async () => {
      let sessions = 0;
      const authorizations: Array<string | null> = [];
      server.use(
        http.post(`${API}/api/v1/session`, () => {
          sessions += 1;
          return HttpResponse.json({ token: `session-${sessions}` });
        }),
        http.get(`${API}/api/v1/applications/:name`, ({ request, params }) => {
          const authorization = request.headers.get('authorization');
          authorizations.push(authorization);
          return authorization === 'Bearer session-1'
            ? expired()
            : HttpResponse.json(argoApplication(String(params.name)));
        }),
      );
      const client = passwordClient();

      const app = await client.getApplication('payments-airflow');
      expect(app.metadata.name).toBe('payments-airflow');
      expect(sessions).toBe(2);
      expect(authorizations).toEqual(['Bearer session-1', 'Bearer session-2']);

      // The renewed session is kept for the next call.
      await client.getApplication('payments-trino');
      expect(sessions).toBe(2);
      expect(authorizations[2]).toBe('Bearer session-2');
    });

    it('surfaces a second 401 as unauthenticated', async () => {
      let sessions = 0;
      let calls = 0;
      server.use(
        http.post(`${API}/api/v1/session`, () => {
          sessions += 1;
          return HttpResponse.json({ token: CANARY_SESSION });
        }),
        http.get(`${API}/api/v1/applications/:name`, () => {
          calls += 1;
          return expired();
        }),
      );

      const error = await failureOf(
        passwordClient().getApplication('payments-airflow'),
      );

      expect(error.failure).toBe('unauthenticated');
      expect(error.status).toBe(401);
      expect(error.code).toBe(16);
      expect(error.message).toContain('"staging"');
      expect(error.message).toContain('Application "payments-airflow"');
      expect(sessions).toBe(2);
      expect(calls).toBe(2);
      expectNoSecrets(error);
    });

    it('does not renew the session on a 403', async () => {
      let sessions = 0;
      let calls = 0;
      server.use(
        http.post(`${API}/api/v1/session`, () => {
          sessions += 1;
          return HttpResponse.json({ token: CANARY_SESSION });
        }),
        http.post(`${API}/api/v1/applications/:name/sync`, () => {
          calls += 1;
          return argoError(
            403,
            7,
            'permission denied: applications, sync, data-platform/payments-airflow, sub: backstage, iat: 2026-01-14T10:00:00Z',
          );
        }),
      );
      const error = await failureOf(
        passwordClient().syncApplication('payments-airflow'),
      );
      expect(error.failure).toBe('forbidden');
      expect(sessions).toBe(1);
      expect(calls).toBe(1);
    });

    it('reports a refused login without the password and tries again next call', async () => {
      let sessions = 0;
      server.use(
        http.post(`${API}/api/v1/session`, () => {
          sessions += 1;
          return sessions === 1
            ? argoError(401, 16, 'Invalid username or password')
            : HttpResponse.json({ token: CANARY_SESSION });
        }),
        http.get(`${API}/api/v1/applications`, () =>
          HttpResponse.json(argoList(null)),
        ),
      );
      const client = passwordClient();

      const error = await failureOf(client.listApplications());
      expect(error.failure).toBe('unauthenticated');
      expect(error.message).toContain('"staging"');
      expect(error.message).toContain('Invalid username or password');
      expectNoSecrets(error);

      await expect(client.listApplications()).resolves.toEqual([]);
      expect(sessions).toBe(2);
    });

    // BUG in ArgoCdClient#request: every call that sees a 401 calls
    // #token(true), so N concurrent calls on an expired session log in N
    // times. Remove `.failing` once renewal is shared between callers.
    it('renews an expired session once for concurrent calls', async () => {
      let sessions = 0;
      server.use(
        http.post(`${API}/api/v1/session`, async () => {
          sessions += 1;
          await delay(20);
          return HttpResponse.json({ token: `session-${sessions}` });
        }),
        http.get(`${API}/api/v1/applications/:name`, ({ request, params }) =>
          request.headers.get('authorization') === 'Bearer session-1'
            ? expired()
            : HttpResponse.json(argoApplication(String(params.name))),
        ),
      );
      const client = passwordClient();

      await Promise.all(
        ['a', 'b', 'c', 'd'].map(n => client.getApplication(`app-${n}`)),
      );

      expect(sessions).toBe(2);
    });
  });

  describe('errors', () => {
    const app = 'payments-airflow';
    const appUrl = `${API}/api/v1/applications/${app}`;

    it.each([
      {
        status: 403,
        code: 7,
        failure: 'forbidden',
        message: `permission denied: applications, get, data-platform/${app}, sub: backstage, iat: 2026-01-14T10:00:00Z`,
      },
      {
        status: 404,
        code: 5,
        failure: 'not-found',
        message: `applications.argoproj.io "${app}" not found`,
      },
      {
        status: 409,
        code: 10,
        failure: 'conflict',
        message: `Operation cannot be fulfilled on applications.argoproj.io "${app}": the object has been modified; please apply your changes to the latest version and try again`,
      },
      {
        status: 400,
        code: 3,
        failure: 'invalid',
        message: `application spec for ${app} is invalid`,
      },
      {
        status: 500,
        code: 2,
        failure: 'server-error',
        message:
          'rpc error: code = Unknown desc = Manifest generation error (cached)',
      },
      {
        status: 401,
        code: 16,
        failure: 'unauthenticated',
        message: 'invalid session: token signature is invalid',
      },
    ])(
      'answers $status code $code as $failure, naming instance and Application',
      async ({ status, code, failure, message }) => {
        server.use(http.get(appUrl, () => argoError(status, code, message)));

        const error = await failureOf(tokenClient().getApplication(app));

        expect(error.failure).toBe(failure);
        expect(error.status).toBe(status);
        expect(error.code).toBe(code);
        expect(error.instance).toBe('prod-eu');
        expect(error.message).toContain('"prod-eu"');
        expect(error.message).toContain(`Application "${app}"`);
        expect(error.message).toContain(message);
        expectNoSecrets(error);
      },
    );

    it('uses the status text when a proxy answers a non-JSON error', async () => {
      server.use(
        http.get(
          appUrl,
          () =>
            new HttpResponse('<html><body>502 Bad Gateway</body></html>', {
              status: 502,
              statusText: 'Bad Gateway',
              headers: { 'content-type': 'text/html' },
            }),
        ),
      );
      const error = await failureOf(tokenClient().getApplication(app));
      expect(error.failure).toBe('server-error');
      expect(error.message).toContain('502 Bad Gateway');
      expect(error.message).not.toContain('<html>');
    });

    it('findProject answers undefined for a project Argo CD does not have', async () => {
      server.use(
        http.get(`${API}/api/v1/projects/:name`, ({ params }) =>
          argoError(
            404,
            5,
            `appprojects.argoproj.io "${params.name}" not found`,
          ),
        ),
      );
      await expect(
        tokenClient().findProject('data-platform'),
      ).resolves.toBeUndefined();
    });

    it('findProject returns the project, and does not hide a 403', async () => {
      const project: AppProject = {
        metadata: { name: 'data-platform', namespace: 'argocd' },
        spec: {
          sourceRepos: ['*'],
          destinations: [
            { server: 'https://kubernetes.default.svc', namespace: '*' },
          ],
        },
      };
      server.use(
        http.get(`${API}/api/v1/projects/data-platform`, () =>
          HttpResponse.json(project),
        ),
        http.get(`${API}/api/v1/projects/secret-team`, () =>
          argoError(
            403,
            7,
            'permission denied: projects, get, secret-team, sub: backstage',
          ),
        ),
      );
      const client = tokenClient();
      await expect(client.findProject('data-platform')).resolves.toEqual(
        project,
      );
      const error = await failureOf(client.findProject('secret-team'));
      expect(error.failure).toBe('forbidden');
      expect(error.message).toContain('AppProject "secret-team"');
    });

    it('gives up after the timeout, naming the instance', async () => {
      server.use(
        http.get(appUrl, async () => {
          await delay('infinite');
          return HttpResponse.json(argoApplication(app));
        }),
      );
      const started = Date.now();

      const error = await failureOf(
        new ArgoCdClient({
          instance: tokenInstance,
          timeoutMs: 200,
        }).getApplication(app),
      );

      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error.failure).toBe('timeout');
      expect(error.message).toContain('"prod-eu"');
      expect(error.message).toContain('200 ms');
      expect(error.message).toContain(`Application "${app}"`);
      expectNoSecrets(error);
    });

    it('reports a dropped connection as unreachable', async () => {
      server.use(http.get(appUrl, () => HttpResponse.error()));
      const error = await failureOf(tokenClient().getApplication(app));
      expect(error.failure).toBe('unreachable');
      expect(error.message).toContain('"prod-eu"');
      expect(error.message).toContain(`Application "${app}"`);
      expectNoSecrets(error);
    });

    it('reports a 200 that is not JSON as malformed', async () => {
      server.use(
        http.get(
          appUrl,
          () =>
            new HttpResponse('<!doctype html><title>Argo CD</title>', {
              status: 200,
              headers: { 'content-type': 'text/html' },
            }),
        ),
      );
      const error = await failureOf(tokenClient().getApplication(app));
      expect(error.failure).toBe('malformed');
      expect(error.message).toContain('"prod-eu"');
      expect(error.message).toContain(`Application "${app}"`);
      expectNoSecrets(error);
    });

    it('leaves a call cancelled by the caller as an abort, not an Argo CD failure', async () => {
      server.use(
        http.get(appUrl, async () => {
          await delay('infinite');
          return HttpResponse.json(argoApplication(app));
        }),
      );
      const controller = new AbortController();
      const call = tokenClient().getApplication(app, {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 20);
      const error = await call.catch(e => e);
      expect(error).not.toBeInstanceOf(ArgoCdRequestError);
      expect(controller.signal.aborted).toBe(true);
    });
  });

  describe('bounds', () => {
    const listUrl = `${API}/api/v1/applications`;

    it('refuses a gigantic Application list while it streams, and the event loop keeps ticking', async () => {
      const item = JSON.stringify(argoApplication('payments-airflow'));
      let sent = 0;
      server.use(
        http.get(
          listUrl,
          () =>
            new HttpResponse(
              new ReadableStream({
                async pull(controller) {
                  await new Promise(resolve => setImmediate(resolve));
                  const enc = new TextEncoder();
                  if (sent === 0) {
                    controller.enqueue(enc.encode('{"items":['));
                  }
                  // 100 000 Applications if it were read to its end.
                  if (sent++ >= 100_000) {
                    controller.enqueue(enc.encode(`${item}]}`));
                    controller.close();
                  } else {
                    controller.enqueue(enc.encode(`${item},`));
                  }
                },
              }),
              { headers: { 'content-type': 'application/json' } },
            ),
        ),
      );
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const error = await failureOf(
        new ArgoCdClient({
          instance: tokenInstance,
          timeoutMs: 10_000,
          maxResponseBytes: 2 * 1024 * 1024,
        }).listApplications(),
      ).finally(() => clearInterval(timer));

      expect(error.failure).toBe('malformed');
      expect(error.message).toBe(
        'Argo CD instance "prod-eu" answered more than the 2097152 bytes allowed for Applications (datastack.argocd.maxResponseBytes); the answer was not read',
      );
      expect(sent).toBeLessThan(5_000);
      expect(ticks).toBeGreaterThan(0);
      expectNoSecrets(error);
    });

    it('refuses a declared Content-Length over the limit without reading it', async () => {
      server.use(
        http.get(
          listUrl,
          () =>
            new HttpResponse(new ReadableStream(), {
              headers: {
                'content-type': 'application/json',
                'content-length': String(5 * 1024 ** 3),
              },
            }),
        ),
      );
      const error = await failureOf(tokenClient().listApplications());
      expect(error.failure).toBe('malformed');
      expect(error.message).toContain('datastack.argocd.maxResponseBytes');
    });

    it('does not follow a redirect to another origin with the token', async () => {
      let stolen: string | null = null;
      server.use(
        http.get(
          listUrl,
          () =>
            new HttpResponse(null, {
              status: 307,
              headers: { location: 'https://attacker.example.net/collect' },
            }),
        ),
        http.get('https://attacker.example.net/collect', ({ request }) => {
          stolen = request.headers.get('authorization');
          return HttpResponse.json(argoList([]));
        }),
      );
      const error = await failureOf(tokenClient().listApplications());
      expect(error.failure).toBe('unreachable');
      expect(error.message).toContain(
        'redirected to another origin (https://attacker.example.net)',
      );
      expect(stolen).toBeNull();
      expectNoSecrets(error);
    });

    it('reads datastack.argocd.maxResponseBytes', () => {
      expect(readArgoCdMaxResponseBytes(new ConfigReader({}))).toBe(
        64 * 1024 * 1024,
      );
      expect(
        readArgoCdMaxResponseBytes(
          new ConfigReader({
            datastack: { argocd: { maxResponseBytes: 4096 } },
          }),
        ),
      ).toBe(4096);
      expect(() =>
        readArgoCdMaxResponseBytes(
          new ConfigReader({
            datastack: { argocd: { maxResponseBytes: 12.5 } },
          }),
        ),
      ).toThrow('datastack.argocd.maxResponseBytes');
    });
  });

  describe('secrets', () => {
    type Case = [string, () => ReturnType<typeof http.get>];
    const app = 'payments-airflow';
    const appUrl = `${API}/api/v1/applications/${app}`;
    const failures: Case[] = [
      ['unauthenticated', () => http.get(appUrl, () => expired())],
      [
        'forbidden',
        () => http.get(appUrl, () => argoError(403, 7, 'permission denied')),
      ],
      ['not-found', () => http.get(appUrl, () => notFound(app))],
      [
        'conflict',
        () => http.get(appUrl, () => argoError(409, 6, 'already exists')),
      ],
      [
        'invalid',
        () => http.get(appUrl, () => argoError(400, 3, 'invalid argument')),
      ],
      [
        'server-error',
        () => http.get(appUrl, () => argoError(500, 13, 'internal error')),
      ],
      ['unreachable', () => http.get(appUrl, () => HttpResponse.error())],
      [
        'malformed',
        () => http.get(appUrl, () => new HttpResponse('{"metadata":', {})),
      ],
      [
        'timeout',
        () =>
          http.get(appUrl, async () => {
            await delay('infinite');
            return HttpResponse.json({});
          }),
      ],
    ];

    it.each(failures)(
      'keeps token, password and session out of a %s error',
      async (failure, handler) => {
        server.use(
          http.post(`${API}/api/v1/session`, () =>
            HttpResponse.json({ token: CANARY_SESSION }),
          ),
          handler(),
        );
        for (const client of [tokenClient(200), passwordClient(200)]) {
          const error = await failureOf(client.getApplication(app));
          expect(error.failure).toBe(failure);
          expect(error.message).toContain(`"${client.name}"`);
          expectNoSecrets(error);
        }
      },
    );
  });

  describe('other calls', () => {
    it('syncs with the name, the appNamespace and prune in the body', async () => {
      const bodies: unknown[] = [];
      server.use(
        http.post(
          `${API}/api/v1/applications/payments-airflow/sync`,
          async ({ request }) => {
            bodies.push(await request.json());
            return HttpResponse.json(argoApplication('payments-airflow'));
          },
        ),
      );
      await tokenClient().syncApplication('payments-airflow', {
        appNamespace: 'argocd-apps',
        prune: true,
      });
      expect(bodies).toEqual([
        { name: 'payments-airflow', appNamespace: 'argocd-apps', prune: true },
      ]);
    });

    it('deletes with cascade unless told otherwise', async () => {
      const cascades: Array<string | null> = [];
      server.use(
        http.delete(
          `${API}/api/v1/applications/payments-airflow`,
          ({ request }) => {
            cascades.push(new URL(request.url).searchParams.get('cascade'));
            return HttpResponse.json({});
          },
        ),
      );
      const client = tokenClient();
      await client.deleteApplication('payments-airflow');
      await client.deleteApplication('payments-airflow', { cascade: false });
      expect(cascades).toEqual(['true', 'false']);
    });

    it('lists clusters, answering [] for "items": null', async () => {
      server.use(
        http.get(`${API}/api/v1/clusters`, () =>
          HttpResponse.json({ metadata: {}, items: null }),
        ),
      );
      await expect(tokenClient().listClusters()).resolves.toEqual([]);
    });
  });

  describe('getResource', () => {
    const resourceUrl = `${API}/api/v1/applications/payments-kafka/resource`;
    const kafkaRef = {
      application: 'payments-kafka',
      namespace: 'payments',
      name: 'orders',
      group: 'kafka.strimzi.io',
      version: 'v1',
      kind: 'Kafka',
    };
    /**
     * A Strimzi Kafka as the cluster holds it; Argo CD's GetResource answers
     * json.Marshal of the unstructured object (keys sorted) as a string.
     */
    const liveKafka = {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: {
        annotations: {
          'argocd.argoproj.io/tracking-id':
            'payments-kafka:kafka.strimzi.io/Kafka:payments/orders',
        },
        creationTimestamp: '2026-01-14T10:02:11Z',
        generation: 3,
        name: 'orders',
        namespace: 'payments',
        resourceVersion: '4410923',
        uid: '0b7e2c1f-5a9d-4c3e-8f21-6d0a9b3c7e45',
      },
      spec: { kafka: { version: '4.1.1' } },
      status: {
        clusterId: 'Vq2n1x8sT0mKfA7bC3dE9g',
        conditions: [
          {
            lastTransitionTime: '2026-01-14T10:09:40.118Z',
            message:
              'Exceeded timeout of 300000ms while waiting for Pod resource orders-dual-role-0 in namespace payments to be ready',
            reason: 'StrimziTimeoutException',
            status: 'True',
            type: 'NotReady',
          },
        ],
        observedGeneration: 3,
      },
    };
    const manifestOf = (object: unknown) =>
      HttpResponse.json({ manifest: JSON.stringify(object) });

    it('sends the resource, the Application namespace and project, and answers the live object', async () => {
      const seen: Request[] = [];
      server.use(
        http.get(resourceUrl, ({ request }) => {
          seen.push(request.clone());
          return manifestOf(liveKafka);
        }),
      );

      const object = await tokenClient().getResource({
        ...kafkaRef,
        appNamespace: 'argocd-apps',
        project: 'payments',
      });

      expect(object).toEqual(liveKafka);
      const url = new URL(seen[0].url);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        namespace: 'payments',
        resourceName: 'orders',
        version: 'v1',
        group: 'kafka.strimzi.io',
        kind: 'Kafka',
        appNamespace: 'argocd-apps',
        project: 'payments',
      });
      expect(seen[0].headers.get('authorization')).toBe(
        `Bearer ${CANARY_TOKEN}`,
      );
    });

    it('leaves out the empty group and namespace of a core, cluster-scoped resource', async () => {
      let query: URLSearchParams | undefined;
      server.use(
        http.get(resourceUrl, ({ request }) => {
          query = new URL(request.url).searchParams;
          return manifestOf({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: 'payments' },
            status: { phase: 'Active' },
          });
        }),
      );
      const object = await tokenClient().getResource({
        application: 'payments-kafka',
        namespace: '',
        name: 'payments',
        group: '',
        version: 'v1',
        kind: 'Namespace',
      });
      expect(object.status).toEqual({ phase: 'Active' });
      expect(query?.has('group')).toBe(false);
      expect(query?.has('namespace')).toBe(false);
      expect(query?.get('resourceName')).toBe('payments');
    });

    it.each([
      {
        why: 'not part of the Application (InvalidArgument)',
        status: 400,
        code: 3,
        message:
          'Kafka kafka.strimzi.io orders not found as part of application payments-kafka',
      },
      {
        why: 'gone from the cluster',
        status: 404,
        code: 5,
        message:
          'error getting resource: kafkas.kafka.strimzi.io "orders" not found',
      },
      {
        why: 'a version the CRD no longer serves',
        status: 404,
        code: 5,
        message:
          'error getting resource: failed to discover server resources for group version kafka.strimzi.io/v1beta2: the server could not find the requested resource',
      },
    ])(
      'answers a resource $why as not-found',
      async ({ status, code, message }) => {
        server.use(
          http.get(resourceUrl, () => argoError(status, code, message)),
        );
        const error = await failureOf(tokenClient().getResource(kafkaRef));
        expect(error.failure).toBe('not-found');
        expect(error.status).toBe(status);
        expect(error.code).toBe(code);
        expect(error.message).toBe(
          `Argo CD instance "prod-eu" refused GET Kafka "payments/orders" of Application "payments-kafka": ${status} ${message}`,
        );
        expectNoSecrets(error);
      },
    );

    it('keeps other refusals as they are: permission denied, another invalid request', async () => {
      server.use(
        http.get(resourceUrl, () => argoError(403, 7, 'permission denied')),
      );
      expect(
        (await failureOf(tokenClient().getResource(kafkaRef))).failure,
      ).toBe('forbidden');
      server.use(
        http.get(resourceUrl, () =>
          argoError(
            400,
            3,
            'application references project ghost which does not exist',
          ),
        ),
      );
      expect(
        (await failureOf(tokenClient().getResource(kafkaRef))).failure,
      ).toBe('invalid');
    });

    it.each([
      { body: {}, why: 'no manifest string' },
      { body: { manifest: 42 }, why: 'no manifest string' },
      { body: [liveKafka], why: 'no manifest string' },
      {
        body: { manifest: '{"apiVersion":"kafka.st' },
        why: 'the manifest is not JSON',
      },
      {
        body: { manifest: '[{"kind":"Kafka"}]' },
        why: 'the manifest is not a JSON object',
      },
      { body: { manifest: 'null' }, why: 'the manifest is not a JSON object' },
      {
        body: { manifest: '"Kafka"' },
        why: 'the manifest is not a JSON object',
      },
    ])('reports $body as malformed', async ({ body, why }) => {
      server.use(http.get(resourceUrl, () => HttpResponse.json(body)));
      const error = await failureOf(tokenClient().getResource(kafkaRef));
      expect(error.failure).toBe('malformed');
      expect(error.message).toBe(
        `Argo CD instance "prod-eu" answered a malformed response for Kafka "payments/orders" of Application "payments-kafka": ${why}`,
      );
    });

    it('refuses a live object over the byte limit while it streams', async () => {
      const huge = {
        ...liveKafka,
        status: {
          conditions: [
            {
              type: 'NotReady',
              status: 'True',
              message: 'x'.repeat(3 * 1024 * 1024),
            },
          ],
        },
      };
      server.use(http.get(resourceUrl, () => manifestOf(huge)));
      const error = await failureOf(
        new ArgoCdClient({
          instance: tokenInstance,
          timeoutMs: 5_000,
          maxResponseBytes: 1024 * 1024,
        }).getResource(kafkaRef),
      );
      expect(error.failure).toBe('malformed');
      expect(error.message).toContain('datastack.argocd.maxResponseBytes');
      expect(error.message).toContain('Kafka "payments/orders"');
    });

    it('gives up after the timeout, renews an expired session, and never shows credentials', async () => {
      server.use(
        http.get(resourceUrl, async () => {
          await delay('infinite');
          return manifestOf(liveKafka);
        }),
      );
      const timedOut = await failureOf(
        new ArgoCdClient({
          instance: tokenInstance,
          timeoutMs: 200,
        }).getResource(kafkaRef),
      );
      expect(timedOut.failure).toBe('timeout');
      expectNoSecrets(timedOut);

      let logins = 0;
      let reads = 0;
      server.use(
        http.post(`${API}/api/v1/session`, () => {
          logins += 1;
          return HttpResponse.json({ token: `${CANARY_SESSION}-${logins}` });
        }),
        http.get(resourceUrl, ({ request }) => {
          reads += 1;
          return request.headers.get('authorization') ===
            `Bearer ${CANARY_SESSION}-2`
            ? manifestOf(liveKafka)
            : expired();
        }),
      );
      await expect(passwordClient().getResource(kafkaRef)).resolves.toEqual(
        liveKafka,
      );
      expect([logins, reads]).toEqual([2, 2]);
    });

    it('refuses a request without the name, kind or version Argo CD requires, without calling it', async () => {
      let calls = 0;
      server.use(
        http.get(resourceUrl, () => {
          calls += 1;
          return manifestOf(liveKafka);
        }),
      );
      for (const field of ['name', 'kind', 'version'] as const) {
        await expect(
          tokenClient().getResource({ ...kafkaRef, [field]: '' }),
        ).rejects.toThrow(`getResource needs a resource ${field}`);
      }
      expect(calls).toBe(0);
    });
  });

  describe('applicationUrl', () => {
    it('points at the UI and encodes the namespace and the name', () => {
      const client = tokenClient();
      expect(client.applicationUrl('payments-airflow')).toBe(
        `${UI}/applications/payments-airflow`,
      );
      expect(client.applicationUrl('payments airflow', 'team/apps')).toBe(
        `${UI}/applications/team%2Fapps/payments%20airflow`,
      );
      expect(client.applicationUrl('payments-airflow', 'argocd-apps')).toBe(
        `${UI}/applications/argocd-apps/payments-airflow`,
      );
    });
  });

  describe('watchApplications', () => {
    const lines = (...records: unknown[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const r of records) {
            controller.enqueue(
              new TextEncoder().encode(`${JSON.stringify(r)}\n`),
            );
          }
          controller.close();
        },
      });

    it('passes each event on, asking from the resourceVersion with the token', async () => {
      let asked: URL | undefined;
      let auth: string | null = null;
      server.use(
        http.get(`${API}/api/v1/stream/applications`, ({ request }) => {
          asked = new URL(request.url);
          auth = request.headers.get('authorization');
          return new HttpResponse(
            lines(
              {
                result: { type: 'MODIFIED', application: argoApplication('a') },
              },
              {
                result: { type: 'DELETED', application: argoApplication('b') },
              },
            ),
            { headers: { 'content-type': 'application/json' } },
          );
        }),
      );
      const client = new ArgoCdClient({
        instance: tokenInstance,
        timeoutMs: 1000,
      });
      const events: string[] = [];
      await client.watchApplications({
        resourceVersion: '918273',
        projects: ['data-platform'],
        signal: new AbortController().signal,
        onEvent: e => {
          events.push(`${e.type} ${e.application.metadata.name}`);
        },
      });
      expect(events).toEqual(['MODIFIED a', 'DELETED b']);
      expect(asked?.searchParams.get('resourceVersion')).toBe('918273');
      expect(asked?.searchParams.getAll('projects')).toEqual(['data-platform']);
      expect(auth).toBe(`Bearer ${CANARY_TOKEN}`);
    });

    it("turns grpc-gateway's error line into an error; a too-old resourceVersion is expired", async () => {
      server.use(
        http.get(
          `${API}/api/v1/stream/applications`,
          () =>
            new HttpResponse(
              lines({
                error: {
                  grpc_code: 11,
                  http_code: 410,
                  message: 'too old resource version: 12 (4000)',
                  http_status: 'Gone',
                  details: [],
                },
              }),
            ),
        ),
      );
      const client = new ArgoCdClient({
        instance: tokenInstance,
        timeoutMs: 1000,
      });
      const error = await client
        .watchApplications({
          signal: new AbortController().signal,
          onEvent: () => {},
        })
        .catch(e => e);
      expect(error).toBeInstanceOf(ArgoCdRequestError);
      expect(error.failure).toBe('expired');
      expect(error.message).toBe(
        'Argo CD instance "prod-eu" ended the Application watch stream: 410 too old resource version: 12 (4000)',
      );
    });

    it('refuses a malformed event and reports a refused stream with its status', async () => {
      server.use(
        http.get(
          `${API}/api/v1/stream/applications`,
          () =>
            new HttpResponse(
              lines({ result: { type: 'ADDED', application: {} } }),
            ),
        ),
      );
      const client = new ArgoCdClient({
        instance: tokenInstance,
        timeoutMs: 1000,
      });
      const malformed = await client
        .watchApplications({
          signal: new AbortController().signal,
          onEvent: () => {},
        })
        .catch(e => e);
      expect(malformed.failure).toBe('malformed');

      server.use(
        http.get(`${API}/api/v1/stream/applications`, () =>
          HttpResponse.json(
            {
              error: 'permission denied',
              code: 7,
              message: 'permission denied',
            },
            { status: 403 },
          ),
        ),
      );
      const refused = await client
        .watchApplications({
          signal: new AbortController().signal,
          onEvent: () => {},
        })
        .catch(e => e);
      expect(refused.failure).toBe('forbidden');
      expect(refused.message).toBe(
        'Argo CD instance "prod-eu" refused GET the Application watch stream: 403 permission denied',
      );
      expect(inspect(refused)).not.toContain(CANARY_TOKEN);
    });

    it('says a stream went silent, not that the request timed out, when it stalls after its first event', async () => {
      server.use(
        http.get(
          `${API}/api/v1/stream/applications`,
          () =>
            new HttpResponse(
              new ReadableStream<Uint8Array>({
                start(controller) {
                  controller.enqueue(
                    new TextEncoder().encode(
                      `${JSON.stringify({
                        result: {
                          type: 'ADDED',
                          application: argoApplication('a'),
                        },
                      })}\n`,
                    ),
                  );
                  // and then nothing, with the connection open
                },
              }),
              { headers: { 'content-type': 'application/json' } },
            ),
        ),
      );
      const client = new ArgoCdClient({
        instance: tokenInstance,
        timeoutMs: 1000,
      });
      const events: string[] = [];
      const stalled = await client
        .watchApplications({
          signal: new AbortController().signal,
          idleTimeoutMs: 100,
          onEvent: e => {
            events.push(e.application.metadata.name);
          },
        })
        .catch(e => e);
      expect(events).toEqual(['a']);
      expect(stalled.failure).toBe('timeout');
      expect(stalled.message).toBe(
        'Argo CD instance "prod-eu" sent nothing for 100 ms; the stream was given up as stalled (GET the Application watch stream)',
      );
    });

    it('reads the error chunk Argo CD answers as the body of a stream refused before its first event', async () => {
      server.use(
        http.get(
          `${API}/api/v1/stream/applications`,
          () =>
            new HttpResponse(
              'data: {"error":{"grpc_code":11,"http_code":400,"message":"too old resource version: 12 (4000)","http_status":"Bad Request"}} \n\n',
              { status: 400, headers: { 'content-type': 'text/event-stream' } },
            ),
        ),
      );
      const client = new ArgoCdClient({
        instance: tokenInstance,
        timeoutMs: 1000,
      });
      const error = await client
        .watchApplications({
          resourceVersion: '12',
          signal: new AbortController().signal,
          onEvent: () => {},
        })
        .catch(e => e);
      expect(error.failure).toBe('expired');
    });

    it('takes server-sent events and skips keep-alives', async () => {
      server.use(
        http.get(`${API}/api/v1/stream/applications`, ({ request }) => {
          expect(request.headers.get('accept')).toBe('text/event-stream');
          return new HttpResponse(
            `:\ndata: ${JSON.stringify({
              result: { type: 'ADDED', application: argoApplication('a') },
            })} \n\n\n:\n`,
            { headers: { 'content-type': 'text/event-stream' } },
          );
        }),
      );
      const client = new ArgoCdClient({
        instance: tokenInstance,
        timeoutMs: 1000,
      });
      const events: string[] = [];
      await client.watchApplications({
        signal: new AbortController().signal,
        onEvent: e => {
          events.push(`${e.type} ${e.application.metadata.name}`);
        },
      });
      expect(events).toEqual(['ADDED a']);
    });

    it('currentResourceVersion reads the list metadata of a list that matches nothing', async () => {
      let selector: string | null = null;
      server.use(
        http.get(`${API}/api/v1/applications`, ({ request }) => {
          selector = new URL(request.url).searchParams.get('selector');
          return HttpResponse.json({
            metadata: { resourceVersion: '4242' },
            items: null,
          });
        }),
      );
      const client = new ArgoCdClient({
        instance: tokenInstance,
        timeoutMs: 1000,
      });
      expect(await client.currentResourceVersion()).toBe('4242');
      expect(selector).toBe('datastack.io/inventory-probe=none');
    });
  });
});
