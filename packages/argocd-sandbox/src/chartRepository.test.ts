import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  ChartRepositoryServer,
  DEFAULT_CHART_COMPONENTS,
  readTarGz,
  startChartRepository,
} from './index';

interface IndexEntry {
  apiVersion: string;
  name: string;
  version: string;
  appVersion: string;
  kubeVersion?: string;
  deprecated?: boolean;
  created: string;
  digest: string;
  urls: string[];
  dependencies?: Array<{ name: string; version: string; repository: string }>;
  annotations: Record<string, string>;
}

interface HelmIndex {
  apiVersion: string;
  generated: string;
  entries: Record<string, IndexEntry[]>;
}

interface OciManifest {
  schemaVersion: number;
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  annotations: Record<string, string>;
}

interface OciErrorBody {
  errors: Array<{ code: string; message: string; detail: unknown }>;
}

const STRIMZI = 'strimzi-helm/strimzi-kafka-operator';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

const sha256 = (data: Buffer | string) =>
  createHash('sha256').update(data).digest('hex');

/** Compares dotted numeric versions (enough for the stable releases here). */
function semverDesc(a: string, b: string): number {
  const x = a.split(/[.-]/).map(Number);
  const y = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i];
  return 0;
}

let charts: ChartRepositoryServer;

beforeAll(async () => {
  charts = await startChartRepository({ port: 0 });
});

afterAll(async () => {
  await charts.close();
});

afterEach(() => {
  charts.setFailureMode('none');
  charts.setLatency(0);
});

async function index(id: string, init?: RequestInit): Promise<HelmIndex> {
  const res = await fetch(`${charts.url}/charts/${id}/index.yaml`, init);
  expect(res.status).toBe(200);
  return parse(await res.text()) as HelmIndex;
}

async function archive(id: string, entry: IndexEntry): Promise<Buffer> {
  const url = new URL(entry.urls[0], `${charts.url}/charts/${id}/index.yaml`);
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/gzip');
  return Buffer.from(await res.arrayBuffer());
}

function entryOf(doc: HelmIndex, chart: string, version: string): IndexEntry {
  const found = doc.entries[chart].find(e => e.version === version);
  if (!found) throw new Error(`${chart} ${version} is not in the index`);
  return found;
}

async function ociToken(scope: string): Promise<string> {
  const res = await fetch(`${charts.url}/v2/${STRIMZI}/tags/list`);
  expect(res.status).toBe(401);
  const challenge = res.headers.get('www-authenticate') ?? '';
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]),
  );
  expect(challenge.startsWith('Bearer ')).toBe(true);
  expect(params.scope).toBe(`repository:${STRIMZI}:pull`);
  const realm = new URL(params.realm);
  realm.searchParams.set('service', params.service);
  realm.searchParams.set('scope', scope);
  const answer = await fetch(realm);
  expect(answer.status).toBe(200);
  const { token } = (await answer.json()) as { token: string };
  return token;
}

describe('Helm index repositories', () => {
  it('serves a real-shaped index.yaml for every registry component with an https repository', async () => {
    const httpComponents = DEFAULT_CHART_COMPONENTS.filter(
      c => c.chart && !c.chart.repository.startsWith('oci://'),
    );
    expect(httpComponents.map(c => c.id)).toEqual(
      expect.arrayContaining(['airflow', 'superset', 'observability']),
    );
    for (const component of httpComponents) {
      const doc = await index(component.id);
      expect(doc.apiVersion).toBe('v1');
      expect(Number.isNaN(Date.parse(doc.generated))).toBe(false);
      const list = doc.entries[component.chart!.name];
      const versions = list.map(e => e.version);
      expect(versions).toContain(component.chart!.version);
      expect([...versions].sort(semverDesc)).toEqual(versions);
      const pinned = versions.indexOf(component.chart!.version);
      expect(pinned).toBeGreaterThanOrEqual(3); // newer releases above it
      expect(versions.length - pinned).toBeGreaterThanOrEqual(2); // and older ones
      for (const entry of list) {
        expect(entry).toMatchObject({
          apiVersion: 'v2',
          name: component.chart!.name,
          digest: expect.stringMatching(/^[0-9a-f]{64}$/),
          created: expect.stringMatching(
            /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/,
          ),
          urls: [expect.stringMatching(/\.tgz$/)],
        });
        const changes = parse(entry.annotations['artifacthub.io/changes']);
        expect(changes).toEqual(
          expect.arrayContaining([
            { kind: expect.any(String), description: expect.any(String) },
          ]),
        );
      }
      const created = list.map(e => Date.parse(e.created));
      expect([...created].sort((a, b) => b - a)).toEqual(created);
    }
  });

  it('carries the compatibility facts the upgrade views need', async () => {
    const observability = await index('observability');
    const stack = observability.entries['kube-prometheus-stack'];
    // 89.0.0 needs Kubernetes 1.31: the sandbox clusters run 1.30.4.
    expect(entryOf(observability, 'kube-prometheus-stack', '89.0.0')).toEqual(
      expect.objectContaining({ kubeVersion: '>=1.31.0-0' }),
    );
    expect(entryOf(observability, 'kube-prometheus-stack', '88.3.0')).toEqual(
      expect.objectContaining({ kubeVersion: '>=1.19.0-0' }),
    );
    expect(stack[0].dependencies?.map(d => d.name)).toEqual([
      'crds',
      'kube-state-metrics',
      'prometheus-node-exporter',
      'grafana',
    ]);

    const trino = await index('trino');
    expect(entryOf(trino, 'trino', '1.43.0').kubeVersion).toBe('>=1.30.0-0');
    expect(entryOf(trino, 'trino', '1.42.2').kubeVersion).toBeUndefined();
    expect(entryOf(trino, 'trino', '1.42.2').appVersion).toBe('480');

    const superset = await index('superset');
    expect(entryOf(superset, 'superset', '0.22.8').deprecated).toBe(true);
    expect(entryOf(superset, 'superset', '0.22.9').deprecated).toBe(true);
    expect(entryOf(superset, 'superset', '0.22.7').deprecated).toBeUndefined();

    const airflow = await index('airflow');
    const pinned = entryOf(airflow, 'airflow', '1.22.0');
    expect(pinned.appVersion).toBe('3.2.2');
    expect(pinned.dependencies).toEqual([
      {
        name: 'postgresql',
        version: '13.2.24',
        repository: 'https://charts.bitnami.com/bitnami',
        condition: 'postgresql.enabled',
      },
    ]);
    const major = entryOf(airflow, 'airflow', '2.0.0');
    expect(major.dependencies).toBeUndefined();
    expect(parse(major.annotations['artifacthub.io/changes'])).toEqual(
      expect.arrayContaining([
        {
          kind: 'removed',
          description:
            '`scheduler.replicas` is renamed to `scheduler.replicaCount`: move your value',
        },
      ]),
    );
    expect(entryOf(airflow, 'airflow', '1.16.0').appVersion).toBe('2.10.5');
  });

  it('answers 304 to If-None-Match and If-Modified-Since, 200 when they do not match', async () => {
    const first = await fetch(`${charts.url}/charts/dagster/index.yaml`);
    const etag = first.headers.get('etag');
    const lastModified = first.headers.get('last-modified');
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(lastModified).toMatch(/GMT$/);
    await first.text();

    const byEtag = await fetch(`${charts.url}/charts/dagster/index.yaml`, {
      headers: { 'if-none-match': `W/"other", ${etag}` },
    });
    expect(byEtag.status).toBe(304);
    expect(await byEtag.text()).toBe('');
    expect(byEtag.headers.get('etag')).toBe(etag);

    const byDate = await fetch(`${charts.url}/charts/dagster/index.yaml`, {
      headers: { 'if-modified-since': lastModified! },
    });
    expect(byDate.status).toBe(304);

    const stale = await fetch(`${charts.url}/charts/dagster/index.yaml`, {
      headers: {
        'if-none-match': '"stale"',
        'if-modified-since': lastModified!,
      },
    });
    expect(stale.status).toBe(200);
    expect(parse(await stale.text()).entries.dagster.length).toBeGreaterThan(5);

    const older = await fetch(`${charts.url}/charts/dagster/index.yaml`, {
      headers: { 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' },
    });
    expect(older.status).toBe(200);
    await older.text();
  });

  it('serves archives whose sha256 is the index digest, with Chart.yaml, values and templates that change between releases', async () => {
    const doc = await index('airflow');
    const files = async (version: string) => {
      const entry = entryOf(doc, 'airflow', version);
      const data = await archive('airflow', entry);
      expect(sha256(data)).toBe(entry.digest);
      return readTarGz(data);
    };
    const pinned = await files('1.22.0');
    const chart = parse(pinned.get('airflow/Chart.yaml')!.toString());
    expect(chart).toMatchObject({
      apiVersion: 'v2',
      name: 'airflow',
      version: '1.22.0',
      appVersion: '3.2.2',
    });
    const values = (m: Map<string, Buffer>) =>
      parse(m.get('airflow/values.yaml')!.toString());
    expect(values(pinned)).toMatchObject({
      executor: 'KubernetesExecutor',
      scheduler: { replicas: 1 },
      apiServer: { replicas: 1 },
      triggerer: { replicas: 1 },
      postgresql: { primary: { persistence: { size: '8Gi' } } },
    });
    expect(pinned.has('airflow/values.schema.json')).toBe(true);

    // Next minor: a default the registry overrides changed, a key added.
    const minor = values(await files('1.23.0'));
    expect(minor.apiServer).toEqual({
      replicas: 2,
      podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    });
    // Next major: a key the registry sets is renamed, the bundled database gone,
    // and the schema refuses the old key.
    const majorFiles = await files('2.0.0');
    const major = values(majorFiles);
    expect(major.scheduler.replicas).toBeUndefined();
    expect(major.scheduler.replicaCount).toBe(1);
    expect(major.postgresql).toBeUndefined();
    const schema = JSON.parse(
      majorFiles.get('airflow/values.schema.json')!.toString(),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.postgresql).toBeUndefined();
    expect(schema.properties.scheduler.additionalProperties).toBe(false);
    // Older: the key added in 1.22 is absent; Airflow 2 had a webserver.
    const oldest = await files('1.16.0');
    expect(values(oldest).triggerer).toBeUndefined();
    expect(values(oldest).webserver).toEqual({ replicas: 1 });
    const legacy = [...oldest.keys()].filter(p =>
      p.startsWith('airflow/templates/'),
    );
    const apiLines = legacy
      .filter(p => p.endsWith('.yaml'))
      .map(p => oldest.get(p)!.toString().split('\n').slice(0, 2).join(' '));
    expect(apiLines).toEqual(
      expect.arrayContaining([
        'apiVersion: batch/v1beta1 kind: CronJob',
        'apiVersion: apps/v1 kind: Deployment',
      ]),
    );
    const pinnedApis = [...pinned.entries()]
      .filter(([p]) => p.endsWith('.yaml') && p.includes('/templates/'))
      .map(([, c]) => c.toString().split('\n')[0]);
    expect(pinnedApis).not.toContain('apiVersion: batch/v1beta1');
  });

  it('writes archives the tar CLI reads, with no values.schema.json where the chart has none', async () => {
    const doc = await index('metabase');
    const entry = entryOf(doc, 'metabase', '2.27.2');
    const data = await archive('metabase', entry);
    const dir = mkdtempSync(join(tmpdir(), 'charts-'));
    try {
      const file = join(dir, 'metabase-2.27.2.tgz');
      writeFileSync(file, data);
      const listed = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(listed).toEqual([...readTarGz(data).keys()]);
      expect(listed).toEqual(
        expect.arrayContaining([
          'metabase/Chart.yaml',
          'metabase/values.yaml',
          'metabase/templates/_helpers.tpl',
        ]),
      );
      expect(listed).not.toContain('metabase/values.schema.json');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('links GitHub-release style archives by absolute URL', async () => {
    const doc = await index('spark');
    const entry = entryOf(doc, 'spark-operator', '2.5.2');
    expect(entry.urls[0]).toBe(
      `${charts.url}/charts/spark/releases/download/v2.5.2/spark-operator-2.5.2.tgz`,
    );
    const files = readTarGz(await archive('spark', entry));
    expect(
      files
        .get('spark-operator/crds/sparkapplications.sparkoperator.k8s.io.yaml')!
        .toString(),
    ).toContain('name: v1beta2');
    const relative = await fetch(
      `${charts.url}/charts/spark/spark-operator-2.5.2.tgz`,
    );
    expect(relative.status).toBe(404);
    await relative.text();
  });

  it('is deterministic: another server publishes the same bytes', async () => {
    const other = await startChartRepository({ port: 0 });
    try {
      const a = await (
        await fetch(`${charts.url}/charts/airflow/index.yaml`)
      ).text();
      const b = await (
        await fetch(`${other.url}/charts/airflow/index.yaml`)
      ).text();
      expect(b).toBe(a);
      expect(other.releases('kafka').map(r => r.digest)).toEqual(
        charts.releases('kafka').map(r => r.digest),
      );
    } finally {
      await other.close();
    }
  });

  it('answers 404 for unknown repositories and files', async () => {
    for (const path of [
      '/charts/nope/index.yaml',
      '/charts/kafka/index.yaml',
      '/charts/airflow/airflow-9.9.9.tgz',
    ]) {
      const res = await fetch(`${charts.url}${path}`);
      expect(res.status).toBe(404);
      await res.text();
    }
  });
});

describe('OCI registry (Strimzi)', () => {
  it('runs the anonymous bearer-token flow quay.io uses', async () => {
    const root = await fetch(`${charts.url}/v2/`);
    expect(root.status).toBe(401);
    expect(root.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="http:\/\/[^"]+\/v2\/auth",service="[^"]+"$/,
    );
    expect(await root.json()).toEqual({
      errors: [
        {
          code: 'UNAUTHORIZED',
          message: 'access to the requested resource is not authorized',
          detail: {},
        },
      ],
    });
    const token = await ociToken(`repository:${STRIMZI}:pull`);
    const tags = await fetch(`${charts.url}/v2/${STRIMZI}/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(tags.status).toBe(200);
    const body = (await tags.json()) as { name: string; tags: string[] };
    expect(body.name).toBe(STRIMZI);
    expect(body.tags).toEqual([...body.tags].sort());
    expect(body.tags).toEqual(
      expect.arrayContaining(['0.48.0', '0.49.0', '1.0.0', '1.2.0', '2.0.0']),
    );
    // A token for another repository does not open this one.
    const other = await ociToken('repository:strimzi-helm/other:pull');
    const refused = await fetch(`${charts.url}/v2/${STRIMZI}/tags/list`, {
      headers: { authorization: `Bearer ${other}` },
    });
    expect(refused.status).toBe(401);
    await refused.text();
    const forged = await fetch(`${charts.url}/v2/${STRIMZI}/tags/list`, {
      headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
    await forged.text();
  });

  it('expires tokens', async () => {
    let clock = Date.UTC(2026, 11, 1);
    const registry = await startChartRepository({
      port: 0,
      components: DEFAULT_CHART_COMPONENTS.filter(c => c.id === 'kafka'),
      now: () => clock,
    });
    try {
      const auth = await fetch(
        `${registry.url}/v2/auth?service=x&scope=repository:${STRIMZI}:pull`,
      );
      const { token } = (await auth.json()) as { token: string };
      const headers = { authorization: `Bearer ${token}` };
      const ok = await fetch(`${registry.url}/v2/${STRIMZI}/tags/list`, {
        headers,
      });
      expect(ok.status).toBe(200);
      await ok.text();
      clock += 3601_000;
      const expired = await fetch(`${registry.url}/v2/${STRIMZI}/tags/list`, {
        headers,
      });
      expect(expired.status).toBe(401);
      await expired.text();
    } finally {
      await registry.close();
    }
  });

  it('pages tags/list with n and last, and a Link header to the next page', async () => {
    const headers = {
      authorization: `Bearer ${await ociToken(`repository:${STRIMZI}:pull`)}`,
    };
    const all = (
      (await (
        await fetch(`${charts.url}/v2/${STRIMZI}/tags/list`, { headers })
      ).json()) as { tags: string[] }
    ).tags;
    const seen: string[] = [];
    let next: string | undefined = `/v2/${STRIMZI}/tags/list?n=5`;
    let pages = 0;
    while (next) {
      const res: Response = await fetch(`${charts.url}${next}`, { headers });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { tags: string[] };
      expect(page.tags.length).toBeLessThanOrEqual(5);
      seen.push(...page.tags);
      pages += 1;
      next = /^<([^>]+)>; rel="next"$/.exec(res.headers.get('link') ?? '')?.[1];
    }
    expect(pages).toBe(Math.ceil(all.length / 5));
    expect(seen).toEqual(all);

    const bad = await fetch(`${charts.url}/v2/${STRIMZI}/tags/list?n=many`, {
      headers,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as OciErrorBody).errors[0].code).toBe(
      'PAGINATION_NUMBER_INVALID',
    );
  });

  it('serves Helm manifests, the Chart.yaml config and the chart layer with matching digests', async () => {
    const headers = {
      authorization: `Bearer ${await ociToken(`repository:${STRIMZI}:pull`)}`,
    };
    const crdsAt = async (tag: string) => {
      const res = await fetch(`${charts.url}/v2/${STRIMZI}/manifests/${tag}`, {
        headers: { ...headers, accept: OCI_MANIFEST },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(OCI_MANIFEST);
      const raw = Buffer.from(await res.arrayBuffer());
      const digest = `sha256:${sha256(raw)}`;
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      const manifest = JSON.parse(raw.toString()) as OciManifest;
      expect(manifest).toMatchObject({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.cncf.helm.config.v1+json' },
        layers: [
          { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' },
        ],
        annotations: {
          'org.opencontainers.image.title': 'strimzi-kafka-operator',
          'org.opencontainers.image.version': tag,
        },
      });
      const blob = async (d: string, size: number) => {
        const b = await fetch(`${charts.url}/v2/${STRIMZI}/blobs/${d}`, {
          headers,
        });
        expect(b.status).toBe(200);
        const data = Buffer.from(await b.arrayBuffer());
        expect(`sha256:${sha256(data)}`).toBe(d);
        expect(data.length).toBe(size);
        return data;
      };
      const config = JSON.parse(
        (await blob(manifest.config.digest, manifest.config.size)).toString(),
      );
      expect(config).toMatchObject({
        name: 'strimzi-kafka-operator',
        version: tag,
        appVersion: tag,
        apiVersion: 'v2',
      });
      const layer = await blob(
        manifest.layers[0].digest,
        manifest.layers[0].size,
      );
      expect(sha256(layer)).toBe(
        charts.releases('kafka').find(r => r.version === tag)!.digest,
      );
      // By digest, too.
      const byDigest = await fetch(
        `${charts.url}/v2/${STRIMZI}/manifests/${digest}`,
        { headers, method: 'HEAD' },
      );
      expect(byDigest.status).toBe(200);
      expect(byDigest.headers.get('docker-content-digest')).toBe(digest);
      const files = readTarGz(layer);
      return parse(
        files
          .get('strimzi-kafka-operator/crds/kafkas.kafka.strimzi.io.yaml')!
          .toString(),
      ).spec.versions.map((v: { name: string; storage: boolean }) =>
        v.storage ? `${v.name}*` : v.name,
      );
    };
    // Consistent with the registry's upgrade hop: v1beta2 until 1.0, v1 from 0.49.
    expect(await crdsAt('0.48.0')).toEqual(['v1beta2*']);
    expect(await crdsAt('0.49.0')).toEqual(['v1beta2*', 'v1']);
    expect(await crdsAt('1.2.0')).toEqual(['v1*']);
  });

  it('answers OCI error bodies for unknown manifests, blobs and repositories', async () => {
    const headers = {
      authorization: `Bearer ${await ociToken(`repository:${STRIMZI}:pull`)}`,
    };
    const cases: Array<[string, number, string]> = [
      [`/v2/${STRIMZI}/manifests/9.9.9`, 404, 'MANIFEST_UNKNOWN'],
      [`/v2/${STRIMZI}/blobs/sha256:${'0'.repeat(64)}`, 404, 'BLOB_UNKNOWN'],
    ];
    for (const [path, status, code] of cases) {
      const res = await fetch(`${charts.url}${path}`, { headers });
      expect(res.status).toBe(status);
      expect(((await res.json()) as OciErrorBody).errors[0]).toMatchObject({
        code,
        message: expect.any(String),
        detail: {},
      });
    }
    const token = await ociToken('repository:strimzi-helm/nothing:pull');
    const unknown = await fetch(
      `${charts.url}/v2/strimzi-helm/nothing/tags/list`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as OciErrorBody).errors[0].code).toBe(
      'NAME_UNKNOWN',
    );
  });
});

describe('fault switches, latency and the large index', () => {
  it('counts repository requests apart from its own control routes', async () => {
    const state = async () =>
      (await (await fetch(`${charts.url}/sandbox`)).json()) as {
        requests: number;
        repositoryRequests: number;
      };
    const before = await state();
    await index('dagster');
    const after = await state();
    expect(after.repositoryRequests - before.repositoryRequests).toBe(1);
    expect(after.requests - before.requests).toBe(2);
  });

  it('fails one repository while the others answer', async () => {
    charts.setFailureMode('http500', 'airflow');
    const failed = await fetch(`${charts.url}/charts/airflow/index.yaml`);
    expect(failed.status).toBe(500);
    await failed.text();
    await index('dagster');
    expect(charts.failureMode('airflow')).toBe('http500');
    expect(charts.failureMode('dagster')).toBe('none');
  });

  it('returns garbage that does not parse as an index or an archive', async () => {
    charts.setFailureMode('garbage', 'airflow');
    const res = await fetch(`${charts.url}/charts/airflow/index.yaml`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(() => parse(body)).toThrow();
    const entry = charts.releases('airflow')[0];
    const tgz = await fetch(`${charts.url}/charts/airflow/${entry.fileName}`);
    expect(tgz.status).toBe(200);
    const data = Buffer.from(await tgz.arrayBuffer());
    expect(sha256(data)).not.toBe(entry.digest);
    expect(() => readTarGz(data)).toThrow();

    const token = await ociToken(`repository:${STRIMZI}:pull`);
    charts.setFailureMode('garbage', 'kafka');
    const manifest = await fetch(
      `${charts.url}/v2/${STRIMZI}/manifests/1.2.0`,
      {
        headers: { authorization: `Bearer ${token}`, accept: OCI_MANIFEST },
      },
    );
    expect(manifest.status).toBe(200);
    const raw = await manifest.text();
    expect(() => JSON.parse(raw)).toThrow();
  });

  it('hangs, drops the connection, and answers OCI 500s', async () => {
    charts.setFailureMode('hang', 'airflow');
    await expect(
      fetch(`${charts.url}/charts/airflow/index.yaml`, {
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    charts.setFailureMode('down');
    await expect(
      fetch(`${charts.url}/charts/dagster/index.yaml`),
    ).rejects.toThrow();
    charts.setFailureMode('http500', 'kafka');
    const oci = await fetch(`${charts.url}/v2/${STRIMZI}/tags/list`);
    expect(oci.status).toBe(500);
    expect(((await oci.json()) as OciErrorBody).errors[0].code).toBe('UNKNOWN');
  });

  it('is switched through the control API, which failures never affect', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${charts.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const set = await post('/sandbox/failure', {
      mode: 'unauthorized',
      repository: 'trino',
    });
    expect(await set.json()).toEqual({
      mode: 'unauthorized',
      repository: 'trino',
    });
    const denied = await fetch(`${charts.url}/charts/trino/index.yaml`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic /);
    await denied.text();

    await post('/sandbox/failure', { mode: 'down' });
    const state = await fetch(`${charts.url}/sandbox`);
    expect(await state.json()).toMatchObject({
      failureMode: 'down',
      failureModes: {},
    });
    const bad = await post('/sandbox/failure', { mode: 'sometimes' });
    expect(bad.status).toBe(400);
    await bad.text();
    const unknown = await post('/sandbox/failure', {
      mode: 'http500',
      repository: 'nope',
    });
    expect(unknown.status).toBe(400);
    await unknown.text();
    await post('/sandbox/failure', { mode: 'none' });
    await index('trino');
  });

  it('delays answers by the latency set', async () => {
    charts.setLatency(200);
    const started = Date.now();
    await index('flink');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  // Generating and parsing 2 MB of YAML takes seconds on a busy 2-core machine.
  it('pads one index to the size asked with thousands of real-shaped entries', async () => {
    const big = await startChartRepository({
      port: 0,
      largeIndexBytes: 2_000_000,
    });
    try {
      const res = await fetch(`${big.url}/charts/observability/index.yaml`);
      const body = await res.text();
      expect(body.length).toBeGreaterThanOrEqual(2_000_000);
      expect(body.length).toBeLessThan(2_100_000);
      const doc = parse(body) as HelmIndex;
      const all = Object.values(doc.entries).flat();
      expect(all.length).toBeGreaterThan(1500);
      expect(Object.keys(doc.entries)).toEqual(
        expect.arrayContaining([
          'kube-prometheus-stack',
          'prometheus',
          'alertmanager',
        ]),
      );
      // The real chart is untouched, still newest first.
      expect(doc.entries['kube-prometheus-stack'].map(e => e.version)).toEqual(
        big.releases('observability').map(r => r.version),
      );
      for (const entry of doc.entries.prometheus.slice(0, 50)) {
        expect(entry).toMatchObject({
          apiVersion: 'v2',
          name: 'prometheus',
          digest: expect.stringMatching(/^[0-9a-f]{64}$/),
          urls: [expect.stringMatching(/\.tgz$/)],
        });
      }
      const small = await fetch(`${big.url}/charts/airflow/index.yaml`);
      expect((await small.text()).length).toBeLessThan(100_000);
    } finally {
      await big.close();
    }
  }, 30_000);
});

describe('configuration helpers', () => {
  it('lists a mirror for every registry repository URL, the OCI one over plain http', () => {
    const urls = DEFAULT_CHART_COMPONENTS.flatMap(c =>
      c.chart ? [c.chart.repository] : [],
    );
    expect(charts.mirrors.map(m => m.url)).toEqual(urls);
    expect(charts.mirrors).toContainEqual({
      url: 'oci://quay.io/strimzi-helm',
      mirror: `oci://${new URL(charts.url).host}/strimzi-helm`,
      plainHttp: true,
    });
    expect(charts.mirrors).toContainEqual({
      url: 'https://airflow.apache.org',
      mirror: `${charts.url}/charts/airflow`,
    });
  });

  it('matches the mirrors app-config.sandbox.yaml gives yarn dev (port 8084)', () => {
    const config = parse(
      readFileSync(
        resolve(__dirname, '../../../app-config.sandbox.yaml'),
        'utf8',
      ),
    );
    const local = new URL(charts.url).host;
    expect(config.datastack.upgrades.chartRepositories).toEqual(
      charts.mirrors.map(m => ({
        ...m,
        mirror: m.mirror.replace(local, '127.0.0.1:8084'),
      })),
    );
  });

  it('publishes components it is given, generated around their pinned version', async () => {
    const custom = await startChartRepository({
      port: 0,
      components: [
        {
          id: 'minio',
          chart: {
            repository: 'https://charts.min.io',
            name: 'minio',
            version: '5.4.0',
            appVersion: 'RELEASE.2024-12-18T13-15-44Z',
          },
          values: {
            small: {
              replicas: 4,
              persistence: { size: '100Gi' },
              resources: { requests: { memory: '16Gi' } },
            },
          },
        },
        { id: 'dbt' },
      ],
    });
    try {
      expect(custom.repositories.map(r => r.componentId)).toEqual(['minio']);
      const res = await fetch(`${custom.url}/charts/minio/index.yaml`);
      const doc = parse(await res.text()) as HelmIndex;
      expect(doc.entries.minio.map(e => e.version)).toEqual([
        '6.0.0',
        '5.5.1',
        '5.5.0',
        '5.4.2',
        '5.4.1',
        '5.4.0',
        '5.3.1',
        '5.3.0',
        '5.2.0',
      ]);
      const values = (v: string) =>
        custom.releases('minio').find(r => r.version === v)!.values;
      expect(values('5.4.0')).toMatchObject({ replicas: 4 });
      expect(values('6.0.0').replicas).toBeUndefined();
      expect(values('6.0.0').replicaCount).toBe(4);
    } finally {
      await custom.close();
    }
  });
});
