// Entity health over 3 sandbox Argo CD instances × 500 Applications, 50 ms
// latency each, through the whole backend (auth, permission, catalog, cache):
// cold answer against the slowest upstream call, warm p50, and 200
// concurrent requests with one instance answering 500.
import {
  benchEntities,
  catalogOf,
  entityInCatalog,
  startBackend,
  startSandbox,
} from '../e2e/lib.mjs';

export const name =
  'Entity health, 3 instances × 500 Applications, 50 ms latency';
export const targets = [
  { metric: 'cold / slowest upstream (median)', max: 1.3 },
  { metric: 'warm p50 ms', max: 5 },
  { metric: '5xx under 200 concurrent, one instance broken', max: 0 },
];

const median = values =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function run() {
  const sandbox = await startSandbox(['dev', 'staging', 'prod'], {
    seed: 500,
    latencyMs: 50,
  });
  const entities = benchEntities();
  const backend = await startBackend({
    config: {
      catalog: await catalogOf(entities),
      datastack: {
        argocd: { requestTimeoutMs: 5000, instances: sandbox.instances },
        health: { cacheTtlMs: 300_000 },
      },
    },
  });
  try {
    await entityInCatalog(backend, 'component', entities.at(-1).metadata.name);

    const timed = async fn => {
      const t = performance.now();
      const res = await fn();
      await res.arrayBuffer();
      return { ms: performance.now() - t, status: res.status };
    };
    // Warm the process up (JIT, connections) on an entity not measured.
    await (
      await backend.api(
        `/api/datastack/health/entity/default/component/${entities[0].metadata.name}`,
      )
    ).json();

    const ratios = [];
    for (const e of entities.slice(1, 21)) {
      const selector = e.metadata.annotations['argocd/app-selector'];
      const upstream = await Promise.all(
        sandbox.instances.map(i =>
          timed(() =>
            fetch(
              `${i.url}/api/v1/applications?selector=${encodeURIComponent(
                selector,
              )}`,
              {
                headers: { authorization: `Bearer ${i.token}` },
              },
            ),
          ),
        ),
      );
      const slowest = Math.max(...upstream.map(u => u.ms));
      const cold = await timed(() =>
        backend.api(
          `/api/datastack/health/entity/default/component/${e.metadata.name}`,
        ),
      );
      if (cold.status !== 200) throw new Error(`cold answer ${cold.status}`);
      ratios.push(cold.ms / slowest);
    }

    const warmEntity = entities[1].metadata.name;
    const warm = [];
    for (let i = 0; i < 200; i++) {
      warm.push(
        (
          await timed(() =>
            backend.api(
              `/api/datastack/health/entity/default/component/${warmEntity}`,
            ),
          )
        ).ms,
      );
    }

    await fetch(`${sandbox.instances[2].url}/sandbox/failure`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'http500' }),
    });
    const burst = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        timed(() =>
          backend.api(
            `/api/datastack/health/entity/default/component/${
              entities[21 + (i % 19)].metadata.name
            }`,
          ),
        ),
      ),
    );
    return {
      'cold / slowest upstream (median)': Number(median(ratios).toFixed(2)),
      'cold / slowest upstream (max)': Number(Math.max(...ratios).toFixed(2)),
      'warm p50 ms': Number(median(warm).toFixed(2)),
      'warm p95 ms': Number([...warm].sort((a, b) => a - b)[189].toFixed(2)),
      '5xx under 200 concurrent, one instance broken': burst.filter(
        b => b.status >= 500,
      ).length,
      'burst max ms': Math.round(Math.max(...burst.map(b => b.ms))),
    };
  } finally {
    await backend.stop();
    await sandbox.stop();
  }
}
