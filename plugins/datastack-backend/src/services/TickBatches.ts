import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { createHash } from 'node:crypto';

interface Batch<Q, A> {
  credentials: BackstageCredentials;
  items: Array<{
    question: Q;
    resolve(answer: A): void;
    reject(error: unknown): void;
  }>;
}

/**
 * Who asks, as a batch and a decision are kept apart: the user, the service
 * that acts for them (if any), and a digest of the token itself, so two
 * tokens of one user (issued with different ownership claims, even within
 * the same second) never share a batch or a decision. Only the digest is
 * kept, never the token. Backstage keeps the token on the credentials as a
 * non-enumerable `token`; without one (test credentials), the expiry stands
 * in. Services are not keyed here: {@link PermissionDecisions} asks for each
 * of them on its own (their decision is local and depends on the token's
 * access restrictions, which a subject does not name).
 */
export function callerOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
    actor?: { subject?: string };
  };
  if (principal.type === 'service') return `service:${principal.subject}`;
  if (principal.type !== 'user') return principal.type;
  const token = (credentials as { token?: unknown }).token;
  const proof =
    typeof token === 'string'
      ? createHash('sha256').update(token).digest('base64url').slice(0, 22)
      : `exp:${credentials.expiresAt?.getTime() ?? ''}`;
  return `user:${principal.userEntityRef}\0${
    principal.actor?.subject ?? ''
  }\0${proof}`;
}

/**
 * The questions one caller asks within one turn of the event loop, sent
 * on as one call: the requests a page's burst brings in together (the
 * card, the glance strip, the tabs, forty users' pollers) cost one
 * permission `authorize` or one catalog `getEntitiesByRefs` per caller
 * instead of one each. Each batch is one caller's, sent with that caller's
 * credentials, so nothing is decided or read on anyone else's behalf.
 */
export class TickBatches<Q, A> {
  readonly #pending = new Map<string, Batch<Q, A>>();
  readonly #send: (
    questions: Q[],
    credentials: BackstageCredentials,
  ) => Promise<A[]>;
  readonly #what: string;

  /**
   * @param send - answers the questions in order
   * @param what - who answers, for the error when it answers too few
   */
  constructor(
    send: (questions: Q[], credentials: BackstageCredentials) => Promise<A[]>,
    what: string,
  ) {
    this.#send = send;
    this.#what = what;
  }

  /** Joins `caller`'s batch of this turn, or starts it. */
  ask(
    caller: string,
    credentials: BackstageCredentials,
    question: Q,
  ): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      let batch = this.#pending.get(caller);
      if (!batch) {
        batch = { credentials, items: [] };
        this.#pending.set(caller, batch);
        const scheduled = batch;
        // setImmediate, not nextTick: requests that arrived in the same
        // I/O phase join the batch before it leaves.
        setImmediate(() => {
          this.#pending.delete(caller);
          this.#flush(scheduled);
        });
      }
      batch.items.push({ question, resolve, reject });
    });
  }

  #flush(batch: Batch<Q, A>): void {
    let sent: Promise<A[]>;
    try {
      // Whatever `send` gives back (a value, a rejection, nothing), every
      // item of the batch settles: none is left waiting.
      sent = Promise.resolve(
        this.#send(
          batch.items.map(i => i.question),
          batch.credentials,
        ),
      );
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent
      .then(answers => {
        if (!Array.isArray(answers)) {
          throw new Error(`${this.#what} did not answer a list`);
        }
        batch.items.forEach((item, index) => {
          if (index >= answers.length) {
            item.reject(new Error(`${this.#what} answered too few`));
          } else {
            item.resolve(answers[index]);
          }
        });
      })
      .catch(error => batch.items.forEach(item => item.reject(error)));
  }
}
