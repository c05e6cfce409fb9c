// The whole backend, as packages/backend wires it, starts against SQLite and
// against the real PostgreSQL server, and the catalog answers with the
// suite's own entities to an authenticated caller.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually, startBackend } from './lib.mjs';

const databases = [['SQLite', 'sqlite']];
if (process.env.DATASTACK_TEST_POSTGRES_URL) {
  databases.push(['PostgreSQL', process.env.DATASTACK_TEST_POSTGRES_URL]);
} else if (process.env.CI) {
  throw new Error(
    'DATASTACK_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL and sets it',
  );
}

for (const [label, database] of databases) {
  describe(`backend on ${label}`, () => {
    let backend;
    after(() => backend?.stop());

    it('starts and serves the suite entities from the catalog', async () => {
      backend = await startBackend({ database });
      const entities = await eventually(
        async () => {
          const res = await backend.api(
            '/api/catalog/entities/by-query?filter=kind=system,metadata.name=datastack',
          );
          assert.equal(res.status, 200);
          const body = await res.json();
          return body.items.length ? body.items : undefined;
        },
        { what: 'System datastack in the catalog' },
      );
      assert.equal(entities[0].spec.owner, 'group:default/platform-team');

      const components = await eventually(
        async () => {
          const res = await backend.api(
            '/api/catalog/entities?filter=kind=component,spec.system=datastack',
          );
          const body = await res.json();
          return body.length >= 8 ? body : undefined;
        },
        { what: 'the suite plugins as Components' },
      );
      assert.deepEqual(components.map(c => c.metadata.name).sort(), [
        'catalog-backend-module-datastack',
        'datastack-backend',
        'datastack-common',
        'datastack-frontend',
        'datastack-node',
        'permission-backend-module-datastack',
        'scaffolder-backend-module-datastack',
        'search-backend-module-datastack',
      ]);
    });

    it('refuses the catalog to a caller without credentials', async () => {
      const res = await fetch(`${backend.baseUrl}/api/catalog/entities`);
      assert.equal(res.status, 401);
    });

    it('answers the Datastack readiness route', async () => {
      const res = await fetch(`${backend.baseUrl}/api/datastack/status`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.status, 'ok');
      assert.ok(body.components.includes('trino'));
    });
  });
}
