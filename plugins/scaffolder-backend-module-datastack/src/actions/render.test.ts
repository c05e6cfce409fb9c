import { createMockDirectory } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { validateApplications } from '../__testUtils__/validateApplications';
import { createRenderAction } from './render';
import { examples } from './render.examples';
import { testGitHosts } from '../__testUtils__/gitHosts';

const registry = createDefaultRegistry();
const action = createRenderAction({
  registry,
  argocdInstances: ['dev', 'staging', 'prod'],
  gitHosts: testGitHosts(),
});

const baseInput = {
  name: 'orders',
  owner: 'group:default/data-platform',
  repoUrl: 'https://git.example.com/acme/orders-gitops.git',
  components: [
    { id: 'airbyte' },
    { id: 'trino' },
    { id: 'dbt' },
    { id: 'airflow' },
    { id: 'superset' },
    { id: 'observability' },
  ],
  environments: [
    {
      name: 'dev',
      argocdInstance: 'dev',
      cluster: { server: 'https://kubernetes.default.svc' },
    },
    {
      name: 'staging',
      argocdInstance: 'staging',
      cluster: { name: 'staging' },
      size: 'medium',
    },
    {
      name: 'prod',
      argocdInstance: 'prod',
      cluster: { name: 'prod-eu-1' },
      size: 'large',
    },
  ],
};

function readYamlDocs(file: string): any[] {
  return yaml
    .parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => d.toJS());
}

describe('datastack:gitops:render', () => {
  const workspace = createMockDirectory();
  beforeEach(() => workspace.clear());

  it('renders every Application, values file, root app and entity of a 6 × 3 pipeline', async () => {
    const ctx = createMockActionContext({
      input: baseInput,
      workspacePath: workspace.path,
    });
    await action.handler(ctx as any);

    const applications = (ctx.output as jest.Mock).mock.calls.find(
      c => c[0] === 'applications',
    )![1];
    expect(Object.keys(applications)).toEqual(['dev', 'staging', 'prod']);
    // dbt is a project, not an Application: 5 charts per environment.
    expect(applications.dev).toHaveLength(5);
    // observability first (kafka-free pipeline: no constraint puts anything before it).
    const rendered: unknown[] = [];
    const instanceApps: Array<{ env: string; id: string; app: any }> = [];
    for (const env of ['dev', 'staging', 'prod']) {
      for (const name of applications[env]) {
        const [app] = readYamlDocs(
          path.join(
            workspace.path,
            `environments/${env}/applications/${name}.yaml`,
          ),
        );
        rendered.push(app);
        expect(app.metadata.labels).toEqual({
          'datastack.io/pipeline': 'orders',
          'datastack.io/component':
            app.metadata.labels['datastack.io/component'],
          'datastack.io/environment': env,
          'datastack.io/team': 'data-platform',
          'app.kubernetes.io/managed-by': 'datastack',
        });
        // The team's Application namespace and project, never argocd/default.
        expect(app.metadata.namespace).toBe('argocd-apps-data-platform');
        expect(app.spec.project).toBe('team-data-platform');
        expect(app.metadata.annotations).toMatchObject({
          'datastack.io/owner': 'group:default/data-platform',
          'datastack.io/entity-ref': `component:default/orders-${app.metadata.labels['datastack.io/component']}`,
        });
        expect(app.metadata.finalizers).toEqual([
          'resources-finalizer.argocd.argoproj.io',
        ]);
        const id = app.metadata.labels['datastack.io/component'];
        const definition = registry.get(id);
        if (definition.operator) {
          // Checked below: the operator is the platform's, the pipeline syncs its instance.
          instanceApps.push({ env, id, app });
          continue;
        }
        const [chart, values] = app.spec.sources;
        expect(chart.chart).toBe(definition.chart!.name);
        expect(chart.targetRevision).toBe(definition.chart!.version);
        expect(chart.helm.valueFiles).toEqual([
          `$values/components/${id}/values.yaml`,
          `$values/environments/${env}/values/${id}.yaml`,
        ]);
        expect(values).toEqual({
          repoURL: baseInput.repoUrl,
          targetRevision: 'HEAD',
          ref: 'values',
        });
        expect(
          fs.existsSync(
            path.join(workspace.path, `environments/${env}/values/${id}.yaml`),
          ),
        ).toBe(true);
      }
      const [root] = readYamlDocs(
        path.join(workspace.path, `environments/${env}/root.yaml`),
      );
      rendered.push(root);
      expect(root.spec.source.path).toBe(`environments/${env}/applications`);
      expect(root.metadata.namespace).toBe('argocd-apps-data-platform');
      expect(root.spec.project).toBe('team-data-platform');
      expect(root.spec.destination).toEqual({
        server: 'https://kubernetes.default.svc',
        namespace: 'argocd-apps-data-platform',
      });
      expect(root.metadata.annotations['datastack.io/entity-ref']).toBe(
        'system:default/orders',
      );
      // What the team's project must allow here: exact namespaces, this
      // repository and the charts, Namespace as the only cluster resource.
      const [project] = readYamlDocs(
        path.join(workspace.path, `environments/${env}/project.yaml`),
      );
      expect(project.metadata.name).toBe('team-data-platform');
      expect(project.spec.sourceNamespaces).toEqual([
        'argocd-apps-data-platform',
      ]);
      expect(project.spec.clusterResourceWhitelist).toEqual([
        { group: '', kind: 'Namespace' },
      ]);
      expect(project.spec.sourceRepos).toContain(baseInput.repoUrl);
      expect(project.spec.sourceRepos).toContain(
        'https://trinodb.github.io/charts',
      );
      expect(
        project.spec.destinations.every(
          (d: { namespace: string }) => !d.namespace.includes('*'),
        ),
      ).toBe(true);
      expect(project.spec.destinations).toContainEqual({
        server: 'https://kubernetes.default.svc',
        namespace: 'argocd-apps-data-platform',
      });
      expect(project.spec.destinations).toContainEqual(
        expect.objectContaining({ namespace: `orders-${env}-trino` }),
      );
      expect(project.spec.roles[0].groups).toEqual(['data-platform']);
    }
    // Every Application validates against the Argo CD Application CRD schema.
    expect(rendered).toHaveLength(18);
    expect(instanceApps.length).toBeGreaterThan(0);
    for (const { env, id, app } of instanceApps) {
      expect(app.spec.sources).toBeUndefined();
      expect(app.spec.source).toEqual({
        repoURL: baseInput.repoUrl,
        targetRevision: 'HEAD',
        path: `environments/${env}/instances/${id}`,
      });
      expect(
        fs.readdirSync(
          path.join(workspace.path, `environments/${env}/instances/${id}`),
        ).length,
      ).toBeGreaterThan(0);
    }
    expect(validateApplications(rendered)).toEqual([]);

    const prodTrino = readYamlDocs(
      path.join(workspace.path, 'environments/prod/values/trino.yaml'),
    )[0];
    expect(prodTrino).toEqual(registry.get('trino').values.large);

    const entities = readYamlDocs(
      path.join(workspace.path, 'catalog-info.yaml'),
    );
    expect(entities.map(e => `${e.kind}:${e.metadata.name}`)).toEqual([
      'System:orders',
      'Component:orders-airbyte',
      'Component:orders-trino',
      'Component:orders-dbt',
      'Component:orders-airflow',
      'Component:orders-superset',
      'Component:orders-observability',
    ]);
    const trino = entities.find(e => e.metadata.name === 'orders-trino');
    expect(trino.metadata.annotations).toMatchObject({
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'orders',
      'argocd/app-selector':
        'datastack.io/pipeline=orders,datastack.io/component=trino',
      'argocd/instance-name': 'dev,staging,prod',
      'backstage.io/kubernetes-id': 'orders-trino',
    });
    // A new pipeline's components are experimental unless the input says otherwise.
    expect(trino.spec.lifecycle).toBe('experimental');
    const dbt = entities.find(e => e.metadata.name === 'orders-dbt');
    expect(dbt.spec.dependsOn).toEqual([
      'component:orders-trino',
      'component:orders-airflow',
    ]);

    // The dbt project targets Trino and Airflow schedules it from this repository.
    expect(
      fs.readFileSync(path.join(workspace.path, 'dbt/profiles.yml'), 'utf8'),
    ).toContain('type: trino');
    expect(
      fs.existsSync(
        path.join(workspace.path, 'orchestration/airflow/dags/orders_dbt.py'),
      ),
    ).toBe(true);
    const airflowValues = readYamlDocs(
      path.join(workspace.path, 'components/airflow/values.yaml'),
    )[0];
    expect(airflowValues.dags.gitSync).toMatchObject({
      enabled: true,
      repo: baseInput.repoUrl,
    });
  });

  it('orders sync waves by the requires constraints', async () => {
    const ctx = createMockActionContext({
      input: {
        ...baseInput,
        components: [{ id: 'flink' }, { id: 'kafka' }, { id: 'observability' }],
      },
      workspacePath: workspace.path,
    });
    await action.handler(ctx as any);
    const applications = (ctx.output as jest.Mock).mock.calls.find(
      c => c[0] === 'applications',
    )![1];
    expect(applications.dev).toEqual([
      'orders-observability-dev',
      'orders-kafka-dev',
      'orders-flink-dev',
    ]);
    const waves = applications.dev.map(
      (name: string) =>
        readYamlDocs(
          path.join(
            workspace.path,
            `environments/dev/applications/${name}.yaml`,
          ),
        )[0].metadata.annotations['argocd.argoproj.io/sync-wave'],
    );
    expect(waves).toEqual(['0', '1', '2']);
  });

  it.each(examples.map(e => [e.description, e.example] as const))(
    'runs the example: %s',
    async (_description, example) => {
      const step = yaml.parse(example).steps[0];
      const ctx = createMockActionContext({
        input: step.input,
        workspacePath: workspace.path,
      });
      await action.handler(ctx as any);
      const catalogInfoPath = (ctx.output as jest.Mock).mock.calls.find(
        c => c[0] === 'catalogInfoPath',
      )![1];
      expect(fs.existsSync(path.join(workspace.path, catalogInfoPath))).toBe(
        true,
      );
    },
  );

  describe('rejects bad input before writing anything, naming the field', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'a name that is not a DNS-1123 label',
        { name: 'Orders_1' },
        /^name "Orders_1" must be a DNS-1123 label/,
      ],
      [
        'a name longer than the limit',
        { name: 'a'.repeat(31) },
        /^name "a{31}" is longer than 30 characters/,
      ],
      [
        'a path traversal in targetPath',
        { targetPath: '../outside' },
        /^targetPath "..\/outside" must be a relative path/,
      ],
      [
        'an absolute targetPath',
        { targetPath: '/etc' },
        /^targetPath "\/etc" must be a relative path/,
      ],
      [
        'an unknown component',
        { components: [{ id: 'hadoop' }] },
        /^components\[0\]\.id "hadoop" is not a known data-stack component/,
      ],
      [
        'a duplicate component',
        { components: [{ id: 'trino' }, { id: 'trino' }] },
        /^components\[1\]\.id "trino" is listed twice/,
      ],
      [
        'a version not in SemVer',
        { components: [{ id: 'trino', version: 'latest' }] },
        /^components\[0\]\.version "latest" must be a SemVer version/,
      ],
      [
        'values that are not a mapping',
        { components: [{ id: 'trino', values: '- a\n- b' }] },
        /^components\[0\]\.values must be a YAML mapping/,
      ],
      [
        'values that are not YAML',
        { components: [{ id: 'trino', values: 'a: [' }] },
        /^components\[0\]\.values is not valid YAML/,
      ],
      [
        'an unmet layer rule',
        { components: [{ id: 'superset' }] },
        /^components: A BI tool needs a warehouse/,
      ],
      [
        'dbt without an orchestrator',
        { components: [{ id: 'dbt' }, { id: 'trino' }] },
        /^components: dbt runs on a schedule/,
      ],
      [
        'an unknown Argo CD instance',
        {
          environments: [
            { name: 'dev', argocdInstance: 'qa', cluster: { name: 'x' } },
          ],
        },
        /^environments\[0\]\.argocdInstance "qa" is not a configured Argo CD instance/,
      ],
      [
        'a duplicate environment',
        {
          environments: [baseInput.environments[0], baseInput.environments[0]],
        },
        /^environments\[1\]\.name "dev" is listed twice/,
      ],
      [
        'a cluster with both server and name',
        {
          environments: [
            {
              name: 'dev',
              argocdInstance: 'dev',
              cluster: { server: 'https://k', name: 'k' },
            },
          ],
        },
        /^environments\[0\]\.cluster needs exactly one of server or name/,
      ],
      [
        'environment values for a component not in the pipeline',
        {
          environments: [
            { ...baseInput.environments[0], values: { kafka: {} } },
          ],
        },
        /^environments\[0\]\.values\.kafka names a component that is not in this pipeline/,
      ],
      [
        'an owner that is not an entity reference',
        { owner: 'not a ref' },
        /^owner "not a ref" is not an entity reference/,
      ],
      [
        'an owner that is a path',
        { owner: '../etc' },
        /^owner "\.\.\/etc" is not an entity reference/,
      ],
      [
        'an owner that is a user, not a group',
        { owner: 'user:default/alice' },
        /^owner "user:default\/alice" is not an entity reference such as group/,
      ],
      [
        'a version with a v prefix the writer would copy',
        { components: [{ id: 'trino', version: 'v1.42.2' }] },
        /^components\[0\]\.version "v1\.42\.2" must be a SemVer version/,
      ],
      [
        'a version with whitespace',
        { components: [{ id: 'trino', version: ' 1.42.2' }] },
        /^components\[0\]\.version " 1\.42\.2" must be a SemVer version/,
      ],
      [
        'a repoRevision that is not a git ref',
        { repoRevision: 'main; rm -rf /' },
        /^repoRevision "main; rm -rf \/" is not a branch, tag or commit/,
      ],
      [
        'a repoRevision with ..',
        { repoRevision: 'a/../b' },
        /^repoRevision "a\/\.\.\/b" is not a branch/,
      ],
      [
        'values with a !!binary tag',
        { components: [{ id: 'trino', values: 'a: !!binary aGVsbG8=' }] },
        /^components\[0\]\.values uses the YAML tag !!binary/,
      ],
      [
        'values with a !!set tag',
        { components: [{ id: 'trino', values: 'a: !!set {x}' }] },
        /^components\[0\]\.values uses the YAML tag !!set/,
      ],
      [
        'values with a !!js/function tag',
        {
          components: [{ id: 'trino', values: 'a: !!js/function "f(){}"' }],
        },
        /^components\[0\]\.values is not valid YAML: Unresolved tag/,
      ],
      [
        'values with a self-referencing anchor',
        { components: [{ id: 'trino', values: 'a: &x { b: *x }' }] },
        /^components\[0\]\.values has an alias that refers to its own anchor/,
      ],
      [
        'a repoUrl on a host without an integration',
        { repoUrl: 'https://evil.example.net/x.git' },
        /^repoUrl "https:\/\/evil\.example\.net\/x\.git": evil\.example\.net has no Backstage integration/,
      ],
      [
        'a file:// repoUrl outside the local root',
        { repoUrl: 'file:///etc/passwd' },
        /^repoUrl "file:\/\/\/etc\/passwd": local repositories are not available here/,
      ],
      [
        'an ssh repoUrl',
        { repoUrl: 'ssh://git@github.com/acme/x.git' },
        /^repoUrl "ssh:\/\/git@github\.com\/acme\/x\.git" uses ssh:\/\//,
      ],
      [
        'a lifecycle the catalog does not know',
        { lifecycle: 'live' },
        /^lifecycle "live" must be one of experimental, production, deprecated/,
      ],
      [
        'a project input, which tenancy sets',
        { project: 'default' },
        /^project is no longer an input/,
      ],
    ];
    it.each(cases)('%s', async (_label, patch, message) => {
      const ctx = createMockActionContext({
        input: { ...baseInput, ...patch } as any,
        workspacePath: workspace.path,
      });
      const result = action.handler(ctx as any);
      await expect(result).rejects.toThrow(InputError);
      await expect(result).rejects.toThrow(message);
      expect(fs.readdirSync(workspace.path)).toEqual([]);
    });
  });
});

describe('datastack:gitops:render of operator-based components', () => {
  const workspace = createMockDirectory();
  beforeEach(() => workspace.clear());
  const streaming = {
    ...baseInput,
    components: [
      { id: 'kafka', topics: ['orders', 'payments'] },
      { id: 'flink' },
      { id: 'spark' },
      { id: 'airflow' },
      { id: 'observability' },
    ],
  };

  it("writes each environment's instances and syncs them instead of installing the operators", async () => {
    const ctx = createMockActionContext({
      input: streaming as any,
      workspacePath: workspace.path,
    });
    await action.handler(ctx as any);
    const read = (file: string) =>
      yaml
        .parseAllDocuments(
          fs.readFileSync(path.join(workspace.path, file), 'utf8'),
        )
        .map(d => d.toJS());
    const topics = read('environments/prod/instances/kafka/topics.yaml');
    expect(topics.map(t => t.metadata.name)).toEqual(['orders', 'payments']);
    expect(topics[0].metadata.namespace).toBe('orders-prod-kafka');
    expect(topics[0].metadata.labels).toEqual(
      expect.objectContaining({
        'strimzi.io/cluster': 'orders',
        'datastack.io/pipeline': 'orders',
        'datastack.io/component': 'kafka',
        'datastack.io/environment': 'prod',
        'datastack.io/team': 'data-platform',
      }),
    );
    const [kafka] = read('environments/dev/instances/kafka/kafka.yaml');
    expect(kafka.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(kafka.metadata.annotations['datastack.io/owner']).toBe(
      'group:default/data-platform',
    );
    // The pipeline's monitors scrape its Kafka and Flink.
    const monitors = read(
      'environments/dev/instances/observability/monitors.yaml',
    );
    expect(monitors.map(m => m.spec.namespaceSelector.matchNames)).toEqual([
      ['orders-dev-flink'],
      ['orders-dev-kafka'],
    ]);
    // Spark's example job is the orchestrator's, outside what Argo CD syncs.
    const [job] = read('orchestration/airflow/spark/dev/orders-spark-pi.yaml');
    expect(job.kind).toBe('SparkApplication');
    // No operator chart in the pipeline: the team's project needs no chart repository of an operator.
    const [project] = read('environments/dev/project.yaml');
    expect(project.spec.sourceRepos).not.toContain('quay.io/strimzi-helm');
    expect(
      fs.existsSync(path.join(workspace.path, 'components/kafka/values.yaml')),
    ).toBe(false);
  });

  it.each([
    [
      { id: 'trino', topics: ['a'] },
      'components[0].topics is only for Kafka: Trino has no topics',
    ],
    [
      { id: 'kafka', topics: ['ok', 'Bad_Topic'] },
      'components[0].topics[1] "Bad_Topic" must be a DNS-1123 label',
    ],
    [
      { id: 'kafka', topics: ['a', 'a'] },
      'components[0].topics[1] "a" is listed twice',
    ],
    [
      { id: 'clickhouse', version: '0.23.0' },
      'components[0].version "0.23.0" is an operator version that serves no API version of ClickHouseKeeperInstallation Datastack renders',
    ],
  ])('refuses %j naming the field', async (component, message) => {
    const ctx = createMockActionContext({
      input: { ...baseInput, components: [component] } as any,
      workspacePath: workspace.path,
    });
    const result = action.handler(ctx as any);
    await expect(result).rejects.toThrow(InputError);
    await expect(result).rejects.toThrow(message);
    expect(fs.readdirSync(workspace.path)).toEqual([]);
  });
});
