import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { mkdtemp, rm, writeFile } from 'fs/promises';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { DEMO_USER_HEADER, authModuleDemoProvider } from './demoProvider';

jest.setTimeout(60_000);

const entities = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'analytics' },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'bob' },
    spec: { memberOf: ['analytics'] },
  },
];

describe('authModuleDemoProvider', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'datastack-demo-'));
    await writeFile(
      path.join(dir, 'org.yaml'),
      entities.map(e => JSON.stringify(e)).join('\n---\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const config = (environment: string) =>
    mockServices.rootConfig.factory({
      data: {
        app: { baseUrl: 'http://localhost:3000' },
        auth: { environment, providers: { demo: {} } },
        catalog: {
          processingInterval: { seconds: 1 },
          rules: [{ allow: ['User', 'Group'] }],
          locations: [{ type: 'file', target: path.join(dir, 'org.yaml') }],
        },
      },
    });

  it('signs in a catalog user with the teams the catalog gives it, and refuses others', async () => {
    const backend = await startTestBackend({
      features: [
        authPlugin,
        authModuleDemoProvider,
        catalogPlugin,
        config('development'),
      ],
    });
    const { server } = backend;
    try {
      let res: request.Response | undefined;
      for (let i = 0; i < 100; i++) {
        res = await request(server)
          .get('/api/auth/demo/refresh')
          .set(DEMO_USER_HEADER, 'bob');
        if (res.status === 200) break;
        await new Promise(r => setTimeout(r, 200));
      }
      expect(res?.status).toBe(200);
      expect(res?.body.backstageIdentity.identity).toMatchObject({
        userEntityRef: 'user:default/bob',
        ownershipEntityRefs: expect.arrayContaining([
          'group:default/analytics',
        ]),
      });

      const unknown = await request(server)
        .get('/api/auth/demo/refresh')
        .set(DEMO_USER_HEADER, 'mallory');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toMatch(
        /mallory|not found|no entity/i,
      );

      const missing = await request(server).get('/api/auth/demo/refresh');
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain(DEMO_USER_HEADER);
    } finally {
      await backend.stop();
    }
  });

  it('refuses to start outside development', async () => {
    await expect(
      startTestBackend({
        features: [authPlugin, authModuleDemoProvider, config('production')],
      }),
    ).rejects.toThrow(/development only/);
  });
});
