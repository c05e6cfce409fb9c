/*
 * Child process of bench/upgrades.bench.mjs: serves a generated index.yaml of
 * about `--bytes` bytes from a local HTTP server, then fetches, parses and
 * stores one chart's versions through the real ChartRepositoryClient and
 * ChartVersionStore (SQLite through knex, as the backend's default), and
 * prints the time and the resident memory it took as one JSON line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import knexFactory from 'knex';
import { ChartRepositoryClient } from '../../plugins/datastack-backend/src/services/upgrades/ChartRepositoryClient';
import { ChartVersionStore } from '../../plugins/datastack-backend/src/services/upgrades/ChartVersionStore';

const bytes = Number(process.argv[process.argv.indexOf('--bytes') + 1]);
const layout = process.argv[process.argv.indexOf('--layout') + 1]; // 'one-chart' | 'many-charts'

/** An entry shaped like the ones `helm repo index` writes (about 1 KB). */
function entry(chart: string, version: string): string {
  return [
    `  - annotations:`,
    `      artifacthub.io/changes: |`,
    `        - kind: changed`,
    `          description: Update ${chart} to ${version}`,
    `      artifacthub.io/license: Apache-2.0`,
    `    apiVersion: v2`,
    `    appVersion: "${version}"`,
    `    created: "2026-10-01T12:00:00.000000000Z"`,
    `    dependencies:`,
    `    - condition: postgresql.enabled`,
    `      name: postgresql`,
    `      repository: oci://registry-1.docker.io/bitnamicharts`,
    `      version: 16.x.x`,
    `    description: A Helm chart for ${chart}, a component of the open-source data stack`,
    `    digest: ${'0123456789abcdef'.repeat(4)}`,
    `    home: https://example.com/${chart}`,
    `    kubeVersion: '>=1.25.0-0'`,
    `    maintainers:`,
    `    - email: maintainers@example.com`,
    `      name: maintainers`,
    `    name: ${chart}`,
    `    sources:`,
    `    - https://github.com/example/${chart}`,
    `    type: application`,
    `    urls:`,
    `    - ${chart}-${version}.tgz`,
    `    version: ${version}`,
    '',
  ].join('\n');
}

function generate(): string {
  const parts = ['apiVersion: v1\nentries:\n'];
  let size = parts[0].length;
  const perEntry = entry('trino', '1.0.0').length;
  const total = Math.floor(bytes / perEntry);
  // one-chart: every entry is trino's; many-charts: 400 charts, trino one of them.
  const charts =
    layout === 'one-chart'
      ? ['trino']
      : Array.from({ length: 400 }, (_, i) =>
          i === 200 ? 'trino' : `chart-${i}`,
        );
  const perChart = Math.ceil(total / charts.length);
  for (const chart of charts) {
    parts.push(`  ${chart}:\n`);
    for (let i = perChart - 1; i >= 0 && size < bytes; i--) {
      const e = entry(chart, `${Math.floor(i / 100)}.${i % 100}.0`);
      parts.push(e);
      size += e.length;
    }
  }
  parts.push(`generated: "2026-10-02T08:00:00Z"\n`);
  return parts.join('');
}

async function main() {
  const index = Buffer.from(generate());
  const server = createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/x-yaml',
      etag: '"bench"',
    });
    res.end(index);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  const store = await ChartVersionStore.create({
    getClient: async () => db,
    migrations: { skip: false },
  } as any);
  const client = new ChartRepositoryClient({
    repositories: [
      {
        url: 'https://trinodb.github.io/charts',
        mirror: `http://127.0.0.1:${port}`,
        plainHttp: false,
      },
    ],
    timeoutMs: 60_000,
    maxIndexBytes: 64 * 1024 * 1024,
    maxArchiveBytes: 16 * 1024 * 1024,
    ociMaxVersions: 20,
  });
  // The index is held by the server of this process: measured from here on.
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  const result = await client.fetchReleases({
    componentId: 'trino',
    repository: 'https://trinodb.github.io/charts',
    chart: 'trino',
  });
  if (result.status !== 'ok') throw new Error('no releases');
  await store.putReleases({
    componentId: 'trino',
    repository: 'https://trinodb.github.io/charts',
    chart: 'trino',
    etag: result.etag,
    releases: result.releases,
    at: new Date().toISOString(),
  });
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const stored = await store.get('trino');
  console.log(
    JSON.stringify({
      bytes: index.length,
      versions: stored?.releases.length,
      ms,
      rssDeltaMb: (peak - before) / 1024 / 1024,
    }),
  );
  await db.destroy();
  server.close();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
