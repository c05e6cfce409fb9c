import {
  glob,
  isAppNamespacePermitted,
  isDestinationPermitted,
  isGroupKindNamePermitted,
  isNamespaceEnabled,
  pathMatch,
  syncPermissionError,
} from './projectRules';
import type { AppProject } from './types';

function project(spec: AppProject['spec']): AppProject {
  return { metadata: { name: 'team-x' }, spec };
}

const IN_CLUSTER = {
  server: 'https://kubernetes.default.svc',
  name: 'in-cluster',
};

describe('AppProject rules', () => {
  it('globs as gobwas (Argo CD lists) and filepath.Match (resource lists) do', () => {
    expect(glob('argocd-apps-*', 'argocd-apps-team/x')).toBe(true);
    expect(glob('argocd-apps-{a,b}', 'argocd-apps-b')).toBe(true);
    expect(glob('argocd-apps-{a,b}', 'argocd-apps-c')).toBe(false);
    expect(glob('team-[!x]', 'team-y')).toBe(true);
    expect(glob('team-[!x]', 'team-x')).toBe(false);
    expect(pathMatch('*', 'rbac.authorization.k8s.io')).toBe(true);
    expect(pathMatch('*', 'a/b')).toBe(false);
    expect(pathMatch('', '')).toBe(true);
    expect(pathMatch('', 'apps')).toBe(false);
  });

  it('enables argocd always, other namespaces by glob or /regex/', () => {
    expect(isNamespaceEnabled('argocd', [])).toBe(true);
    expect(isNamespaceEnabled('argocd-apps-a', [])).toBe(false);
    expect(isNamespaceEnabled('argocd-apps-a', ['argocd-apps-*'])).toBe(true);
    expect(isNamespaceEnabled('team-7', ['/^team-[0-9]+$/'])).toBe(true);
    expect(isNamespaceEnabled('team-x', ['/^team-[0-9]+$/'])).toBe(false);
  });

  it('admits an Application namespace only through sourceNamespaces, argocd always', () => {
    const p = project({ sourceNamespaces: ['argocd-apps-x'] });
    expect(isAppNamespacePermitted(p, 'argocd')).toBe(true);
    expect(isAppNamespacePermitted(p, 'argocd-apps-x')).toBe(true);
    expect(isAppNamespacePermitted(p, 'argocd-apps-y')).toBe(false);
    expect(isAppNamespacePermitted(project({}), 'argocd-apps-x')).toBe(false);
  });

  it('reads empty cluster whitelists as nothing and empty namespace whitelists as everything', () => {
    const empty = project({});
    expect(isGroupKindNamePermitted(empty, '', 'Namespace', 'x', false)).toBe(
      false,
    );
    expect(
      isGroupKindNamePermitted(empty, 'apps', 'Deployment', 'x', true),
    ).toBe(true);
    const named = project({
      clusterResourceWhitelist: [
        {
          group: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'team-x-*',
        },
      ],
      clusterResourceBlacklist: [
        {
          group: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'team-x-admin',
        },
      ],
      namespaceResourceBlacklist: [{ group: '', kind: 'Secret' }],
    });
    const role = (name: string) =>
      isGroupKindNamePermitted(
        named,
        'rbac.authorization.k8s.io',
        'ClusterRole',
        name,
        false,
      );
    expect(role('team-x-reader')).toBe(true);
    expect(role('team-x-admin')).toBe(false);
    expect(role('cluster-admin')).toBe(false);
    expect(isGroupKindNamePermitted(named, '', 'Secret', 's', true)).toBe(
      false,
    );
    expect(isGroupKindNamePermitted(named, '', 'ConfigMap', 'c', true)).toBe(
      true,
    );
  });

  it('matches destinations with deny patterns as Argo CD does', () => {
    const p = project({
      destinations: [
        { server: '*', namespace: '!kube-system' },
        { server: '*', namespace: 'x-*' },
      ],
    });
    expect(isDestinationPermitted(p, IN_CLUSTER, 'x-kafka')).toBe(true);
    expect(isDestinationPermitted(p, IN_CLUSTER, 'kube-system')).toBe(false);
    // A deny item admits whatever it does not deny (Argo CD's semantics).
    expect(isDestinationPermitted(p, IN_CLUSTER, 'y-kafka')).toBe(true);
    const only = project({ destinations: [{ server: '*', namespace: 'x-*' }] });
    expect(isDestinationPermitted(only, IN_CLUSTER, 'y-kafka')).toBe(false);
    const byName = project({
      destinations: [{ name: 'in-cluster', namespace: 'x-*' }],
    });
    expect(isDestinationPermitted(byName, IN_CLUSTER, 'x-kafka')).toBe(true);
    expect(
      isDestinationPermitted(
        byName,
        { server: 'https://prod.example', name: 'prod' },
        'x-kafka',
      ),
    ).toBe(false);
  });

  it('words refusals as controller/sync.go does', () => {
    const p = project({
      destinations: [{ server: '*', namespace: 'x-*' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    });
    expect(
      syncPermissionError(p, IN_CLUSTER, {
        group: 'apiextensions.k8s.io',
        kind: 'CustomResourceDefinition',
        name: 'kafkas.kafka.strimzi.io',
        namespace: '',
      }),
    ).toBe(
      'resource apiextensions.k8s.io:CustomResourceDefinition is not permitted in project team-x',
    );
    expect(
      syncPermissionError(p, IN_CLUSTER, {
        group: 'argoproj.io',
        kind: 'AppProject',
        name: 'team-x',
        namespace: 'argocd',
      }),
    ).toBe("namespace argocd is not permitted in project 'team-x'");
    expect(
      syncPermissionError(p, IN_CLUSTER, {
        group: '',
        kind: 'Namespace',
        name: 'x-kafka',
        namespace: '',
      }),
    ).toBeUndefined();
  });
});
