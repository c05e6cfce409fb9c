import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import {
  ANNOTATION_DATASTACK_GITOPS_REPO,
  createDefaultRegistry,
} from '@datastack/plugin-datastack-common';
import {
  ChartBumper,
  LocalGitRepositories,
  runGit,
} from '@datastack/plugin-datastack-node';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { createBumpAction } from './bump';
import { examples } from './bump.examples';
import { createPublishAction } from './publish';
import { createRenderAction } from './render';
import { examples as renderExamples } from './render.examples';
import { testGitHosts } from '../__testUtils__/gitHosts';
import { OwnershipGuard } from '../tenancy/OwnershipGuard';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { NotAllowedError } from '@backstage/errors';

const TRINO_DEFAULT = createDefaultRegistry().get('trino').chart!.version;

describe('datastack:gitops:bump', () => {
  const dir = createMockDirectory();
  let repositories: LocalGitRepositories;
  let action: ReturnType<typeof createBumpAction>;
  let gitopsRepo: string;
  let bare: string;

  /** Renders the first render example as pipeline "orders" and publishes it to a local bare repository. */
  async function renderAndPublish() {
    const workspace = path.join(dir.path, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });
    const renderInput = yaml.parse(renderExamples[0].example).steps[0].input;
    delete renderInput.repoUrl;
    renderInput.localRepository = 'orders';
    const config = new ConfigReader({});
    await createRenderAction({
      registry: createDefaultRegistry(),
      argocdInstances: ['dev', 'prod'],
      gitHosts: testGitHosts(repositories),
    }).handler(
      createMockActionContext({
        input: renderInput,
        workspacePath: workspace,
      }) as any,
    );
    await createPublishAction({
      integrations: ScmIntegrations.fromConfig(config),
      repositories,
      config,
      gitHosts: testGitHosts(repositories),
      guard: new OwnershipGuard({
        userInfo: mockServices.userInfo({
          ownershipEntityRefs: ['group:default/data-platform'],
        }),
        adminGroups: [],
      }),
    }).handler(
      createMockActionContext({
        input: { localRepository: 'orders' },
        workspacePath: workspace,
      }) as any,
    );
    // What the catalog's System entity carries: the repository to bump.
    const system = yaml
      .parseAllDocuments(
        fs.readFileSync(path.join(workspace, 'catalog-info.yaml'), 'utf8'),
      )
      .map(d => d.toJS())
      .find(e => e.kind === 'System');
    return system;
  }

  /** The task's user: a member of the pipeline's owner. */
  const memberGuard = new OwnershipGuard({
    userInfo: mockServices.userInfo({
      ownershipEntityRefs: ['group:default/data-platform'],
    }),
    adminGroups: [],
  });
  const bumper = () =>
    ChartBumper.fromConfig(
      new ConfigReader({
        datastack: { gitops: { localRoot: repositories.root } },
        scaffolder: {
          defaultAuthor: { name: 'Portal', email: 'portal@example.com' },
        },
      }),
    );
  let systemEntity: any;
  /** The System of the GitHub example's pipeline, recording its repository. */
  const githubExampleSystem = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'System',
    metadata: {
      name: 'clickstream',
      namespace: 'default',
      annotations: {
        'datastack.io/pipeline': 'clickstream',
        [ANNOTATION_DATASTACK_GITOPS_REPO]:
          'https://github.com/acme/clickstream-gitops.git',
      },
    },
    spec: { owner: 'group:default/data-platform' },
  };

  beforeEach(async () => {
    dir.clear();
    repositories = new LocalGitRepositories(path.join(dir.path, 'gitops'));
    bare = path.join(dir.path, 'gitops', 'orders.git');
    systemEntity = await renderAndPublish();
    gitopsRepo =
      systemEntity.metadata.annotations[ANNOTATION_DATASTACK_GITOPS_REPO];
    action = createBumpAction({
      bumper: bumper(),
      catalog: catalogServiceMock({
        entities: [systemEntity, githubExampleSystem],
      }),
      guard: memberGuard,
      gitHosts: testGitHosts(repositories),
    });
  });

  function outputs(ctx: { output: unknown }) {
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  function context(input: JsonObject) {
    const logger = mockServices.logger.mock();
    const ctx = createMockActionContext({
      input,
      logger,
      workspacePath: path.join(dir.path, 'workspace'),
    });
    return { ctx, logger };
  }

  const appFile = (env: string) =>
    `environments/${env}/applications/orders-trino-${env}.yaml`;

  it('pushes the bump of a rendered pipeline as a branch of its GitOps repository', async () => {
    expect(gitopsRepo).toBe(`file://${bare}`);
    const { ctx, logger } = context({
      repository: gitopsRepo,
      pipeline: 'orders',
      componentId: 'trino',
      version: '1.43.0',
    });
    await action.handler(ctx as any);

    const out = outputs(ctx);
    expect(out).toEqual({
      branch: 'datastack/upgrade-trino-1.43.0',
      commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
      files: [appFile('dev'), appFile('prod')],
      repository: gitopsRepo,
    });

    const clone = path.join(dir.path, 'clone');
    await runGit([
      'clone',
      '--quiet',
      '--branch',
      out.branch,
      gitopsRepo,
      clone,
    ]);
    expect((await runGit(['-C', clone, 'rev-parse', 'HEAD'])).trim()).toBe(
      out.commitHash,
    );
    const diff = await runGit(['-C', clone, 'diff', 'origin/main', 'HEAD']);
    const changed = diff.split('\n').filter(l => /^[-+] /.test(l));
    expect(changed).toEqual([
      `-      targetRevision: ${TRINO_DEFAULT}`,
      '+      targetRevision: 1.43.0',
      `-      targetRevision: ${TRINO_DEFAULT}`,
      '+      targetRevision: 1.43.0',
    ]);
    expect(
      (
        await runGit(['-C', clone, 'log', '-1', '--format=%an <%ae> %s'])
      ).trim(),
    ).toBe('Portal <portal@example.com> Upgrade trino of orders to 1.43.0');

    const lines = logger.info.mock.calls.map(c => c[0]);
    expect(lines).toEqual(
      expect.arrayContaining([
        `${appFile('dev')}: trino ${TRINO_DEFAULT} → 1.43.0`,
        expect.stringMatching(
          /^Pushed [0-9a-f]{12} to file:\/\/.*orders\.git \(datastack\/upgrade-trino-1\.43\.0\)$/,
        ),
        expect.stringContaining('No pull request opened'),
      ]),
    );
  });

  it('pushes nothing in a dry run, and outputs what it would change', async () => {
    const { ctx } = context({
      repository: 'orders',
      pipeline: 'orders',
      componentId: 'trino',
      version: '1.43.0',
      environments: ['prod'],
    });
    await action.handler({ ...ctx, isDryRun: true } as any);
    expect(outputs(ctx)).toEqual({
      branch: 'datastack/upgrade-trino-1.43.0',
      commitHash: '',
      files: [appFile('prod')],
      repository: gitopsRepo,
    });
    const refs = await runGit([
      '--git-dir',
      bare,
      'for-each-ref',
      '--format=%(refname)',
    ]);
    expect(refs.trim()).toBe('refs/heads/main');
  });

  it('returns the pushed proposal when the task is retried, instead of a conflict', async () => {
    // The scaffolder engine keeps checkpoint results per task; so does this one.
    const store = new Map<string, JsonValue>();
    const checkpoint = async (opts: {
      key: string;
      fn: () => Promise<any>;
    }) => {
      if (!store.has(opts.key)) store.set(opts.key, await opts.fn());
      return store.get(opts.key);
    };
    const input = {
      repository: gitopsRepo,
      pipeline: 'orders',
      componentId: 'trino',
      version: '1.43.0',
    };
    const first = context(input).ctx;
    await action.handler({ ...first, checkpoint } as any);
    const retry = context(input).ctx;
    await action.handler({ ...retry, checkpoint } as any);
    expect(outputs(retry)).toEqual(outputs(first));

    // A new task for the same bump meets the branch.
    const other = action.handler(context(input).ctx as any);
    await expect(other).rejects.toThrow(ConflictError);
    await expect(other).rejects.toThrow(
      'branch "datastack/upgrade-trino-1.43.0" already exists',
    );
  });

  it.each<[string, JsonObject, RegExp]>([
    [
      'a version that is not SemVer',
      { version: 'latest' },
      /^version "latest" must be a SemVer 2 version/,
    ],
    [
      'a component of another case',
      { componentId: 'Trino' },
      /^componentId "Trino" must be a DNS-1123 label/,
    ],
    [
      'an environment the pipeline lacks',
      { environments: ['staging'] },
      /^environments\[0\] "staging": environments\/staging\/applications\/orders-trino-staging.yaml does not exist/,
    ],
    [
      'a repository outside localRoot',
      { repository: 'file:///tmp/orders.git' },
      /^repository "file:\/\/\/tmp\/orders.git" is not a repository under datastack.gitops.localRoot/,
    ],
  ])(
    'rejects %s with an InputError naming the field, pushing nothing',
    async (_label, extra, message) => {
      const result = action.handler(
        context({
          repository: gitopsRepo,
          pipeline: 'orders',
          componentId: 'trino',
          version: '1.43.0',
          ...extra,
        }).ctx as any,
      );
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(message);
      const refs = await runGit([
        '--git-dir',
        bare,
        'for-each-ref',
        '--format=%(refname)',
      ]);
      expect(refs.trim()).toBe('refs/heads/main');
    },
  );

  it('states its constraints in the input schema, so the template editor and the engine refuse bad input before the handler runs', () => {
    const props = (action.schema?.input as any).properties;
    const accepts = (field: string, value: string) =>
      new RegExp(props[field].pattern, 'u').test(value);
    expect(accepts('version', '1.43.0')).toBe(true);
    expect(accepts('version', '1.43.0-rc.1+build.5')).toBe(true);
    for (const version of ['v1.43.0', ' 1.43.0', '1.43.0 ', '1.43', '01.2.3']) {
      expect({ version, accepted: accepts('version', version) }).toEqual({
        version,
        accepted: false,
      });
    }
    expect(accepts('pipeline', 'orders')).toBe(true);
    expect(accepts('pipeline', '../etc')).toBe(false);
    expect(accepts('componentId', 'Trino')).toBe(false);
    expect(accepts('branch', 'feature/../x')).toBe(false);
    expect(accepts('title', 'a\nb')).toBe(false);
    expect(props.environments).toMatchObject({ minItems: 1, maxItems: 20 });
    expect(new RegExp(props.environments.items.pattern, 'u').test('Prod')).toBe(
      false,
    );
    expect(props.description.maxLength).toBe(20_000);
    expect(
      new RegExp(props.author.properties.email.pattern, 'u').test('ada'),
    ).toBe(false);
  });

  const exampleInputs = examples.map(e => yaml.parse(e.example).steps[0].input);

  describe('only the repository recorded on a System the caller’s team owns', () => {
    const bumpOrders = (repository: string) =>
      action.handler(
        context({
          repository,
          pipeline: 'orders',
          componentId: 'trino',
          version: '1.43.0',
        }).ctx as any,
      );
    const branches = async () =>
      (
        await runGit(['--git-dir', bare, 'for-each-ref', '--format=%(refname)'])
      ).trim();

    it('refuses another repository than the one recorded on the System, pushing nothing', async () => {
      await repositories.ensure('other', 'main');
      const result = bumpOrders('other');
      await expect(result).rejects.toThrow(NotAllowedError);
      await expect(result).rejects.toThrow(
        'repository is not the one recorded on system:default/orders',
      );
      expect(await branches()).toBe('refs/heads/main');
    });

    it('refuses a pipeline without a System in the catalog', async () => {
      const result = action.handler(
        context({
          repository: gitopsRepo,
          pipeline: 'nope',
          componentId: 'trino',
          version: '1.43.0',
        }).ctx as any,
      );
      await expect(result).rejects.toThrow(
        'pipeline "nope" has no Datastack System (system:default/nope) in the catalog',
      );
    });

    it('refuses a user outside the owning team, pushing nothing', async () => {
      const outsider = createBumpAction({
        bumper: bumper(),
        catalog: catalogServiceMock({ entities: [systemEntity] }),
        guard: new OwnershipGuard({
          userInfo: mockServices.userInfo({
            ownershipEntityRefs: ['group:default/analytics'],
          }),
          adminGroups: [],
        }),
        gitHosts: testGitHosts(repositories),
      });
      const result = outsider.handler(
        context({
          repository: gitopsRepo,
          pipeline: 'orders',
          componentId: 'trino',
          version: '1.43.0',
        }).ctx as any,
      );
      await expect(result).rejects.toThrow(NotAllowedError);
      expect(await branches()).toBe('refs/heads/main');
    });
  });

  it('runs the local example for real', async () => {
    const input = exampleInputs.find(i => !i.repository.startsWith('https:'));
    const { ctx } = context(input);
    await action.handler(ctx as any);
    expect(outputs(ctx).branch).toBe(
      `datastack/upgrade-${input.componentId}-${input.version}`,
    );
    expect(
      await runGit([
        '--git-dir',
        bare,
        'show',
        `${outputs(ctx).branch}:${appFile('prod')}`,
      ]),
    ).toContain(`targetRevision: ${input.version}\n`);
  });

  it('runs the GitHub example until the host, which cannot be reached here, is read', async () => {
    const input = exampleInputs.find(i => i.repository.startsWith('https:'));
    const { ctx } = context(input);
    await expect(
      action.handler({ ...ctx, isDryRun: true } as any),
    ).rejects.toThrow(
      /^repository "https:\/\/github.com\/acme\/clickstream-gitops.git" cannot be read/,
    );
  });
});
