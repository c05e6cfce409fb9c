import type { Application } from '@datastack/plugin-datastack-node';
import { compareResourceVersions, projectApplication } from './projection';

const source = {
  repoURL: 'https://trinodb.github.io/charts',
  chart: 'trino',
  targetRevision: '1.41.0',
  helm: { values: 'server:\n  workers: 3\n' },
};

const app = {
  metadata: {
    name: 'orders-trino-dev',
    namespace: 'argocd-apps-data-engineering',
    labels: { 'datastack.io/component': 'trino' },
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}',
      'datastack.io/owner': 'group:default/data-engineering',
    },
    resourceVersion: '42',
    managedFields: [{ manager: 'argocd-server' }],
  },
  spec: {
    project: 'data-engineering',
    source,
    destination: { name: 'in-cluster', namespace: 'orders-dev-trino' },
  },
  status: {
    sync: {
      status: 'Synced',
      revision: '1.41.0',
      comparedTo: { source, destination: { name: 'in-cluster' } },
    },
    health: { status: 'Healthy' },
    history: Array.from({ length: 8 }, (_, i) => ({
      id: i,
      revision: `1.4${i}.0`,
      deployedAt: `2026-12-0${(i % 3) + 1}T10:00:00Z`,
      source,
    })),
    resources: [{ kind: 'Deployment', name: 'trino', status: 'Synced' }],
  },
} as unknown as Application;

describe('projectApplication', () => {
  it('keeps what health, the fleet and upgrades read, and drops what only Argo CD UI needs', () => {
    const projected = projectApplication(app) as any;
    expect(projected.metadata.annotations).toEqual({
      'datastack.io/owner': 'group:default/data-engineering',
    });
    expect(projected.metadata.managedFields).toBeUndefined();
    // The spec is whole: the values diff reads its inline Helm values.
    expect(projected.spec).toEqual(app.spec);
    expect(projected.status.sync).toEqual({
      status: 'Synced',
      revision: '1.41.0',
    });
    // The last five deployments, each source without its Helm values.
    expect(projected.status.history.map((h: any) => h.id)).toEqual([
      3, 4, 5, 6, 7,
    ]);
    expect(projected.status.history[0].source).toEqual({
      repoURL: source.repoURL,
      chart: 'trino',
      targetRevision: '1.41.0',
    });
    expect(projected.status.resources).toEqual(app.status!.resources);
  });
});

describe('compareResourceVersions', () => {
  it('compares as integers, and not what is not one', () => {
    expect(compareResourceVersions('9', '10')).toBe(-1);
    expect(compareResourceVersions('10', '10')).toBe(0);
    expect(compareResourceVersions('abc', '10')).toBeUndefined();
  });
});
