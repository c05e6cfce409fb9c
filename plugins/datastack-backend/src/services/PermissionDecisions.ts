import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
} from '@backstage/plugin-permission-common';
import { DatastackConfigError } from '@datastack/plugin-datastack-node';
import { TickBatches, callerOf } from './TickBatches';

const DEFAULT_TTL_MS = 2_000;

/**
 * The permission framework's decisions for the routes, at less cost per
 * answer: every decision the requests of one turn of the event loop need
 * for one caller goes to the policy as one `authorize` call (Backstage's
 * batch form), identical concurrent questions share it, and a read decision
 * (`attributes.action` `read`) is reused for the same caller, permission
 * and entity for `datastack.permissions.decisionTtlMs` (default 2000; 0
 * asks every time). A write (sync, propose, refresh, manage) is always
 * asked anew. Nothing is widened: each answer is still decided for its own
 * caller and entity; a decision reused is one the policy gave that caller
 * for that entity at most the TTL ago.
 */
export class PermissionDecisions {
  readonly #permissions: PermissionsService;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #decided = new Map<
    string,
    { at: number; result: Promise<AuthorizeResult> }
  >();
  readonly #batches: TickBatches<AuthorizePermissionRequest, AuthorizeResult>;

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
    const caller = callerOf(credentials);
    const key = `${caller}\0${request.permission.name}\0${
      'resourceRef' in request ? request.resourceRef ?? '' : ''
    }`;
    const now = this.#now();
    const reusable = request.permission.attributes.action === 'read';
    const known = this.#decided.get(key);
    if (known && (reusable ? now - known.at < this.#ttlMs : false)) {
      return known.result;
    }
    const result = this.#batches.ask(caller, credentials, request);
    if (reusable) {
      if (this.#decided.size >= 10_000) this.#sweep(now);
      const entry = { at: now, result };
      this.#decided.set(key, entry);
      // A failed question is not an answer: the next request asks again.
      result.catch(() => {
        if (this.#decided.get(key) === entry) this.#decided.delete(key);
      });
    }
    return result;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#decided) {
      if (now - entry.at >= this.#ttlMs) this.#decided.delete(key);
    }
    if (this.#decided.size >= 10_000) this.#decided.clear();
  }
}
