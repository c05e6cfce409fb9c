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

  /** JSON.parse, every short string (keys are V8's own already) through the pool. */
  parse(text: string): unknown {
    return JSON.parse(text, (_key, value) =>
      typeof value === 'string' ? this.intern(value) : value,
    );
  }
}
