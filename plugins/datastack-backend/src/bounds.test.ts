import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  startArgoCdSandbox,
  startChartRepository,
} from '@datastack/argocd-sandbox';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import {
  chartArchive,
  chartIndex,
  type TestChart,
} from './services/upgrades/__testUtils__/charts';
import { datastackPlugin } from './plugin';

/**
 * Issue #11 "Bounds": every upstream limit is fed an oversized or malicious
 * answer through the real plugin, and the answer is a row naming the limit,
 * while the event loop keeps answering the backend's liveness endpoint.
 */

const TOKEN = 'bounds-token-7a1c';
const KiB = 1024;

/** The limits under test, small so the hostile payloads stay small. */
const LIMITS = {
  argocdBytes: 64 * KiB,
  kubernetesBytes: 64 * KiB,
  indexBytes: 256 * KiB,
  archiveBytes: 64 * KiB,
  valuesBytes: 128 * KiB,
  yamlAliases: 50,
};

/** What each hostile call measured, printed at the end. */
const measured: Array<{ limit: string; maxGapMs: number; answers: number }> =
  [];

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

// Every upstream here is a real local server and no msw is installed: msw's
// passthrough hands the client a copy of the body, so cancelling it past a
// limit would not close the upstream connection, and `expectCutOff` could not
// tell a bounded read from an unbounded one.

/**
 * Runs `call` while a loop asks the backend's liveness endpoint every
 * ~20 ms. The longest gap between two answers (the call's start and end
 * included) says whether the event loop was ever blocked.
 */
async function whileLive<T>(
  app: Server,
  limit: string,
  call: () => Promise<T>,
): Promise<T> {
  const live = () => request(app).get('/.backstage/health/v1/liveness');
  expect((await live()).status).toBe(200);
  const answered: number[] = [];
  let failed = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const res = await live();
      if (res.status === 200) answered.push(performance.now());
      else failed++;
      await sleep(20);
    }
  })();
  const start = performance.now();
  const result = await call();
  const end = performance.now();
  stop = true;
  await loop;
  const during = answered.filter(t => t >= start && t <= end);
  const marks = [start, ...during, end];
  let maxGapMs = 0;
  for (let i = 1; i < marks.length; i++) {
    maxGapMs = Math.max(maxGapMs, marks[i] - marks[i - 1]);
  }
  measured.push({
    limit,
    maxGapMs: Math.round(maxGapMs),
    answers: during.length,
  });
  expect(failed).toBe(0);
  expect(during.length).toBeGreaterThan(0);
  // A liveness check of the event loop, not a performance assertion.
  expect(maxGapMs).toBeLessThan(1000);
  return result;
}

/** The hostile servers of the running test, closed after it. */
const hostiles: Server[] = [];

/** What a hostile route sent before the client hung up. */
interface Sent {
  bytes: number;
  closed: Promise<void>;
}

/**
 * A local upstream whose routes (by path) misbehave as each test says; a
 * real socket, so a body can stream without a length and be cut off.
 */
async function startHostile(
  routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>,
) {
  const server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route) route(req, res);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 Not Found');
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  hostiles.push(server);
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  for (const server of hostiles.splice(0)) {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  }
});

afterAll(() => {
  // The figures the issue asks for: the longest gap and the answers per limit.
  // eslint-disable-next-line no-console
  console.log(
    measured
      .map(
        m =>
          `${m.limit}: max gap ${m.maxGapMs} ms, ${m.answers} liveness answers`,
      )
      .join('\n'),
  );
});

/**
 * A 200 that never ends: `head`, then `chunk` every `everyMs` ms, no
 * content-length (chunked), until the client hangs up.
 */
function endless(
  options: {
    contentType: string;
    head?: Buffer | string;
    chunk: Buffer | string;
    everyMs: number;
  },
  sent: Sent[],
) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    let resolveClosed: () => void = () => {};
    const record: Sent = {
      bytes: 0,
      closed: new Promise<void>(resolve => {
        resolveClosed = resolve;
      }),
    };
    sent.push(record);
    res.writeHead(200, { 'content-type': options.contentType });
    const write = (data: Buffer | string) => {
      res.write(data);
      record.bytes += Buffer.byteLength(data);
    };
    if (options.head) write(options.head);
    const timer = setInterval(() => {
      if (!res.destroyed && !res.writableEnded) write(options.chunk);
    }, options.everyMs);
    res.on('close', () => {
      clearInterval(timer);
      resolveClosed();
    });
  };
}

/** The hostile stream was cut off soon after the limit, not read on. */
async function expectCutOff(sent: Sent[], limit: number) {
  expect(sent).toHaveLength(1);
  await Promise.race([
    sent[0].closed,
    sleep(2000).then(() => {
      throw new Error(
        `the upstream connection was still open 2 s after the answer (${sent[0].bytes} bytes sent)`,
      );
    }),
  ]);
  // Socket buffers hold some; an unbounded read would hold all of it.
  expect(sent[0].bytes).toBeLessThan(limit + 1024 * KiB);
}

/** A JSON answer after `delayMs`, as a slow upstream gives it. */
function slowJson(body: unknown, delayMs = 100) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    setTimeout(() => {
      const text = JSON.stringify(body);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    }, delayMs);
  };
}

/** A body after `delayMs`, with its length. */
function slowBody(body: Buffer | string, contentType: string, delayMs = 100) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    setTimeout(() => {
      res.writeHead(200, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    }, delayMs);
  };
}

/** A YAML mapping of `levels` anchors, each aliasing the one before nine times. */
function billionLaughs(levels: number, indent = ''): string {
  const lines = [
    `${indent}a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]`,
  ];
  for (let i = 1; i < levels; i++) {
    lines.push(
      `${indent}a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const trinoEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders-trino',
    namespace: 'default',
    annotations: {
      'datastack.io/component': 'trino',
      'datastack.io/pipeline': 'orders',
    },
  },
  spec: {
    type: 'data-stack-component',
    owner: 'team-a',
    lifecycle: 'production',
  },
};

/** The real plugin with the small limits and `extra` config merged in. */
async function startBackend(datastack: Record<string, unknown>, extra = {}) {
  const { server } = await startTestBackend({
    features: [
      datastackPlugin,
      mockServices.rootConfig.factory({
        data: {
          ...extra,
          datastack: {
            // The direct path to Argo CD; the live inventory has its own tests.
            inventory: { enabled: false },
            health: { cacheTtlMs: 1 },
            kubernetes: {
              requestTimeoutMs: 10_000,
              maxResponseBytes: LIMITS.kubernetesBytes,
            },
            ...datastack,
            argocd: {
              requestTimeoutMs: 10_000,
              maxResponseBytes: LIMITS.argocdBytes,
              instances: [],
              ...(datastack.argocd as object),
            },
            upgrades: {
              requestTimeoutMs: 10_000,
              maxIndexBytes: LIMITS.indexBytes,
              maxArchiveBytes: LIMITS.archiveBytes,
              maxValuesBytes: LIMITS.valuesBytes,
              maxYamlAliases: LIMITS.yamlAliases,
              ...(datastack.upgrades as object),
            },
          },
        },
      }),
      catalogServiceMock.factory({ entities: [trinoEntity] }),
    ],
  });
  const get = (path: string) =>
    request(server)
      .get(`/api/datastack${path}`)
      .set('authorization', mockCredentials.user.header());
  const post = (path: string) =>
    request(server)
      .post(`/api/datastack${path}`)
      .set('authorization', mockCredentials.user.header())
      .send({});
  return { server, get, post };
}

/** An Argo CD Application as a list holds it, padded to about 1 KiB. */
const paddingApp = (i: number) =>
  JSON.stringify({
    metadata: {
      name: `pad-${i}`,
      namespace: 'argocd',
      labels: {
        'datastack.io/component': 'trino',
        'datastack.io/environment': 'dev',
      },
      annotations: { note: 'x'.repeat(800) },
    },
    spec: {
      project: 'default',
      source: { repoURL: 'https://x', chart: 'trino', targetRevision: '1.0.0' },
      destination: { server: 'https://kubernetes.default.svc' },
    },
    status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
  });

describe('Argo CD answers (datastack.argocd.maxResponseBytes)', () => {
  const instanceRow = async (get: (p: string) => request.Test) => {
    const res = await get('/health/fleet');
    expect(res.status).toBe(200);
    return res.body.instances.find((i: any) => i.instance === 'dev');
  };

  it('cuts an Application list that streams slowly past the limit without a length, and says so in the row', async () => {
    const sent: Sent[] = [];
    const chunk = `${Array.from({ length: 4 }, (_, i) => paddingApp(i)).join(
      ',',
    )},`;
    const url = await startHostile({
      '/argocd/api/v1/applications': endless(
        {
          contentType: 'application/json',
          head: '{"metadata":{"resourceVersion":"1"},"items":[',
          chunk,
          everyMs: 10,
        },
        sent,
      ),
    });
    const { server, get } = await startBackend({
      argocd: {
        instances: [{ name: 'dev', url: `${url}/argocd`, token: TOKEN }],
      },
    });
    const dev = await whileLive(server, 'argocd stream', () =>
      instanceRow(get),
    );
    expect(dev.status).not.toBe('ok');
    expect(dev.error).toContain('datastack.argocd.maxResponseBytes');
    expect(dev.error).toContain(`${LIMITS.argocdBytes} bytes`);
    expect(dev.error).not.toContain(TOKEN);
    await expectCutOff(sent, LIMITS.argocdBytes);
  });

  it('refuses a list that declares more than the limit (the sandbox, 200 seeded Applications)', async () => {
    const sandbox = await startArgoCdSandbox({
      name: 'dev',
      token: TOKEN,
      latencyMs: 150,
    });
    try {
      sandbox.seedApplications(200, { charts: ['trino'] });
      const { server, get } = await startBackend({
        argocd: {
          instances: [{ name: 'dev', url: sandbox.url, token: TOKEN }],
        },
      });
      const dev = await whileLive(server, 'argocd declared', () =>
        instanceRow(get),
      );
      expect(dev.status).not.toBe('ok');
      expect(dev.error).toContain('datastack.argocd.maxResponseBytes');
    } finally {
      await sandbox.close();
    }
  });

  it('answers a truncated JSON list as a malformed row (the sandbox in malformed mode)', async () => {
    const sandbox = await startArgoCdSandbox({
      name: 'dev',
      token: TOKEN,
      latencyMs: 150,
    });
    try {
      sandbox.seedApplications(20, { charts: ['trino'] });
      sandbox.setFailureMode('malformed');
      const { server, get } = await startBackend({
        argocd: {
          instances: [{ name: 'dev', url: sandbox.url, token: TOKEN }],
        },
      });
      const dev = await whileLive(server, 'argocd truncated JSON', () =>
        instanceRow(get),
      );
      expect(dev.status).not.toBe('ok');
      expect(dev.error).toMatch(/malformed response .*not JSON/);
    } finally {
      await sandbox.close();
    }
  });
});

describe('Kubernetes answers (datastack.kubernetes.maxResponseBytes)', () => {
  it('cuts a node list that streams past the limit, and says so in the cluster row', async () => {
    const sent: Sent[] = [];
    const node = JSON.stringify({
      metadata: { name: 'node', labels: { pad: 'x'.repeat(900) } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const url = await startHostile({
      '/k8s/version': slowJson({
        major: '1',
        minor: '30',
        gitVersion: 'v1.30.4',
        platform: 'linux/amd64',
      }),
      '/k8s/api/v1/nodes': endless(
        {
          contentType: 'application/json',
          head: '{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[',
          chunk: `${Array(4).fill(node).join(',')},`,
          everyMs: 10,
        },
        sent,
      ),
    });
    const { server, get } = await startBackend(
      {},
      {
        kubernetes: {
          serviceLocatorMethod: { type: 'multiTenant' },
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'hostile',
                  url: `${url}/k8s`,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: TOKEN,
                },
              ],
            },
          ],
        },
      },
    );
    const res = await whileLive(server, 'kubernetes nodes stream', () =>
      get('/health/clusters'),
    );
    expect(res.status).toBe(200);
    const [cluster] = res.body.clusters;
    expect(cluster).toMatchObject({ name: 'hostile' });
    expect(cluster.status).not.toBe('ok');
    expect(cluster.error).toContain('datastack.kubernetes.maxResponseBytes');
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    await expectCutOff(sent, LIMITS.kubernetesBytes);
  });
});

describe('chart repositories (datastack.upgrades.*)', () => {
  const REPOSITORY = 'https://trinodb.github.io/charts';
  const charts: TestChart[] = [
    { name: 'trino', version: '2.0.0', values: { server: { workers: 3 } } },
    { name: 'trino', version: '1.0.0', values: { server: { workers: 2 } } },
  ];
  const goodArchive = chartArchive(charts[1]);

  /** A backend whose Trino repository is `routes` of a hostile server. */
  async function trinoFrom(
    routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>,
  ) {
    const url = await startHostile(routes);
    return startBackend({
      upgrades: {
        chartRepositories: [{ url: REPOSITORY, mirror: `${url}/trino` }],
      },
    });
  }

  /** A backend whose Trino 2.0.0 archive is `archive`; the values diff 1.0.0 → 2.0.0. */
  async function diffWith(
    limit: string,
    archive: (req: IncomingMessage, res: ServerResponse) => void,
  ) {
    const { server, get } = await trinoFrom({
      '/trino/index.yaml': slowBody(chartIndex(charts), 'application/x-yaml'),
      '/trino/trino-1.0.0.tgz': slowBody(goodArchive, 'application/gzip'),
      '/trino/trino-2.0.0.tgz': archive,
    });
    const res = await whileLive(server, limit, () =>
      get(
        '/upgrades/entity/default/component/orders-trino/values?from=1.0.0&to=2.0.0',
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      from: '1.0.0',
      to: '2.0.0',
      status: 'unavailable',
      changes: [],
    });
    return res.body.error as string;
  }

  it('refuses an index.yaml that declares more than maxIndexBytes (the sandbox chart repository, a 2 MB index)', async () => {
    const repository = await startChartRepository({
      largeIndexBytes: 2_000_000,
      largeIndexRepository: 'trino',
      latencyMs: 150,
    });
    try {
      const { server, post } = await startBackend({
        upgrades: { chartRepositories: repository.mirrors },
      });
      const res = await whileLive(server, 'maxIndexBytes declared', () =>
        post('/upgrades/charts/trino/refresh'),
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        componentId: 'trino',
        status: 'unknown',
      });
      expect(res.body.error).toContain('datastack.upgrades.maxIndexBytes');
      expect(res.body.error).toContain(`${LIMITS.indexBytes}`);
    } finally {
      await repository.close();
    }
  });

  it('cuts an index.yaml that never ends, without a length, at maxIndexBytes', async () => {
    const sent: Sent[] = [];
    const entry = [
      '  - apiVersion: v2',
      '    name: trino',
      `    description: ${'x'.repeat(900)}`,
      '    version: 0.0.1',
      '    urls:',
      '    - trino-0.0.1.tgz',
      '',
    ].join('\n');
    const { server, post } = await trinoFrom({
      '/trino/index.yaml': endless(
        {
          contentType: 'application/x-yaml',
          head: 'apiVersion: v1\nentries:\n  trino:\n',
          chunk: entry.repeat(8),
          everyMs: 10,
        },
        sent,
      ),
    });
    const res = await whileLive(server, 'maxIndexBytes stream', () =>
      post('/upgrades/charts/trino/refresh'),
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('unknown');
    expect(res.body.error).toContain('datastack.upgrades.maxIndexBytes');
    await expectCutOff(sent, LIMITS.indexBytes);
  });

  it('refuses a billion-laughs index.yaml at the alias limit', async () => {
    const index = [
      'apiVersion: v1',
      'entries:',
      '  trino:',
      '  - apiVersion: v2',
      '    name: trino',
      '    version: 1.0.0',
      '    urls:',
      '    - trino-1.0.0.tgz',
      '    laughs:',
      billionLaughs(9, '      '),
      "generated: '2026-10-02T08:00:00Z'",
      '',
    ].join('\n');
    const { server, post } = await trinoFrom({
      '/trino/index.yaml': slowBody(index, 'application/x-yaml'),
    });
    const res = await whileLive(server, 'maxYamlAliases index', () =>
      post('/upgrades/charts/trino/refresh'),
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('unknown');
    expect(res.body.error).toMatch(/not a Helm repository index/);
    expect(res.body.error).toMatch(/alias/i);
  });

  it('applies datastack.upgrades.maxYamlAliases to an index.yaml, not the default', async () => {
    // 70 aliases: under the default 100, over the configured limit.
    const aliases = LIMITS.yamlAliases + 20;
    const index = [
      'apiVersion: v1',
      'entries:',
      '  trino:',
      '  - apiVersion: v2',
      '    name: trino',
      '    version: 1.0.0',
      '    urls:',
      '    - trino-1.0.0.tgz',
      '    anchor: &a x',
      '    refs:',
      ...Array.from({ length: aliases }, () => '    - *a'),
      "generated: '2026-10-02T08:00:00Z'",
      '',
    ].join('\n');
    const { server, post } = await trinoFrom({
      '/trino/index.yaml': slowBody(index, 'application/x-yaml'),
    });
    const res = await whileLive(server, 'maxYamlAliases index (70)', () =>
      post('/upgrades/charts/trino/refresh'),
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('unknown');
    expect(res.body.error).toContain(
      `at most ${LIMITS.yamlAliases} alias expansions, datastack.upgrades.maxYamlAliases`,
    );
  });

  it('cuts a chart archive that streams past maxArchiveBytes without a length', async () => {
    const sent: Sent[] = [];
    const error = await diffWith(
      'maxArchiveBytes stream',
      endless(
        {
          contentType: 'application/gzip',
          head: Buffer.from([0x1f, 0x8b]),
          chunk: Buffer.alloc(8 * KiB, 7),
          everyMs: 10,
        },
        sent,
      ),
    );
    expect(error).toContain('trino 2.0.0 archive');
    expect(error).toContain('datastack.upgrades.maxArchiveBytes');
    await expectCutOff(sent, LIMITS.archiveBytes);
  });

  it('stops a gzip bomb whose values.yaml inflates past maxValuesBytes', async () => {
    // 16 MB of values.yaml, some 16 KB on the wire.
    const bomb = chartArchive({
      ...charts[0],
      files: { 'values.yaml': `pad: ${'a'.repeat(16 * 1024 * KiB)}\n` },
    });
    expect(bomb.length).toBeLessThan(LIMITS.archiveBytes);
    const error = await diffWith(
      'maxValuesBytes gzip bomb',
      slowBody(bomb, 'application/gzip'),
    );
    expect(error).toBe(
      `trino 2.0.0: trino/values.yaml inflates to more than the ${LIMITS.valuesBytes} bytes allowed (datastack.upgrades.maxValuesBytes)`,
    );
  });

  it('stops an archive that inflates past 16 × maxArchiveBytes, whatever file does it', async () => {
    const bomb = chartArchive({
      ...charts[0],
      files: { 'templates/padding.yaml': 'a'.repeat(8 * 1024 * KiB) },
    });
    expect(bomb.length).toBeLessThan(LIMITS.archiveBytes);
    const error = await diffWith(
      'archive tar bomb',
      slowBody(bomb, 'application/gzip'),
    );
    expect(error).toContain('16 × datastack.upgrades.maxArchiveBytes');
  });

  it('refuses a billion-laughs values.yaml at maxYamlAliases', async () => {
    const laughs = chartArchive({
      ...charts[0],
      files: { 'values.yaml': billionLaughs(9) },
    });
    const error = await diffWith(
      'maxYamlAliases values.yaml',
      slowBody(laughs, 'application/gzip'),
    );
    expect(error).toContain('values.yaml of trino 2.0.0 is not usable YAML');
    expect(error).toContain(
      `at most ${LIMITS.yamlAliases} alias expansions, datastack.upgrades.maxYamlAliases`,
    );
  });
});
