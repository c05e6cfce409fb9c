// The fleet view over 10 sandbox Argo CD instances × 5,000 Applications each,
// answered from the live inventory, the backend as production runs it:
// - the inventory's memory: the backend's settled RSS with 10 empty
//   instances live, then after 50,000 Applications arrived through the
//   watch streams (and the highest RSS while they arrived);
// - the first fleet page once they are in, then warm pages and a filter;
// - a second backend process on the same database that lists the 50,000
//   at start (the initial list), and its first page.
// The database is PostgreSQL when DATASTACK_TEST_POSTGRES_URL is set (as
// production), else SQLite in memory (the inventory's rows then count in
// the backend's RSS too).
import { startBackend, startSandbox } from '../e2e/lib.mjs';
import { inventoryLive, median, rssMb } from './lib/measure.mjs';
import { randomBytes } from 'node:crypto';

export const name =
  'Fleet view, 10 instances × 5,000 Applications (live inventory)';
export const targets = [
  { metric: 'first page once the Applications are in, ms', max: 300 },
  { metric: 'first page after the initial list, ms', max: 300 },
  { metric: 'inventory RSS growth, MB', max: 300 },
];

const PER_INSTANCE = 5000;

/** The lowest RSS over 30 s of samples, once a second. */
async function settledRss(pid) {
  let lowest = Infinity;
  for (let i = 0; i < 30; i++) {
    await new Promise(r => setTimeout(r, 1000));
    lowest = Math.min(lowest, await rssMb(pid));
  }
  return lowest;
}

export async function run() {
  const names = Array.from({ length: 10 }, (_, i) => `fleet-${i}`);
  const sandbox = await startSandbox(names, { platform: false });
  const database = process.env.DATASTACK_TEST_POSTGRES_URL ?? 'sqlite';
  const databaseName = `datastack_bench_${randomBytes(4).toString('hex')}`;
  const config = {
    scaffolder: {
      taskRecovery: { database: { dangerouslyEnableInProduction: true } },
    },
    datastack: {
      argocd: { requestTimeoutMs: 60_000, instances: sandbox.instances },
    },
  };
  const start = () =>
    startBackend({
      nodeEnv: 'production',
      logLevel: 'info',
      database,
      databaseName,
      config,
    });
  const page = async (backend, query) => {
    const t = performance.now();
    const res = await backend.api(`/api/datastack/health/fleet${query}`, {
      signal: AbortSignal.timeout(120_000),
    });
    const body = await res.json();
    if (res.status !== 200) {
      throw new Error(`fleet answered ${res.status}: ${JSON.stringify(body)}`);
    }
    return { ms: performance.now() - t, body };
  };
  const total = async backend => (await page(backend, '?limit=1')).body.total;

  const backend = await start();
  let second;
  try {
    await inventoryLive(backend, names);
    // Settle: the first pages, the JIT, a collection.
    for (let i = 0; i < 5; i++) await page(backend, '?limit=100');
    const rssEmpty = await settledRss(backend.pid);

    const seededAt = performance.now();
    await Promise.all(
      sandbox.instances.map(i =>
        fetch(`${i.url}/sandbox/seed`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ count: PER_INSTANCE }),
        }),
      ),
    );
    // Every Application in the inventory: the answer counts them.
    let rssPeak = 0;
    for (;;) {
      rssPeak = Math.max(rssPeak, await rssMb(backend.pid));
      const res = await backend.api('/api/datastack/health/inventory');
      const { instances } = await res.json();
      const counts = instances.map(i => i.applications ?? 0);
      if (counts.every(c => c >= PER_INSTANCE)) break;
      if (performance.now() - seededAt > 600_000) {
        throw new Error(`not all in after 10 minutes: ${counts.join(', ')}`);
      }
      await new Promise(r => setTimeout(r, 200));
    }
    const inMs = performance.now() - seededAt;
    const first = await page(backend, '?limit=100');
    if (first.body.total !== names.length * PER_INSTANCE) {
      throw new Error(`fleet total ${first.body.total}`);
    }
    const warm = [];
    for (let i = 0; i < 20; i++) {
      warm.push((await page(backend, `?limit=100&offset=${i * 100}`)).ms);
    }
    const filtered = await page(
      backend,
      '?component=trino&environment=fleet-3&limit=500',
    );
    // Steady state: V8 gives back what the intake's garbage took once
    // allocation stops (its memory reducer); the lowest of 30 s of samples,
    // and the highest seen during intake.
    const rssFull = await settledRss(backend.pid);

    // A backend on a database of its own lists every instance at start:
    // the initial list.
    second = await startBackend({
      nodeEnv: 'production',
      logLevel: 'info',
      database,
      config,
    });
    const listedAt = performance.now();
    await inventoryLive(second, names, 600_000);
    const listMs = performance.now() - listedAt;
    const afterList = await page(second, '?limit=100');
    if (afterList.body.total !== names.length * PER_INSTANCE) {
      throw new Error(`second backend's fleet total ${afterList.body.total}`);
    }
    return {
      database: database === 'sqlite' ? 'sqlite (memory)' : 'postgresql',
      '50,000 Applications in through the watch, ms': Math.round(inMs),
      'first page once the Applications are in, ms': Math.round(first.ms),
      'warm page p50 ms': Math.round(median(warm)),
      'filtered page ms': Math.round(filtered.ms),
      'RSS with the instances empty, MB': Math.round(rssEmpty),
      'RSS with 50,000 Applications, MB': Math.round(rssFull),
      'inventory RSS growth, MB': Math.round(rssFull - rssEmpty),
      'RSS peak during intake, MB': Math.round(rssPeak),
      'initial list of 50,000 on a fresh database, ms': Math.round(listMs),
      'first page after the initial list, ms': Math.round(afterList.ms),
      total: first.body.total,
    };
  } finally {
    await second?.stop();
    await backend.stop();
    await sandbox.stop();
  }
}
