// The production image, proved without Docker (base images cannot be pulled
// here): builds the backend bundle as the host build does (`yarn
// build:backend`), then runs every COPY and RUN of packages/backend/Dockerfile
// (apt-get aside) in an empty directory standing for the image's WORKDIR, and
// starts the Dockerfile's CMD there against the test PostgreSQL and a Redis of
// its own. Signed in through a static external-access token (the production
// sign-in providers need real identity providers), it loads the app page, the
// catalog's templates, one template, Datastack's routes, and checks that the
// cache service writes to Redis.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  freePort,
  requireFromRoot,
  root,
  startRedis,
  startSandbox,
  yamlConfig,
} from './lib.mjs';

const postgresUrl = process.env.DATASTACK_TEST_POSTGRES_URL;
if (!postgresUrl && process.env.CI) {
  throw new Error(
    'DATASTACK_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL and sets it',
  );
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function parseDockerfile(text) {
  const instructions = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!current && line === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    current += line;
    const match = /^(\w+)\s+(.*)$/s.exec(current);
    assert.ok(match, `not a Dockerfile instruction: ${current}`);
    // BuildKit flags (--mount, --chown) say how, not what.
    const args = match[2].replace(/^(--\S+\s+)+/, '');
    instructions.push({ instruction: match[1].toUpperCase(), args });
    current = '';
  }
  return instructions;
}

function run(command, args, { cwd, env = process.env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = [];
    child.stdout.on('data', d => output.push(String(d)));
    child.stderr.on('data', d => output.push(String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', code => {
      clearTimeout(timer);
      if (code === 0) resolve(output.join(''));
      else {
        reject(
          new Error(
            `${command} ${args.join(' ')} exited with ${code}:\n${output
              .join('')
              .slice(-4000)}`,
          ),
        );
      }
    });
  });
}

const exists = p =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Docker's COPY: a directory's contents into dest, files into dest (a directory when it ends with /). */
async function dockerCopy(args, workdir) {
  const parts = args.split(/\s+/);
  const dest = parts.pop();
  const target = path.resolve(workdir, dest);
  const intoDirectory = dest.endsWith('/') || parts.length > 1;
  for (const source of parts) {
    const from = path.join(root, source);
    assert.ok(await exists(from), `COPY ${source}: not in the repository`);
    if ((await stat(from)).isDirectory()) {
      await mkdir(target, { recursive: true });
      await cp(from, target, { recursive: true });
    } else {
      const to = intoDirectory
        ? path.join(target, path.basename(source))
        : target;
      await mkdir(path.dirname(to), { recursive: true });
      await cp(from, to);
    }
  }
}

const seconds = ms => `${(ms / 1000).toFixed(1)} s`;

describe(
  'production image (packages/backend/Dockerfile)',
  {
    skip: !postgresUrl && 'DATASTACK_TEST_POSTGRES_URL is not set',
  },
  () => {
    const timings = [];
    const time = async (what, fn) => {
      const started = Date.now();
      const result = await fn();
      timings.push(`${what}: ${seconds(Date.now() - started)}`);
      return result;
    };
    let instructions;
    let workdir;
    let redis;
    let sandbox;
    let backend;
    let baseUrl;
    let logs = [];
    const token = randomBytes(24).toString('base64url');
    const databasePrefix = `datastack_prod_${randomBytes(4).toString('hex')}_`;
    const api = (p, init = {}) =>
      fetch(`${baseUrl}${p}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
        signal: AbortSignal.timeout(30_000),
      });

    before(
      async () => {
        instructions = parseDockerfile(
          await readFile(
            path.join(root, 'packages/backend/Dockerfile'),
            'utf8',
          ),
        );
        await time('yarn build:backend (app included)', () =>
          run('yarn', ['build:backend'], { cwd: root, timeoutMs: 300_000 }),
        );

        // The image's WORKDIR: an empty directory outside the repository, so
        // nothing resolves from the repository's node_modules.
        workdir = await mkdtemp(path.join(os.tmpdir(), 'datastack-image-'));
        const env = { ...process.env };
        for (const { instruction, args } of instructions) {
          if (instruction === 'ENV') {
            for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) {
              env[key] = value;
            }
          } else if (instruction === 'COPY') {
            await dockerCopy(args, workdir);
          } else if (instruction === 'RUN' && !args.startsWith('apt-get')) {
            // The base image's packages (apt-get) come with this machine.
            await time(`RUN ${args.slice(0, 50)}`, () =>
              run('bash', ['-euo', 'pipefail', '-c', args], {
                cwd: workdir,
                env,
                timeoutMs: 420_000,
              }),
            );
          }
        }

        redis = await startRedis();
        sandbox = await startSandbox(['prod'], { charts: true });
        const port = await freePort();
        baseUrl = `http://127.0.0.1:${port}`;
        const pg = new URL(postgresUrl);
        // What a deployment adds to the image's configuration (the Helm
        // chart's ConfigMap): its Argo CD and clusters, here the sandbox; plus
        // a static token for this test and a database prefix of this run's own.
        await writeFile(
          path.join(workdir, 'app-config.proof.yaml'),
          yamlConfig({
            backend: {
              listen: `127.0.0.1:${port}`,
              database: { prefix: databasePrefix },
              auth: {
                externalAccess: [
                  {
                    type: 'static',
                    options: { token, subject: 'production-proof' },
                  },
                ],
              },
            },
            datastack: {
              argocd: { instances: sandbox.instances },
              upgrades: { chartRepositories: sandbox.chartRepositories },
            },
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'in-cluster',
                      url: `${sandbox.instances[0].url}/k8s/in-cluster`,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: sandbox.instances[0].token,
                    },
                  ],
                },
              ],
            },
          }),
        );

        const cmd = instructions.find(i => i.instruction === 'CMD');
        const [command, ...args] = JSON.parse(cmd.args);
        assert.equal(command, 'node');
        backend = spawn(
          process.execPath,
          [...args, '--config', 'app-config.proof.yaml'],
          {
            cwd: workdir,
            env: {
              ...env,
              APP_BASE_URL: baseUrl,
              BACKEND_BASE_URL: baseUrl,
              POSTGRES_HOST: pg.hostname,
              POSTGRES_PORT: pg.port || '5432',
              POSTGRES_USER: decodeURIComponent(pg.username),
              POSTGRES_PASSWORD: decodeURIComponent(pg.password),
              REDIS_URL: redis.url,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        backend.stdout.on('data', d => logs.push(String(d)));
        backend.stderr.on('data', d => logs.push(String(d)));
        await time('backend ready', () =>
          eventually(
            async () => {
              assert.equal(
                backend.exitCode,
                null,
                `backend exited:\n${logs.join('').slice(-4000)}`,
              );
              return (
                await fetch(`${baseUrl}/.backstage/health/v1/readiness`, {
                  signal: AbortSignal.timeout(2000),
                })
              ).ok;
            },
            {
              ms: 180_000,
              what: `readiness (${logs.join('').slice(-4000)})`,
            },
          ),
        );
      },
      { timeout: 900_000 },
    );

    after(async () => {
      if (backend && backend.exitCode === null) {
        const exited = new Promise(r => backend.once('exit', r));
        backend.kill('SIGTERM');
        const timer = setTimeout(() => backend.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await redis?.stop();
      await sandbox?.stop();
      if (workdir) await rm(workdir, { recursive: true, force: true });
      if (postgresUrl) {
        // The plugins' databases of this run (database-per-plugin, as in production).
        const { Client } = requireFromRoot('pg');
        const client = new Client({
          connectionString: `${postgresUrl}/postgres`,
        });
        await client.connect();
        try {
          const { rows } = await client.query(
            'SELECT datname FROM pg_database WHERE datname LIKE $1',
            [`${databasePrefix}%`],
          );
          for (const { datname } of rows) {
            await client.query(`DROP DATABASE IF EXISTS "${datname}"`);
          }
        } finally {
          await client.end();
        }
      }
    });

    it('is the image Backstage documents: git, non-root, production mode and config, the files the config reads', async t => {
      t.diagnostic(timings.join('; '));
      const of = kind =>
        instructions.filter(i => i.instruction === kind).map(i => i.args);
      assert.match(
        of('FROM')[0],
        new RegExp(`^node:${process.versions.node.split('.')[0]}-`),
        'the image runs the Node major the host build used',
      );
      const apt = of('RUN').find(r => r.startsWith('apt-get'));
      for (const pkg of ['git', 'libsqlite3-dev']) {
        assert.ok(apt.split(/\s+/).includes(pkg), `apt-get installs ${pkg}`);
      }
      assert.deepEqual(of('USER'), ['node']);
      assert.ok(of('ENV').includes('NODE_ENV=production'));
      const copied = of('COPY').flatMap(c => c.split(/\s+/).slice(0, -1));
      for (const source of [
        'packages/backend/dist/skeleton.tar.gz',
        'packages/backend/dist/bundle.tar.gz',
        'app-config.yaml',
        'app-config.production.yaml',
        'catalog-info.yaml',
        'catalog',
        'templates',
      ]) {
        assert.ok(copied.includes(source), `COPY ${source}`);
      }
      assert.deepEqual(JSON.parse(of('CMD')[0]), [
        'node',
        'packages/backend',
        '--config',
        'app-config.yaml',
        '--config',
        'app-config.production.yaml',
      ]);
      // The production install left the development tooling out.
      for (const dev of [
        '@backstage/cli',
        '@datastack/argocd-sandbox',
        'jest',
        'playwright-core',
      ]) {
        assert.equal(
          await exists(path.join(workdir, 'node_modules', dev)),
          false,
          `${dev} is not installed in the image`,
        );
      }
      assert.ok(
        await exists(path.join(workdir, 'packages/app/dist/index.html')),
        'the bundle carries the built app',
      );
    });

    it('serves the app page from the backend, with its assets', async () => {
      const res = await fetch(`${baseUrl}/`);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /<title>Datastack<\/title>/);
      const script = /<script[^>]+src="(\/static\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, 'the page loads the bundle');
      const asset = await fetch(`${baseUrl}${script}`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', /javascript/);
      // A client-side route gets the app too.
      const route = await fetch(`${baseUrl}/create`);
      assert.equal(route.status, 200);
      assert.match(await route.text(), /<title>Datastack<\/title>/);
    });

    it('refuses the catalog without credentials and serves the templates to the token', async () => {
      assert.equal(
        (await fetch(`${baseUrl}/api/catalog/entities`)).status,
        401,
      );
      // Guest sign-in is a development provider: production does not serve it.
      const guest = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      assert.notEqual(guest.status, 200);
      const names = await eventually(
        async () => {
          const res = await api(
            '/api/catalog/entities?filter=kind=template&fields=metadata.name',
          );
          assert.equal(res.status, 200);
          const body = (await res.json()).map(e => e.metadata.name);
          return body.includes('datastack-data-pipeline') &&
            body.includes('datastack-platform-operators')
            ? body
            : undefined;
        },
        { ms: 120_000, what: 'the templates in the catalog' },
      );
      assert.ok(names.includes('datastack-trino'), names.join(', '));
      const people = await (
        await api(
          '/api/catalog/entities?filter=kind=group&fields=metadata.name',
        )
      ).json();
      assert.ok(
        people.some(g => g.metadata.name === 'platform-team'),
        'catalog/org.yaml is read',
      );
    });

    it('serves one template to the scaffolder', async () => {
      const res = await api(
        '/api/scaffolder/v2/templates/default/template/datastack-data-pipeline/parameter-schema',
      );
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.title, 'Create new data pipeline');
      assert.ok(body.steps.length > 0);
    });

    it('answers the Datastack routes, and its cache is Redis', async () => {
      const status = await (
        await fetch(`${baseUrl}/api/datastack/status`)
      ).json();
      assert.equal(status.status, 'ok');
      assert.deepEqual(status.argocdInstances, ['prod']);
      assert.ok(status.components.includes('trino'));

      const fleet = await api('/api/datastack/health/fleet');
      assert.equal(fleet.status, 200);
      const page = await fleet.json();
      assert.deepEqual(
        page.instances.map(i => [i.instance, i.status]),
        [['prod', 'ok']],
        JSON.stringify(page.instances),
      );
      const clusters = await api('/api/datastack/health/clusters');
      assert.equal(clusters.status, 200);
      const { clusters: rows } = await clusters.json();
      assert.deepEqual(
        rows.map(c => [c.name, c.status]),
        [['in-cluster', 'ok']],
        JSON.stringify(rows),
      );
      // Backstage's cache client stores each key base64-encoded under
      // <namespace>:<pluginId>: (the namespace of app-config.production.yaml).
      const prefix = 'backstage:datastack:';
      const keys = (await redis.keys(`${prefix}*`)).map(k =>
        Buffer.from(k.slice(prefix.length), 'base64').toString('utf8'),
      );
      assert.ok(
        keys.some(k => k.startsWith('fleet:')),
        `the fleet answer is in Redis: ${keys.join(', ')}`,
      );
      assert.ok(
        keys.some(k => k.startsWith('cluster-last-seen:')),
        `the cluster's last-seen time is in Redis: ${keys.join(', ')}`,
      );
    });
  },
);
