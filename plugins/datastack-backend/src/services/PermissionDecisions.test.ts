import { mockCredentials } from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
} from '@backstage/plugin-permission-common';
import {
  datastackApplicationSyncPermission,
  datastackFleetReadPermission,
  datastackHealthReadPermission,
} from '@datastack/plugin-datastack-common';
import { PermissionDecisions } from './PermissionDecisions';

/** A policy that allows entities whose name starts with "ok", counting its calls. */
function policy() {
  const calls: AuthorizePermissionRequest[][] = [];
  let fail = false;
  const permissions = {
    authorize: jest.fn(async (requests: AuthorizePermissionRequest[]) => {
      calls.push(requests);
      if (fail) throw new Error('permission backend unavailable');
      return requests.map(r => ({
        result:
          !('resourceRef' in r) || r.resourceRef?.includes(':default/ok')
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      }));
    }),
    authorizeConditional: jest.fn(),
  } as unknown as PermissionsService;
  return {
    permissions,
    calls,
    failNext: (value: boolean) => {
      fail = value;
    },
  };
}

const read = (name: string) => ({
  permission: datastackHealthReadPermission,
  resourceRef: `component:default/${name}`,
});

describe('PermissionDecisions', () => {
  it('sends the questions of one event-loop turn for one caller as one authorize call', async () => {
    const { permissions, calls } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 0 });
    const alice = mockCredentials.user('user:default/alice');
    const results = await Promise.all([
      decisions.decide(read('ok-a'), alice),
      decisions.decide(read('nope'), alice),
      decisions.decide({ permission: datastackFleetReadPermission }, alice),
      decisions.decide(read('ok-b'), alice),
    ]);
    expect(results).toEqual([
      AuthorizeResult.ALLOW,
      AuthorizeResult.DENY,
      AuthorizeResult.ALLOW,
      AuthorizeResult.ALLOW,
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(4);
  });

  it('never puts two callers in one batch', async () => {
    const { permissions } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 0 });
    const alice = mockCredentials.user('user:default/alice');
    const bob = mockCredentials.user('user:default/bob');
    await Promise.all([
      decisions.decide(read('ok-a'), alice),
      decisions.decide(read('ok-a'), bob),
    ]);
    const authorize = permissions.authorize as jest.Mock;
    expect(authorize).toHaveBeenCalledTimes(2);
    expect(authorize.mock.calls.map(c => c[1].credentials)).toEqual([
      alice,
      bob,
    ]);
  });

  it('reuses a read decision for the same caller and entity within the TTL, and asks again after it', async () => {
    const { permissions, calls } = policy();
    let now = 1_000;
    const decisions = new PermissionDecisions({
      permissions,
      ttlMs: 2_000,
      now: () => now,
    });
    const alice = mockCredentials.user('user:default/alice');
    await decisions.decide(read('ok-a'), alice);
    now += 1_999;
    await decisions.decide(read('ok-a'), alice);
    expect(calls).toHaveLength(1);
    // Another entity, another caller: their own questions.
    await decisions.decide(read('ok-b'), alice);
    await decisions.decide(
      read('ok-a'),
      mockCredentials.user('user:default/bob'),
    );
    expect(calls).toHaveLength(3);
    now += 1;
    await decisions.decide(read('ok-a'), alice);
    expect(calls).toHaveLength(4);
  });

  it('asks anew for every write, whatever the TTL', async () => {
    const { permissions, calls } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 60_000 });
    const alice = mockCredentials.user('user:default/alice');
    const sync = {
      permission: datastackApplicationSyncPermission,
      resourceRef: 'component:default/ok-a',
    };
    await decisions.decide(sync, alice);
    await decisions.decide(sync, alice);
    expect(calls).toHaveLength(2);
  });

  it('keeps no decision from a failed call: every waiting request fails, the next one asks again', async () => {
    const { permissions, calls, failNext } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 60_000 });
    const alice = mockCredentials.user('user:default/alice');
    failNext(true);
    const failed = await Promise.allSettled([
      decisions.decide(read('ok-a'), alice),
      decisions.decide(read('ok-b'), alice),
    ]);
    expect(failed.map(f => f.status)).toEqual(['rejected', 'rejected']);
    failNext(false);
    await expect(decisions.decide(read('ok-a'), alice)).resolves.toBe(
      AuthorizeResult.ALLOW,
    );
    expect(calls).toHaveLength(2);
  });

  it('tells two tokens of one user apart by their expiry', async () => {
    const { permissions, calls } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 60_000 });
    const older = {
      ...mockCredentials.user('user:default/alice'),
      expiresAt: new Date(1_000_000),
    };
    const newer = { ...older, expiresAt: new Date(2_000_000) };
    await decisions.decide(read('ok-a'), older);
    await decisions.decide(read('ok-a'), newer);
    expect(calls).toHaveLength(2);
  });

  it('reads datastack.permissions.decisionTtlMs and names it when it is wrong', () => {
    const { permissions } = policy();
    expect(() =>
      PermissionDecisions.fromConfig(
        new ConfigReader({ datastack: { permissions: { decisionTtlMs: -1 } } }),
        permissions,
      ),
    ).toThrow(/datastack\.permissions\.decisionTtlMs/);
    expect(
      PermissionDecisions.fromConfig(new ConfigReader({}), permissions),
    ).toBeInstanceOf(PermissionDecisions);
  });
});
