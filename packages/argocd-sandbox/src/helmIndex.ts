/**
 * index.yaml as `helm repo index` writes it: `{apiVersion: v1, entries,
 * generated}`, every mapping's keys sorted (Helm marshals through JSON),
 * sequences not indented, timestamps quoted, multi-line annotations as
 * literal blocks. A dedicated emitter rather than `yaml.stringify`, so that
 * a 20 MB index for the parse benchmark is written in well under a second.
 */

import { createHash } from 'node:crypto';
import type { ChartMetadata, ChartRelease } from './chartReleases';
import { isRecord } from './util';

/** One entry of index.yaml: the chart's metadata plus where and when. */
export type IndexEntry = ChartMetadata & {
  created: string;
  /** Hex sha256 of the archive. */
  digest: string;
  urls: string[];
};

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const NUMBER = /^[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?$/;
const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9 _./:@+=,()-]*$/;

function scalar(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === null || value === undefined) return 'null';
  const text = String(value);
  const plain =
    text !== '' &&
    PLAIN.test(text) &&
    !RESERVED.test(text) &&
    !NUMBER.test(text) &&
    !/^0x/i.test(text) &&
    !/^\d{4}-\d\d-\d\d/.test(text) &&
    !/: |:$| $/.test(text);
  return plain ? text : JSON.stringify(text);
}

function field(key: string, value: unknown, pad: string, out: string[]): void {
  if (typeof value === 'string' && value.includes('\n')) {
    out.push(`${pad}${key}: ${value.endsWith('\n') ? '|' : '|-'}`);
    for (const line of value.replace(/\n$/, '').split('\n')) {
      out.push(line ? `${pad}  ${line}` : '');
    }
  } else if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${pad}${key}: []`);
    else {
      out.push(`${pad}${key}:`);
      sequence(value, pad, out);
    }
  } else if (isRecord(value)) {
    if (Object.keys(value).length === 0) out.push(`${pad}${key}: {}`);
    else {
      out.push(`${pad}${key}:`);
      mapping(value, `${pad}  `, out);
    }
  } else {
    out.push(`${pad}${key}: ${scalar(value)}`);
  }
}

function mapping(
  value: Record<string, unknown>,
  pad: string,
  out: string[],
): void {
  for (const key of Object.keys(value).sort()) {
    if (value[key] !== undefined) field(key, value[key], pad, out);
  }
}

function sequence(items: unknown[], pad: string, out: string[]): void {
  for (const item of items) {
    if (isRecord(item)) {
      const start = out.length;
      mapping(item, `${pad}  `, out);
      out[start] = `${pad}- ${out[start].slice(pad.length + 2)}`;
    } else {
      out.push(`${pad}- ${scalar(item)}`);
    }
  }
}

/** The YAML of one index entry as an item of its chart's sequence. */
export function formatIndexEntry(entry: IndexEntry): string {
  const out: string[] = [];
  sequence([entry], '  ', out);
  return `${out.join('\n')}\n`;
}

/**
 * A whole index.yaml. `entries` maps chart names to their entries' YAML
 * (from {@link formatIndexEntry}), newest first.
 */
export function formatIndex(
  entries: ReadonlyMap<string, readonly string[]>,
  generated: string,
): string {
  const parts = ['apiVersion: v1\nentries:\n'];
  for (const name of [...entries.keys()].sort()) {
    parts.push(`  ${scalar(name)}:\n`, ...(entries.get(name) ?? []));
  }
  parts.push(`generated: ${scalar(generated)}\n`);
  return parts.join('');
}

/** The index entry of a generated release. */
export function indexEntryOf(release: ChartRelease, url: string): IndexEntry {
  return {
    ...release.metadata,
    created: release.created,
    digest: release.digest,
    urls: [url],
  };
}

const PROMETHEUS_COMMUNITY_CHARTS = [
  'alertmanager',
  'alertmanager-snmp-notifier',
  'jiralert',
  'kube-state-metrics',
  'prom-label-proxy',
  'prometheus',
  'prometheus-adapter',
  'prometheus-blackbox-exporter',
  'prometheus-cloudwatch-exporter',
  'prometheus-consul-exporter',
  'prometheus-elasticsearch-exporter',
  'prometheus-ipmi-exporter',
  'prometheus-json-exporter',
  'prometheus-kafka-exporter',
  'prometheus-memcached-exporter',
  'prometheus-mongodb-exporter',
  'prometheus-mysql-exporter',
  'prometheus-nats-exporter',
  'prometheus-nginx-exporter',
  'prometheus-node-exporter',
  'prometheus-operator-admission-webhook',
  'prometheus-operator-crds',
  'prometheus-pgbouncer-exporter',
  'prometheus-postgres-exporter',
  'prometheus-process-exporter',
  'prometheus-pushgateway',
  'prometheus-rabbitmq-exporter',
  'prometheus-redis-exporter',
  'prometheus-smartctl-exporter',
  'prometheus-snmp-exporter',
  'prometheus-stackdriver-exporter',
  'prometheus-statsd-exporter',
  'prometheus-systemd-exporter',
  'prometheus-windows-exporter',
  'prometheus-yet-another-cloudwatch-exporter',
];

const SIBLING_SUFFIXES = [
  'crds',
  'exporter',
  'operator',
  'agent',
  'gateway',
  'proxy',
  'ui',
  'worker',
  'webhook',
  'dashboards',
];

/**
 * Older releases of sibling charts, shaped like the real ones, to make one
 * repository's index about `bytes` large (thousands of entries) for the
 * parse benchmark. Their archives are not served: only the index matters.
 * Deterministic: the same arguments give the same text.
 */
export function paddingEntries(
  chart: string,
  bytes: number,
  oldestCreatedMs: number,
): Map<string, string[]> {
  const names =
    chart === 'kube-prometheus-stack'
      ? PROMETHEUS_COMMUNITY_CHARTS
      : SIBLING_SUFFIXES.map(suffix => `${chart}-${suffix}`);
  const entries = new Map<string, string[]>(names.map(n => [n, []]));
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const name = names[i % names.length];
    const n = Math.floor(i / names.length);
    // Newest first: versions and dates go down as n goes up.
    const version = `${99 - Math.floor(n / 40)}.${
      9 - (Math.floor(n / 4) % 10)
    }.${3 - (n % 4)}`;
    const appVersion = `v${9 - Math.floor(n / 400)}.${
      99 - (Math.floor(n / 4) % 100)
    }.0`;
    const createdMs = oldestCreatedMs - (n * 86_400_000 + (i % 1000) * 60_000);
    const digest = createHash('sha256')
      .update(`${name}@${version}`)
      .digest('hex');
    const entry: IndexEntry = {
      apiVersion: 'v2',
      name,
      description: `A Helm chart for ${name} on Kubernetes`,
      type: 'application',
      version,
      appVersion,
      kubeVersion: n % 3 === 0 ? '>=1.21.0-0' : undefined,
      home: `https://github.com/prometheus-community/helm-charts/tree/main/charts/${name}`,
      sources: [`https://github.com/prometheus-community/helm-charts`],
      keywords: ['monitoring', 'metrics', name.split('-')[0]],
      maintainers: [
        { name: 'gianrubio', email: 'gianrubio@gmail.com' },
        { name: 'zanhsieh', email: 'zanhsieh@gmail.com' },
      ],
      annotations: {
        'artifacthub.io/changes': `- kind: changed\n  description: Update ${name} to ${appVersion}\n- kind: fixed\n  description: Render the chart labels consistently on every resource\n`,
        'artifacthub.io/license': 'Apache-2.0',
      },
      created: new Date(createdMs)
        .toISOString()
        .replace(/\.(\d{3})Z$/, `.$1${String(i % 999_983).padStart(6, '0')}Z`),
      digest,
      urls: [
        `https://github.com/prometheus-community/helm-charts/releases/download/${name}-${version}/${name}-${version}.tgz`,
      ],
    };
    const text = formatIndexEntry(entry);
    entries.get(name)!.push(text);
    size += text.length;
  }
  return entries;
}
