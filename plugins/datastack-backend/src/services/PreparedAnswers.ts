import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/**
 * An answer serialised once: its JSON, its gzip on first demand, and a
 * strong ETag for each (two representations, two validators, as RFC 9110
 * has a strong one name exactly one).
 */
export class PreparedAnswer {
  readonly body: Buffer;
  readonly etag: string;
  /** The ETag of {@link PreparedAnswer.gzip}. */
  readonly gzipEtag: string;
  #gzip?: Buffer;

  constructor(value: unknown) {
    this.body = Buffer.from(JSON.stringify(value), 'utf8');
    const digest = createHash('sha1').update(this.body).digest('base64url');
    this.etag = `"${digest}"`;
    this.gzipEtag = `"${digest}-gzip"`;
  }

  /** The body compressed as the compression middleware would, kept for the next caller. */
  get gzip(): Buffer {
    this.#gzip ??= gzipSync(this.body);
    return this.#gzip;
  }
}

interface Entry {
  at: number;
  answer: Promise<PreparedAnswer>;
}

/**
 * Answers that many callers read unchanged (one entity's health, polled by
 * every user with its page open), kept serialised for at most `maxAgeMs`
 * and while their key holds (the key names what the answer depends on:
 * the entity's etag, the inventory's version). Concurrent callers share one
 * build. Only what is the same for every caller who passed the permission
 * check may be kept here: the check itself runs for each request, before.
 * A failed build is not kept.
 */
export class PreparedAnswers {
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: {
    maxAgeMs: number;
    maxEntries?: number;
    now?: () => number;
  }) {
    this.#maxAgeMs = options.maxAgeMs;
    this.#maxEntries = options.maxEntries ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  get(key: string, build: () => Promise<unknown>): Promise<PreparedAnswer> {
    const now = this.#now();
    const known = this.#entries.get(key);
    if (known && now - known.at < this.#maxAgeMs) return known.answer;
    const answer = build().then(value => new PreparedAnswer(value));
    if (this.#maxAgeMs <= 0) return answer;
    if (this.#entries.size >= this.#maxEntries) this.#evict(now);
    const entry = { at: now, answer };
    this.#entries.set(key, entry);
    answer.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return answer;
  }

  /** Forgets every answer whose key starts with `prefix` (an entity after a sync). */
  forget(prefix: string): void {
    for (const key of this.#entries.keys()) {
      if (key.startsWith(prefix)) this.#entries.delete(key);
    }
  }

  #evict(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.at >= this.#maxAgeMs) this.#entries.delete(key);
    }
    // Still full: the oldest go first (a Map iterates in insertion order).
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
