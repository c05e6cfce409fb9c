// Helpers of the end-to-end tests: start the real backend (from source
// through Backstage's Node transform) against SQLite or PostgreSQL, wait for
// readiness, stop it, and drive Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { seedPlatform } from '../scripts/lib/platformSeed.mjs';

export const root = path.resolve(import.meta.dirname, '..');
export const resultsDir = path.join(root, 'test-results', 'e2e');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function yamlConfig(object) {
  // JSON is YAML: config files without a YAML dependency.
  return JSON.stringify(object, null, 2);
}

/**
 * Starts packages/backend with app-config.yaml plus `config`. Resolves when
 * the backend reports ready. `database` is 'sqlite' or a PostgreSQL URL.
 */
export async function startBackend({
  database = 'sqlite',
  config = {},
  serveApp = false,
  // Replicas of one deployment: the same PostgreSQL database (by name), the
  // same GitOps directory and, through `config.backend.cache`, one Redis.
  databaseName,
  gitopsRoot,
  logLevel = 'warn',
  // NODE_ENV of the backend: the benchmarks run it as production does.
  nodeEnv = 'development',
  // The static external-access token; replicas behind one proxy share one.
  token = randomBytes(24).toString('base64url'),
} = {}) {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'datastack-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const db =
    database === 'sqlite'
      ? { client: 'better-sqlite3', connection: ':memory:' }
      : (() => {
          const url = new URL(database);
          return {
            client: 'pg',
            // A database name of its own per run, so runs never see each other's data.
            pluginDivisionMode: 'schema',
            connection: {
              host: url.hostname,
              port: Number(url.port || 5432),
              user: decodeURIComponent(url.username),
              password: decodeURIComponent(url.password),
              database:
                databaseName ??
                `datastack_e2e_${randomBytes(4).toString('hex')}`,
            },
          };
        })();
  const override = {
    app: { baseUrl: serveApp ? baseUrl : 'http://localhost:3000' },
    backend: {
      ...config.backend,
      baseUrl,
      listen: { port, host: '127.0.0.1' },
      database: db,
      cors: { origin: baseUrl },
      auth: {
        externalAccess: [
          { type: 'static', options: { token, subject: 'e2e-tests' } },
        ],
      },
    },
    ...Object.fromEntries(
      Object.entries(config).filter(([key]) => key !== 'backend'),
    ),
    datastack: {
      ...config.datastack,
      tenancy: { createProjects: true, ...config.datastack?.tenancy },
      gitops: {
        ...config.datastack?.gitops,
        localRoot: gitopsRoot ?? path.join(dir, 'gitops'),
      },
    },
  };
  const overridePath = path.join(dir, 'app-config.e2e.yaml');
  await writeFile(overridePath, yamlConfig(override));

  const logs = [];
  const child = spawn(
    process.execPath,
    [
      '--require',
      require_('@backstage/cli/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      overridePath,
    ],
    {
      cwd: path.join(root, 'packages/backend'),
      env: { ...process.env, NODE_ENV: nodeEnv, LOG_LEVEL: logLevel },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', d => logs.push(String(d)));
  child.stderr.on('data', d => logs.push(String(d)));
  const exited = new Promise(resolve =>
    child.on('exit', code => resolve(code)),
  );

  const deadline = Date.now() + 180_000;
  for (;;) {
    const code = await Promise.race([
      exited,
      new Promise(r => setTimeout(() => r('wait'), 500)),
    ]);
    if (code !== 'wait' || /BackendStartupError/.test(logs.join(''))) {
      child.kill('SIGKILL');
      throw new Error(
        `backend ${
          code === 'wait' ? 'failed to start' : `exited with ${code}`
        } before it was ready:\n${logs.join('').slice(-4000)}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`, {
        signal: AbortSignal.timeout(2000),
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `backend not ready within 180 s:\n${logs.join('').slice(-4000)}`,
      );
    }
  }

  return {
    baseUrl,
    token,
    logs,
    dir,
    /**
     * A Backstage token of a signed-in user, through the development
     * sign-in providers: the guest (`user:default/guest`, data-engineering)
     * or a demo user of catalog/org.yaml (`alice`, `bob`, `ada`).
     */
    async userToken(user = 'guest') {
      const res = await fetch(
        `${baseUrl}/api/auth/${
          user === 'guest' ? 'guest' : 'demo'
        }/refresh?env=development`,
        {
          headers: {
            'x-requested-with': 'XMLHttpRequest',
            ...(user === 'guest' ? {} : { 'x-datastack-demo-user': user }),
          },
          signal: AbortSignal.timeout(30_000),
        },
      );
      if (!res.ok) {
        throw new Error(
          `sign-in as ${user}: ${res.status} ${await res.text()}`,
        );
      }
      return (await res.json()).backstageIdentity.token;
    },
    /** fetch with the static token, as an external caller. */
    api: (p, init = {}) =>
      fetch(`${baseUrl}${p}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
        signal: init.signal ?? AbortSignal.timeout(30_000),
      }),
    /** The process id, for a test that kills it. */
    pid: child.pid,
    /** Kills the process at once (SIGKILL), as a node failure would. */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function eventually(
  fn,
  { ms = 60_000, every = 500, what = 'condition' } = {},
) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} not met within ${ms} ms${last ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise(r => setTimeout(r, every));
  }
}

import { createRequire } from 'node:module';
const requireFromRoot = createRequire(path.join(root, 'package.json'));
function require_(id) {
  return requireFromRoot.resolve(id);
}
export { requireFromRoot };

/** Launches Debian's Chromium, headless, with the flags this sandboxed machine needs. */
export async function launchChromium() {
  const { chromium } = requireFromRoot('playwright-core');
  const userDataDir = await mkdtemp(
    path.join(os.tmpdir(), 'datastack-chromium-'),
  );
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Starts the Argo CD sandbox CLI (packages/argocd-sandbox) with one instance
 * per name, each on a free port. Resolves with their URLs and a stop().
 */
export async function startSandbox(
  names,
  {
    token = 'sandbox-token',
    syncDurationMs = 1000,
    gitRoot,
    seed,
    latencyMs,
    charts = false,
    // The platform layer (platform project, operators on in-cluster), as the
    // platform team's "Platform operators" would have left it.
    platform = true,
  } = {},
) {
  const ports = await Promise.all(names.map(() => freePort()));
  const chartsPort = charts ? await freePort() : undefined;
  const args = [
    '--require',
    require_('@backstage/cli/config/nodeTransform.cjs'),
    path.join(root, 'packages/argocd-sandbox/src/main.ts'),
    '--instances',
    names.map((n, i) => `${n}:${ports[i]}`).join(','),
    '--token',
    token,
    '--sync-duration',
    String(syncDurationMs),
  ];
  if (gitRoot) args.push('--git-root', gitRoot);
  // The teams' Application namespaces (Argo CD "Applications in any namespace").
  args.push('--application-namespaces', 'argocd-apps-*');
  if (seed) args.push('--seed', String(seed));
  if (latencyMs) args.push('--latency', String(latencyMs));
  if (chartsPort) args.push('--charts', String(chartsPort));
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  child.stdout.on('data', d => logs.push(String(d)));
  child.stderr.on('data', d => logs.push(String(d)));
  const urls = names.map((_, i) => `http://127.0.0.1:${ports[i]}`);
  await eventually(
    async () =>
      (
        await Promise.all(urls.map(u => fetch(`${u}/api/version`)))
      ).every(r => r.ok),
    { ms: 60_000, what: `sandbox up (${logs.join('')})` },
  );
  // The chart repository stand-in says where each registry repository is mirrored.
  let chartRepositories = [];
  let chartsUrl;
  if (chartsPort) {
    chartsUrl = `http://127.0.0.1:${chartsPort}`;
    const state = await eventually(
      async () => (await fetch(`${chartsUrl}/sandbox`)).json(),
      { ms: 30_000, what: `chart repository up (${logs.join('')})` },
    );
    chartRepositories = state.repositories.map(r => ({
      url: r.repository,
      mirror: r.mirror,
      ...(r.kind === 'oci' && { plainHttp: true }),
    }));
  }
  const instances = names.map((name, i) => ({ name, url: urls[i], token }));
  if (platform) await seedPlatform(instances);
  return {
    instances,
    /** `datastack.upgrades.chartRepositories` pointing at the stand-in (with `charts: true`). */
    chartRepositories,
    chartsUrl,
    async stop() {
      child.kill('SIGTERM');
      await new Promise(r => child.once('exit', r));
    },
  };
}

/** Runs a template as a scaffolder task through the backend's API; resolves with the task and its log. */
export async function runTemplateTask(
  backend,
  templateRef,
  values,
  { ms = 120_000, user = 'guest' } = {},
) {
  // A task runs as the user who starts it: Datastack's actions check that
  // user's teams against the pipeline's owner.
  const token = await backend.userToken(user);
  const created = await backend.api('/api/scaffolder/v2/tasks', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ templateRef, values }),
  });
  if (created.status !== 201) {
    throw new Error(
      `task not created: ${created.status} ${await created.text()}`,
    );
  }
  const { id } = await created.json();
  const task = await eventually(
    async () => {
      const body = await (
        await backend.api(`/api/scaffolder/v2/tasks/${id}`)
      ).json();
      return ['completed', 'failed', 'cancelled'].includes(body.status)
        ? body
        : undefined;
    },
    { ms, every: 20, what: `task ${id} done` },
  );
  const events = await (
    await backend.api(`/api/scaffolder/v2/tasks/${id}/events`)
  ).json();
  return { task, log: events.map(e => e.body.message).filter(Boolean) };
}

/** Signs the guest in on a fresh page and waits for the catalog. */
export async function signInAsGuest(page, baseUrl) {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('button', { name: /enter/i }).click({ timeout: 60_000 });
  await page
    .getByRole('heading', { name: 'Datastack Catalog' })
    .waitFor({ timeout: 60_000 });
}

/** Signs `user` in through the development sign-in page (alice, bob, ada…). */
export async function signInAs(page, baseUrl, user) {
  await page.goto(`${baseUrl}/`);
  await page
    .getByRole('button', { name: `Sign in as ${user}` })
    .click({ timeout: 60_000 });
  await page
    .getByRole('heading', { name: 'Datastack Catalog' })
    .waitFor({ timeout: 60_000 });
}

/** POSTs `body` to a sandbox control endpoint (`/sandbox/failure`…) and returns its answer. */
export async function sandboxControl(url, pathname, body = {}) {
  const res = await fetch(`${url}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  }
  return res.json();
}

/**
 * A catalog config with one file location holding `entities`, for
 * `startBackend({ config: { catalog: await catalogOf(entities) } })`.
 */
export async function catalogOf(entities) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'datastack-entities-'));
  const file = path.join(dir, 'entities.yaml');
  await writeFile(file, entities.map(e => JSON.stringify(e)).join('\n---\n'));
  return { locations: [{ type: 'file', target: file }] };
}

/** Waits until the catalog serves the entity `kind/default/name`. */
export function entityInCatalog(backend, kind, name, ms = 120_000) {
  return eventually(
    async () =>
      (
        await backend.api(
          `/api/catalog/entities/by-name/${kind}/default/${name}`,
        )
      ).ok,
    { what: `${kind}:default/${name} in the catalog`, ms },
  );
}

/**
 * Starts Debian's redis-server (scripts/services.sh installs it) on a free
 * loopback port, without persistence. Resolves with its `url`, `port`,
 * `keys(pattern)` (through redis-cli) and `stop()`.
 */
export async function startRedis() {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'datastack-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs = [];
  child.stdout.on('data', d => logs.push(String(d)));
  child.stderr.on('data', d => logs.push(String(d)));
  const exited = new Promise(resolve => child.once('close', resolve));
  child.once('error', error => logs.push(String(error)));
  const cli = (...args) =>
    new Promise((resolve, reject) => {
      const c = spawn('redis-cli', ['-p', String(port), '--raw', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      c.stdout.on('data', d => (out += d));
      c.stderr.on('data', d => (err += d));
      c.once('error', reject);
      c.once('close', code =>
        code === 0
          ? resolve(out)
          : reject(new Error(`redis-cli ${args.join(' ')}: ${err || out}`)),
      );
    });
  await eventually(async () => (await cli('ping')).trim() === 'PONG', {
    ms: 20_000,
    every: 100,
    what: `redis-server on ${port} (${logs.join('')})`,
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    logs,
    async keys(pattern = '*') {
      return (await cli('keys', pattern)).split('\n').filter(Boolean).sort();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      const { rm } = await import('node:fs/promises');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The values of "Create new data pipeline" for a small pipeline: ClickHouse
 * and Dagster in one dev environment on in-cluster, published locally.
 */
export function smallPipelineValues(name) {
  return {
    name,
    owner: 'group:default/data-engineering',
    ingest: 'none',
    transform: false,
    orchestrate: 'dagster',
    store: ['clickhouse'],
    stream: [],
    visualise: 'none',
    observe: false,
    environments: [
      {
        name: 'dev',
        argocdInstance: 'dev',
        cluster: 'in-cluster',
        size: 'small',
      },
    ],
    repoLocation: 'local',
  };
}

/**
 * Component entities for the benchmarks: one per chart × team, each
 * selecting the sandbox's seeded Applications of that component and team.
 */
export function benchEntities(
  charts = ['airflow', 'dagster', 'superset', 'trino'],
  teams = Array.from({ length: 10 }, (_, i) => `team-${i}`),
) {
  return charts.flatMap(chart =>
    teams.map(team => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: `bench-${chart}-${team}`,
        annotations: {
          'argocd/app-selector': `datastack.io/component=${chart},datastack.io/team=${team}`,
        },
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: 'group:default/platform-team',
      },
    })),
  );
}

/**
 * Words broken across lines inside the elements `selector` matches, as the
 * browser laid them out: each word (between spaces, hyphens and slashes) of two or more
 * characters is measured with a Range; one whose boxes sit on more than one
 * line was broken inside ("Health/y", "Versio/n", a SHA in two). Answers
 * `[{ word, in }]`, empty when every word is whole; `found` counts the
 * elements, so a check of nothing fails loudly.
 */
export async function brokenWords(page, selector) {
  return page.evaluate(sel => {
    const roots = [...document.querySelectorAll(sel)];
    const broken = [];
    for (const root of roots) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        const style = getComputedStyle(node.parentElement);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        // A line may end after a hyphen or a slash; inside a word, never.
        for (const match of text.matchAll(/[^\s\-/]{2,}/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set(
            [...range.getClientRects()]
              .filter(r => r.width > 0 && r.height > 0)
              .map(r => Math.round(r.top)),
          );
          if (tops.size > 1) {
            broken.push({
              word: match[0],
              in: (
                node.parentElement.closest('td,th,li,p,span') ?? root
              ).textContent.slice(0, 80),
            });
          }
        }
      }
    }
    return { found: roots.length, broken };
  }, selector);
}

/** The widths every layout check runs at: a phone, a tablet, a laptop. */
export const LAYOUT_WIDTHS = [360, 768, 1280];
