import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  type ArgoCdSandbox,
  startArgoCdSandbox,
} from '@datastack/argocd-sandbox';
import { ArgoCdClient } from '@datastack/plugin-datastack-node';
import type { Knex } from 'knex';
import { migrateDatabase } from '../database';
import type { InventoryConfig } from './config';
import {
  InventoryStore,
  LeaseLostError,
  SequenceMovedError,
} from './InventoryStore';
import { LiveInventory } from './LiveInventory';

if (process.env.DATASTACK_TEST_POSTGRES_URL) {
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING =
    process.env.DATASTACK_TEST_POSTGRES_URL;
}
const databases = TestDatabases.create({
  ids: process.env.DATASTACK_TEST_POSTGRES_URL
    ? ['POSTGRES_15', 'SQLITE_3']
    : ['SQLITE_3'],
});

const TOKEN = 'inventory-test-token';

/** Short intervals, so a test sees leases, probes and reconnects in seconds. */
const config: InventoryConfig = {
  enabled: true,
  leaseTtlMs: 3_000,
  pollIntervalMs: 50,
  probeIntervalMs: 300,
  reconnectMaxMs: 500,
  flushMs: 10,
  maxEventBytes: 1024 * 1024,
  streamIdleTimeoutMs: 1_000,
  tombstoneTtlMs: 60_000,
};

async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) {
      throw new Error(
        `Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise(r => setTimeout(r, 25));
  }
}

function clientOf(sandbox: ArgoCdSandbox, name = 'dev') {
  return new ArgoCdClient({
    instance: {
      name,
      url: sandbox.url,
      uiUrl: sandbox.url,
      auth: { type: 'token', token: TOKEN },
    },
    timeoutMs: 2_000,
  });
}

/** Requests to the sandbox's Argo CD API other than the stream and the probe. */
function pageViewCalls(sandbox: ArgoCdSandbox): number {
  return sandbox.requests.entries.filter(
    r =>
      r.area === 'argocd' &&
      !r.path.startsWith('/api/v1/stream/') &&
      !r.path.includes('inventory-probe'),
  ).length;
}

describe.each(databases.eachSupportedId())('LiveInventory on %s', id => {
  let knex: Knex;
  let sandbox: ArgoCdSandbox;
  const running: LiveInventory[] = [];

  function replica(options: Partial<InventoryConfig> = {}): LiveInventory {
    const inventory = new LiveInventory({
      clients: [clientOf(sandbox)],
      store: new InventoryStore(knex),
      config: { ...config, ...options },
      logger: mockServices.logger.mock(),
    });
    running.push(inventory);
    inventory.start();
    return inventory;
  }

  const names = (inventory: LiveInventory, selector?: string) =>
    inventory
      .answer('dev', { selector })
      ?.applications.map(a => a.metadata.name)
      .sort();

  beforeEach(async () => {
    knex = await databases.init(id);
    await migrateDatabase(mockServices.database({ knex }));
    sandbox = await startArgoCdSandbox({
      name: 'dev',
      token: TOKEN,
      syncDurationMs: 300,
      streamKeepaliveMs: 200,
    });
    sandbox.seedApplications(30, {
      charts: ['trino'],
      labels: { 'datastack.io/component': 'trino' },
    });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map(r => r.stop()));
    await sandbox.close();
  });

  it('lists once, then follows the watch stream: a change is in the answer without a call per read', async () => {
    const inventory = replica();
    await eventually('the inventory to go live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    expect(names(inventory, 'datastack.io/component=trino')).toHaveLength(30);
    expect(names(inventory, 'datastack.io/component=kafka')).toEqual([]);

    const client = clientOf(sandbox);
    const [first] = sandbox.applications();
    sandbox.requests.clear();
    await client.syncApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
    });
    const syncCalls = pageViewCalls(sandbox);

    // The operation's progress arrives through the stream.
    const phases = new Set<string>();
    await eventually('the sync to finish in the inventory', () => {
      const app = inventory
        .answer('dev', { name: first.metadata.name })
        ?.applications.at(0);
      const phase = app?.status?.operationState?.phase;
      if (phase) phases.add(phase);
      return phase === 'Succeeded' && app?.status?.health?.status === 'Healthy';
    });
    expect(phases).toContain('Succeeded');
    for (let i = 0; i < 200; i++) inventory.answer('dev', { selector: '' });
    expect(pageViewCalls(sandbox)).toBe(syncCalls);

    await client.deleteApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
    });
    await eventually('the deletion to reach the inventory', () =>
      names(inventory)?.length === 29 ? true : undefined,
    );
  });

  it('writes nothing for a reconciliation that changed nothing it keeps, and writes the next real change', async () => {
    const inventory = replica();
    await eventually('the inventory to go live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    const client = clientOf(sandbox);
    const [first, second] = sandbox.applications();
    const app = (name: string) =>
      inventory.answer('dev', { name })?.applications.at(0);
    const listed = app(first.metadata.name)!.metadata.resourceVersion;
    const listedSecond = app(second.metadata.name)!.metadata.resourceVersion;
    const changes: string[][] = [];
    inventory.onChange(instances => changes.push(instances));
    const rows = async () =>
      (
        await knex('datastack_inventory_applications')
          .where({ instance: 'dev' })
          .select('resource_version')
      ).map(r => r.resource_version);
    const before = await rows();

    // A refresh: Argo CD rewrites reconciledAt, with a new resourceVersion.
    const refreshed = await client.getApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
      refresh: 'normal',
    });
    expect(refreshed.metadata.resourceVersion).not.toBe(listed);
    // Then a real change to another Application, after it in the stream.
    await client.syncApplication(second.metadata.name, {
      appNamespace: second.metadata.namespace,
    });
    await eventually('the sync to reach the inventory', () =>
      app(second.metadata.name)?.metadata.resourceVersion !== listedSecond
        ? true
        : undefined,
    );
    expect(app(first.metadata.name)!.metadata.resourceVersion).toBe(listed);
    expect(app(first.metadata.name)!.status).not.toHaveProperty('reconciledAt');
    expect((await rows()).filter(rv => !before.includes(rv))).not.toContain(
      refreshed.metadata.resourceVersion,
    );
    expect(changes.length).toBeGreaterThan(0);

    // A real change to the first one is written.
    await client.syncApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
    });
    await eventually('the first one to change', () =>
      app(first.metadata.name)?.metadata.resourceVersion !== listed
        ? true
        : undefined,
    );
    expect(app(first.metadata.name)!.status?.operationState).toBeDefined();
  });

  it('writes the live state after a relist whose every change was a reconciliation', async () => {
    // No probe for a minute: only the relist can write the state back.
    const inventory = replica({ probeIntervalMs: 60_000 });
    await eventually('the inventory to go live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    await eventually('the stream to be open', () =>
      sandbox.streams.open === 1 ? true : undefined,
    );
    const [first] = sandbox.applications();
    const row = () =>
      knex('datastack_inventory_instances').where({ instance: 'dev' }).first();
    const seq = Number((await row()).seq);
    // Skipped as it streams in: the stored row keeps its resourceVersion.
    await clientOf(sandbox).getApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
      refresh: 'normal',
    });
    await new Promise(r => setTimeout(r, 200));
    expect(Number((await row()).seq)).toBe(seq);
    // So the stored resourceVersion lags Argo CD's: the relist will see it.
    const stored = await knex('datastack_inventory_applications')
      .where({
        instance: 'dev',
        app_key: `${first.metadata.namespace}/${first.metadata.name}`,
      })
      .first('resource_version');
    const live = sandbox
      .applications()
      .find(a => a.metadata.name === first.metadata.name)!.metadata
      .resourceVersion;
    expect(stored).toBeDefined();
    expect(stored.resource_version).not.toBe(live);

    const droppedAt = new Date().toISOString();
    expect(sandbox.dropStreams()).toBe(1);
    // The relist finds that Application's resourceVersion moved, skips it,
    // and still stores that the instance is live again.
    const after = await eventually('the stored state live again', async () => {
      const r = await row();
      return r.state === 'live' && r.since > droppedAt ? r : undefined;
    });
    expect(after.message).toBeNull();
  }, 20_000);

  it('answers by name, namespace, project and selector as Argo CD does', async () => {
    const inventory = replica();
    await eventually('live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    const [app] = sandbox.applications();
    expect(
      inventory
        .answer('dev', {
          name: app.metadata.name,
          appNamespace: app.metadata.namespace,
          projects: [app.spec.project],
        })
        ?.applications.map(a => a.metadata.name),
    ).toEqual([app.metadata.name]);
    expect(
      inventory.answer('dev', { name: app.metadata.name, projects: ['other'] })
        ?.applications,
    ).toEqual([]);
    expect(
      names(inventory, 'datastack.io/component in (trino,kafka),!missing'),
    ).toHaveLength(30);
    // A selector the inventory cannot parse is Argo CD's to answer.
    expect(inventory.answer('dev', { selector: 'a in (' })).toBeUndefined();
  });

  it('one replica holds the stream, both answer; the other takes over when it stops', async () => {
    const a = replica();
    await eventually('a to hold the lease', () =>
      a.held().includes('dev') ? true : undefined,
    );
    const b = replica();
    await eventually('b to read the projection', () =>
      names(b)?.length === 30 ? true : undefined,
    );
    expect(b.held()).toEqual([]);

    const client = clientOf(sandbox);
    const [first] = sandbox.applications();
    await client.deleteApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
    });
    await eventually('b to see what a wrote', () =>
      names(b)?.length === 29 ? true : undefined,
    );

    await a.stop();
    await eventually('b to take the lease over', () =>
      b.held().includes('dev') ? true : undefined,
    );
    const [second] = sandbox.applications();
    await client.deleteApplication(second.metadata.name, {
      appNamespace: second.metadata.namespace,
    });
    await eventually('b, now the holder, to follow the stream', () =>
      names(b)?.length === 28 ? true : undefined,
    );
  });

  it('prunes the tombstones of deleted Applications; a replica behind the pruning reads the instance again', async () => {
    const holder = replica();
    await eventually('live', () =>
      holder.state('dev')?.state === 'live' ? true : undefined,
    );
    // A reader that stops reading (as a replica cut off from the database
    // would) while an Application is deleted and its tombstone pruned.
    const reader = new LiveInventory({
      clients: [clientOf(sandbox)],
      store: new InventoryStore(knex),
      config: { ...config, pollIntervalMs: 60_000 },
      logger: mockServices.logger.mock(),
    });
    await reader.catchUp();
    expect(names(reader)).toHaveLength(30);

    await deleteFirst();
    await eventually('the deletion in the holder', () =>
      names(holder)?.length === 29 ? true : undefined,
    );
    const store = new InventoryStore(knex);
    const through = await store.lastSeq('dev');
    const tombstones = () =>
      knex('datastack_inventory_applications')
        .where({ instance: 'dev', deleted: true })
        .count({ n: '*' })
        .first()
        .then(r => Number(r?.n));
    expect(await tombstones()).toBe(1);
    // Only the holder prunes.
    await expect(store.prune('someone-else', 'dev', through)).rejects.toThrow(
      /lease .* was lost/,
    );
    const [lease] = await knex('datastack_inventory_leases').where({
      instance: 'dev',
    });
    expect(await store.prune(lease.holder, 'dev', through)).toBe(1);
    expect(await tombstones()).toBe(0);
    expect((await store.instances())[0].prunedSeq).toBe(through);

    // The reader never saw the tombstone: it reads everything again.
    await reader.catchUp();
    expect(names(reader)).toEqual(names(holder));
    expect(names(reader)).toHaveLength(29);
  });

  it('the holder prunes tombstones by itself once they are tombstoneTtlMs old', async () => {
    const inventory = new LiveInventory({
      clients: [clientOf(sandbox)],
      store: new InventoryStore(knex),
      config: { ...config, tombstoneTtlMs: 200 },
      logger: mockServices.logger.mock(),
    });
    running.push(inventory);
    inventory.start();
    await eventually('live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    await deleteFirst();
    await eventually('the deletion in the inventory', () =>
      names(inventory)?.length === 29 ? true : undefined,
    );
    await eventually('the tombstone pruned', async () => {
      const rows = await knex('datastack_inventory_applications').where({
        instance: 'dev',
      });
      return rows.length === 29 && rows.every(r => !r.deleted);
    });
    expect(names(inventory)).toHaveLength(29);
  });

  it('a replica that lost its lease writes nothing', async () => {
    const a = replica();
    await eventually('live', () =>
      a.state('dev')?.state === 'live' ? true : undefined,
    );
    const store = new InventoryStore(knex);
    const before = await store.lastSeq('dev');
    // Another replica takes the lease (as if a's had expired).
    await knex('datastack_inventory_leases')
      .where({ instance: 'dev' })
      .update({ holder: 'someone-else', expires_at: Date.now() + 60_000 });

    const client = clientOf(sandbox);
    const [first] = sandbox.applications();
    await client.deleteApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
    });
    await eventually('a to give up the stream', () =>
      a.held().length === 0 ? true : undefined,
    );
    expect(await store.lastSeq('dev')).toBe(before);
    expect(names(a)).toHaveLength(30);
  });

  it('refuses a write after a sequence another writer moved on, of two racing writers the second', async () => {
    const store = new InventoryStore(knex);
    expect(await store.acquire('other', 'writer', 60_000)).toBe(true);
    const state = { instance: 'other', state: 'live', since: '' } as const;
    await store.write('writer', { ...state, seq: 0 }, [], 0);
    await store.write('writer', { ...state, seq: 3 }, [], 0);
    await expect(
      store.write('writer', { ...state, seq: 3 }, [], 0),
    ).rejects.toThrow(SequenceMovedError);
    // Both after 3, at once: exactly one lands.
    const results = await Promise.allSettled([
      store.write('writer', { ...state, seq: 4 }, [], 3),
      store.write('writer', { ...state, seq: 4 }, [], 3),
    ]);
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      (results.find(r => r.status === 'rejected') as PromiseRejectedResult)
        .reason,
    ).toBeInstanceOf(LeaseLostError);
    expect(await store.lastSeq('other')).toBe(4);
  });

  it('a holder whose lease lapsed while another replica wrote starts again from what is stored', async () => {
    const a = replica();
    await eventually('live', () =>
      a.state('dev')?.state === 'live' ? true : undefined,
    );
    const store = new InventoryStore(knex);
    // Another replica wrote meanwhile (its lease came and went unnoticed):
    // the stored sequence is past a's.
    const seq = await store.lastSeq('dev');
    await knex('datastack_inventory_instances')
      .where({ instance: 'dev' })
      .update({ seq: seq + 5 });

    // a's next write is refused; it starts a new watcher, which reads the
    // stored sequence and writes after it.
    await deleteFirst();
    await eventually('the deletion, written after the other replica', () =>
      names(a)?.length === 29 ? true : undefined,
    );
    expect(await store.lastSeq('dev')).toBeGreaterThan(seq + 5);
  }, 20_000);

  /** Every state the inventory passed through, as this replica saw it. */
  function statesOf(inventory: LiveInventory) {
    const seen: Array<{ state: string; message?: string }> = [];
    inventory.onChange(() => {
      const s = inventory.state('dev');
      if (s) seen.push({ state: s.state, message: s.message });
    });
    return seen;
  }

  async function deleteFirst() {
    const [first] = sandbox.applications();
    await clientOf(sandbox).deleteApplication(first.metadata.name, {
      appNamespace: first.metadata.namespace,
    });
  }

  it('replaces a stream that stalls: Argo CD moved on and the stream said nothing', async () => {
    const inventory = replica();
    const seen = statesOf(inventory);
    await eventually('live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    sandbox.setStreamMode('stall');
    await deleteFirst();
    await eventually('the change, through a relist', () =>
      names(inventory)?.length === 29 ? true : undefined,
    );
    expect(seen).toContainEqual({
      state: 'stale',
      message: expect.stringMatching(
        /watch stream of Argo CD instance "dev" sent nothing for \d+ s while Argo CD moved on/,
      ),
    });
    expect(inventory.state('dev')?.state).toBe('live');
  });

  it('reconnects after a dropped stream, and what changed meanwhile is in the answer', async () => {
    const inventory = replica();
    const seen = statesOf(inventory);
    await eventually('live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    const streamRequests = () =>
      sandbox.requests.entries.filter(r => r.path.startsWith('/api/v1/stream/'))
        .length;
    await eventually('the stream to be open', () =>
      sandbox.streams.open === 1 ? true : undefined,
    );
    const opened = streamRequests();
    expect(sandbox.dropStreams()).toBe(1);
    await deleteFirst();
    await eventually('live again, with the change', () =>
      inventory.state('dev')?.state === 'live' &&
      names(inventory)?.length === 29
        ? true
        : undefined,
    );
    expect(seen.map(s => s.state)).toContain('stale');
    await eventually('a new stream', () =>
      streamRequests() > opened ? true : undefined,
    );
  });

  it('relists after a resourceVersion Argo CD no longer has, backing off while it keeps refusing', async () => {
    const inventory = replica();
    const seen = statesOf(inventory);
    await eventually('live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    await eventually('the stream to be open', () =>
      sandbox.streams.open === 1 ? true : undefined,
    );
    sandbox.setStreamMode('too-old');
    const opened = sandbox.streams.opened;
    sandbox.dropStreams();
    await eventually('the expired stream reported', () =>
      seen.some(s => /too old resource version/.test(s.message ?? ''))
        ? true
        : undefined,
    );
    await new Promise(r => setTimeout(r, 1_500));
    // Relisted at once the first time, then backed off: not a tight loop.
    expect(sandbox.streams.opened - opened).toBeLessThan(12);
    sandbox.setStreamMode('none');
    await deleteFirst();
    await eventually('live again, with the change', () =>
      inventory.state('dev')?.state === 'live' &&
      names(inventory)?.length === 29
        ? true
        : undefined,
    );
  });

  it('reports an unreachable instance with the projection as it last was', async () => {
    const inventory = replica();
    await eventually('live', () =>
      inventory.state('dev')?.state === 'live' ? true : undefined,
    );
    const asOf = inventory.state('dev')!.asOf;
    sandbox.setFailureMode('down');
    // The stream still runs; a list fails only when it reconnects.
    await sandbox.close();
    const state = await eventually('unreachable', () => {
      const s = inventory.state('dev');
      return s?.state === 'unreachable' ? s : undefined;
    });
    expect(state.asOf! >= asOf!).toBe(true);
    expect(state.message).toMatch(/Argo CD instance "dev"/);
    expect(inventory.answer('dev', {})?.applications).toHaveLength(30);
    sandbox = await startArgoCdSandbox({
      name: 'dev',
      token: TOKEN,
      streamKeepaliveMs: 200,
    });
  });
});
