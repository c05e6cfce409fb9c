import type { Entity } from '@backstage/catalog-model';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import plugin from './plugin';

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders-kafka',
    annotations: { 'datastack.io/component': 'kafka' },
  },
  spec: {},
};
const pipeline: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: {
    name: 'orders',
    annotations: { 'datastack.io/pipeline': 'orders' },
  },
  spec: {},
};

describe('datastack plugin (new frontend system)', () => {
  it('provides its extensions under the ids the README names', () => {
    for (const id of [
      'api:datastack',
      'page:datastack',
      'entity-card:datastack/deployment-health',
      'entity-content:datastack/upgrades',
      'entity-content:datastack/pipeline',
      'scaffolder-form-field:datastack/argocd-instance-picker',
      'scaffolder-form-field:datastack/cluster-picker',
      'scaffolder-form-field:datastack/environments-summary',
    ] as const) {
      expect(plugin.getExtension(id)).toBeDefined();
    }
    expect(() =>
      plugin.getExtension('entity-content:datastack/nope' as 'api:datastack'),
    ).toThrow();
  });

  it.each([
    [
      'entity-content:datastack/upgrades',
      'upgrades',
      'Upgrades',
      component,
      pipeline,
    ],
    [
      'entity-content:datastack/pipeline',
      'pipeline',
      'Pipeline',
      pipeline,
      component,
    ],
  ] as const)(
    '%s is at /%s titled %s, only on the entities it is for',
    (id, path, title, shown, hidden) => {
      const tester = createExtensionTester(plugin.getExtension(id));
      expect(tester.get(coreExtensionData.routePath)).toBe(path);
      expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(title);
      const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction);
      expect(filter?.(shown)).toBe(true);
      expect(filter?.(hidden)).toBe(false);
    },
  );
});
