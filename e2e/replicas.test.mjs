// Two replicas of the backend, as the Helm chart runs them: two processes on
// one PostgreSQL database, one Redis (the cache service) and one GitOps
// directory every replica mounts. The tests prove what replicas must share:
// - a scheduled `global` task (the chart repository refresh) runs on one
//   host at a time, not once per replica;
// - a scaffolder task started on replica A whose process is killed mid-run
//   is recovered by replica B (scaffolder.taskRecovery) and completes, with
//   one repository, one commit, one set of Applications and one catalog
//   location;
// - a health answer one replica fetched is served by the other from Redis
//   with no call to Argo CD;
// - a replica refuses to start when its GitOps repositories would be a
//   per-pod directory (datastack.replicas > 1 without localRootShared).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  smallPipelineValues,
  startBackend,
  startRedis,
  startSandbox,
} from './lib.mjs';
import {
  inventoryLive,
  pageViewRequests,
  sandboxRequests as recentRequests,
} from '../bench/lib/measure.mjs';

const postgres = process.env.DATASTACK_TEST_POSTGRES_URL;
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (process.env.CI && (!postgres || !hasRedis)) {
  throw new Error(
    'the replica tests need PostgreSQL (DATASTACK_TEST_POSTGRES_URL) and redis-server: .ci/run starts both',
  );
}

const CHART_REFRESH = 'datastack-chart-versions-refresh';

describe(
  'two replicas on one PostgreSQL and one Redis',
  {
    skip:
      (!postgres && 'DATASTACK_TEST_POSTGRES_URL is not set') ||
      (!hasRedis && 'redis-server is not installed (bash scripts/services.sh)'),
  },
  () => {
    let sandbox;
    let redis;
    let a;
    let b;
    let gitopsRoot;
    let replicaOptions;
    const started = [];

    const sandboxRequests = async () =>
      (
        await Promise.all(
          sandbox.instances.map(
            async i =>
              (
                await (await fetch(`${i.url}/sandbox`)).json()
              ).apiRequests,
          ),
        )
      ).reduce((x, y) => x + y, 0);
    const chartRequests = async () =>
      (await (await fetch(`${sandbox.chartsUrl}/sandbox`)).json())
        .repositoryRequests;
    const setLatency = ms =>
      Promise.all(
        sandbox.instances.map(i =>
          fetch(`${i.url}/sandbox/latency`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ms }),
          }),
        ),
      );
    const startReplica = async () => {
      const replica = await startBackend(replicaOptions);
      started.push(replica);
      return replica;
    };
    const refreshState = async replica => {
      const res = await replica.api(
        '/api/datastack/.backstage/scheduler/v1/tasks',
      );
      assert.equal(res.status, 200, await res.clone().text());
      const { tasks } = await res.json();
      return tasks.find(t => t.taskId === CHART_REFRESH);
    };

    before(async () => {
      gitopsRoot = await mkdtemp(path.join(os.tmpdir(), 'datastack-shared-'));
      redis = await startRedis();
      sandbox = await startSandbox(['dev', 'prod'], {
        charts: true,
        gitRoot: gitopsRoot,
      });
      replicaOptions = {
        database: postgres,
        databaseName: `datastack_replicas_${randomBytes(4).toString('hex')}`,
        gitopsRoot,
        config: {
          backend: {
            cache: {
              store: 'redis',
              connection: redis.url,
              redis: { client: { namespace: 'replicas' } },
            },
          },
          scaffolder: {
            taskRecovery: {
              enabled: true,
              staleTimeout: { seconds: 5 },
              workspaceProvider: 'database',
            },
          },
          datastack: {
            replicas: 2,
            gitops: { localRootShared: true },
            argocd: { instances: sandbox.instances },
            health: { cacheTtlMs: 300_000 },
            upgrades: {
              chartRepositories: sandbox.chartRepositories,
              refreshIntervalMinutes: 60,
            },
          },
          search: {
            collators: {
              datastack: {
                schedule: {
                  frequency: { hours: 1 },
                  timeout: { minutes: 1 },
                  initialDelay: { hours: 1 },
                },
              },
            },
          },
        },
      };
      // One after the other: the first creates the database and runs the
      // migrations, as the first pod of a rollout does.
      a = await startReplica();
      b = await startReplica();
    });
    after(async () => {
      for (const replica of started) await replica.stop();
      await sandbox?.stop();
      await redis?.stop();
    });

    it('runs the global chart refresh on one host at a time', async () => {
      // Both replicas scheduled the refresh (10 s initial delay); the task's
      // row in the shared database lets one of them run it.
      const first = await eventually(
        async () => {
          const state = await refreshState(b);
          return state?.taskState?.status === 'idle' &&
            state.taskState.lastRunEndedAt
            ? state
            : undefined;
        },
        { ms: 90_000, what: 'the first chart refresh done' },
      );
      assert.equal(first.scope, 'global');
      assert.equal(first.taskState.lastRunError, undefined);
      // Both replicas read the same state: it lives in the database.
      assert.deepEqual(
        (await refreshState(a)).taskState,
        (await refreshState(b)).taskState,
      );
      const afterInitial = await chartRequests();

      // One more run, triggered through replica A's scheduler API, gives the
      // requests of one refresh.
      const triggered = await a.api(
        `/api/datastack/.backstage/scheduler/v1/tasks/${CHART_REFRESH}/trigger`,
        { method: 'POST' },
      );
      assert.equal(triggered.status, 200);
      await eventually(
        async () => {
          const state = await refreshState(b);
          return (
            state.taskState.status === 'idle' &&
            state.taskState.lastRunEndedAt !== first.taskState.lastRunEndedAt
          );
        },
        { ms: 60_000, what: 'the triggered chart refresh done' },
      );
      const perRun = (await chartRequests()) - afterInitial;
      assert.ok(perRun > 0, 'a refresh reads the chart repositories');
      // The two replicas' initial runs were one run, not two. (The first
      // run also fetches the OCI registries' bearer tokens, which later runs
      // reuse, so it may ask a little more than a later one.)
      assert.ok(
        afterInitial >= perRun && afterInitial < 2 * perRun,
        `the initial refresh asked ${afterInitial} times: one run asks ${perRun}`,
      );
    });

    it('recovers a task whose replica was killed mid-run on the other, once', async () => {
      await eventually(
        async () =>
          (
            await b.api(
              '/api/catalog/entities/by-name/template/default/datastack-data-pipeline',
            )
          ).ok,
        { what: 'the template in the catalog' },
      );
      // Slow Argo CD answers keep the task inside its apply step long
      // enough to kill replica A there.
      await setLatency(1500);
      const token = await a.userToken('guest');
      const created = await a.api('/api/scaffolder/v2/tasks', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({
          templateRef: 'template:default/datastack-data-pipeline',
          values: smallPipelineValues('replicated'),
        }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const { id } = await created.json();
      const events = async () =>
        (await b.api(`/api/scaffolder/v2/tasks/${id}/events`)).json();

      await eventually(
        async () =>
          (
            await events()
          ).some(
            e => e.body?.stepId === 'apply' && e.body?.status === 'processing',
          ),
        { ms: 120_000, every: 100, what: 'the task in its apply step' },
      );
      const killedAt = Date.now();
      await a.kill();
      await setLatency(0);

      const task = await eventually(
        async () => {
          const body = await (
            await b.api(`/api/scaffolder/v2/tasks/${id}`)
          ).json();
          return ['completed', 'failed', 'cancelled'].includes(body.status)
            ? body
            : undefined;
        },
        { ms: 120_000, every: 250, what: `task ${id} recovered and done` },
      );
      const recoveredInMs = Date.now() - killedAt;
      const log = (await events()).map(e => e.body?.message).filter(Boolean);
      assert.equal(task.status, 'completed', log.join('\n'));
      assert.ok(
        (await events()).some(e => e.type === 'recovered'),
        'the task carries its recovery event',
      );
      assert.ok(
        log.some(m =>
          /Skipping step publish because it was already completed/.test(m),
        ),
        `B resumed after the completed steps:\n${log.join('\n')}`,
      );
      console.log(
        `# task recovered and completed ${recoveredInMs} ms after the kill`,
      );

      // One repository with one commit: nothing was pushed twice.
      assert.deepEqual(await readdir(gitopsRoot), ['replicated.git']);
      const commits = execFileSync(
        'git',
        [
          '--git-dir',
          path.join(gitopsRoot, 'replicated.git'),
          'rev-list',
          '--count',
          'main',
        ],
        { encoding: 'utf8' },
      ).trim();
      assert.equal(commits, '1');

      // Each Application exists once, with the names render gave them.
      const apps = await (
        await fetch(
          `${sandbox.instances[0].url}/api/v1/applications?selector=datastack.io/pipeline=replicated`,
          {
            headers: { authorization: `Bearer ${sandbox.instances[0].token}` },
          },
        )
      ).json();
      assert.deepEqual(apps.items.map(x => x.metadata.name).sort(), [
        'replicated-clickhouse-dev',
        'replicated-dagster-dev',
        'replicated-dev',
      ]);

      // One catalog location for the pipeline's catalog-info.yaml.
      const locations = await (await b.api('/api/catalog/locations')).json();
      assert.equal(
        locations.filter(l => /replicated\.git/.test(l.data.target)).length,
        1,
        JSON.stringify(locations),
      );
    });

    it('answers entity health on a replacement replica from the inventory the others keep, the same on every replica, with no Argo CD call per view', async () => {
      // Replica A is gone; a replacement joins, as a rescheduled pod would.
      const c = await startReplica();
      const path_ =
        '/api/datastack/health/entity/default/component/replicated-clickhouse';
      await eventually(
        async () =>
          (
            await c.api(
              '/api/catalog/entities/by-name/component/default/replicated-clickhouse',
            )
          ).ok,
        { what: 'the pipeline component in the catalog' },
      );
      // C reads the projection B's watch keeps in PostgreSQL: it needs no
      // list of its own.
      await inventoryLive(
        c,
        sandbox.instances.map(i => i.name),
        60_000,
      );
      // The killed replica may have held a stream: its instance reads live
      // (as last confirmed) until its lease runs out and B or C takes the
      // stream over and lists; the recovered pipeline's Applications, made
      // after the kill, are in the inventory from then on, and in every
      // replica's within a poll of the database.
      const hasApplication = async replica => {
        const res = await replica.api(path_);
        if (!res.ok) return false;
        const body = await res.json();
        return body.rows?.some(
          r =>
            r.instance === 'dev' &&
            r.applications?.some(x => x.name === 'replicated-clickhouse-dev'),
        );
      };
      await eventually(
        async () => (await hasApplication(c)) && (await hasApplication(b)),
        {
          ms: 60_000,
          every: 250,
          what: "the recovered pipeline's Application in C's and B's inventory",
        },
      );
      const snapshot = () => Promise.all(sandbox.instances.map(recentRequests));
      const before_ = await snapshot();
      const fetched = await c.api(path_);
      assert.equal(fetched.status, 200, await fetched.clone().text());
      const onC = await fetched.json();
      const between = await snapshot();
      // C's first view may read a deployment's commit (Argo CD's revision
      // metadata, on demand, kept a day in Redis); nothing else.
      assert.equal(
        pageViewRequests(before_, between, e =>
          /\/revisions\/[^/]+\/metadata/.test(e.path),
        ),
        0,
        `C's view asked Argo CD only for commit metadata: ${JSON.stringify(
          between.map(a => a.entries.slice(-6)),
        )}`,
      );
      const served = await b.api(path_);
      assert.equal(served.status, 200);
      const onB = await served.json();
      const after_ = await snapshot();
      assert.equal(
        pageViewRequests(between, after_),
        0,
        `B's view asked Argo CD nothing (the inventory, and the commit metadata from Redis): ${JSON.stringify(
          after_.map(a => a.entries.slice(-6)),
        )}`,
      );

      // Every row of both answers came from the live inventory.
      for (const answer of [onC, onB]) {
        assert.ok(
          answer.rows.length > 0 &&
            answer.rows.every(r => r.inventory?.state === 'live'),
          JSON.stringify(answer.rows.map(r => r.inventory)),
        );
      }
      const dev = onC.rows.find(r => r.instance === 'dev');
      assert.equal(dev?.status, 'ok', JSON.stringify(onC.rows));
      assert.equal(dev.inventory?.state, 'live');
      assert.ok(
        dev.applications.some(x => x.name === 'replicated-clickhouse-dev'),
        JSON.stringify(dev.applications),
      );
      // The same Applications on both; when each replica last heard the
      // stream confirmed may differ by a poll.
      const timeless = answer => ({
        ...answer,
        rows: answer.rows.map(({ fetchedAt, inventory, ...row }) => ({
          ...row,
          inventory: inventory && { ...inventory, asOf: undefined },
        })),
      });
      assert.deepEqual(timeless(onB), timeless(onC));

      // The catalog entity each replica read for the caller is shared in Redis.
      const keys = await redis.keys('replicas:datastack:*');
      assert.ok(keys.length > 0, 'the entity reads are in Redis');
    });

    it('refuses to start a replica whose GitOps repositories would be a per-pod directory', async () => {
      await assert.rejects(
        startBackend({
          ...replicaOptions,
          gitopsRoot: await mkdtemp(path.join(os.tmpdir(), 'datastack-pod-')),
          config: {
            ...replicaOptions.config,
            datastack: {
              ...replicaOptions.config.datastack,
              gitops: { localRootShared: false },
            },
          },
        }),
        // The test database's password is "datastack", which the backend
        // redacts from its logs wherever the word appears.
        /Invalid configuration at (datastack|\*\*\*)\.replicas: is 2, but local GitOps repositories live in (datastack|\*\*\*)\.gitops\.localRoot/,
      );
    });
  },
);
