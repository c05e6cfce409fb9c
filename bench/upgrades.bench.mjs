// Upgrade compatibility through the whole backend: 3 sandbox Argo CD
// instances (each its own cluster) × 67 seeded Applications = 201 deployed
// components, the chart repository stand-in serving every registry chart.
// Warm answers (Argo CD lists and chart versions cached) for the fleet plan
// and for every entity, and a 20 MB index.yaml fetched, parsed and stored by
// the real client and store in a child process, with its resident memory.
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  catalogOf,
  entityInCatalog,
  requireFromRoot,
  root,
  startBackend,
  startSandbox,
} from '../e2e/lib.mjs';

export const name =
  'Upgrade compatibility, 201 deployed components × 3 clusters; 20 MB index';
export const targets = [
  { metric: 'fleet plan, warm p50 ms', max: 200 },
  { metric: 'every entity (201 deployments), warm total ms', max: 200 },
  { metric: '20 MB index (one chart, 23k versions) parse+store ms', max: 2000 },
  { metric: '20 MB index (one chart) RSS increase MB', max: 300 },
];

const median = values =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the index benchmark child: one JSON line with ms and rssDeltaMb. */
function indexParse(layout) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--require',
        requireFromRoot.resolve('@backstage/cli/config/nodeTransform.cjs'),
        path.join(root, 'bench/lib/chartIndexParse.ts'),
        '--bytes',
        String(20_000_000),
        '--layout',
        layout,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.on('exit', code =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`index benchmark exited with ${code}`)),
    );
  });
}

export async function run() {
  const oneChart = await indexParse('one-chart');
  const manyCharts = await indexParse('many-charts');

  const sandbox = await startSandbox(['dev', 'staging', 'prod'], {
    seed: 67,
    charts: true,
  });
  // One entity per (chart, team) the seed made: each runs on all 3 clusters.
  const seeded = await (
    await fetch(`${sandbox.instances[0].url}/api/v1/applications`, {
      headers: { authorization: `Bearer ${sandbox.instances[0].token}` },
    })
  ).json();
  const selectors = [
    ...new Set(
      seeded.items.map(
        a =>
          `datastack.io/component=${a.metadata.labels['datastack.io/component']},datastack.io/team=${a.metadata.labels['datastack.io/team']}`,
      ),
    ),
  ];
  const entities = selectors.map((selector, i) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `bench-upgrade-${i}`,
      annotations: { 'argocd/app-selector': selector },
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: 'group:default/platform-team',
    },
  }));
  const backend = await startBackend({
    config: {
      catalog: await catalogOf(entities),
      datastack: {
        argocd: { requestTimeoutMs: 10_000, instances: sandbox.instances },
        health: { cacheTtlMs: 300_000 },
        upgrades: {
          chartRepositories: sandbox.chartRepositories,
          cacheTtlMs: 300_000,
        },
      },
    },
  });
  try {
    await entityInCatalog(backend, 'component', entities.at(-1).metadata.name);

    const timed = async url => {
      const t = performance.now();
      const res = await backend.api(url, {
        signal: AbortSignal.timeout(120_000),
      });
      const body = await res.json();
      if (res.status !== 200) {
        throw new Error(
          `${url} answered ${res.status}: ${JSON.stringify(body)}`,
        );
      }
      return { ms: performance.now() - t, body };
    };
    const cold = await timed('/api/datastack/upgrades/fleet');
    const deployments = new Set(
      cold.body.steps.map(s => `${s.instance}/${s.application}`),
    ).size;
    // Every entity once to warm its lookup, then measured.
    let deployed = 0;
    let clusters = new Set();
    for (const e of entities) {
      const { body } = await timed(
        `/api/datastack/upgrades/entity/default/component/${e.metadata.name}`,
      );
      deployed += body.deployed.length;
      body.deployed.forEach(d => clusters.add(d.cluster));
    }
    const fleet = [];
    for (let i = 0; i < 20; i++) {
      fleet.push((await timed('/api/datastack/upgrades/fleet')).ms);
    }
    const totals = [];
    for (let round = 0; round < 5; round++) {
      const t = performance.now();
      for (const e of entities) {
        await timed(
          `/api/datastack/upgrades/entity/default/component/${e.metadata.name}`,
        );
      }
      totals.push(performance.now() - t);
    }
    return {
      'fleet plan, warm p50 ms': Number(median(fleet).toFixed(1)),
      'fleet plan, cold ms': Math.round(cold.ms),
      'fleet plan steps (deployments with a newer version)': deployments,
      'every entity (201 deployments), warm total ms': Math.round(
        median(totals),
      ),
      'entities × deployments × clusters': `${entities.length} × ${deployed} × ${clusters.size}`,
      '20 MB index (one chart, 23k versions) parse+store ms': Math.round(
        oneChart.ms,
      ),
      '20 MB index (one chart) RSS increase MB': Math.round(
        oneChart.rssDeltaMb,
      ),
      '20 MB index (400 charts) parse+store ms': Math.round(manyCharts.ms),
      '20 MB index (400 charts) RSS increase MB': Math.round(
        manyCharts.rssDeltaMb,
      ),
    };
  } finally {
    await backend.stop();
    await sandbox.stop();
  }
}
