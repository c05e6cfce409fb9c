import { InputError } from '@backstage/errors';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { testGitHosts } from '../__testUtils__/gitHosts';
import { createPlatformRenderAction } from './platformRender';
import { examples } from './platformRender.examples';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { datastackPlatformManagePermission } from '@datastack/plugin-datastack-common';

const registry = createDefaultRegistry();
const permissions = {
  authorize: jest.fn(
    async (): Promise<Array<{ result: AuthorizeResult }>> => [
      { result: AuthorizeResult.ALLOW },
    ],
  ),
};
const action = createPlatformRenderAction({
  registry,
  argocdInstances: ['dev', 'prod'],
  gitHosts: testGitHosts(),
  permissions: permissions as any,
});
const workspace = createMockDirectory();

async function run(input: Record<string, unknown>) {
  workspace.clear();
  const ctx = createMockActionContext({
    input: input as any,
    workspacePath: workspace.path,
  });
  await action.handler(ctx);
  const read = (file: string) =>
    fs.readFileSync(path.join(workspace.path, file), 'utf8');
  return { ctx, read };
}

const exampleInputs = examples.map(
  e => yaml.parse(e.example).steps[0].input as Record<string, unknown>,
);

describe('datastack:platform:render', () => {
  it('writes nothing for an initiator without datastack.platform.manage', async () => {
    permissions.authorize.mockResolvedValueOnce([
      { result: AuthorizeResult.DENY },
    ]);
    await expect(run(exampleInputs[0])).rejects.toThrow(
      'Only the platform team may render the platform layer (datastack.platform.manage); nothing was written',
    );
    expect(permissions.authorize).toHaveBeenLastCalledWith(
      [{ permission: datastackPlatformManagePermission }],
      expect.objectContaining({ credentials: expect.anything() }),
    );
    expect(fs.readdirSync(workspace.path)).toEqual([]);
  });

  it.each(examples.map((e, i) => [e.description, exampleInputs[i]]))(
    'runs the example: %s',
    async (_description, input) => {
      const { ctx, read } = await run(input);
      const apps = (ctx.output as jest.Mock).mock.calls.find(
        ([key]) => key === 'applications',
      )![1] as Record<string, string[]>;
      const count = Object.values(apps).flat().length;
      expect(count).toBe(
        (input.operators as string[]).length *
          (input.clusters as unknown[]).length,
      );
      for (const [instance, names] of Object.entries(apps)) {
        for (const name of names) {
          const app = yaml.parse(
            read(`environments/${instance}/applications/${name}.yaml`),
          );
          expect(app.spec.project).toBe('platform');
          expect(app.metadata.namespace).toBe('argocd');
        }
        expect(read(`environments/${instance}/root.yaml`)).toContain(
          `path: environments/${instance}/applications`,
        );
      }
      expect(read('projects/platform.yaml')).toContain('kind: AppProject');
      expect(ctx.output).toHaveBeenCalledWith('project', 'platform');
    },
  );

  it('installs each operator once per cluster with the values that make it watch every tenant namespace', async () => {
    const { read } = await run(exampleInputs[0]);
    const app = (name: string) =>
      yaml.parse(read(`environments/dev/applications/${name}.yaml`));
    const strimzi = app('platform-kafka-in-cluster');
    expect(strimzi.metadata.labels).toEqual(
      expect.objectContaining({
        'datastack.io/platform-operator': 'kafka',
        'app.kubernetes.io/managed-by': 'datastack',
      }),
    );
    expect(strimzi.metadata.annotations['datastack.io/owner']).toBe(
      'group:default/platform',
    );
    expect(strimzi.spec.destination).toEqual({
      name: 'in-cluster',
      namespace: 'strimzi',
    });
    expect(strimzi.spec.sources[0]).toEqual(
      expect.objectContaining({
        repoURL: 'quay.io/strimzi-helm',
        chart: 'strimzi-kafka-operator',
        targetRevision: '1.2.0',
      }),
    );
    const valuesFile = strimzi.spec.sources[0].helm.valueFiles[0].replace(
      '$values/',
      '',
    );
    expect(yaml.parse(read(valuesFile)).watchAnyNamespace).toBe(true);

    const watch = (id: string) =>
      yaml.parse(read(`environments/dev/values/in-cluster/${id}.yaml`));
    expect(watch('flink').watchNamespaces).toEqual([]);
    expect(watch('spark').spark.jobNamespaces).toEqual(['']);
    expect(
      watch('clickhouse').configs.files['config.yaml'].watch.namespaces,
    ).toEqual([]);
    expect(
      watch('observability').grafana.sidecar.dashboards.searchNamespace,
    ).toBe('ALL');
    // The Prometheus operator's CRDs come first: Strimzi's PodMonitors need them.
    expect(
      Number(
        app('platform-observability-in-cluster').metadata.annotations[
          'argocd.argoproj.io/sync-wave'
        ],
      ),
    ).toBeLessThan(
      Number(strimzi.metadata.annotations['argocd.argoproj.io/sync-wave']),
    );
  });

  it('renders the platform AppProject: its repositories and operator namespaces only, any cluster resource, no tenant source namespace', async () => {
    const { read } = await run(exampleInputs[1]);
    const project = yaml.parse(read('projects/platform.yaml'));
    expect(project.metadata.name).toBe('platform');
    expect(project.spec.sourceRepos).toEqual([
      'https://gitea.example.com/platform/prod-addons.git',
      'https://prometheus-community.github.io/helm-charts',
      'quay.io/strimzi-helm',
    ]);
    expect(project.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
      {
        server: 'https://prod-eu-1.k8s.example.com:6443',
        namespace: 'monitoring',
      },
      {
        server: 'https://prod-eu-1.k8s.example.com:6443',
        namespace: 'strimzi',
      },
      { name: 'prod-us-1', namespace: 'monitoring' },
      { name: 'prod-us-1', namespace: 'strimzi' },
    ]);
    // Exactly the operators' cluster-scoped kinds, never a wildcard.
    expect(project.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      {
        group: 'admissionregistration.k8s.io',
        kind: 'MutatingWebhookConfiguration',
      },
      {
        group: 'admissionregistration.k8s.io',
        kind: 'ValidatingWebhookConfiguration',
      },
    ]);
    expect(project.spec.sourceNamespaces).toEqual([]);
    const strimzi = yaml.parse(
      read('environments/prod/applications/platform-kafka-prod-eu-1.yaml'),
    );
    expect(strimzi.spec.sources[0].targetRevision).toBe('0.49.1');
  });

  it('catalogues the add-ons as a System owned by the platform group with a Component per operator', async () => {
    const { read } = await run(exampleInputs[1]);
    const [system, ...components] = yaml
      .parseAllDocuments(read('catalog-info.yaml'))
      .map(d => d.toJS());
    expect(system).toEqual(
      expect.objectContaining({
        kind: 'System',
        metadata: expect.objectContaining({
          name: 'prod-addons',
          annotations: expect.objectContaining({
            'datastack.io/platform': 'true',
          }),
        }),
        spec: { owner: 'group:default/platform' },
      }),
    );
    expect(
      components.map(c => [
        c.metadata.name,
        c.spec.system,
        c.metadata.annotations['argocd/app-selector'],
      ]),
    ).toEqual([
      [
        'prod-addons-kafka',
        'prod-addons',
        'datastack.io/platform-operator=kafka',
      ],
      [
        'prod-addons-observability',
        'prod-addons',
        'datastack.io/platform-operator=observability',
      ],
    ]);
  });

  it.each([
    [
      { operators: ['trino'] },
      'operators[0] "trino" is not an operator Datastack installs',
    ],
    [{ operators: ['kafka', 'kafka'] }, 'operators[1] "kafka" is listed twice'],
    [
      { versions: { kafka: 'v1.2.0' } },
      'versions.kafka "v1.2.0" must be a SemVer version',
    ],
    [
      { operators: ['kafka'], versions: { flink: '1.15.0' } },
      'versions.flink names an operator that is not in operators',
    ],
    [
      {
        clusters: [
          { argocdInstance: 'staging', cluster: { name: 'in-cluster' } },
        ],
      },
      'clusters[0].argocdInstance "staging" is not a configured Argo CD instance',
    ],
    [
      { clusters: [{ argocdInstance: 'dev', cluster: {} }] },
      'clusters[0].cluster needs exactly one of server or name',
    ],
    [
      { owner: 'user:default/jane' },
      'owner "user:default/jane" is not a group entity reference',
    ],
    [{ repoUrl: 'file:///etc' }, 'repoUrl'],
  ])('refuses %j before writing anything', async (change, message) => {
    workspace.clear();
    const ctx = createMockActionContext({
      input: { ...exampleInputs[0], ...change } as any,
      workspacePath: workspace.path,
    });
    const attempt = action.handler(ctx);
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(message);
    expect(fs.readdirSync(workspace.path)).toEqual([]);
  });
});
