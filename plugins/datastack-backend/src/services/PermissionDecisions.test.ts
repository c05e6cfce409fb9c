import { mockCredentials } from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
  type QueryPermissionRequest,
} from '@backstage/plugin-permission-common';
import {
  datastackApplicationSyncPermission,
  datastackFleetReadPermission,
  datastackHealthReadPermission,
} from '@datastack/plugin-datastack-common';
import { PermissionDecisions } from './PermissionDecisions';

/** An `authorize` call held open until the test answers it. */
interface HeldCall {
  requests: AuthorizePermissionRequest[];
  answer(result: AuthorizeResult): void;
}

/**
 * A policy that allows entities whose name starts with "ok", counting its
 * calls. Asked for every entity at once (`authorizeConditional`) it answers
 * CONDITIONAL, as a policy with an owner condition does, or `wide` when set.
 * With `holdAuthorize`, each `authorize` call waits in `held` for the test
 * to answer it.
 */
function policy() {
  const calls: AuthorizePermissionRequest[][] = [];
  const conditionalCalls: QueryPermissionRequest[][] = [];
  const held: HeldCall[] = [];
  let fail = false;
  let hold = false;
  let wide: AuthorizeResult.ALLOW | AuthorizeResult.DENY | undefined;
  const permissions = {
    authorize: jest.fn(async (requests: AuthorizePermissionRequest[]) => {
      calls.push(requests);
      if (hold) {
        return new Promise(resolve =>
          held.push({
            requests,
            answer: result => resolve(requests.map(() => ({ result }))),
          }),
        );
      }
      if (fail) throw new Error('permission backend unavailable');
      return requests.map(r => ({
        result:
          !('resourceRef' in r) || r.resourceRef?.includes(':default/ok')
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      }));
    }),
    authorizeConditional: jest.fn(
      async (requests: QueryPermissionRequest[]) => {
        conditionalCalls.push(requests);
        if (fail) throw new Error('permission backend unavailable');
        return requests.map(r =>
          wide
            ? { result: wide }
            : {
                result: AuthorizeResult.CONDITIONAL,
                pluginId: 'catalog',
                resourceType: r.permission.resourceType,
                conditions: {
                  rule: 'HAS_NAME_PREFIX',
                  params: { prefix: 'ok' },
                },
              },
        );
      },
    ),
  } as unknown as PermissionsService;
  return {
    permissions,
    calls,
    conditionalCalls,
    answerForEveryEntity: (value: typeof wide) => {
      wide = value;
    },
    failNext: (value: boolean) => {
      fail = value;
    },
    held,
    holdAuthorize: () => {
      hold = true;
    },
  };
}

/** Decisions with a TTL of 2 s on a clock the test moves on. */
function onClock(permissions: PermissionsService) {
  let now = 1_000;
  const decisions = new PermissionDecisions({
    permissions,
    ttlMs: 2_000,
    now: () => now,
  });
  return {
    decisions,
    pass: (ms: number) => {
      now += ms;
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
    const { decisions, pass } = onClock(permissions);
    const alice = mockCredentials.user('user:default/alice');
    await decisions.decide(read('ok-a'), alice);
    pass(999);
    await decisions.decide(read('ok-a'), alice);
    expect(calls).toHaveLength(1);
    // Another entity, another caller: their own questions.
    await decisions.decide(read('ok-b'), alice);
    await decisions.decide(
      read('ok-a'),
      mockCredentials.user('user:default/bob'),
    );
    expect(calls).toHaveLength(3);
    // Nobody reads it again in time: after the TTL it is asked anew.
    pass(1_001);
    await decisions.decide(read('ok-a'), alice);
    expect(calls).toHaveLength(4);
  });

  it('asks a reused decision again in the background once it is half its TTL old, and never answers from one older than the TTL', async () => {
    const { permissions, calls, failNext } = policy();
    const { decisions, pass } = onClock(permissions);
    const alice = mockCredentials.user('user:default/alice');
    const okA = read('ok-a');
    await decisions.decide(okA, alice);
    pass(1_000);
    // Half the TTL: answered from the kept decision at once, and asked again
    // once (not once per request) behind it.
    const [one, two] = await Promise.all([
      decisions.decide(okA, alice),
      decisions.decide(okA, alice),
    ]);
    expect([one, two]).toEqual([AuthorizeResult.ALLOW, AuthorizeResult.ALLOW]);
    await new Promise(resolve => setImmediate(resolve));
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([okA]);
    // The renewed decision is dated from its question, and asks nothing
    // until it is itself half its TTL old (the failing step below proves it
    // replaced the first: that one would have expired and been asked in
    // the foreground).
    pass(999);
    await decisions.decide(okA, alice);
    expect(calls).toHaveLength(2);
    pass(1);

    // A renewal that fails changes nothing: the kept decision serves until
    // its TTL, without a question per request, and is then asked in the
    // foreground.
    failNext(true);
    await decisions.decide(okA, alice);
    await new Promise(resolve => setImmediate(resolve));
    expect(calls).toHaveLength(3);
    pass(500);
    await expect(decisions.decide(okA, alice)).resolves.toBe(
      AuthorizeResult.ALLOW,
    );
    expect(calls).toHaveLength(3);
    pass(500);
    // (The policy's answer for every entity, kept as long, is asked first.)
    await expect(decisions.decide(okA, alice)).rejects.toThrow(
      'permission backend unavailable',
    );
    failNext(false);
    await expect(decisions.decide(okA, alice)).resolves.toBe(
      AuthorizeResult.ALLOW,
    );
    expect(calls).toHaveLength(4);
  });

  it('renews on what the policy answers now: a DENY renewed is a DENY, for the answer for every entity as for one entity', async () => {
    const { permissions, calls, conditionalCalls, answerForEveryEntity } =
      policy();
    const { decisions, pass } = onClock(permissions);
    const alice = mockCredentials.user('user:default/alice');
    answerForEveryEntity(AuthorizeResult.ALLOW);
    expect(await decisions.decide(read('nope'), alice)).toBe(
      AuthorizeResult.ALLOW,
    );
    expect(conditionalCalls).toHaveLength(1);
    // The policy changes its mind; the kept ALLOW serves while it is
    // renewed, and the renewal's DENY is the next answer.
    answerForEveryEntity(AuthorizeResult.DENY);
    pass(1_000);
    expect(await decisions.decide(read('nope'), alice)).toBe(
      AuthorizeResult.ALLOW,
    );
    await new Promise(resolve => setImmediate(resolve));
    expect(conditionalCalls).toHaveLength(2);
    expect(await decisions.decide(read('nope'), alice)).toBe(
      AuthorizeResult.DENY,
    );
    expect(calls).toHaveLength(0);
  });

  it('does not ask a decision again while its first question is unanswered, and lets no late renewal replace a newer decision', async () => {
    const { permissions, held: pending, holdAuthorize } = policy();
    holdAuthorize();
    const { decisions, pass } = onClock(permissions);
    const alice = mockCredentials.user('user:default/alice');
    const okA = read('ok-a');
    // The batches leave on setImmediate, one after the other.
    const settle = async () => {
      for (let i = 0; i < 5; i++) {
        await new Promise(resolve => setImmediate(resolve));
      }
    };

    // A slow policy: 1.5 s on, the first question is still out, and is
    // not asked again beside itself.
    const first = decisions.decide(okA, alice);
    await settle();
    expect(pending).toHaveLength(1);
    pass(1_500);
    const second = decisions.decide(okA, alice);
    await settle();
    expect(pending).toHaveLength(1);
    pending[0].answer(AuthorizeResult.ALLOW);
    expect(await first).toBe(AuthorizeResult.ALLOW);
    expect(await second).toBe(AuthorizeResult.ALLOW);

    // Now answered and half its TTL old: renewed, and the renewal is slow.
    expect(await decisions.decide(okA, alice)).toBe(AuthorizeResult.ALLOW);
    await settle();
    expect(pending).toHaveLength(2);
    // The kept decision expires before the renewal answers: asked in the
    // foreground, and that newer answer stands when the late one lands.
    pass(500);
    const foreground = decisions.decide(okA, alice);
    await settle();
    expect(pending).toHaveLength(3);
    pending[2].answer(AuthorizeResult.DENY);
    expect(await foreground).toBe(AuthorizeResult.DENY);
    pending[1].answer(AuthorizeResult.ALLOW);
    await settle();
    expect(await decisions.decide(okA, alice)).toBe(AuthorizeResult.DENY);
    expect(pending).toHaveLength(3);
  });

  it('asks once per caller and permission when the policy answers for every entity, with conditions for none', async () => {
    const { permissions, calls, conditionalCalls, answerForEveryEntity } =
      policy();
    const { decisions, pass } = onClock(permissions);
    const alice = mockCredentials.user('user:default/alice');
    answerForEveryEntity(AuthorizeResult.ALLOW);
    // Forty entities, in one turn and in the next ones: one question.
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        decisions.decide(read(`nope-${i}`), alice),
      ),
    );
    for (let i = 20; i < 40; i++) {
      expect(await decisions.decide(read(`nope-${i}`), alice)).toBe(
        AuthorizeResult.ALLOW,
      );
    }
    expect(new Set(first)).toEqual(new Set([AuthorizeResult.ALLOW]));
    expect(conditionalCalls).toEqual([
      [{ permission: datastackHealthReadPermission }],
    ]);
    expect(calls).toHaveLength(0);
    expect(
      (permissions.authorizeConditional as jest.Mock).mock.calls[0][1],
    ).toEqual({ credentials: alice });

    // Another caller asks for itself; a DENY for every entity is a DENY for each.
    answerForEveryEntity(AuthorizeResult.DENY);
    const bob = mockCredentials.user('user:default/bob');
    expect(await decisions.decide(read('ok-a'), bob)).toBe(
      AuthorizeResult.DENY,
    );
    expect(conditionalCalls).toHaveLength(2);
    // After the TTL, alice's answer is asked again and is the policy's new one.
    pass(2_000);
    expect(await decisions.decide(read('ok-a'), alice)).toBe(
      AuthorizeResult.DENY,
    );
    expect(conditionalCalls).toHaveLength(3);
    expect(calls).toHaveLength(0);
  });

  it("asks each entity on its own when the policy's answer has conditions, and never with a TTL of 0", async () => {
    const { permissions, calls, conditionalCalls } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 2_000 });
    const alice = mockCredentials.user('user:default/alice');
    expect(
      await Promise.all([
        decisions.decide(read('ok-a'), alice),
        decisions.decide(read('nope'), alice),
      ]),
    ).toEqual([AuthorizeResult.ALLOW, AuthorizeResult.DENY]);
    expect(await decisions.decide(read('ok-b'), alice)).toBe(
      AuthorizeResult.ALLOW,
    );
    // One conditional question, then each entity with its reference.
    expect(conditionalCalls).toHaveLength(1);
    expect(calls.flat().map(r => 'resourceRef' in r && r.resourceRef)).toEqual([
      'component:default/ok-a',
      'component:default/nope',
      'component:default/ok-b',
    ]);

    const uncached = policy();
    const each = new PermissionDecisions({
      permissions: uncached.permissions,
      ttlMs: 0,
    });
    uncached.answerForEveryEntity(AuthorizeResult.ALLOW);
    expect(await each.decide(read('nope'), alice)).toBe(AuthorizeResult.DENY);
    expect(uncached.conditionalCalls).toHaveLength(0);
    expect(uncached.calls).toHaveLength(1);
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
    const { permissions, calls, conditionalCalls, failNext } = policy();
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
    // The failed conditional question was not kept either: asked again.
    expect(conditionalCalls).toHaveLength(2);
    expect(calls).toHaveLength(1);
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

  it('tells two tokens of one user apart by the token itself, even with the same expiry, and a token a service holds for the user', async () => {
    const { permissions, conditionalCalls } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 60_000 });
    // As Backstage's credentials carry their token: not enumerable.
    const withToken = (token: string, actor?: string) => {
      const credentials = {
        ...mockCredentials.user('user:default/alice'),
        expiresAt: new Date(1_000_000),
        ...(actor && {
          principal: {
            type: 'user',
            userEntityRef: 'user:default/alice',
            actor: { type: 'service', subject: actor },
          },
        }),
      };
      Object.defineProperty(credentials, 'token', {
        enumerable: false,
        value: token,
      });
      return credentials as typeof credentials;
    };
    const fleet = { permission: datastackFleetReadPermission };
    await decisions.decide(read('ok-a'), withToken('token-with-groups-a'));
    await decisions.decide(read('ok-b'), withToken('token-with-groups-a'));
    expect(conditionalCalls).toHaveLength(1);
    await decisions.decide(read('ok-a'), withToken('token-with-groups-b'));
    expect(conditionalCalls).toHaveLength(2);
    await decisions.decide(
      read('ok-a'),
      withToken('token-with-groups-a', 'plugin:scaffolder'),
    );
    expect(conditionalCalls).toHaveLength(3);
    const calls = (permissions.authorize as jest.Mock).mock.calls.length;
    await decisions.decide(fleet, withToken('token-with-groups-a'));
    await decisions.decide(fleet, withToken('token-with-groups-a'));
    expect((permissions.authorize as jest.Mock).mock.calls.length).toBe(
      calls + 1,
    );
  });

  it('asks for each service caller on its own, with its own credentials: two tokens of one subject may carry different restrictions', async () => {
    const { permissions, calls, conditionalCalls } = policy();
    const decisions = new PermissionDecisions({ permissions, ttlMs: 60_000 });
    const unrestricted = mockCredentials.service('external:ci');
    const restricted = mockCredentials.service('external:ci', {
      permissionNames: ['catalog.entity.read'],
    });
    const fleet = { permission: datastackFleetReadPermission };
    await Promise.all([
      decisions.decide(fleet, unrestricted),
      decisions.decide(fleet, restricted),
    ]);
    await decisions.decide(read('ok-a'), restricted);
    await decisions.decide(read('ok-a'), restricted);
    expect(conditionalCalls).toHaveLength(0);
    expect(calls).toHaveLength(4);
    expect(
      (permissions.authorize as jest.Mock).mock.calls.map(
        c => c[1].credentials,
      ),
    ).toEqual([unrestricted, restricted, restricted, restricted]);
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
