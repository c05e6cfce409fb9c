import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  ANNOTATION_DATASTACK_COMPONENT,
  ANNOTATION_DATASTACK_GITOPS_REPO,
  createDefaultRegistry,
} from '@datastack/plugin-datastack-common';
import { LocalGitRepositories } from '@datastack/plugin-datastack-node';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import yaml from 'yaml';
import { createApplyAction } from './actions/apply';
import { createPublishAction } from './actions/publish';
import { createPlatformRenderAction } from './actions/platformRender';
import { createRenderAction } from './actions/render';
import { createPreflightAction } from './actions/preflight';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { OwnershipGuard } from './tenancy/OwnershipGuard';
import { testGitHosts } from './__testUtils__/gitHosts';
import { AuthorizeResult } from '@backstage/plugin-permission-common';

/**
 * The software templates under /templates: their shape, their coverage of the
 * registry, and dry runs of each through the real scaffolder (its template
 * engine, the parameter schemas and the Datastack actions).
 */

const TEMPLATES_DIR = path.resolve(__dirname, '../../../templates');

/** The dry runs act as a platform admin: ownership is tested in the actions' own tests. */
const platformAdmin = new OwnershipGuard({
  userInfo: mockServices.userInfo({
    ownershipEntityRefs: ['group:default/platform-team'],
  }),
  adminGroups: ['group:default/platform-team'],
});

const KNOWN_ACTIONS = [
  'datastack:gitops:render',
  'datastack:platform:render',
  'datastack:pipeline:preflight',
  'datastack:gitops:publish',
  'datastack:argocd:apply',
  'catalog:register',
];

type JsonSchema = {
  properties?: Record<string, { default?: unknown }>;
};

interface TemplateDoc {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    annotations?: Record<string, string>;
  };
  spec: {
    type: string;
    parameters: JsonSchema[];
    steps: Array<{ id: string; action: string }>;
    output?: unknown;
  };
}

interface LoadedTemplate {
  /** Relative to the templates directory, for example `components/trino/template.yaml`. */
  file: string;
  entity: TemplateDoc;
}

function templateFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return templateFiles(full, base);
      return entry.name === 'template.yaml'
        ? [path.relative(base, full).split(path.sep).join('/')]
        : [];
    })
    .sort();
}

const templates: LoadedTemplate[] = templateFiles(TEMPLATES_DIR).map(file => ({
  file,
  entity: yaml.parse(
    fs.readFileSync(path.join(TEMPLATES_DIR, file), 'utf8'),
  ) as TemplateDoc,
}));

const registry = createDefaultRegistry();
const pipelineTemplate = templates.find(
  t => t.entity.metadata.name === 'datastack-data-pipeline',
)!;
const platformTemplate = templates.find(
  t => t.entity.metadata.name === 'datastack-platform-operators',
)!;
const componentTemplates = templates.filter(
  t => t.entity.metadata.annotations?.[ANNOTATION_DATASTACK_COMPONENT],
);

/** The form's values when the user accepts every default. */
function defaultValues(template: TemplateDoc): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const page of template.spec.parameters) {
    for (const [key, property] of Object.entries(page.properties ?? {})) {
      if (property.default !== undefined) values[key] = property.default;
    }
  }
  return values;
}

/** The component ids of a rendered catalog-info.yaml. */
function renderedComponents(catalogInfo: string): string[] {
  return yaml
    .parseAllDocuments(catalogInfo)
    .map(d => d.toJS())
    .filter(e => e?.kind === 'Component')
    .map(e => e.metadata.annotations[ANNOTATION_DATASTACK_COMPONENT]);
}

describe('software templates', () => {
  it('finds the data pipeline template and one template per component', () => {
    expect(pipelineTemplate).toBeDefined();
    expect(platformTemplate).toBeDefined();
    expect(templates.length).toBe(2 + registry.list().length);
  });

  it.each(templates.map(t => [t.file, t.entity]))(
    '%s is a valid Template entity',
    async (_file, entity) => {
      await expect(
        templateEntityV1beta3Validator.check(
          entity as unknown as Parameters<
            typeof templateEntityV1beta3Validator.check
          >[0],
        ),
      ).resolves.toBe(true);
      expect(entity.apiVersion).toBe('scaffolder.backstage.io/v1beta3');
      expect(entity.kind).toBe('Template');
    },
  );

  it('has exactly one component template per registry component, and none for an unknown one', () => {
    const byComponent = new Map<string, string[]>();
    for (const t of componentTemplates) {
      const id = t.entity.metadata.annotations![ANNOTATION_DATASTACK_COMPONENT];
      byComponent.set(id, [...(byComponent.get(id) ?? []), t.file]);
    }
    for (const component of registry.list()) {
      expect({
        id: component.id,
        files: byComponent.get(component.id) ?? [],
      }).toEqual({
        id: component.id,
        files: [`components/${component.id}/template.yaml`],
      });
    }
    const unknown = [...byComponent.keys()].filter(id => !registry.has(id));
    expect(unknown).toEqual([]);
    for (const t of componentTemplates) {
      const id = t.entity.metadata.annotations![ANNOTATION_DATASTACK_COMPONENT];
      expect(t.entity.metadata.name).toBe(`datastack-${id}`);
      expect(t.entity.spec.type).toBe('datastack-component');
    }
    expect(
      pipelineTemplate.entity.metadata.annotations?.[
        ANNOTATION_DATASTACK_COMPONENT
      ],
    ).toBeUndefined();
  });

  it('lists every template, and only existing files, in all.yaml', () => {
    const location = yaml.parse(
      fs.readFileSync(path.join(TEMPLATES_DIR, 'all.yaml'), 'utf8'),
    );
    expect(location.kind).toBe('Location');
    expect(location.metadata.name).toBe('datastack-software-templates');
    const targets: string[] = location.spec.targets;
    const missing = targets.filter(
      target => !fs.existsSync(path.join(TEMPLATES_DIR, target)),
    );
    expect(missing).toEqual([]);
    expect(targets.map(t => t.replace(/^\.\//, '')).sort()).toEqual(
      templates.map(t => t.file).sort(),
    );
    expect(new Set(targets).size).toBe(targets.length);
  });

  it('uses only known actions', () => {
    for (const t of templates) {
      for (const step of t.entity.spec.steps) {
        expect({
          file: t.file,
          step: step.id,
          known: KNOWN_ACTIONS.includes(step.action),
        }).toEqual({ file: t.file, step: step.id, known: true });
      }
    }
  });

  it('shows the environments in the review step as one readable line each, not as the raw array', () => {
    const withEnvironments = templates.filter(t =>
      t.entity.spec.parameters.some(p => p.properties?.environments),
    );
    expect(withEnvironments.map(t => t.file)).toEqual(
      templates.map(t => t.file).filter(f => !f.startsWith('platform-')),
    );
    for (const t of withEnvironments) {
      const page = t.entity.spec.parameters.find(
        p => p.properties?.environments,
      )!;
      const properties = page.properties as Record<string, any>;
      expect({
        file: t.file,
        raw: properties.environments['ui:backstage'],
        summary: properties.environmentsSummary,
      }).toEqual({
        file: t.file,
        raw: { review: { show: false } },
        summary: {
          title: 'Environments',
          type: 'array',
          items: { type: 'string' },
          'ui:field': 'DatastackEnvironmentsSummary',
        },
      });
    }
  });

  it("picks a default component set of the data pipeline that passes the registry's composition rules", async () => {
    // Mirrors the template's components expression; the dry runs below check
    // the template itself renders these.
    const v = defaultValues(pipelineTemplate.entity) as Record<string, any>;
    const ids = [
      ...(v.ingest !== 'none' ? [v.ingest] : []),
      ...(v.transform ? ['dbt'] : []),
      v.orchestrate,
      ...v.store,
      ...v.stream,
      ...(v.visualise !== 'none' ? [v.visualise] : []),
      ...(v.observe ? ['observability'] : []),
    ];
    expect(ids.every(id => registry.has(id))).toBe(true);
    expect(registry.checkComposition(ids)).toEqual([]);
  });
});

describe('software templates in a dry run of the real scaffolder', () => {
  const dir = createMockDirectory();
  let server: Parameters<typeof request>[0];

  beforeAll(async () => {
    dir.clear();
    const config = new ConfigReader({
      integrations: { gitea: [{ host: 'gitea.com' }] },
    });
    const repositories = new LocalGitRepositories(
      path.join(dir.path, 'gitops'),
    );
    const actions = createBackendModule({
      pluginId: 'scaffolder',
      moduleId: 'datastack-templates-test',
      register(env) {
        env.registerInit({
          deps: { scaffolder: scaffolderActionsExtensionPoint },
          async init({ scaffolder }) {
            scaffolder.addActions(
              createRenderAction({
                registry,
                argocdInstances: ['dev', 'staging', 'prod'],
                gitHosts: testGitHosts(repositories),
              }),
              createPlatformRenderAction({
                registry,
                argocdInstances: ['dev', 'staging', 'prod'],
                gitHosts: testGitHosts(repositories),
                permissions: {
                  authorize: async () => [{ result: AuthorizeResult.ALLOW }],
                } as any,
              }),
              createPublishAction({
                integrations: ScmIntegrations.fromConfig(config),
                repositories,
                config,
                gitHosts: testGitHosts(repositories),
                guard: platformAdmin,
              }),
              // An empty catalog and no Argo CD instance: nothing is taken yet.
              createPreflightAction({
                registry,
                catalog: catalogServiceMock({ entities: [] }),
                clients: new Map(),
                guard: platformAdmin,
                createProjects: false,
              }),
              // No Argo CD instance: the apply step reports what to apply by hand.
              createApplyAction({
                clients: new Map(),
                guard: platformAdmin,
                createProjects: false,
              }),
            );
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        actions,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: dir.path },
            integrations: { gitea: [{ host: 'gitea.com' }] },
          },
        }),
      ],
    });
    server = backend.server;
  });

  async function dryRun(
    template: TemplateDoc,
    values: Record<string, unknown>,
  ) {
    const res = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .set('authorization', mockCredentials.user.header())
      .send({ template, values, directoryContents: [] });
    // Shows the scaffolder's error (a failed step, a rejected value) on failure.
    expect({
      status: res.status,
      body: res.status === 200 ? {} : res.body,
    }).toEqual({
      status: 200,
      body: {},
    });
    const files: Record<string, string> = Object.fromEntries(
      (
        res.body.directoryContents as Array<{
          path: string;
          base64Content: string;
        }>
      ).map(f => [
        f.path,
        Buffer.from(f.base64Content, 'base64').toString('utf8'),
      ]),
    );
    const log = res.body.log as Array<{
      body: { stepId?: string; status?: string; message?: string };
    }>;
    const steps = log
      .filter(l => l.body.status === 'completed' || l.body.status === 'skipped')
      .map(l => `${l.body.stepId}:${l.body.status}`);
    return {
      files,
      steps,
      /** The messages of one step's log. */
      messages: (stepId: string) =>
        log
          .filter(l => l.body.stepId === stepId && l.body.message)
          .map(l => l.body.message!),
      output: res.body.output as {
        links: Array<Record<string, string>>;
        text: Array<{ title: string; content: string }>;
      },
    };
  }

  it('renders the data pipeline with its defaults into a local repository', async () => {
    const { files, output, steps } = await dryRun(pipelineTemplate.entity, {
      ...defaultValues(pipelineTemplate.entity),
      name: 'orders',
      owner: 'group:default/data-engineering',
      // As the form sends it (DatastackEnvironmentsSummary); no step reads it.
      environmentsSummary: [
        'dev — Argo CD dev, cluster in-cluster, size small, namespaces orders-dev-<component>',
      ],
    });

    const ids = renderedComponents(files['catalog-info.yaml']);
    expect(ids.sort()).toEqual(
      [
        'airbyte',
        'airflow',
        'dbt',
        'observability',
        'superset',
        'trino',
      ].sort(),
    );
    expect(registry.checkComposition(ids)).toEqual([]);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(files[`environments/${env}/root.yaml`]).toBeDefined();
    }
    const dev = yaml.parse(
      files['environments/dev/applications/orders-trino-dev.yaml'],
    );
    expect(dev.spec.destination).toEqual(
      expect.objectContaining({ name: 'in-cluster' }),
    );
    const system = yaml.parseAllDocuments(files['catalog-info.yaml'])[0].toJS();
    expect(system.metadata.annotations[ANNOTATION_DATASTACK_GITOPS_REPO]).toBe(
      new LocalGitRepositories(path.join(dir.path, 'gitops')).cloneUrl(
        'orders',
      ),
    );

    // One publish step, and no step skipped for the location (only
    // catalog:register, which has no dry run; a real task runs it).
    expect(steps).toEqual([
      'render:completed',
      'preflight:completed',
      'publish:completed',
      'apply:completed',
      'register:skipped',
    ]);
    expect(output.links).toEqual([
      expect.objectContaining({ entityRef: 'system:default/orders' }),
    ]);
    const argo = output.text.find(t => t.title === 'Argo CD applications')!;
    expect(argo.content).toContain('no Argo CD instance is configured');
    expect(argo.content).toContain('orders-trino-prod');
    const repo = output.text.find(t => t.title === 'GitOps repository')!;
    expect(repo.content).toContain('git clone file://');
  });

  it('maps every choice of the data pipeline form into the render input, publishing to GitHub', async () => {
    const { files, output, steps, messages } = await dryRun(
      pipelineTemplate.entity,
      {
        ...defaultValues(pipelineTemplate.entity),
        name: 'clicks',
        owner: 'group:default/data-engineering',
        ingest: 'none',
        transform: true,
        orchestrate: 'dagster',
        store: ['clickhouse', 'spark'],
        stream: ['kafka', 'flink'],
        kafkaTopics: ['clicks', 'page-views'],
        visualise: 'metabase',
        observe: false,
        environments: [
          { name: 'dev', cluster: 'in-cluster', size: 'small' },
          {
            name: 'prod',
            argocdInstance: 'prod',
            cluster: 'https://prod.k8s.example.com:6443',
            size: 'large',
          },
        ],
        repoLocation: 'github',
        repoUrl: 'github.com?owner=acme&repo=clicks-gitops',
      },
    );

    expect(renderedComponents(files['catalog-info.yaml']).sort()).toEqual(
      [
        'clickhouse',
        'dagster',
        'dbt',
        'flink',
        'kafka',
        'metabase',
        'spark',
      ].sort(),
    );
    expect(
      Object.keys(files)
        .filter(f => f.endsWith('/root.yaml'))
        .sort(),
    ).toEqual(['environments/dev/root.yaml', 'environments/prod/root.yaml']);
    const dev = yaml.parse(
      files['environments/dev/applications/clicks-kafka-dev.yaml'],
    );
    expect(dev.spec.destination).toEqual(
      expect.objectContaining({ name: 'in-cluster' }),
    );
    // Kafka is an instance of the platform's Strimzi: its topics are KafkaTopics.
    expect(dev.spec.source.path).toBe('environments/dev/instances/kafka');
    expect(
      yaml
        .parseAllDocuments(
          files['environments/prod/instances/kafka/topics.yaml'],
        )
        .map(d => d.toJS().metadata.name),
    ).toEqual(['clicks', 'page-views']);
    const prod = yaml.parse(
      files['environments/prod/applications/clicks-kafka-prod.yaml'],
    );
    expect(prod.spec.destination).toEqual(
      expect.objectContaining({ server: 'https://prod.k8s.example.com:6443' }),
    );
    const system = yaml.parseAllDocuments(files['catalog-info.yaml'])[0].toJS();
    expect(system.metadata.annotations[ANNOTATION_DATASTACK_GITOPS_REPO]).toBe(
      'https://github.com/acme/clicks-gitops.git',
    );

    // The one publish step creates the repository with publish:github
    // (not run in a dry run) and gives the register step its URL.
    expect(steps.filter(s => s.startsWith('publish'))).toEqual([
      'publish:completed',
    ]);
    expect(steps.filter(s => s.endsWith(':skipped'))).toEqual([
      'register:skipped',
    ]);
    expect(messages('publish')[0]).toBe(
      'Beginning step Publish the GitOps repository',
    );
    expect(messages('publish').join('\n')).toContain(
      'Dry run: would create https://github.com/acme/clicks-gitops.git with publish:github and push . (main)',
    );
    expect(output.links).toEqual([
      expect.objectContaining({
        url: 'https://github.com/acme/clicks-gitops.git',
      }),
      expect.objectContaining({ entityRef: 'system:default/clicks' }),
    ]);
    expect(output.text.map(t => t.title)).toEqual(['Argo CD applications']);
  });

  it('renders the GitOps repository URL of GitLab and Gitea repositories, and publishes there in the same step', async () => {
    for (const [location, repoUrl, expected, link] of [
      [
        'gitlab',
        'gitlab.com?owner=data%2Fteam&repo=x',
        'https://gitlab.com/data/team/x.git',
        'https://gitlab.com/data/team/x',
      ],
      [
        'gitea',
        'gitea.com?owner=acme&repo=x',
        'https://gitea.com/acme/x.git',
        'https://gitea.com/acme/x.git',
      ],
    ]) {
      const { files, steps, messages, output } = await dryRun(
        pipelineTemplate.entity,
        {
          ...defaultValues(pipelineTemplate.entity),
          name: 'x',
          owner: 'group:default/data-engineering',
          repoLocation: location,
          repoUrl,
        },
      );
      const system = yaml
        .parseAllDocuments(files['catalog-info.yaml'])[0]
        .toJS();
      expect(
        system.metadata.annotations[ANNOTATION_DATASTACK_GITOPS_REPO],
      ).toBe(expected);
      expect(steps.filter(s => s.startsWith('publish'))).toEqual([
        'publish:completed',
      ]);
      expect(messages('publish').join('\n')).toContain(
        `with publish:${location}`,
      );
      expect(output.links[0]).toEqual(expect.objectContaining({ url: link }));
    }
  });

  it('rejects form values the parameter schemas do not allow before running a step', async () => {
    const base = {
      ...defaultValues(pipelineTemplate.entity),
      name: 'orders',
      owner: 'group:default/data-engineering',
    };
    for (const values of [
      { ...base, repoLocation: 'github' }, // no repoUrl
      { ...base, name: 'Orders_1' },
      {
        ...base,
        environments: [
          { name: 'dev', cluster: 'http://x:6443', size: 'small' },
        ],
      },
      { ...base, store: ['trino', 'trino'] },
    ]) {
      const res = await request(server)
        .post('/api/scaffolder/v2/dry-run')
        .set('authorization', mockCredentials.user.header())
        .send({
          template: pipelineTemplate.entity,
          values,
          directoryContents: [],
        });
      expect(res.status).toBe(400);
      expect(res.body.errors?.length).toBeGreaterThan(0);
    }
  });

  it('renders the platform operators with their defaults into a local repository', async () => {
    const { files, steps, output } = await dryRun(platformTemplate.entity, {
      ...defaultValues(platformTemplate.entity),
      owner: 'group:default/platform-team',
    });
    const apps = Object.keys(files)
      .filter(f => f.startsWith('environments/dev/applications/'))
      .sort();
    expect(apps).toEqual(
      ['clickhouse', 'flink', 'kafka', 'observability', 'spark'].map(
        id => `environments/dev/applications/platform-${id}-in-cluster.yaml`,
      ),
    );
    const strimzi = yaml.parse(
      files['environments/dev/applications/platform-kafka-in-cluster.yaml'],
    );
    expect(strimzi.spec.project).toBe('platform');
    expect(strimzi.spec.destination).toEqual({
      name: 'in-cluster',
      namespace: 'strimzi',
    });
    expect(yaml.parse(files['projects/platform.yaml']).spec).toEqual(
      expect.objectContaining({
        clusterResourceWhitelist: expect.not.arrayContaining([
          expect.objectContaining({ kind: '*' }),
        ]),
        sourceNamespaces: [],
      }),
    );
    const [system] = yaml
      .parseAllDocuments(files['catalog-info.yaml'])
      .map(d => d.toJS());
    expect(system.metadata.annotations['datastack.io/platform']).toBe('true');
    expect(system.spec.owner).toBe('group:default/platform-team');
    expect(steps).toEqual([
      'render:completed',
      'publish:completed',
      'apply:completed',
      'register:skipped', // no dry run of catalog:register
    ]);
    expect(output.links).toEqual([
      expect.objectContaining({
        entityRef: 'system:default/platform-operators',
      }),
    ]);
  });

  it.each(componentTemplates.map(t => [t.file, t.entity]))(
    '%s renders its component with its defaults',
    async (_file, entity) => {
      const id = entity.metadata.annotations![ANNOTATION_DATASTACK_COMPONENT];
      const { files, output } = await dryRun(entity, {
        ...defaultValues(entity),
        name: 'demo',
        owner: 'group:default/data-engineering',
      });
      const ids = renderedComponents(files['catalog-info.yaml']);
      expect(ids).toContain(id);
      expect(registry.checkComposition(ids)).toEqual([]);
      expect(Object.keys(files).filter(f => f.endsWith('/root.yaml'))).toEqual([
        'environments/dev/root.yaml',
      ]);
      expect(output.links).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            entityRef: `component:default/demo-${id}`,
          }),
        ]),
      );
    },
  );

  it('passes a component template’s version and Helm values to render', async () => {
    const trino = componentTemplates.find(
      t => t.entity.metadata.name === 'datastack-trino',
    )!;
    const { files } = await dryRun(trino.entity, {
      ...defaultValues(trino.entity),
      name: 'adhoc',
      owner: 'group:default/data-engineering',
      version: '1.42.1',
      values: 'server:\n  workers: 5\n',
    });
    const app = yaml.parse(
      files['environments/dev/applications/adhoc-trino-dev.yaml'],
    );
    expect(JSON.stringify(app.spec)).toContain('1.42.1');
    expect(files['components/trino/values.yaml']).toContain('workers: 5');
  });
});

describe('the Platform operators template', () => {
  it('is for platform admins (tagged datastack-platform) and offers exactly the operator-based components', () => {
    const entity = platformTemplate.entity as any;
    expect(entity.metadata.tags).toContain('datastack-platform');
    expect(entity.spec.type).toBe('datastack-platform');
    const operators = entity.spec.parameters[1].properties.operators;
    expect([...operators.items.enum].sort()).toEqual(
      registry
        .list()
        .filter(c => c.operator)
        .map(c => c.id)
        .sort(),
    );
    expect(entity.spec.steps.map((s: any) => s.action)).toEqual([
      'datastack:platform:render',
      'datastack:gitops:publish',
      'datastack:argocd:apply',
      'catalog:register',
    ]);
  });
});
