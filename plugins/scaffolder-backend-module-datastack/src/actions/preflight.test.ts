import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ArgoCdSandbox, startArgoCdSandbox } from '@datastack/argocd-sandbox';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import { ArgoCdClient } from '@datastack/plugin-datastack-node';
import yaml from 'yaml';
import { testGitHosts } from '../__testUtils__/gitHosts';
import { platformLayer } from '../__testUtils__/platform';
import { OwnershipGuard } from '../tenancy/OwnershipGuard';
import { createPreflightAction } from './preflight';
import { examples } from './preflight.examples';
import { createRenderAction } from './render';

// Pre-flight of a rendered pipeline against the real Argo CD sandbox (over
// HTTP) and a catalog: who may create it, whether its names are free or
// already its own, and whether the platform operators are on the cluster.

const registry = createDefaultRegistry();
const OWNER = 'group:default/data-engineering';

const renderInput = {
  name: 'clicks',
  owner: OWNER,
  repoUrl: 'https://git.example.com/acme/clicks-gitops.git',
  components: [{ id: 'kafka' }, { id: 'observability' }],
  environments: [
    {
      name: 'dev',
      argocdInstance: 'dev',
      cluster: { server: 'https://kubernetes.default.svc' },
    },
  ],
};

const member = (...groups: string[]) =>
  new OwnershipGuard({
    userInfo: mockServices.userInfo({
      userEntityRef: 'user:default/mock',
      ownershipEntityRefs: ['user:default/mock', ...groups],
    }),
    adminGroups: ['group:default/platform-team'],
  });

/** The Applications "Platform operators" renders for the dev instance's in-cluster. */
const platformApplications = (operators: string[]) =>
  platformLayer({
    instance: 'dev',
    clusters: [{ name: 'in-cluster' }],
    operators,
  }).applications;

describe('datastack:pipeline:preflight', () => {
  const workspace = createMockDirectory();
  let sandbox: ArgoCdSandbox;
  let clients: Map<string, ArgoCdClient>;

  beforeAll(async () => {
    sandbox = await startArgoCdSandbox({
      name: 'dev',
      token: 'sandbox-dev',
      syncDurationMs: 0,
      applicationNamespaces: ['argocd-apps-*'],
    });
    clients = new Map([
      [
        'dev',
        new ArgoCdClient({
          instance: {
            name: 'dev',
            url: sandbox.url,
            uiUrl: sandbox.url,
            auth: { type: 'token', token: 'sandbox-dev' },
          },
          timeoutMs: 5000,
        }),
      ],
    ]);
  });

  afterAll(() => sandbox.close());

  beforeEach(async () => {
    workspace.clear();
    sandbox.reset();
    const apps = platformApplications(['kafka', 'observability']);
    sandbox.seedApplications(apps.length, i => apps[i - 1] as any);
    await createRenderAction({
      registry,
      argocdInstances: ['dev'],
      gitHosts: testGitHosts(),
    }).handler(
      createMockActionContext({
        input: renderInput,
        workspacePath: workspace.path,
      }) as any,
    );
  });

  function preflight(
    options: {
      guard?: OwnershipGuard;
      entities?: any[];
      createProjects?: boolean;
    } = {},
  ) {
    const action = createPreflightAction({
      registry,
      catalog: catalogServiceMock({ entities: options.entities ?? [] }),
      clients,
      guard: options.guard ?? member(OWNER),
      createProjects: options.createProjects ?? true,
    });
    const ctx = createMockActionContext({
      input: {},
      workspacePath: workspace.path,
    });
    return { run: () => action.handler(ctx as any), ctx };
  }

  const writes = () => sandbox.requests.entries.filter(e => e.method !== 'GET');

  it('passes a new pipeline of the caller’s team on a cluster with its operators, writing nothing', async () => {
    const before = writes().length;
    const { run, ctx } = preflight();
    await run();
    const [[, checks]] = (ctx.output as jest.Mock).mock.calls;
    expect(checks).toEqual([
      `A member acts for ${OWNER}`,
      "Catalog: 3 entities are new or already pipeline clicks's",
      'Argo CD: AppProject team-data-engineering will be created on dev',
      "Argo CD: 3 Applications are new or already the pipeline's",
      'Platform operators: every operator the pipeline needs is on its clusters',
    ]);
    expect(writes().length).toBe(before);
  });

  it('refuses a caller who is not in the owning team, before any request', async () => {
    const before = sandbox.requests.count;
    const result = preflight({
      guard: member('group:default/analytics'),
    }).run();
    await expect(result).rejects.toThrow(NotAllowedError);
    await expect(result).rejects.toThrow(
      'user:default/mock may not act for group:default/data-engineering',
    );
    expect(sandbox.requests.count).toBe(before);
  });

  it('lets a platform admin check any team’s pipeline', async () => {
    const { run, ctx } = preflight({
      guard: member('group:default/platform-team'),
    });
    await run();
    expect((ctx.output as jest.Mock).mock.calls[0][1][0]).toBe(
      `A platform admin acts for ${OWNER}`,
    );
  });

  it("refuses a name another team's System already has in the catalog", async () => {
    const result = preflight({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'System',
          metadata: {
            name: 'clicks',
            namespace: 'default',
            annotations: { 'datastack.io/pipeline': 'clicks' },
          },
          spec: { owner: 'analytics' },
        },
      ],
    }).run();
    await expect(result).rejects.toThrow(ConflictError);
    await expect(result).rejects.toThrow(
      'system:default/clicks already exists in the catalog, owned by group:default/analytics; pick another pipeline name. Nothing was published',
    );
  });

  it('refuses a Component of that name that Datastack did not create', async () => {
    const result = preflight({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: 'clicks-kafka', namespace: 'default' },
          spec: { owner: 'data-engineering', type: 'service' },
        },
      ],
    }).run();
    await expect(result).rejects.toThrow(
      /component:default\/clicks-kafka already exists in the catalog/,
    );
  });

  it('accepts a re-run: the entities are already this pipeline’s', async () => {
    const { run, ctx } = preflight({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'System',
          metadata: {
            name: 'clicks',
            namespace: 'default',
            annotations: { 'datastack.io/pipeline': 'clicks' },
          },
          spec: { owner: 'group:default/data-engineering' },
        },
      ],
    });
    await run();
    expect((ctx.output as jest.Mock).mock.calls[0][1][1]).toBe(
      "Catalog: 3 entities are new or already pipeline clicks's",
    );
  });

  it("refuses when another team's Application holds one of the names in the team namespace", async () => {
    await clients.get('dev')!.createProject({
      metadata: { name: 'squatter' },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        sourceNamespaces: ['argocd-apps-data-engineering'],
      },
    });
    await clients.get('dev')!.upsertApplication({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'clicks-kafka-dev',
        namespace: 'argocd-apps-data-engineering',
        annotations: { 'datastack.io/owner': 'group:default/analytics' },
      },
      spec: {
        project: 'squatter',
        source: {
          repoURL: 'https://git.example.com/x.git',
          path: '.',
          targetRevision: 'HEAD',
        },
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: 'x',
        },
      },
    });
    const result = preflight().run();
    await expect(result).rejects.toThrow(ConflictError);
    await expect(result).rejects.toThrow(
      /Application "clicks-kafka-dev" already exists on Argo CD instance "dev" .* \(it belongs to group:default\/analytics\)/,
    );
  });

  it('refuses a cluster without the operator the pipeline needs, naming cluster, operator and version', async () => {
    sandbox.reset();
    const apps = platformApplications(['observability']);
    sandbox.seedApplications(apps.length, i => apps[i - 1] as any);
    const result = preflight().run();
    await expect(result).rejects.toThrow(InputError);
    await expect(result).rejects.toThrow(
      /The platform layer is not ready for clicks: .*dev\/.*Strimzi.*Nothing was published/,
    );
  });

  it('checks the operator version the instance was rendered for: Kafka pinned to 0.45 (v1beta2) needs a Strimzi the cluster does not run', async () => {
    workspace.clear();
    await createRenderAction({
      registry,
      argocdInstances: ['dev'],
      gitHosts: testGitHosts(),
    }).handler(
      createMockActionContext({
        input: {
          ...renderInput,
          components: [
            { id: 'kafka', version: '0.45.0' },
            { id: 'observability' },
          ],
        },
        workspacePath: workspace.path,
      }) as any,
    );
    const result = preflight().run();
    await expect(result).rejects.toThrow(
      /runs strimzi-kafka-operator 1\.2\.0, which does not serve kafka\.strimzi\.io\/v1beta2 Kafka.*upgrade it to <1\.0\.0/,
    );
  });

  it('refuses when the team project is missing and may not be created', async () => {
    const result = preflight({ createProjects: false }).run();
    await expect(result).rejects.toThrow(
      'AppProject "team-data-engineering" does not exist on Argo CD instance "dev"',
    );
  });

  it.each(examples.map(e => [e.description, e] as const))(
    'runs the example: %s',
    async (_d, example) => {
      const input = yaml.parse(example.example).steps[0].input;
      workspace.clear();
      await createRenderAction({
        registry,
        argocdInstances: ['dev'],
        gitHosts: testGitHosts(),
      }).handler(
        createMockActionContext({
          input: { ...renderInput, targetPath: input.sourcePath },
          workspacePath: workspace.path,
        }) as any,
      );
      const action = createPreflightAction({
        registry,
        catalog: catalogServiceMock({ entities: [] }),
        clients,
        guard: member(OWNER),
        createProjects: true,
      });
      const ctx = createMockActionContext({
        input,
        workspacePath: workspace.path,
      });
      await action.handler(ctx as any);
      expect((ctx.output as jest.Mock).mock.calls[0][1]).toContain(
        `A member acts for ${OWNER}`,
      );
    },
  );
});
