// The live inventory as a user meets it, 3 sandbox Argo CD instances × 500
// Applications, 50 ms latency, the backend as production runs it: how soon
// a change made in Argo CD (a sync) shows in the entity answer, how many
// Argo CD requests the page views polling for it caused, and how soon a
// stalled watch stream is noticed (the instance's row says so) and
// replaced.
import { benchEntities, startSandbox } from '../e2e/lib.mjs';
import { startProductionBackend } from './lib/productionBackend.mjs';
import {
  inventoryLive,
  inventoryState,
  median,
  pageViewRequests,
  sandboxRequests,
} from './lib/measure.mjs';

export const name =
  'Live inventory, 3 instances × 500 Applications, 50 ms latency';
export const targets = [
  { metric: 'change visible in the entity answer, max ms', max: 2000 },
  { metric: 'Argo CD requests from page views', max: 0 },
  { metric: 'stalled stream replaced, ms', max: 30_000 },
];

const sleep = ms => new Promise(r => setTimeout(r, ms));

export async function run() {
  const sandbox = await startSandbox(['dev', 'staging', 'prod'], {
    seed: 500,
    latencyMs: 50,
  });
  const entities = benchEntities();
  const backend = await startProductionBackend(sandbox, entities);
  try {
    const user = `Bearer ${await backend.userToken('alice')}`;
    const answer = async entity =>
      (
        await backend.api(
          `/api/datastack/health/entity/default/component/${entity}`,
          { headers: { authorization: user } },
        )
      ).json();

    // A sync started in Argo CD, read back through the entity's answer
    // every 50 ms (as a page told by a signal would re-read it).
    const dev = sandbox.instances[0];
    // The first entity with Applications on dev (the seed pairs charts and
    // teams by index, so some pairs have none).
    let entity;
    let apps = [];
    for (const e of entities) {
      const rows = (await answer(e.metadata.name)).rows;
      apps = rows.find(r => r.instance === 'dev').applications.map(a => a.name);
      if (apps.length >= 5) {
        entity = e.metadata.name;
        break;
      }
    }
    if (!entity) throw new Error('no entity with 5 Applications on dev');

    const before = await Promise.all(sandbox.instances.map(sandboxRequests));
    const visible = [];
    for (const app of apps.slice(0, 10)) {
      const revisionBefore = (await answer(entity)).rows
        .find(r => r.instance === 'dev')
        .applications.find(a => a.name === app)?.operation?.startedAt;
      const res = await fetch(`${dev.url}/api/v1/applications/${app}/sync`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${dev.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({}),
      });
      if (!res.ok) throw new Error(`sync ${app}: ${res.status}`);
      const t = performance.now();
      for (;;) {
        const row = (await answer(entity)).rows.find(r => r.instance === 'dev');
        const seen = row.applications.find(a => a.name === app);
        if (seen?.operation && seen.operation.startedAt !== revisionBefore) {
          visible.push(performance.now() - t);
          break;
        }
        if (performance.now() - t > 10_000) {
          throw new Error(`the sync of ${app} did not show within 10 s`);
        }
        await sleep(50);
      }
      // Let the sync finish before the next one.
      await sleep(1200);
    }
    const after = await Promise.all(sandbox.instances.map(sandboxRequests));
    const requests = pageViewRequests(before, after, e =>
      e.path.endsWith('/sync'),
    );

    // A stream that goes silent while Argo CD moves on.
    const streamsBefore = (await (await fetch(`${dev.url}/sandbox`)).json())
      .streamRequests;
    await fetch(`${dev.url}/sandbox/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'stall' }),
    });
    const stalledAt = performance.now();
    await fetch(`${dev.url}/api/v1/applications/${apps[0]}/sync`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${dev.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({}),
    });
    let reportedMs;
    let replacedMs;
    let reportedAs;
    while (performance.now() - stalledAt < 90_000) {
      const state = await inventoryState(backend, 'dev');
      if (reportedMs === undefined && state?.state !== 'live') {
        reportedMs = performance.now() - stalledAt;
        reportedAs = `${state.state}: ${state.message ?? ''}`;
      }
      const { streamRequests } = await (
        await fetch(`${dev.url}/sandbox`)
      ).json();
      if (streamRequests > streamsBefore) {
        replacedMs = performance.now() - stalledAt;
        break;
      }
      await sleep(100);
    }
    await fetch(`${dev.url}/sandbox/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'none' }),
    });
    if (replacedMs === undefined)
      throw new Error('the stream was not replaced');
    await inventoryLive(backend, ['dev'], 60_000);
    const liveAgainMs = performance.now() - stalledAt;

    return {
      'change visible in the entity answer, median ms': Math.round(
        median(visible),
      ),
      'change visible in the entity answer, max ms': Math.round(
        Math.max(...visible),
      ),
      'Argo CD requests from page views': requests,
      'stalled stream reported in its row, ms':
        reportedMs === undefined ? null : Math.round(reportedMs),
      'stalled stream replaced, ms': Math.round(replacedMs),
      'live again after the stall, ms': Math.round(liveAgainMs),
      'row meanwhile': reportedAs ?? 'never left live',
    };
  } finally {
    await backend.stop();
    await sandbox.stop();
  }
}
