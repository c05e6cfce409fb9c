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
import { spawn, spawnSync } from 'node:child_process';
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
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI) {
  throw new Error(
    'redis-server is not installed: scripts/services.sh (run by .ci/run) installs it',
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
    skip:
      (!postgresUrl && 'DATASTACK_TEST_POSTGRES_URL is not set') ||
      (!hasRedis && 'redis-server is not installed (bash scripts/services.sh)'),
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
          // The catalog ingests the template locations one by one: wait
          // for every one this test names, not just the first two.
          return [
            'datastack-data-pipeline',
            'datastack-platform-operators',
            'datastack-trino',
          ].every(name => body.includes(name))
            ? body
            : undefined;
        },
        { ms: 120_000, what: 'the templates in the catalog' },
      );
      assert.ok(names.length >= 3, names.join(', '));
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

    it('answers the Datastack routes from the live inventory, and its cache is Redis', async () => {
      const status = await (
        await fetch(`${baseUrl}/api/datastack/status`)
      ).json();
      assert.equal(status.status, 'ok');
      assert.deepEqual(status.argocdInstances, ['prod']);
      assert.ok(status.components.includes('trino'));

      // The replica holding prod's lease lists it and follows its watch
      // stream; the fleet is then answered from the inventory (PostgreSQL),
      // not from Argo CD or the cache.
      const inventory = await eventually(
        async () => {
          const res = await api('/api/datastack/health/inventory');
          const body = await res.json();
          return (
            body.instances.find(
              i => i.instance === 'prod' && i.state === 'live',
            ) && body
          );
        },
        { ms: 60_000, what: 'the prod inventory is live' },
      );
      assert.equal(inventory.enabled, true);

      const fleet = await api('/api/datastack/health/fleet');
      assert.equal(fleet.status, 200);
      const page = await fleet.json();
      assert.deepEqual(
        page.instances.map(i => [i.instance, i.status, i.inventory?.state]),
        [['prod', 'ok', 'live']],
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
        keys.some(k => k.startsWith('cluster-health:')),
        `the cluster health answer is in Redis: ${keys.join(', ')}`,
      );
      assert.ok(
        keys.some(k => k.startsWith('cluster-last-seen:')),
        `the cluster's last-seen time is in Redis: ${keys.join(', ')}`,
      );
    });
  },
);

// helm and kubectl cannot run here: the manifests are checked as data. The
// key lists are those of the chart's values.yaml (backstage/charts,
// charts/backstage 2.8.2), so a misspelt key, which Helm ignores silently,
// fails here.
const CHART_KEYS = {
  '': [
    'global',
    'kubeVersion',
    'nameOverride',
    'fullnameOverride',
    'clusterDomain',
    'commonLabels',
    'commonAnnotations',
    'extraDeploy',
    'diagnosticMode',
    'ingress',
    'httpRoute',
    'backstage',
    'service',
    'networkPolicy',
    'postgresql',
    'serviceAccount',
    'metrics',
  ],
  backstage: [
    'replicas',
    'revisionHistoryLimit',
    'strategy',
    'image',
    'pdb',
    'autoscaling',
    'containerPorts',
    'command',
    'args',
    'extraAppConfig',
    'extraContainers',
    'extraEnvVars',
    'extraEnvVarsCM',
    'extraEnvVarsSecrets',
    'extraPorts',
    'extraVolumeMounts',
    'extraVolumes',
    'initContainers',
    'installDir',
    'resources',
    'readinessProbe',
    'livenessProbe',
    'startupProbe',
    'podSecurityContext',
    'containerSecurityContext',
    'appConfig',
    'affinity',
    'topologySpreadConstraints',
    'nodeSelector',
    'tolerations',
    'hostAliases',
    'podAnnotations',
    'podLabels',
    'annotations',
  ],
  'backstage.image': [
    'registry',
    'repository',
    'tag',
    'digest',
    'pullPolicy',
    'pullSecrets',
  ],
  'backstage.pdb': ['create', 'minAvailable', 'maxUnavailable'],
  ingress: [
    'enabled',
    'className',
    'annotations',
    'host',
    'extraHosts',
    'path',
    'tls',
    'extraTls',
  ],
  'ingress.tls': ['enabled', 'secretName'],
  service: [
    'type',
    'ports',
    'nodePorts',
    'sessionAffinity',
    'clusterIP',
    'loadBalancerIP',
    'loadBalancerSourceRanges',
    'externalTrafficPolicy',
    'annotations',
    'extraPorts',
    'ipFamilyPolicy',
    'ipFamilies',
  ],
};

describe('deploy/: the Backstage chart values and the Valkey manifests', () => {
  const YAML = requireFromRoot('yaml');
  const load = async file => {
    const docs = YAML.parseAllDocuments(
      await readFile(path.join(root, file), 'utf8'),
    );
    for (const doc of docs) {
      assert.deepEqual(doc.errors, [], `${file} parses`);
    }
    return docs.map(doc => doc.toJS());
  };
  const at = (object, dotted) =>
    dotted ? dotted.split('.').reduce((o, k) => o?.[k], object) : object;
  /** `${VAR}` substitutions in the string values (comments are not config). */
  const substitutions = value => {
    if (typeof value === 'string') {
      return [...value.matchAll(/\$\{(\w+)(:-[^}]*)?\}/g)].map(m => ({
        name: m[1],
        required: m[2] === undefined,
      }));
    }
    if (value && typeof value === 'object') {
      return Object.values(value).flatMap(substitutions);
    }
    return [];
  };

  it('deploy/helm/values.yaml uses only keys of the chart, with two replicas, the image, probes, resources and no bundled PostgreSQL', async () => {
    const [values] = await load('deploy/helm/values.yaml');
    for (const [where, keys] of Object.entries(CHART_KEYS)) {
      for (const key of Object.keys(at(values, where) ?? {})) {
        assert.ok(
          keys.includes(key),
          `${
            where || '(top level)'
          }.${key} is not a value of the backstage chart 2.8`,
        );
      }
    }
    const { backstage } = values;
    assert.equal(backstage.replicas, 2);
    for (const key of ['registry', 'repository', 'tag']) {
      assert.equal(typeof backstage.image[key], 'string', `image.${key}`);
    }
    assert.equal(values.postgresql.enabled, false);
    assert.equal(values.ingress.enabled, true);
    assert.ok(values.ingress.host);
    assert.equal(
      backstage.readinessProbe.httpGet.path,
      '/.backstage/health/v1/readiness',
    );
    assert.equal(
      backstage.livenessProbe.httpGet.path,
      '/.backstage/health/v1/liveness',
    );
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      assert.equal(
        backstage[probe].httpGet.port,
        backstage.containerPorts.backend,
        `${probe} on the backend port`,
      );
    }
    assert.ok(backstage.resources.requests.cpu);
    assert.ok(backstage.resources.requests.memory);
    assert.ok(backstage.resources.limits.memory);
    assert.equal(backstage.podSecurityContext.runAsNonRoot, true);
    assert.equal(backstage.podSecurityContext.runAsUser, 1000);
    // The chart replaces the image's CMD: the same command and configs,
    // then the ConfigMap (appended by the chart).
    const dockerfile = await readFile(
      path.join(root, 'packages/backend/Dockerfile'),
      'utf8',
    );
    const cmd = JSON.parse(
      parseDockerfile(dockerfile).find(i => i.instruction === 'CMD').args,
    );
    assert.deepEqual([...backstage.command, ...backstage.args], cmd);
    assert.ok(backstage.appConfig.datastack.argocd.instances.length > 0);
    assert.equal(
      backstage.appConfig.datastack.gitops?.localRoot,
      undefined,
      'production publishes to a git host, not one pod’s disk',
    );
  });

  it('every variable the production configuration needs comes from a listed Secret or extraEnvVars', async () => {
    const [values] = await load('deploy/helm/values.yaml');
    const secrets = await load('deploy/helm/secrets.example.yaml');
    const [production] = await load('app-config.production.yaml');
    const listed = values.backstage.extraEnvVarsSecrets;
    for (const name of listed) {
      assert.ok(
        secrets.some(s => s.kind === 'Secret' && s.metadata.name === name),
        `secrets.example.yaml shows the Secret ${name}`,
      );
    }
    const provided = new Set([
      ...values.backstage.extraEnvVars.map(e => e.name),
      ...secrets
        .filter(s => listed.includes(s.metadata.name))
        .flatMap(s => Object.keys(s.stringData)),
    ]);
    const needed = [
      ...substitutions(production),
      ...substitutions(values.backstage.appConfig),
    ];
    assert.ok(needed.some(v => v.name === 'REDIS_URL'));
    for (const { name, required } of needed) {
      if (required) {
        assert.ok(provided.has(name), `${name} is provided to the pods`);
      }
    }
    // Every sign-in variable is shown, though each provider is optional.
    for (const { name } of substitutions(production.auth)) {
      assert.ok(provided.has(name), `${name} is in secrets.example.yaml`);
    }
  });

  it('deploy/valkey: a Deployment without persistence, its Service and a NetworkPolicy for the Backstage pods agree', async () => {
    const docs = (
      await Promise.all(
        ['deployment.yaml', 'service.yaml', 'networkpolicy.yaml'].map(f =>
          load(`deploy/valkey/${f}`),
        ),
      )
    ).flat();
    const of = kind => {
      const found = docs.filter(d => d.kind === kind);
      assert.equal(found.length, 1, `one ${kind}`);
      return found[0];
    };
    const deployment = of('Deployment');
    const service = of('Service');
    const policy = of('NetworkPolicy');
    assert.equal(deployment.apiVersion, 'apps/v1');
    const pod = deployment.spec.template;
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) {
      assert.equal(pod.metadata.labels[k], v, `Deployment selector ${k}`);
    }
    for (const [k, v] of Object.entries(service.spec.selector)) {
      assert.equal(pod.metadata.labels[k], v, `Service selector ${k}`);
    }
    const [container] = pod.spec.containers;
    const portNames = container.ports.map(p => p.name);
    assert.ok(portNames.includes(service.spec.ports[0].targetPort));
    // A cache: no snapshot, no append-only file, no volume claim.
    const args = container.args;
    assert.equal(args[args.indexOf('--save') + 1], '');
    assert.equal(args[args.indexOf('--appendonly') + 1], 'no');
    assert.ok(args.includes('--maxmemory-policy'));
    assert.equal(
      (pod.spec.volumes ?? []).some(v => v.persistentVolumeClaim),
      false,
    );
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);

    // REDIS_URL of the example Secret names this Service and port.
    const secrets = await load('deploy/helm/secrets.example.yaml');
    const redisUrl = new URL(
      secrets.find(
        s => s.metadata.name === 'datastack-redis',
      ).stringData.REDIS_URL,
    );
    assert.equal(redisUrl.hostname, service.metadata.name);
    assert.equal(Number(redisUrl.port), service.spec.ports[0].port);

    // Only the release's Backstage pods reach it: the labels the chart gives
    // them (app.kubernetes.io/name: backstage, instance: the release name,
    // as the values' topology spread assumes).
    const [values] = await load('deploy/helm/values.yaml');
    const backstageLabels =
      values.backstage.topologySpreadConstraints[0].labelSelector.matchLabels;
    assert.deepEqual(
      policy.spec.ingress[0].from[0].podSelector.matchLabels,
      backstageLabels,
    );
    for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels)) {
      assert.equal(pod.metadata.labels[k], v, `NetworkPolicy selects ${k}`);
    }
  });
});
