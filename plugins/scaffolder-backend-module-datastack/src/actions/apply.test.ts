import {
  createMockDirectory,
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import {
  ArgoCdClient,
  type ArgoCdInstanceConfig,
} from '@datastack/plugin-datastack-node';
import { delay, http, HttpResponse, type HttpResponseResolver } from 'msw';
import { setupServer } from 'msw/node';
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import yaml from 'yaml';
import { createApplyAction } from './apply';
import { examples } from './apply.examples';
import { createRenderAction } from './render';
import { OwnershipGuard } from '../tenancy/OwnershipGuard';
import { testGitHosts } from '../__testUtils__/gitHosts';

/** Secrets that must never reach a log line, an output or an error. */
const DEV_TOKEN = 'canary-argocd-token-7e1d';
const PROD_TOKEN = 'canary-argocd-token-prod-3a9f';

const INSTANCES: Record<'dev' | 'prod', ArgoCdInstanceConfig> = {
  dev: {
    name: 'dev',
    url: 'https://argocd-dev.example.com',
    uiUrl: 'https://argocd-dev.example.com',
    auth: { type: 'token', token: DEV_TOKEN },
  },
  prod: {
    name: 'prod',
    url: 'https://argocd-prod.example.com',
    uiUrl: 'https://argocd-prod.example.com',
    auth: { type: 'token', token: PROD_TOKEN },
  },
};
const DEV = INSTANCES.dev.url;
const PROD = INSTANCES.prod.url;
const TIMEOUT_MS = 300;

const renderInput = {
  name: 'orders',
  owner: 'group:default/data-platform',
  repoUrl: 'https://git.example.com/acme/orders-gitops.git',
  components: [{ id: 'kafka' }, { id: 'flink' }, { id: 'observability' }],
  environments: [
    {
      name: 'dev',
      argocdInstance: 'dev',
      cluster: { server: 'https://kubernetes.default.svc' },
    },
    {
      name: 'prod',
      argocdInstance: 'prod',
      cluster: { name: 'prod-eu-1' },
      size: 'large',
    },
  ],
};

/** What the apply writes, in order: each environment's components by sync wave, then its app of apps. */
const APPLY_ORDER: Array<[instance: 'dev' | 'prod', name: string]> = [
  ['dev', 'orders-observability-dev'],
  ['dev', 'orders-kafka-dev'],
  ['dev', 'orders-flink-dev'],
  ['dev', 'orders-dev'],
  ['prod', 'orders-observability-prod'],
  ['prod', 'orders-kafka-prod'],
  ['prod', 'orders-flink-prod'],
  ['prod', 'orders-prod'],
];
const COMPONENT_APPS = APPLY_ORDER.map(([, name]) => name).filter(
  name => !['orders-dev', 'orders-prod'].includes(name),
);

const renderAction = createRenderAction({
  registry: createDefaultRegistry(),
  argocdInstances: ['dev', 'prod'],
  gitHosts: testGitHosts(),
});

function clients(
  names: Array<'dev' | 'prod'> = ['dev', 'prod'],
  timeoutMs = TIMEOUT_MS,
) {
  return new Map(
    names.map(name => [
      name,
      new ArgoCdClient({ instance: INSTANCES[name], timeoutMs }),
    ]),
  );
}

/** The task's user: a member of the pipeline's owner group, as their token says. */
const MEMBER = mockServices.userInfo({
  userEntityRef: 'user:default/mock',
  ownershipEntityRefs: ['user:default/mock', 'group:default/data-platform'],
});

/** The apply action as the module builds it, with test defaults. */
function applyAction(
  options: Partial<Parameters<typeof createApplyAction>[0]> & {
    clients: Map<string, ArgoCdClient>;
  },
) {
  return createApplyAction({
    guard: new OwnershipGuard({ userInfo: MEMBER, adminGroups: [] }),
    createProjects: false,
    pollIntervalMs: 10,
    ...options,
  });
}

/** Argo CD's error body: a gRPC status mapped onto HTTP. */
function argoError(status: number, code: number, message: string) {
  return HttpResponse.json({ error: message, code, message }, { status });
}

/**
 * An AppProject as GET /api/v1/projects/{name} answers it: one the platform
 * team created for the team, admitting its Application namespace.
 */
function argoProject(name: string) {
  return {
    metadata: {
      name,
      namespace: 'argocd',
      uid: '0b7c1f4e-5a2d-4c3b-9e8f-1a2b3c4d5e6f',
      resourceVersion: '4711',
      generation: 1,
      creationTimestamp: '2025-10-01T08:00:00Z',
    },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      sourceNamespaces: ['argocd-apps-data-platform'],
    },
    status: {},
  };
}

type Health = 'Healthy' | 'Progressing' | 'Degraded';

/** An Application as GET /api/v1/applications/{name} answers it, at a sync and health status. */
function argoApplication(name: string, health: Health) {
  const sync = health === 'Progressing' ? 'OutOfSync' : 'Synced';
  return {
    metadata: {
      name,
      namespace: 'argocd',
      uid: `7d3e8a10-2b4c-4d5e-8f90-${String(name.length).padStart(12, '0')}`,
      resourceVersion: '918273',
      generation: 2,
      creationTimestamp: '2026-01-14T10:00:00Z',
    },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc' },
    },
    status: {
      sync: { status: sync, revisions: ['1.15.0', 'HEAD'] },
      health:
        health === 'Degraded'
          ? {
              status: 'Degraded',
              message: `Deployment "${name}" exceeded its progress deadline`,
            }
          : { status: health },
      operationState:
        health === 'Progressing'
          ? {
              phase: 'Running',
              message: 'waiting for healthy state of apps/Deployment/operator',
              startedAt: '2026-01-14T10:00:05Z',
            }
          : {
              phase: 'Succeeded',
              message: 'successfully synced (all tasks run)',
              startedAt: '2026-01-14T10:00:05Z',
              finishedAt: '2026-01-14T10:00:41Z',
            },
      reconciledAt: '2026-01-14T10:01:00Z',
    },
  };
}

interface Write {
  instance: string;
  path: string;
  authorization: string | null;
  body: any;
}

describe('datastack:argocd:apply', () => {
  const server = setupServer();
  registerMswTestHooks(server);
  const workspace = createMockDirectory();

  /** Every request that reached the network, handled or not. */
  let requests: Array<{ method: string; url: string }>;
  /** Every POST Argo CD answered, with its body. */
  let writes: Write[];
  /** Applications each instance holds (by namespace/name), as POSTed. */
  let stored: Map<string, any>;

  beforeEach(() => {
    workspace.clear();
    requests = [];
    writes = [];
    stored = new Map();
    server.events.on('request:start', ({ request }) => {
      requests.push({ method: request.method, url: request.url });
    });
    server.use(...argoCd('dev', DEV), ...argoCd('prod', PROD));
  });

  /** Handlers answering like an Argo CD instance whose AppProjects exist and whose Applications are healthy. */
  function argoCd(instance: string, base: string) {
    const record = async (request: Request) => {
      const url = new URL(request.url);
      const write: Write = {
        instance,
        path: `${url.pathname}${url.search}`,
        authorization: request.headers.get('authorization'),
        body: await request.clone().json(),
      };
      writes.push(write);
      return write.body;
    };
    return [
      http.get(`${base}/api/v1/projects/:name`, ({ params }) =>
        HttpResponse.json(argoProject(String(params.name))),
      ),
      http.post(`${base}/api/v1/projects`, async ({ request }) => {
        const body = await record(request);
        return HttpResponse.json({
          ...body.project,
          metadata: {
            ...body.project.metadata,
            uid: '1c2d3e4f-0000-4000-8000-000000000001',
            resourceVersion: '5001',
          },
        });
      }),
      http.post(`${base}/api/v1/applications`, async ({ request }) => {
        const body = await record(request);
        stored.set(
          `${instance}/${body.metadata.namespace}/${body.metadata.name}`,
          body,
        );
        return HttpResponse.json({
          ...body,
          metadata: {
            ...body.metadata,
            uid: '9a8b7c6d-0000-4000-8000-000000000002',
            resourceVersion: '6001',
            creationTimestamp: '2026-01-14T10:00:00Z',
          },
        });
      }),
      http.get(`${base}/api/v1/applications/:name`, ({ params, request }) => {
        const ns = new URL(request.url).searchParams.get('appNamespace');
        const app = stored.get(`${instance}/${ns}/${params.name}`);
        // Argo CD answers a missing Application without a project as 403.
        if (!app) {
          return argoError(403, 7, 'permission denied');
        }
        const live = argoApplication(String(params.name), 'Healthy');
        return HttpResponse.json({
          ...live,
          metadata: { ...live.metadata, ...app.metadata },
        });
      }),
    ];
  }

  afterEach(() => {
    server.events.removeAllListeners();
  });

  async function render(targetPath?: string, input: object = {}) {
    const ctx = createMockActionContext({
      input: {
        ...renderInput,
        ...input,
        ...(targetPath ? { targetPath } : {}),
      },
      workspacePath: workspace.path,
      logger: mockServices.logger.mock(),
    });
    await renderAction.handler(ctx as any);
  }

  function context(
    input: Record<string, unknown> = {},
    extra: { isDryRun?: boolean; signal?: AbortSignal } = {},
  ) {
    const logger = mockServices.logger.mock();
    const ctx = {
      ...createMockActionContext({
        input: input as any,
        workspacePath: workspace.path,
        logger,
      }),
      ...extra,
    };
    return { ctx, logger };
  }

  function outputs(ctx: { output: unknown }): Record<string, any> {
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  function rendered(name: string, base = '.') {
    const env = name.endsWith('-dev') ? 'dev' : 'prod';
    const file = ['orders-dev', 'orders-prod'].includes(name)
      ? `environments/${env}/root.yaml`
      : `environments/${env}/applications/${name}.yaml`;
    return yaml.parse(
      fs.readFileSync(path.join(workspace.path, base, file), 'utf8'),
    );
  }

  const applicationWrites = () =>
    writes.filter(w => w.path.startsWith('/api/v1/applications'));

  /** Fails the POST of one Application on dev; every other request goes to the defaults. */
  function failApplication(
    name: string,
    respond: HttpResponseResolver,
  ): HttpResponseResolver {
    return async info => {
      const body: any = await info.request.clone().json();
      if (body?.metadata?.name !== name) return undefined;
      writes.push({
        instance: 'dev',
        path: new URL(info.request.url).pathname,
        authorization: info.request.headers.get('authorization'),
        body,
      });
      return respond(info);
    };
  }

  describe('applies the rendered Applications', () => {
    beforeEach(() => render());

    it('POSTs every Application and app of apps once, to its instance, in sync-wave order, with the rendered body and the bearer token', async () => {
      const action = applyAction({ clients: clients() });
      const { ctx } = context();
      await action.handler(ctx as any);

      expect(writes.map(w => [w.instance, w.body.metadata.name])).toEqual(
        APPLY_ORDER,
      );
      for (const write of writes) {
        expect(write.path).toBe(
          '/api/v1/applications?upsert=true&validate=true',
        );
        expect(write.body).toEqual(rendered(write.body.metadata.name));
        expect(write.authorization).toBe(
          `Bearer ${write.instance === 'dev' ? DEV_TOKEN : PROD_TOKEN}`,
        );
      }
    });

    it('applies the environments in the order the pipeline lists them (dev, staging, prod), not by name', async () => {
      await fs.promises.rm(path.join(workspace.path, 'environments'), {
        recursive: true,
        force: true,
      });
      await render(undefined, {
        environments: [
          renderInput.environments[0],
          {
            name: 'staging',
            argocdInstance: 'dev',
            cluster: { server: 'https://kubernetes.default.svc' },
          },
          renderInput.environments[1],
        ],
      });
      const action = applyAction({ clients: clients(), createProjects: true });
      await action.handler(context().ctx as any);
      const roots = applicationWrites()
        .map(w => w.body.metadata.name)
        .filter(name => /^orders-(dev|staging|prod)$/.test(name));
      expect(roots).toEqual(['orders-dev', 'orders-staging', 'orders-prod']);
    });

    it('outputs the Applications per environment, their Argo CD UI URLs and applied: true', async () => {
      const action = applyAction({ clients: clients() });
      const { ctx } = context();
      await action.handler(ctx as any);

      expect(outputs(ctx)).toEqual({
        applications: {
          dev: APPLY_ORDER.filter(([i]) => i === 'dev').map(([, n]) => n),
          prod: APPLY_ORDER.filter(([i]) => i === 'prod').map(([, n]) => n),
        },
        urls: Object.fromEntries(
          APPLY_ORDER.map(([instance, name]) => [
            name,
            `${INSTANCES[instance].uiUrl}/applications/argocd-apps-data-platform/${name}`,
          ]),
        ),
        applied: true,
      });
    });

    it('stops at the first refused Application and writes nothing after it', async () => {
      server.use(
        http.post(
          `${DEV}/api/v1/applications`,
          failApplication('orders-kafka-dev', () =>
            argoError(
              500,
              2,
              'Internal error occurred: etcdserver: request timed out',
            ),
          ),
        ),
      );
      const action = applyAction({ clients: clients() });
      const { ctx } = context();
      await expect(action.handler(ctx as any)).rejects.toThrow(
        'orders-kafka-dev',
      );
      expect(applicationWrites().map(w => w.body.metadata.name)).toEqual([
        'orders-observability-dev',
        'orders-kafka-dev',
      ]);
      expect(outputs(ctx).applied).toBeUndefined();
    });
  });

  describe('AppProject', () => {
    beforeEach(() => render());

    const PROJECT = 'team-data-platform';
    const projectMissingOn = (base: string) =>
      http.get(`${base}/api/v1/projects/${PROJECT}`, () =>
        argoError(404, 5, `appprojects.argoproj.io "${PROJECT}" not found`),
      );
    /** The rendered project.yaml of an environment. */
    const renderedProject = (env: string) =>
      yaml.parse(
        fs.readFileSync(
          path.join(workspace.path, `environments/${env}/project.yaml`),
          'utf8',
        ),
      );

    it('refuses a missing AppProject when datastack.tenancy.createProjects is off, naming it and the instance, before any Application is written', async () => {
      server.use(projectMissingOn(PROD));
      const action = applyAction({ clients: clients() });
      const { ctx } = context();
      const result = action.handler(ctx as any);
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(
        `AppProject "${PROJECT}" does not exist on Argo CD instance "prod". The platform team creates it`,
      );
      expect(writes).toEqual([]);
      expect(requests.filter(r => r.method !== 'GET')).toEqual([]);
    });

    it('creates a missing team AppProject where createProjects allows it: confined to the team, before the Applications', async () => {
      server.use(projectMissingOn(PROD));
      const action = applyAction({ clients: clients(), createProjects: true });
      const { ctx } = context();
      await action.handler(ctx as any);

      expect(writes[0]).toEqual({
        instance: 'prod',
        path: '/api/v1/projects',
        authorization: `Bearer ${PROD_TOKEN}`,
        body: { project: renderedProject('prod'), upsert: false },
      });
      const spec = writes[0].body.project.spec;
      expect(spec.sourceNamespaces).toEqual(['argocd-apps-data-platform']);
      expect(spec.clusterResourceWhitelist).toEqual([
        { group: '', kind: 'Namespace' },
      ]);
      expect(spec.sourceRepos).not.toContain('*');
      expect(spec.destinations.map((d: any) => d.namespace).sort()).toEqual([
        'argocd-apps-data-platform',
        'orders-prod-flink',
        'orders-prod-kafka',
        'orders-prod-observability',
      ]);
      expect(writes[0].body.project.metadata.labels).toEqual({
        'datastack.io/team': 'data-platform',
        'app.kubernetes.io/managed-by': 'datastack',
      });
      expect(
        writes.slice(1).map(w => [w.instance, w.body.metadata.name]),
      ).toEqual(APPLY_ORDER);
      // The project exists on dev: it is not created there.
      expect(writes.filter(w => w.path === '/api/v1/projects')).toHaveLength(1);
    });

    it("extends the team's own AppProject with what it lacks (PUT with the resourceVersion read), keeping what it had", async () => {
      const ours = {
        ...renderedProject('dev'),
        metadata: {
          ...renderedProject('dev').metadata,
          resourceVersion: '777',
        },
      };
      ours.spec.sourceRepos = ['https://git.example.com/acme/other.git'];
      ours.spec.destinations = [
        { server: 'https://kubernetes.default.svc', namespace: 'other-dev-x' },
      ];
      let put: any;
      server.use(
        http.get(`${DEV}/api/v1/projects/${PROJECT}`, () =>
          HttpResponse.json(ours),
        ),
        http.put(`${DEV}/api/v1/projects/${PROJECT}`, async ({ request }) => {
          put = await request.json();
          return HttpResponse.json(put.project);
        }),
      );
      const action = applyAction({ clients: clients(), createProjects: true });
      await action.handler(context().ctx as any);
      expect(put.project.metadata.resourceVersion).toBe('777');
      expect(put.project.spec.sourceRepos).toEqual(
        expect.arrayContaining([
          'https://git.example.com/acme/other.git',
          'https://git.example.com/acme/orders-gitops.git',
        ]),
      );
      expect(put.project.spec.destinations).toEqual(
        expect.arrayContaining([
          {
            server: 'https://kubernetes.default.svc',
            namespace: 'other-dev-x',
          },
          {
            server: 'https://kubernetes.default.svc',
            namespace: 'orders-dev-kafka',
          },
        ]),
      );
    });

    it('extends the project another task of the team created in between, keeping what that task added', async () => {
      // Two pipelines of one team applied at once: both read "no project";
      // the other task's create lands first.
      const theirs = {
        ...renderedProject('prod'),
        metadata: { ...renderedProject('prod').metadata, resourceVersion: '5' },
      };
      theirs.spec.sourceRepos = ['https://git.example.com/acme/billing.git'];
      theirs.spec.destinations = [
        {
          server: 'https://kubernetes.default.svc',
          namespace: 'billing-prod-x',
        },
      ];
      let created = false;
      let put: any;
      server.use(
        http.get(`${PROD}/api/v1/projects/${PROJECT}`, () =>
          created
            ? HttpResponse.json(theirs)
            : argoError(
                404,
                5,
                `appprojects.argoproj.io "${PROJECT}" not found`,
              ),
        ),
        http.post(`${PROD}/api/v1/projects`, () => {
          created = true;
          return argoError(
            400,
            3,
            'existing project spec is different; use upsert flag to force update; difference in keys "SourceRepos,0"',
          );
        }),
        http.put(`${PROD}/api/v1/projects/${PROJECT}`, async ({ request }) => {
          put = await request.json();
          return HttpResponse.json(put.project);
        }),
      );
      const action = applyAction({ clients: clients(), createProjects: true });
      const { ctx, logger } = context();
      await action.handler(ctx as any);
      expect(put.project.metadata.resourceVersion).toBe('5');
      expect(put.project.spec.sourceRepos).toEqual(
        expect.arrayContaining([
          'https://git.example.com/acme/billing.git',
          'https://git.example.com/acme/orders-gitops.git',
        ]),
      );
      expect(put.project.spec.destinations).toEqual(
        expect.arrayContaining([
          {
            server: 'https://kubernetes.default.svc',
            namespace: 'billing-prod-x',
          },
          { name: 'prod-eu-1', namespace: 'orders-prod-kafka' },
        ]),
      );
      expect(logger.info).toHaveBeenCalledWith(
        `Extended AppProject "${PROJECT}" on Argo CD instance "prod"`,
      );
    });

    it('re-reads and merges again when its extension loses the race (Aborted: the object has been modified)', async () => {
      const base = {
        ...renderedProject('dev'),
        metadata: { ...renderedProject('dev').metadata, resourceVersion: '1' },
      };
      base.spec.sourceRepos = ['https://git.example.com/acme/other.git'];
      let current = base;
      const puts: any[] = [];
      server.use(
        http.get(`${DEV}/api/v1/projects/${PROJECT}`, () =>
          HttpResponse.json(current),
        ),
        http.put(`${DEV}/api/v1/projects/${PROJECT}`, async ({ request }) => {
          const body: any = await request.json();
          puts.push(body);
          if (puts.length === 1) {
            // Another task's extension landed first.
            current = {
              ...base,
              metadata: { ...base.metadata, resourceVersion: '2' },
              spec: {
                ...base.spec,
                sourceRepos: [
                  ...base.spec.sourceRepos,
                  'https://git.example.com/acme/billing.git',
                ],
              },
            };
            return argoError(
              409,
              10,
              `Operation cannot be fulfilled on appprojects.argoproj.io "${PROJECT}": the object has been modified; please apply your changes to the latest version and try again`,
            );
          }
          return HttpResponse.json(body.project);
        }),
      );
      const action = applyAction({ clients: clients(), createProjects: true });
      await action.handler(context().ctx as any);
      expect(puts).toHaveLength(2);
      expect(puts[1].project.metadata.resourceVersion).toBe('2');
      expect(puts[1].project.spec.sourceRepos).toEqual(
        expect.arrayContaining([
          'https://git.example.com/acme/other.git',
          'https://git.example.com/acme/billing.git',
          'https://git.example.com/acme/orders-gitops.git',
        ]),
      );
    });

    it("refuses an existing AppProject of that name that is not the team's and lacks what the pipeline needs, writing nothing", async () => {
      server.use(
        http.get(`${DEV}/api/v1/projects/${PROJECT}`, () =>
          HttpResponse.json({
            ...argoProject(PROJECT),
            metadata: {
              ...argoProject(PROJECT).metadata,
              annotations: { 'datastack.io/owner': 'group:default/other' },
            },
            spec: { sourceRepos: [], destinations: [], sourceNamespaces: [] },
          }),
        ),
      );
      const action = applyAction({ clients: clients(), createProjects: true });
      const result = action.handler(context().ctx as any);
      await expect(result).rejects.toThrow(ConflictError);
      await expect(result).rejects.toThrow(
        `AppProject "${PROJECT}" on Argo CD instance "dev" is not Datastack's for group:default/data-platform`,
      );
      expect(requests.filter(r => r.method !== 'GET')).toEqual([]);
    });

    it('refuses a project that lacks the Application namespace when createProjects is off, saying what to add', async () => {
      server.use(
        http.get(`${DEV}/api/v1/projects/${PROJECT}`, () =>
          HttpResponse.json({
            ...argoProject(PROJECT),
            spec: { ...argoProject(PROJECT).spec, sourceNamespaces: [] },
          }),
        ),
      );
      const action = applyAction({ clients: clients() });
      await expect(action.handler(context().ctx as any)).rejects.toThrow(
        /does not allow sourceNamespaces: argocd-apps-data-platform/,
      );
      expect(requests.filter(r => r.method !== 'GET')).toEqual([]);
    });
  });

  describe('ownership before every write', () => {
    beforeEach(() => render());

    it('refuses when an Application of that name belongs to another team, before anything is written', async () => {
      stored.set('prod/argocd-apps-data-platform/orders-kafka-prod', {
        metadata: {
          name: 'orders-kafka-prod',
          namespace: 'argocd-apps-data-platform',
          annotations: {
            'datastack.io/owner': 'group:default/other-team',
            'datastack.io/entity-ref': 'component:default/orders-kafka',
          },
        },
      });
      const action = applyAction({ clients: clients() });
      const result = action.handler(context().ctx as any);
      await expect(result).rejects.toThrow(ConflictError);
      await expect(result).rejects.toThrow(
        'Application "orders-kafka-prod" already exists on Argo CD instance "prod" in namespace argocd-apps-data-platform and is not component:default/orders-kafka\'s (it belongs to group:default/other-team)',
      );
      expect(requests.filter(r => r.method !== 'GET')).toEqual([]);
    });

    it('refuses an unlabelled Application of that name (one Datastack did not create)', async () => {
      stored.set('dev/argocd-apps-data-platform/orders-dev', {
        metadata: {
          name: 'orders-dev',
          namespace: 'argocd-apps-data-platform',
        },
      });
      const action = applyAction({ clients: clients() });
      await expect(action.handler(context().ctx as any)).rejects.toThrow(
        /Application "orders-dev" already exists .* and is not system:default\/orders's/,
      );
      expect(writes).toEqual([]);
    });

    it('refuses a user who is not a member of the owner, with no request at all', async () => {
      const action = applyAction({
        clients: clients(),
        guard: new OwnershipGuard({
          userInfo: mockServices.userInfo({
            userEntityRef: 'user:default/mock',
            ownershipEntityRefs: [
              'user:default/mock',
              'group:default/analytics',
            ],
          }),
          adminGroups: [],
        }),
      });
      const result = action.handler(context().ctx as any);
      await expect(result).rejects.toThrow(NotAllowedError);
      await expect(result).rejects.toThrow(
        'user:default/mock may not act for group:default/data-platform: not a member of it',
      );
      expect(requests).toEqual([]);
    });

    it('lets a platform admin act for any team', async () => {
      const action = applyAction({
        clients: clients(),
        guard: new OwnershipGuard({
          userInfo: mockServices.userInfo({
            userEntityRef: 'user:default/pat',
            ownershipEntityRefs: ['group:default/platform-team'],
          }),
          adminGroups: ['group:default/platform-team'],
        }),
      });
      await action.handler(context().ctx as any);
      expect(applicationWrites()).toHaveLength(APPLY_ORDER.length);
    });

    it('a retry after a failed apply resumes: the Applications it wrote are its own, not a conflict', async () => {
      let failing = true;
      server.use(
        http.post(`${DEV}/api/v1/applications`, async info => {
          const body: any = await info.request.clone().json();
          if (failing && body.metadata.name === 'orders-kafka-dev') {
            return argoError(503, 14, 'connection refused');
          }
          return undefined;
        }),
      );
      const action = applyAction({ clients: clients() });
      await expect(action.handler(context().ctx as any)).rejects.toThrow(
        'orders-kafka-dev',
      );
      expect(
        stored.has('dev/argocd-apps-data-platform/orders-observability-dev'),
      ).toBe(true);
      failing = false;
      writes = [];
      const { ctx } = context();
      await action.handler(ctx as any);
      expect(writes.map(w => [w.instance, w.body.metadata.name])).toEqual(
        APPLY_ORDER,
      );
      expect(outputs(ctx).applied).toBe(true);
    });

    it('refuses a workspace whose manifests name no owner (not rendered for one pipeline)', async () => {
      const file = path.join(
        workspace.path,
        'environments/dev/applications/orders-kafka-dev.yaml',
      );
      const app = yaml.parse(fs.readFileSync(file, 'utf8'));
      delete app.metadata.annotations['datastack.io/owner'];
      fs.writeFileSync(file, yaml.stringify(app));
      const result = applyAction({ clients: clients() }).handler(
        context().ctx as any,
      );
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(
        'environments/dev/applications/orders-kafka-dev.yaml has no datastack.io/owner and datastack.io/entity-ref annotations',
      );
      expect(requests).toEqual([]);
    });

    it('refuses an alias bomb in a workspace file with an InputError, not a blocked loop', async () => {
      const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 9; i++) {
        const prev = String.fromCharCode(96 + i);
        const next = String.fromCharCode(97 + i);
        lines.push(
          `${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`,
        );
      }
      fs.writeFileSync(
        path.join(workspace.path, 'environments/dev/root.yaml'),
        lines.join('\n'),
      );
      const result = applyAction({ clients: clients() }).handler(
        context().ctx as any,
      );
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(
        /environments\/dev\/root.yaml is not usable YAML: .*alias/,
      );
      expect(requests).toEqual([]);
    });
  });

  describe('dry run', () => {
    beforeEach(() => render());

    it('writes nothing to Argo CD and still outputs the Applications and URLs', async () => {
      const action = applyAction({ clients: clients() });
      const { ctx, logger } = context({}, { isDryRun: true });
      await action.handler(ctx as any);

      expect(requests.filter(r => r.method !== 'GET')).toEqual([]);
      const out = outputs(ctx);
      expect(out.applications.dev).toEqual([
        'orders-observability-dev',
        'orders-kafka-dev',
        'orders-flink-dev',
        'orders-dev',
      ]);
      expect(Object.keys(out.urls)).toEqual(APPLY_ORDER.map(([, n]) => n));
      expect(out.applied).toBe(false);
      expect(logger.info).toHaveBeenCalledWith(
        'Dry run: would apply Application orders-flink-prod on prod',
      );
    });

    it('does not create a missing AppProject even where createProjects allows it', async () => {
      server.use(
        http.get(`${DEV}/api/v1/projects/team-data-platform`, () =>
          argoError(
            404,
            5,
            'appprojects.argoproj.io "team-data-platform" not found',
          ),
        ),
      );
      const action = applyAction({ clients: clients(), createProjects: true });
      const { ctx, logger } = context({}, { isDryRun: true });
      await action.handler(ctx as any);

      expect(requests.filter(r => r.method !== 'GET')).toEqual([]);
      expect(logger.info).toHaveBeenCalledWith(
        'Dry run: would create AppProject team-data-platform on dev',
      );
    });
  });

  describe('without any configured Argo CD instance', () => {
    beforeEach(() => render());

    it('warns how to apply each app of apps with kubectl, outputs applied: false and makes no request', async () => {
      const action = applyAction({ clients: new Map() });
      const { ctx, logger } = context();
      await action.handler(ctx as any);

      expect(logger.warn).toHaveBeenCalledTimes(1);
      const [message] = logger.warn.mock.calls[0];
      expect(message).toContain('No Argo CD instance is configured');
      expect(message).toContain(
        'kubectl apply -n argocd-apps-data-platform -f environments/dev/root.yaml',
      );
      expect(message).toContain(
        'kubectl apply -n argocd-apps-data-platform -f environments/prod/root.yaml',
      );
      expect(outputs(ctx)).toMatchObject({ urls: {}, applied: false });
      expect(requests).toEqual([]);
    });
  });

  describe('failures name the instance and the Application', () => {
    beforeEach(() => render());

    const cases: Array<[string, HttpResponseResolver, RegExp]> = [
      [
        '401 unauthenticated (code 16)',
        () => argoError(401, 16, 'invalid session: token signature is invalid'),
        /401 invalid session: token signature is invalid/,
      ],
      [
        '403 permission denied (code 7)',
        () =>
          argoError(
            403,
            7,
            'permission denied: applications, create, default/orders-observability-dev, sub: datastack, iat: 2026-01-14T10:00:00Z',
          ),
        /403 permission denied: applications, create/,
      ],
      [
        '400 destination not permitted by the project (code 3)',
        () =>
          argoError(
            400,
            3,
            "application spec for orders-observability-dev is invalid: InvalidSpecError: application destination server 'https://kubernetes.default.svc' and namespace 'orders-dev-observability' do not match any of the allowed destinations in project 'default'",
          ),
        /400 .*do not match any of the allowed destinations in project 'default'/,
      ],
      [
        '404 not found (code 5)',
        () => argoError(404, 5, 'appprojects.argoproj.io "default" not found'),
        /404 appprojects.argoproj.io "default" not found/,
      ],
      [
        '409 conflict (code 10)',
        () =>
          argoError(
            409,
            10,
            'Operation cannot be fulfilled on applications.argoproj.io "orders-observability-dev": the object has been modified; please apply your changes to the latest version and try again',
          ),
        /409 Operation cannot be fulfilled/,
      ],
      [
        '500 server error (code 2)',
        () =>
          argoError(
            500,
            2,
            'Internal error occurred: etcdserver: request timed out',
          ),
        /500 Internal error occurred/,
      ],
      [
        'a hang past the timeout',
        async () => {
          await delay('infinite');
          return HttpResponse.json({});
        },
        new RegExp(`did not answer within ${TIMEOUT_MS} ms`),
      ],
      [
        'malformed JSON with 200',
        () =>
          new HttpResponse('<html><body>Argo CD</body></html>', {
            status: 200,
            headers: { 'content-type': 'text/html' },
          }),
        /malformed response .*not JSON/,
      ],
    ];

    it.each(cases)('%s', async (_label, respond, detail) => {
      server.use(http.post(`${DEV}/api/v1/applications`, respond));
      const action = applyAction({ clients: clients() });
      const { ctx } = context();
      const error: Error = await action.handler(ctx as any).then(
        () => {
          throw new Error('expected the step to fail');
        },
        e => e,
      );
      expect(error.message).toContain('Argo CD instance "dev"');
      expect(error.message).toContain('Application "orders-observability-dev"');
      expect(error.message).toMatch(detail);
    });

    it('logs which Applications were already applied, and how to remove them, when a later one fails', async () => {
      server.use(
        http.post(
          `${DEV}/api/v1/applications`,
          failApplication('orders-kafka-dev', () =>
            argoError(
              403,
              7,
              'permission denied: applications, create, default/orders-kafka-dev, sub: datastack, iat: 2026-01-14T10:00:00Z',
            ),
          ),
        ),
      );
      const action = applyAction({ clients: clients() });
      const { ctx, logger } = context();
      await expect(action.handler(ctx as any)).rejects.toThrow(
        'Application "orders-kafka-dev"',
      );
      expect(logger.error).toHaveBeenCalledTimes(1);
      const [message] = logger.error.mock.calls[0];
      expect(message).toContain('orders-observability-dev on dev');
      expect(message).toContain('DELETE /api/v1/applications/<name>');
      expect(message).toContain('argocd app delete <name>');
      expect(message).not.toContain('orders-kafka-dev');
    });

    it('logs no clean-up when the first Application fails', async () => {
      server.use(
        http.post(`${DEV}/api/v1/applications`, () =>
          argoError(401, 16, 'invalid session: token signature is invalid'),
        ),
      );
      const action = applyAction({ clients: clients() });
      const { ctx, logger } = context();
      await expect(action.handler(ctx as any)).rejects.toThrow('401');
      expect(logger.error).not.toHaveBeenCalled();
    });
  });

  describe('never leaks the token', () => {
    beforeEach(() => render());

    const scenarios: Array<[string, () => void, Record<string, unknown>]> = [
      ['a successful apply with wait', () => {}, { wait: true }],
      [
        'a 401 on the second Application',
        () =>
          server.use(
            http.post(
              `${DEV}/api/v1/applications`,
              failApplication('orders-kafka-dev', () =>
                argoError(
                  401,
                  16,
                  'invalid session: token signature is invalid',
                ),
              ),
            ),
          ),
        {},
      ],
      [
        'a hang on an app of apps',
        () =>
          server.use(
            http.post(`${PROD}/api/v1/applications`, async ({ request }) => {
              const body: any = await request.clone().json();
              if (body.metadata.name !== 'orders-prod') return undefined;
              await delay('infinite');
              return HttpResponse.json({});
            }),
          ),
        {},
      ],
    ];

    it.each(scenarios)(
      'in logs, outputs or errors: %s',
      async (_label, setup, input) => {
        setup();
        const action = applyAction({ clients: clients() });
        const { ctx, logger } = context(input);
        const error = await action.handler(ctx as any).then(
          () => undefined,
          e => e,
        );
        // The tokens did go to Argo CD, so the check below is not vacuous.
        expect(writes.map(w => w.authorization)).toContain(
          `Bearer ${DEV_TOKEN}`,
        );
        const seen = [
          ...(['error', 'warn', 'info', 'debug'] as const).flatMap(level =>
            logger[level].mock.calls.map(args => inspect(args, { depth: 8 })),
          ),
          inspect((ctx.output as jest.Mock).mock.calls, { depth: 8 }),
          error ? `${error.message} ${inspect(error, { depth: 5 })}` : '',
        ].join('\n');
        expect(seen).not.toContain(DEV_TOKEN);
        expect(seen).not.toContain(PROD_TOKEN);
        expect(seen).not.toContain('canary-');
      },
    );
  });

  describe('wait', () => {
    beforeEach(() => render());

    function answerHealth(health: (name: string, poll: number) => Health) {
      const polls = new Map<string, number>();
      const resolver =
        (instance: string): HttpResponseResolver =>
        ({ params, request }) => {
          const name = String(params.name);
          const ns = new URL(request.url).searchParams.get('appNamespace');
          const app = stored.get(`${instance}/${ns}/${name}`);
          if (!app) return argoError(403, 7, 'permission denied');
          const poll = (polls.get(name) ?? 0) + 1;
          polls.set(name, poll);
          const live = argoApplication(name, health(name, poll));
          return HttpResponse.json({
            ...live,
            metadata: { ...live.metadata, ...app.metadata },
          });
        };
      server.use(
        http.get(`${DEV}/api/v1/applications/:name`, resolver('dev')),
        http.get(`${PROD}/api/v1/applications/:name`, resolver('prod')),
      );
      return polls;
    }

    it('waits until every Application is Synced and Healthy, logging progress', async () => {
      const polls = answerHealth((_name, poll) =>
        poll === 1 ? 'Progressing' : 'Healthy',
      );
      const action = applyAction({ clients: clients() });
      const { ctx, logger } = context({ wait: true });
      await action.handler(ctx as any);

      expect([...polls.keys()].sort()).toEqual([...COMPONENT_APPS].sort());
      expect(logger.info).toHaveBeenCalledWith(
        'Waiting for 6 Application(s) to be Synced and Healthy',
      );
      for (const name of COMPONENT_APPS) {
        expect(logger.info).toHaveBeenCalledWith(`${name}: Synced and Healthy`);
      }
      expect(outputs(ctx).applied).toBe(true);
    });

    it('fails naming a Degraded Application', async () => {
      answerHealth((name, poll) => {
        if (name === 'orders-kafka-prod') return 'Degraded';
        return poll === 1 ? 'Progressing' : 'Healthy';
      });
      const action = applyAction({ clients: clients() });
      const { ctx } = context({ wait: true });
      await expect(action.handler(ctx as any)).rejects.toThrow(
        /Application orders-kafka-prod on Argo CD instance "prod" is Synced\/Degraded/,
      );
    });

    it('times out when an Application never becomes Healthy', async () => {
      answerHealth(name =>
        name === 'orders-flink-dev' ? 'Progressing' : 'Healthy',
      );
      const action = applyAction({ clients: clients() });
      const { ctx } = context({ wait: true, timeoutSeconds: 1 });
      await expect(action.handler(ctx as any)).rejects.toThrow(
        'Timed out after 1 s waiting for orders-flink-dev to be Synced and Healthy',
      );
    });

    it('stops waiting as soon as the task is cancelled, without sleeping out the poll interval', async () => {
      answerHealth(() => 'Progressing');
      const controller = new AbortController();
      const action = applyAction({
        clients: clients(),
        pollIntervalMs: 60_000,
      });
      const { ctx, logger } = context(
        { wait: true },
        { signal: controller.signal },
      );
      logger.info.mockImplementation((message: string) => {
        if (message.startsWith('Waiting for')) {
          setTimeout(() => controller.abort(), 20);
        }
      });
      const started = Date.now();
      await expect(action.handler(ctx as any)).rejects.toThrow(
        'Cancelled while waiting for Argo CD',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  describe('rejects bad input', () => {
    it.each([
      [
        'timeoutSeconds: 0',
        { timeoutSeconds: 0 },
        /timeoutSeconds must be a whole number from 1 to 3600/,
      ],
      [
        'timeoutSeconds: 1.5',
        { timeoutSeconds: 1.5 },
        /timeoutSeconds must be a whole number from 1 to 3600/,
      ],
      [
        'sourcePath: ../x',
        { sourcePath: '../x' },
        /sourcePath "..\/x" must be a relative path inside the workspace/,
      ],
    ])('%s', async (_label, input, message) => {
      await render();
      const action = applyAction({ clients: clients() });
      const { ctx } = context(input);
      const result = action.handler(ctx as any);
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(message);
      expect(requests).toEqual([]);
    });

    it('an empty workspace: asks to render first', async () => {
      const action = applyAction({ clients: clients() });
      const { ctx } = context();
      const result = action.handler(ctx as any);
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow('run datastack:gitops:render first');
      expect(requests).toEqual([]);
    });

    it('an Application naming an instance that is not configured: lists the configured ones, makes no request', async () => {
      await render();
      const action = applyAction({ clients: clients(['dev']) });
      const { ctx } = context();
      const result = action.handler(ctx as any);
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(
        'The rendered Applications name Argo CD instances that are not configured: prod; configured: dev',
      );
      expect(requests).toEqual([]);
    });
  });

  describe('examples', () => {
    it.each(examples.map(e => [e.description, e.example] as const))(
      'runs the example: %s',
      async (_description, example) => {
        const step = yaml.parse(example).steps[0];
        await render(step.input.sourcePath);
        const action = applyAction({ clients: clients() });
        const { ctx } = context(step.input);
        await action.handler(ctx as any);

        expect(outputs(ctx).applied).toBe(true);
        expect(writes.map(w => w.body.metadata.name)).toEqual(
          APPLY_ORDER.map(([, name]) => name),
        );
        for (const write of writes) {
          expect(write.body).toEqual(
            rendered(write.body.metadata.name, step.input.sourcePath ?? '.'),
          );
        }
      },
    );
  });
});
