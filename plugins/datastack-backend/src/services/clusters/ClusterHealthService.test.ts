import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  startArgoCdSandbox,
  type ArgoCdSandbox,
} from '@datastack/argocd-sandbox';
import request from 'supertest';
import { datastackPlugin } from '../../plugin';

// The sandbox serves its Kubernetes API over HTTPS with a certificate of a CA
// generated at its start: a managed cluster with a private CA.
const TOKEN = 'sa-token-7f3e1c9b';
const WRONG_TOKEN = 'stale-sa-token-0d4a8e21';

describe('clusters with a private CA, reached through @kubernetes/client-node', () => {
  let cluster: ArgoCdSandbox;
  let hanging: ArgoCdSandbox;
  let dir: string;
  let caData: string;
  let caFile: string;

  beforeAll(async () => {
    [cluster, hanging] = await Promise.all([
      startArgoCdSandbox({ name: 'tls', token: TOKEN, tls: true }),
      startArgoCdSandbox({ name: 'hanging', token: TOKEN, tls: true }),
    ]);
    hanging.setFailureMode('hang');
    caData = Buffer.from(cluster.ca!).toString('base64');
    dir = await mkdtemp(join(tmpdir(), 'datastack-clusters-'));
    caFile = join(dir, 'ca.crt');
    await writeFile(caFile, cluster.ca!);
  });

  afterAll(async () => {
    await Promise.all([cluster.close(), hanging.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const start = (clusters: object[], datastack: object = {}) => {
    const logger = mockServices.logger.mock();
    return startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              clusterLocatorMethods: [{ type: 'config', clusters }],
            },
            datastack: {
              kubernetes: { requestTimeoutMs: 1000 },
              ...datastack,
            },
          },
        }),
        logger.factory,
      ],
    }).then(backend => ({
      server: backend.server,
      stop: () => backend.stop(),
      logger,
    }));
  };

  const clustersOf = async (app: Awaited<ReturnType<typeof start>>) => {
    const res = await request(app.server)
      .get('/api/datastack/health/clusters')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    return res;
  };

  const base = () => ({
    url: `${cluster.url}/k8s/in-cluster`,
    authProvider: 'serviceAccount',
    serviceAccountToken: TOKEN,
  });

  it('is unreachable without the CA, and healthy with caData, caFile or skipTLSVerify', async () => {
    const app = await start([
      { name: 'no-ca', ...base() },
      { name: 'ca-data', ...base(), caData },
      { name: 'ca-file', ...base(), caFile },
      { name: 'skip-tls', ...base(), skipTLSVerify: true },
    ]);
    const res = await clustersOf(app);
    const [noCa, ...trusted] = res.body.clusters;
    expect(noCa).toMatchObject({ name: 'no-ca', status: 'unreachable' });
    expect(noCa.error).toMatch(
      /^Cluster "no-ca" is unreachable \(GET \/(version|api\/v1\/nodes)\): TLS: the API server's certificate is not signed by a trusted CA \(unable to verify the first certificate\); give the cluster's CA in caData or caFile, or set skipTLSVerify$/,
    );
    expect(noCa.lastSeenAt).toBeUndefined();
    for (const [row, name] of trusted.map((r: any, i: number) => [
      r,
      ['ca-data', 'ca-file', 'skip-tls'][i],
    ])) {
      expect(row).toMatchObject({
        name,
        url: `${cluster.url}/k8s/in-cluster`,
        status: 'ok',
        version: 'v1.30.4',
        nodesReady: 3,
        nodesTotal: 3,
      });
    }
    // Each trusted cluster asked /version and /api/v1/nodes, with the token.
    const kube = cluster.requests.entries.filter(e => e.area === 'kubernetes');
    expect(kube.filter(e => e.status === 200).map(e => e.path)).toEqual(
      expect.arrayContaining([
        '/k8s/in-cluster/version',
        '/k8s/in-cluster/api/v1/nodes',
      ]),
    );
    expect(kube.filter(e => e.status === 200)).toHaveLength(6);
    await app.stop();
  });

  it('answers a wrong token with an error row that holds no token, in no answer and no log line', async () => {
    const app = await start([
      { name: 'ok', ...base(), caData },
      {
        name: 'stale',
        ...base(),
        serviceAccountToken: WRONG_TOKEN,
        caData,
      },
    ]);
    const res = await clustersOf(app);
    expect(res.body.clusters[0].status).toBe('ok');
    expect(res.body.clusters[1]).toMatchObject({
      name: 'stale',
      status: 'error',
    });
    expect(res.body.clusters[1].error).toMatch(
      /^Cluster "stale" refused GET \/(version|api\/v1\/nodes): 401 Unauthorized$/,
    );
    const logged = [
      ...app.logger.warn.mock.calls,
      ...app.logger.error.mock.calls,
      ...app.logger.info.mock.calls,
      ...app.logger.debug.mock.calls,
    ].map(args => JSON.stringify(args));
    expect(logged.join('\n')).toContain('Cluster \\"stale\\" refused');
    for (const text of [res.text, ...logged]) {
      expect(text).not.toContain(WRONG_TOKEN);
      expect(text).not.toContain(TOKEN);
    }
    await app.stop();
  });

  it('times out a hanging cluster in its own row, the others answering', async () => {
    const app = await start(
      [
        { name: 'ok', ...base(), caData },
        {
          name: 'hanging',
          url: `${hanging.url}/k8s/in-cluster`,
          serviceAccountToken: TOKEN,
          caData: Buffer.from(hanging.ca!).toString('base64'),
        },
      ],
      { kubernetes: { requestTimeoutMs: 400 } },
    );
    const started = Date.now();
    const res = await clustersOf(app);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.body.clusters[0]).toMatchObject({ name: 'ok', status: 'ok' });
    expect(res.body.clusters[1]).toMatchObject({
      name: 'hanging',
      status: 'unreachable',
    });
    expect(res.body.clusters[1].error).toMatch(
      /^Cluster "hanging" did not answer within 400 ms \(GET \/(version|api\/v1\/nodes)\)$/,
    );
    await app.stop();
  });

  it('refuses an answer larger than datastack.kubernetes.maxResponseBytes in its row', async () => {
    const app = await start([{ name: 'big', ...base(), caData }], {
      kubernetes: { maxResponseBytes: 2048 },
    });
    const res = await clustersOf(app);
    // /version is a few hundred bytes; three Nodes are several KiB.
    expect(res.body.clusters[0]).toMatchObject({
      name: 'big',
      status: 'error',
      error: expect.stringMatching(
        /^Cluster "big" answered GET \/api\/v1\/nodes with an answer that (declared \d+ bytes, more than the 2048 allowed|sent more than the 2048 bytes allowed) \(datastack\.kubernetes\.maxResponseBytes\)/,
      ),
    });
    await app.stop();
  });

  it('fails start-up on a CA that is not one, naming the key', async () => {
    await expect(
      start([{ name: 'x', ...base(), caData: 'bm90IGEgY2VydA==' }]),
    ).rejects.toThrow(
      'Invalid configuration at kubernetes.clusterLocatorMethods[0].clusters[0].caData: is not base64 of PEM certificates',
    );
    await expect(
      start([{ name: 'x', ...base(), caFile: join(dir, 'missing.crt') }]),
    ).rejects.toThrow(
      'Invalid configuration at kubernetes.clusterLocatorMethods[0].clusters[0].caFile: cannot read',
    );
    await expect(
      start([{ name: 'x', ...base(), skipTLSVerify: 'yes' }]),
    ).rejects.toThrow(
      'Invalid configuration at kubernetes.clusterLocatorMethods[0].clusters[0].skipTLSVerify: must be true or false',
    );
    await expect(
      start([
        { name: 'x', ...base() },
        { name: 'x', ...base() },
      ]),
    ).rejects.toThrow(
      'Invalid configuration at kubernetes.clusterLocatorMethods[0].clusters[1].name: duplicate cluster name "x"',
    );
  });
});

describe('the catalog and localKubectlProxy locators', () => {
  let open: ArgoCdSandbox;
  let proxy: Server;

  beforeAll(async () => {
    open = await startArgoCdSandbox({
      name: 'open',
      tls: true,
      clusters: [
        {
          name: 'proxied',
          server: 'https://kind.local:6443',
          serverVersion: 'v1.29.3',
        },
      ],
    });
    // What `kubectl proxy` is: plain http on 127.0.0.1:8001 forwarding to
    // the API server over TLS with the kubeconfig's CA.
    proxy = createServer((req, res) => {
      const upstream = httpsRequest(
        `${open.url}/k8s/proxied${req.url}`,
        { method: req.method, ca: open.ca },
        answer => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>(done => proxy.listen(8001, '127.0.0.1', done));
  });

  afterAll(async () => {
    await Promise.all([open.close(), new Promise(done => proxy.close(done))]);
  });

  const resource = (
    name: string,
    annotations: Record<string, string>,
  ): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'kubernetes-cluster', owner: 'group:default/platform' },
  });

  it('finds clusters of kubernetes-cluster Resource entities and the local kubectl proxy', async () => {
    const ca = Buffer.from(open.ca!).toString('base64');
    const logger = mockServices.logger.mock();
    const { server } = await startTestBackend({
      features: [
        datastackPlugin,
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              clusterLocatorMethods: [
                { type: 'localKubectlProxy' },
                {
                  type: 'catalog',
                  dangerouslyAllowClusterUrls: ['127.0.0.1'],
                },
              ],
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            resource('shared-eu', {
              'kubernetes.io/api-server': `${open.url}/k8s/in-cluster`,
              'kubernetes.io/api-server-certificate-authority': ca,
              'kubernetes.io/auth-provider': 'localKubectlProxy',
            }),
            resource('eks-us', {
              'kubernetes.io/api-server': `${open.url}/k8s/in-cluster`,
              'kubernetes.io/api-server-certificate-authority': ca,
              'kubernetes.io/auth-provider': 'aws',
            }),
            // No token can come from the catalog.
            resource('token-cluster', {
              'kubernetes.io/api-server': `${open.url}/k8s/in-cluster`,
              'kubernetes.io/api-server-certificate-authority': ca,
              'kubernetes.io/auth-provider': 'serviceAccount',
            }),
            // A private address the kubernetes-backend refuses too.
            resource('internal', {
              'kubernetes.io/api-server': 'https://10.1.2.3',
              'kubernetes.io/api-server-certificate-authority': ca,
              'kubernetes.io/auth-provider': 'localKubectlProxy',
            }),
            // Without the CA annotation the locator does not select it.
            resource('no-ca-annotation', {
              'kubernetes.io/api-server': `${open.url}/k8s/in-cluster`,
              'kubernetes.io/auth-provider': 'localKubectlProxy',
            }),
          ],
        }),
        logger.factory,
      ],
    });
    const res = await request(server)
      .get('/api/datastack/health/clusters')
      .set('authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body.clusters.map((c: any) => c.name)).toEqual([
      'local',
      'shared-eu',
      'eks-us',
      'token-cluster',
    ]);
    const [local, shared, eks, token] = res.body.clusters;
    expect(token).toMatchObject({
      status: 'error',
      error:
        'Cluster "token-cluster" (resource:default/token-cluster) uses auth provider "serviceAccount", which the catalog locator does not support: a token cannot come from the catalog',
    });
    expect(local).toMatchObject({
      url: 'http://127.0.0.1:8001',
      status: 'ok',
      version: 'v1.29.3',
      nodesTotal: 3,
    });
    expect(shared).toMatchObject({
      url: `${open.url}/k8s/in-cluster`,
      status: 'ok',
      version: 'v1.30.4',
      nodesReady: 3,
    });
    expect(eks).toMatchObject({ status: 'error' });
    expect(eks.error).toBe(
      'Cluster "eks-us" uses an unsupported auth provider "aws": Datastack reads clusters with serviceAccount (a serviceAccountToken) or localKubectlProxy',
    );
    expect(JSON.stringify(logger.warn.mock.calls)).toContain(
      'Ignoring kubernetes-cluster Resource \\"internal\\": Kubernetes cluster API server URL must not use a non-public IP address',
    );
    // eks-us was never called: only shared-eu and the proxy reached the clusters.
    expect(
      open.requests.entries
        .filter(e => e.area === 'kubernetes')
        .map(e => e.path)
        .sort(),
    ).toEqual([
      '/k8s/in-cluster/api/v1/nodes',
      '/k8s/in-cluster/version',
      '/k8s/proxied/api/v1/nodes',
      '/k8s/proxied/version',
    ]);
  });
});
