import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import request from 'supertest';
import { catalogModuleDatastack } from './module';

describe('catalogModuleDatastack', () => {
  it('puts every registry component in the real catalog, in the platform System', async () => {
    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleDatastack,
        mockServices.rootConfig.factory({
          data: {
            catalog: { processingInterval: { seconds: 1 } },
            datastack: {
              catalog: { owner: 'group:default/data-platform' },
              components: { trino: { chart: { version: '1.99.0' } } },
            },
          },
        }),
      ],
    });

    const expected = createDefaultRegistry().list().length;
    let items: any[] = [];
    for (let i = 0; i < 120 && items.length < expected; i++) {
      const res = await request(server)
        .get('/api/catalog/entities/by-query')
        .query({
          filter: 'kind=component,spec.type=datastack-offering',
          limit: 100,
        })
        .set('authorization', mockCredentials.user.header());
      expect(res.status).toBe(200);
      items = res.body.items;
      if (items.length < expected) await new Promise(r => setTimeout(r, 250));
    }

    expect(items).toHaveLength(expected);
    const trino = items.find(e => e.metadata.name === 'datastack-trino');
    expect(trino.spec).toMatchObject({
      owner: 'group:default/data-platform',
      system: 'datastack-platform',
    });
    // The app-config override reaches the catalog.
    expect(trino.metadata.annotations['datastack.io/chart-version']).toBe(
      '1.99.0',
    );
    expect(trino.metadata.annotations['datastack.io/component']).toBe('trino');
  });
});
