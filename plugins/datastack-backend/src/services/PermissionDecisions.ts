import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthorizeResult,
  isResourcePermission,
  type AuthorizePermissionRequest,
  type PolicyDecision,
  type QueryPermissionRequest,
} from '@backstage/plugin-permission-common';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';
import { TickBatches, callerOf } from './TickBatches';

const DEFAULT_TTL_MS = 2_000;

/**
 * A decision kept: when it was asked, whether its answer is in (a question
 * still unanswered is not asked again beside itself), and whether it is
 * being asked again.
 */
interface Decided {
  at: number;
  result: Promise<AuthorizeResult>;
  settled: boolean;
  renewing?: boolean;
}

/**
 * The permission framework's decisions for the routes, at less cost per
 * answer:
 *
 * - every decision the requests of one turn of the event loop need for one
 *   caller goes to the policy as one call (Backstage's batch form), and
 *   identical concurrent questions share it;
 * - a read (`attributes.action` `read`) of a resource is first asked once
 *   per caller and permission with `authorizeConditional`, as the catalog
 *   asks its own reads: when the policy answers ALLOW or DENY without
 *   conditions, that is its answer for every entity, and a page over forty
 *   entities costs one question instead of forty. Only when it answers
 *   CONDITIONAL is each entity asked (`authorize` with its reference, whose
 *   conditions the resource's owner plugin applies);
 * - a read decision is reused for the same caller (and entity, when it
 *   depends on one) for `datastack.permissions.decisionTtlMs` (default
 *   2000; 0 asks every time, and every entity on its own). Once it is half
 *   that old, the next request that reuses it also asks again in the
 *   background, so a caller who keeps reading (a page's pollers, a burst
 *   right after the last view) never waits on the policy, and no decision
 *   used is older than the TTL.
 *
 * A write (sync, propose, refresh, manage) is always asked anew, for its
 * entity. A service caller is always asked on its own: its decision is
 * local to this process and depends on its token's access restrictions.
 * Nothing is widened: each answer is still the policy's for its own caller
 * and entity; a decision reused is one the policy gave that caller at most
 * the TTL ago.
 */
export class PermissionDecisions {
  readonly #permissions: PermissionsService;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #decided = new Map<string, Decided>();
  readonly #batches: TickBatches<AuthorizePermissionRequest, AuthorizeResult>;
  readonly #conditional: TickBatches<QueryPermissionRequest, PolicyDecision>;

  constructor(options: {
    permissions: PermissionsService;
    ttlMs: number;
    now?: () => number;
  }) {
    this.#permissions = options.permissions;
    this.#batches = new TickBatches(
      async (requests, credentials) =>
        (await this.#permissions.authorize(requests, { credentials })).map(
          decision => decision.result,
        ),
      'the permission framework',
    );
    this.#conditional = new TickBatches(
      (requests, credentials) =>
        this.#permissions.authorizeConditional(requests, { credentials }),
      'the permission framework',
    );
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** Reads `datastack.permissions.decisionTtlMs` (default 2000, 0 to 60000). */
  static fromConfig(
    config: Config,
    permissions: PermissionsService,
  ): PermissionDecisions {
    const key = 'datastack.permissions.decisionTtlMs';
    const ttlMs = config.getOptionalNumber(key) ?? DEFAULT_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs < 0 || ttlMs > 60_000) {
      throw new DatastackConfigError(
        key,
        'must be a whole number of milliseconds between 0 and 60000',
      );
    }
    return new PermissionDecisions({ permissions, ttlMs });
  }

  /** ALLOW or DENY for this caller. */
  decide(
    request: AuthorizePermissionRequest,
    credentials: BackstageCredentials,
  ): Promise<AuthorizeResult> {
    if ((credentials.principal as { type: string }).type === 'service') {
      // A service's decision is made in this process from its token's
      // access restrictions (no call to the policy), and two tokens may
      // share a subject with different restrictions: asked on its own.
      return this.#permissions
        .authorize([request], { credentials })
        .then(([decision]) => decision.result);
    }
    const caller = callerOf(credentials);
    const reusable =
      request.permission.attributes.action === 'read' && this.#ttlMs > 0;
    const resourceRef =
      'resourceRef' in request ? request.resourceRef : undefined;
    if (!reusable) return this.#batches.ask(caller, credentials, request);
    if (resourceRef && isResourcePermission(request.permission)) {
      const permission = request.permission;
      // The policy's answer for every entity, keyed apart from a basic
      // decision by the `\0*` no entity reference holds; CONDITIONAL is
      // kept too, so the next entity goes straight to its own question.
      const wide = this.#reused(`${caller}\0${permission.name}\0*`, () =>
        this.#conditional
          .ask(caller, credentials, { permission })
          .then(decision => decision.result),
      );
      return wide.then(result =>
        result === AuthorizeResult.CONDITIONAL
          ? this.#reused(`${caller}\0${permission.name}\0${resourceRef}`, () =>
              this.#batches.ask(caller, credentials, request),
            )
          : result,
      );
    }
    return this.#reused(
      `${caller}\0${request.permission.name}\0${resourceRef ?? ''}`,
      () => this.#batches.ask(caller, credentials, request),
    );
  }

  /** The decision under `key` if it is younger than the TTL, else `ask`'s. */
  #reused(
    key: string,
    ask: () => Promise<AuthorizeResult>,
  ): Promise<AuthorizeResult> {
    const now = this.#now();
    const known = this.#decided.get(key);
    if (known && now - known.at < this.#ttlMs) {
      if (
        known.settled &&
        !known.renewing &&
        now - known.at >= this.#ttlMs / 2
      ) {
        this.#renew(key, known, ask, now);
      }
      return known.result;
    }
    const result = ask();
    if (this.#decided.size >= 10_000) this.#sweep(now);
    const entry: Decided = { at: now, result, settled: false };
    this.#decided.set(key, entry);
    result.then(
      () => {
        entry.settled = true;
      },
      // A failed question is not an answer: the next request asks again.
      () => {
        if (this.#decided.get(key) === entry) this.#decided.delete(key);
      },
    );
    return result;
  }

  /**
   * Asks a decision again while the kept one still serves: the new answer
   * replaces it once it arrives, dated from when it was asked. A failed
   * question changes nothing; the kept decision expires at its TTL, and
   * the request after that asks in the foreground.
   */
  #renew(
    key: string,
    known: Decided,
    ask: () => Promise<AuthorizeResult>,
    now: number,
  ): void {
    known.renewing = true;
    const result = ask();
    result.then(
      () => {
        if (this.#decided.get(key) === known) {
          this.#decided.set(key, { at: now, result, settled: true });
        }
      },
      () => undefined,
    );
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#decided) {
      if (now - entry.at >= this.#ttlMs) this.#decided.delete(key);
    }
    if (this.#decided.size >= 10_000) this.#decided.clear();
  }
}
