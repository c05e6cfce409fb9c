import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { datastackPlugin } from './plugin';

describe('datastackPlugin', () => {
  it('answers its readiness route through the real router, without credentials', async () => {
    const { server } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({
          data: {
            datastack: {
              argocd: {
                instances: [
                  {
                    name: 'dev',
                    url: 'https://argocd.dev.example.com',
                    token: 's3cr3t-canary',
                  },
                ],
              },
            },
          },
        }),
      ],
    });

    const res = await request(server).get('/api/datastack/status');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.argocdInstances).toEqual(['dev']);
    expect(res.body.components).toEqual(
      expect.arrayContaining(['airflow', 'trino', 'kafka']),
    );
    expect(JSON.stringify(res.body)).not.toContain('s3cr3t-canary');
  });

  it('fails start-up on a bad configuration value, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          datastackPlugin,
          mockServices.rootConfig.factory({
            data: {
              datastack: {
                argocd: {
                  instances: [{ name: 'Dev_1', url: 'https://x', token: 't' }],
                },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(/datastack\.argocd\.instances\[0\]\.name/);
  });

  it('fails start-up on a bad component override, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          datastackPlugin,
          mockServices.rootConfig.factory({
            data: {
              datastack: {
                components: { trino: { chart: { version: 'latest' } } },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(/datastack\.components\.trino\.chart\.version/);
  });
});
