// Two replicas behind a round-robin proxy, on one PostgreSQL database and one
// Redis, over 3 sandbox Argo CD instances × 500 Applications:
// - entity health on the replica that did not fetch it (served from Redis);
// - 200 concurrent requests (health reads and 10 scaffolder tasks) spread
//   over both replicas, with one replica killed mid-run: tasks lost, 5xx
//   answered by the survivor, and how long the survivor took to finish the
//   killed replica's tasks.
// The proxy does what ingress-nginx does by default (proxy_next_upstream
// error): a connection refused by a dead replica is retried on the other;
// a request already sent to a replica that dies gets a 502 from the proxy,
// counted apart as "dropped with the killed replica".
import http from 'node:http';
import { mkdtemp, readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  benchEntities,
  catalogOf,
  entityInCatalog,
  eventually,
  startBackend,
  startRedis,
  smallPipelineValues,
  startSandbox,
} from '../e2e/lib.mjs';

export const name =
  'Two replicas behind a proxy, one PostgreSQL and Redis, 3 instances × 500 Applications';
export const targets = [
  { metric: 'warm p50 ms on the replica that did not fetch', max: 5 },
  { metric: 'scaffolder tasks lost', max: 0 },
  { metric: '5xx from the survivor', max: 0 },
];

const TASKS = 10;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};

/** A round-robin HTTP proxy over `targets` (base URLs); resolves with its URL. */
async function roundRobinProxy(targets) {
  let next = 0;
  const forward = (req, body, res, first, attempt) => {
    const target = new URL(targets[(first + attempt) % targets.length]);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      answer => {
        res.setHeader('x-replica', target.port);
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', error => {
      if (error.code === 'ECONNREFUSED' && attempt < targets.length - 1) {
        forward(req, body, res, first, attempt + 1);
        return;
      }
      if (!res.headersSent) {
        res.writeHead(502, { 'x-replica': target.port });
        res.end(`proxy: ${error.code ?? error.message}`);
      } else {
        res.destroy();
      }
    });
    upstream.end(body);
  };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    forward(req, Buffer.concat(chunks), res, next++, 0);
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

export async function run() {
  const postgres =
    process.env.DATASTACK_TEST_POSTGRES_URL ??
    'postgresql://datastack:datastack@127.0.0.1:5432';
  const gitopsRoot = await mkdtemp(path.join(os.tmpdir(), 'datastack-bench-'));
  const redis = await startRedis();
  const sandbox = await startSandbox(['dev', 'staging', 'prod'], {
    seed: 500,
    gitRoot: gitopsRoot,
  });
  const entities = benchEntities();
  const options = {
    token: randomBytes(24).toString('base64url'),
    database: postgres,
    databaseName: `datastack_bench_${randomBytes(4).toString('hex')}`,
    gitopsRoot,
    config: {
      backend: {
        cache: { store: 'redis', connection: redis.url },
      },
      scaffolder: {
        taskRecovery: {
          enabled: true,
          staleTimeout: { seconds: 5 },
          workspaceProvider: 'database',
        },
      },
      catalog: {
        // app-config.yaml's locations (the suite with its templates, the
        // teams and users) and the benchmark's entities.
        locations: [
          { type: 'file', target: '../../catalog-info.yaml' },
          {
            type: 'file',
            target: '../../catalog/org.yaml',
            rules: [{ allow: ['User', 'Group'] }],
          },
          ...(await catalogOf(entities)).locations,
        ],
      },
      datastack: {
        replicas: 2,
        gitops: { localRootShared: true },
        argocd: { requestTimeoutMs: 5000, instances: sandbox.instances },
        health: { cacheTtlMs: 300_000 },
      },
    },
  };
  const a = await startBackend(options);
  const b = await startBackend(options);
  const proxy = await roundRobinProxy([a.baseUrl, b.baseUrl]);
  const survivorPort = new URL(b.baseUrl).port;
  try {
    await entityInCatalog(b, 'component', entities.at(-1).metadata.name);
    await entityInCatalog(b, 'template', 'datastack-data-pipeline');
    const healthPath = e =>
      `/api/datastack/health/entity/default/component/${e.metadata.name}`;
    const timed = async fn => {
      const t = performance.now();
      const res = await fn();
      await res.arrayBuffer();
      return { ms: performance.now() - t, status: res.status, res };
    };

    // Warm both processes up (JIT, connections) on an entity not measured.
    await (await a.api(healthPath(entities[0]))).arrayBuffer();
    await (await b.api(healthPath(entities[0]))).arrayBuffer();

    // Replica A fetches; replica B answers the same entity from Redis.
    const firstOnB = [];
    for (const e of entities.slice(1, 21)) {
      const cold = await timed(() => a.api(healthPath(e)));
      if (cold.status !== 200) throw new Error(`cold answer ${cold.status}`);
      firstOnB.push((await timed(() => b.api(healthPath(e)))).ms);
    }
    const warm = [];
    for (let i = 0; i < 200; i++) {
      warm.push(
        (await timed(() => b.api(healthPath(entities[1 + (i % 20)])))).ms,
      );
    }

    // 200 concurrent requests through the proxy: 10 scaffolder tasks and 190
    // health reads; replica A is killed while they run.
    const token = await a.userToken('guest');
    const startTask = i =>
      fetch(`${proxy.url}/api/scaffolder/v2/tasks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({
          templateRef: 'template:default/datastack-data-pipeline',
          values: smallPipelineValues(`bench-${i}`),
        }),
        signal: AbortSignal.timeout(60_000),
      });
    const read = i =>
      fetch(`${proxy.url}${healthPath(entities[21 + (i % 19)])}`, {
        headers: { authorization: `Bearer ${a.token}` },
        signal: AbortSignal.timeout(60_000),
      });
    const taskIds = [];
    let killedAt;
    // Started 15 ms apart (3 s in all); replica A is killed after 1.5 s,
    // while tasks it accepted are running and requests are in flight.
    const requests = Array.from({ length: 200 }, async (_, i) => {
      await new Promise(r => setTimeout(r, i * 15));
      const isTask = i % 20 === 0;
      const res = await (isTask ? startTask(i / 20) : read(i)).catch(error => ({
        status: 599,
        error,
        headers: new Headers(),
        arrayBuffer: async () => {},
        json: async () => ({}),
      }));
      const replica = res.headers.get('x-replica');
      if (isTask && res.status === 201) taskIds.push((await res.json()).id);
      else await res.arrayBuffer?.();
      return { status: res.status, replica, isTask };
    });
    const killer = (async () => {
      await new Promise(r => setTimeout(r, 1500));
      killedAt = Date.now();
      await a.kill();
    })();
    const answers = await Promise.all(requests);
    await killer;

    // Every task the database holds, acknowledged or not (a POST in flight
    // when A died may have created one), must complete on the survivor.
    const listed = await (
      await b.api('/api/scaffolder/v2/tasks?limit=100')
    ).json();
    const allIds = [...new Set([...taskIds, ...listed.tasks.map(t => t.id)])];
    const created = allIds.length;
    const done = await Promise.all(
      allIds.map(id =>
        eventually(
          async () => {
            const body = await (
              await b.api(`/api/scaffolder/v2/tasks/${id}`)
            ).json();
            return ['completed', 'failed', 'cancelled'].includes(body.status)
              ? { id, status: body.status, at: Date.now() }
              : undefined;
          },
          { ms: 180_000, every: 250, what: `task ${id} done` },
        ).catch(() => ({ id, status: 'lost', at: Date.now() })),
      ),
    );
    const completed = done.filter(d => d.status === 'completed');
    for (const d of done.filter(x => x.status !== 'completed')) {
      const events = await (
        await b.api(`/api/scaffolder/v2/tasks/${d.id}/events`)
      ).json();
      const messages = events.map(e => e.body?.message).filter(Boolean);
      console.log(
        `  task ${d.id} ${d.status}: ${messages.slice(-4).join(' | ')}`,
      );
    }
    const repositories = (await readdir(gitopsRoot)).filter(f =>
      /^bench-\d+\.git$/.test(f),
    );
    return {
      // B never called Argo CD for these entities: every row it serves is
      // the one A fetched, read from Redis (then kept parsed for the TTL).
      'warm p50 ms on the replica that did not fetch': Number(
        percentile(warm, 0.5).toFixed(2),
      ),
      'warm p95 ms on the replica that did not fetch': Number(
        percentile(warm, 0.95).toFixed(2),
      ),
      "B's first answer of each entity (all from Redis) p50 ms": Number(
        percentile(firstOnB, 0.5).toFixed(2),
      ),
      "B's first answer p95 ms": Number(percentile(firstOnB, 0.95).toFixed(2)),
      'tasks acknowledged (201)': taskIds.length,
      'tasks in the database': created,
      'task creations dropped with the killed replica': TASKS - taskIds.length,
      'scaffolder tasks lost': created - completed.length,
      'duplicate repositories':
        repositories.length - new Set(repositories).size,
      repositories: repositories.length,
      '5xx from the survivor': answers.filter(
        x => x.replica === survivorPort && x.status >= 500,
      ).length,
      'requests dropped with the killed replica': answers.filter(
        x => x.replica !== survivorPort && x.status >= 500,
      ).length,
      'recovery ms (kill → last task done)': killedAt
        ? Math.max(...done.map(d => d.at)) - killedAt
        : -1,
    };
  } finally {
    await proxy.close();
    await a.stop();
    await b.stop();
    await sandbox.stop();
    await redis.stop();
  }
}
