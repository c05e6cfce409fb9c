/** Strings longer than this are rarely repeated (messages, values files): not pooled. */
const MAX_POOLED_LENGTH = 256;

/**
 * One copy of each short string the inventory holds. Tens of thousands of
 * Applications repeat the same values (`Synced`, `Healthy`, kinds, groups,
 * namespaces, chart names, repository URLs, each resource's name in its
 * Application), and JSON.parse makes a new string for every occurrence;
 * parsing through the pool keeps one (about a quarter less memory per
 * Application, measured with `yarn bench fleet`). A pool that reaches its
 * size stops adding and still answers what it holds.
 */
export class StringPool {
  readonly #strings = new Map<string, string>();
  readonly #maxEntries: number;

  constructor(maxEntries = 500_000) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#strings.size;
  }

  intern(value: string): string {
    if (value.length > MAX_POOLED_LENGTH) return value;
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    if (this.#strings.size < this.#maxEntries) this.#strings.set(value, value);
    return value;
  }

  /**
   * JSON.parse, then every short string value through the pool (keys are
   * V8's own already). A walk after the parse, not a reviver: a reviver
   * allocates per value and measured worse.
   */
  parse(text: string): unknown {
    return this.#walk(JSON.parse(text));
  }

  #walk(value: unknown): unknown {
    if (typeof value === 'string') return this.intern(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.#walk(value[i]);
      return value;
    }
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        record[key] = this.#walk(record[key]);
      }
    }
    return value;
  }
}
