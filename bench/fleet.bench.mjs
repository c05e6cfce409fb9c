// The fleet view over 10 sandbox Argo CD instances × 5,000 Applications each,
// through the whole backend: a warm page (every instance's list in the cache)
// must answer within 300 ms.
import { startBackend, startSandbox } from '../e2e/lib.mjs';

export const name = 'Fleet view, 10 instances × 5,000 Applications';
export const targets = [{ metric: 'warm p50 ms', max: 300 }];

export async function run() {
  const names = Array.from({ length: 10 }, (_, i) => `fleet-${i}`);
  const sandbox = await startSandbox(names, { seed: 5000 });
  const backend = await startBackend({
    config: {
      datastack: {
        argocd: { requestTimeoutMs: 60_000, instances: sandbox.instances },
        health: { cacheTtlMs: 300_000 },
      },
    },
  });
  try {
    const page = async query => {
      const t = performance.now();
      const res = await backend.api(`/api/datastack/health/fleet${query}`, {
        signal: AbortSignal.timeout(120_000),
      });
      const body = await res.json();
      if (res.status !== 200)
        throw new Error(
          `fleet answered ${res.status}: ${JSON.stringify(body)}`,
        );
      return { ms: performance.now() - t, body };
    };
    const cold = await page('?limit=100');
    if (cold.body.total !== 50_000)
      throw new Error(`fleet total ${cold.body.total}, expected 50000`);
    const warm = [];
    for (let i = 0; i < 20; i++) {
      warm.push((await page(`?limit=100&offset=${i * 100}`)).ms);
    }
    const filtered = await page(
      '?component=trino&environment=fleet-3&limit=500',
    );
    warm.sort((a, b) => a - b);
    return {
      'cold ms': Math.round(cold.ms),
      'warm p50 ms': Math.round(warm[10]),
      'warm max ms': Math.round(warm[19]),
      'filtered warm ms': Math.round(filtered.ms),
      rows: cold.body.total,
    };
  } finally {
    await backend.stop();
    await sandbox.stop();
  }
}
