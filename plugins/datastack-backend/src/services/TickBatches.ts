import type { BackstageCredentials } from '@backstage/backend-plugin-api';

interface Batch<Q, A> {
  credentials: BackstageCredentials;
  items: Array<{
    question: Q;
    resolve(answer: A): void;
    reject(error: unknown): void;
  }>;
}

/** Who the principal is (`user:<ref>`, `service:<subject>`, `none`), nothing of the token. */
export function principalOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user') return `user:${principal.userEntityRef}`;
  if (principal.type === 'service') return `service:${principal.subject}`;
  return principal.type;
}

/**
 * Who asks, as a batch and a decision are kept apart: the principal, and
 * for a user the token's expiry, so two tokens of one user (issued with
 * different group claims) never share a batch or a decision. No part of
 * the token itself is kept.
 */
export function callerOf(credentials: BackstageCredentials): string {
  const principal = principalOf(credentials);
  return (credentials.principal as { type: string }).type === 'user'
    ? `${principal}:${credentials.expiresAt?.getTime() ?? ''}`
    : principal;
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
