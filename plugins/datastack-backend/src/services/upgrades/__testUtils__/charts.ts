import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import * as tar from 'tar';

/** One version of a chart, as a test repository publishes it. */
export interface TestChart {
  name: string;
  version: string;
  appVersion?: string;
  kubeVersion?: string;
  deprecated?: boolean;
  values: Record<string, unknown>;
  schema?: Record<string, unknown>;
  /** Extra files under the chart directory, e.g. `templates/pdb.yaml`. */
  files?: Record<string, string>;
  changes?: Array<{ kind: string; description: string }>;
  dependencies?: Array<{ name: string; version: string; repository: string }>;
}

/** A real chart archive, as `helm package` lays it out: `<name>/Chart.yaml`, `values.yaml`, … */
export function chartArchive(chart: TestChart): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'datastack-chart-'));
  try {
    const root = path.join(dir, chart.name);
    mkdirSync(path.join(root, 'templates'), { recursive: true });
    writeFileSync(
      path.join(root, 'Chart.yaml'),
      stringify({
        apiVersion: 'v2',
        name: chart.name,
        version: chart.version,
        appVersion: chart.appVersion,
        kubeVersion: chart.kubeVersion,
      }),
    );
    writeFileSync(path.join(root, 'values.yaml'), stringify(chart.values));
    if (chart.schema) {
      writeFileSync(
        path.join(root, 'values.schema.json'),
        JSON.stringify(chart.schema, null, 2),
      );
    }
    // A subchart's values must not be mistaken for the chart's own.
    mkdirSync(path.join(root, 'charts', 'postgresql'), { recursive: true });
    writeFileSync(
      path.join(root, 'charts', 'postgresql', 'values.yaml'),
      'auth:\n  password: subchart\n',
    );
    for (const [file, content] of Object.entries(chart.files ?? {})) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), content);
    }
    const file = path.join(dir, 'chart.tgz');
    tar.create({ gzip: true, cwd: dir, sync: true, file, portable: true }, [
      chart.name,
    ]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function digestOf(archive: Buffer): string {
  return createHash('sha256').update(archive).digest('hex');
}

/**
 * A Helm repository `index.yaml` as `helm repo index` writes it (entries
 * newest first, list items at the key's indent, relative archive URLs).
 */
export function chartIndex(
  charts: TestChart[],
  options: { extraCharts?: Record<string, number> } = {},
): string {
  const entries: Record<string, unknown[]> = {};
  for (const chart of charts) {
    const archive = chartArchive(chart);
    (entries[chart.name] ??= []).push({
      annotations: chart.changes
        ? { 'artifacthub.io/changes': stringify(chart.changes) }
        : undefined,
      apiVersion: 'v2',
      appVersion: chart.appVersion,
      created: '2026-10-01T12:00:00.000000000Z',
      dependencies: chart.dependencies,
      deprecated: chart.deprecated,
      description: `${chart.name} chart`,
      digest: digestOf(archive),
      kubeVersion: chart.kubeVersion,
      name: chart.name,
      type: 'application',
      urls: [`${chart.name}-${chart.version}.tgz`],
      version: chart.version,
    });
  }
  for (const [name, count] of Object.entries(options.extraCharts ?? {})) {
    entries[name] = Array.from({ length: count }, (_, i) => ({
      apiVersion: 'v2',
      created: '2026-01-01T00:00:00Z',
      digest: 'a'.repeat(64),
      name,
      urls: [`https://charts.example.com/${name}-0.${i}.0.tgz`],
      version: `0.${i}.0`,
    }));
  }
  return stringify(
    { apiVersion: 'v1', entries, generated: '2026-10-02T08:00:00Z' },
    { lineWidth: 0 },
  );
}
