import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import request from 'supertest';
import { scaffolderModuleDatastack } from './module';

describe('scaffolderModuleDatastack', () => {
  it('registers the Datastack actions with the real scaffolder plugin', async () => {
    const { server } = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleDatastack,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });

    const res = await request(server)
      .get('/api/scaffolder/v2/actions')
      .set('authorization', mockCredentials.user.header());

    expect(res.status).toBe(200);
    const render = res.body.find(
      (a: { id: string }) => a.id === 'datastack:gitops:render',
    );
    expect(render).toBeDefined();
    // repoUrl or localRepository: exactly one, which the action checks.
    expect(render.schema.input.required).toEqual([
      'name',
      'owner',
      'components',
      'environments',
    ]);
    expect(res.body.map((a: { id: string }) => a.id)).toEqual(
      expect.arrayContaining([
        'datastack:gitops:render',
        'datastack:gitops:publish',
        'datastack:argocd:apply',
      ]),
    );
    expect(render.examples.length).toBeGreaterThan(0);
  });
});
