/**
 * Kubernetes label selectors, as Argo CD parses the `selector` query
 * parameter (k8s.io/apimachinery `labels.Parse`): comma-joined requirements
 * `key`, `!key`, `key=value`, `key==value`, `key!=value`,
 * `key in (a,b)`, `key notin (a,b)`.
 */

/**
 * One requirement of a selector.
 *
 * @public
 */
export type Requirement =
  | { key: string; operator: 'exists' }
  | { key: string; operator: 'doesNotExist' }
  | { key: string; operator: 'in'; values: ReadonlySet<string> }
  | { key: string; operator: 'notIn'; values: ReadonlySet<string> };

/**
 * A parsed label selector.
 *
 * @public
 */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  /** Whether a set of labels satisfies every requirement. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

/**
 * The selector text could not be parsed; the message follows Kubernetes.
 *
 * @public
 */
export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const PREFIX =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function validateKey(key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk =
    prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix));
  if (!prefixOk || name.length > 63 || !NAME.test(name)) {
    throw new SelectorParseError(
      `unable to parse requirement: key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function validateValue(value: string): void {
  if (value.length > 63 || !VALUE.test(value)) {
    throw new SelectorParseError(
      `unable to parse requirement: values[0][key]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

const SPECIAL = new Set([' ', '\t', ',', '=', '!', '(', ')']);

/** A small cursor over the selector text. */
class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) {
      this.pos++;
    }
  }

  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(length = 1): string {
    this.skipSpace();
    return this.text.slice(this.pos, this.pos + length);
  }

  take(token: string): boolean {
    if (this.peek(token.length) === token) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  word(): string {
    this.skipSpace();
    const start = this.pos;
    while (
      this.pos < this.text.length &&
      !SPECIAL.has(this.text[this.pos]) &&
      !/\s/.test(this.text[this.pos])
    ) {
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }
}

function parseValues(scanner: Scanner): Set<string> {
  if (!scanner.take('(')) {
    throw new SelectorParseError(
      `unable to parse requirement: found '${scanner.peek()}', expected: '('`,
    );
  }
  const values = new Set<string>();
  for (;;) {
    const value = scanner.word();
    validateValue(value);
    values.add(value);
    if (scanner.take(')')) return values;
    if (!scanner.take(',')) {
      throw new SelectorParseError(
        `unable to parse requirement: found '${scanner.peek()}', expected: ',' or ')'`,
      );
    }
  }
}

function parseRequirement(scanner: Scanner): Requirement {
  if (scanner.take('!')) {
    const key = scanner.word();
    validateKey(key);
    return { key, operator: 'doesNotExist' };
  }
  const key = scanner.word();
  if (!key) {
    throw new SelectorParseError(
      `found '${
        scanner.peek() || 'EOS'
      }', expected: !, identifier, or 'end of string'`,
    );
  }
  validateKey(key);
  if (scanner.done() || scanner.peek() === ',') {
    return { key, operator: 'exists' };
  }
  if (scanner.take('!=')) {
    const value = scanner.word();
    validateValue(value);
    return { key, operator: 'notIn', values: new Set([value]) };
  }
  if (scanner.take('==') || scanner.take('=')) {
    const value = scanner.word();
    validateValue(value);
    return { key, operator: 'in', values: new Set([value]) };
  }
  const keyword = scanner.word();
  if (keyword === 'in') {
    return { key, operator: 'in', values: parseValues(scanner) };
  }
  if (keyword === 'notin') {
    return { key, operator: 'notIn', values: parseValues(scanner) };
  }
  throw new SelectorParseError(
    `unable to parse requirement: found '${
      keyword || scanner.peek()
    }', expected: in, notin, =, ==, !=, gt, lt`,
  );
}

function matchesRequirement(
  requirement: Requirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  switch (requirement.operator) {
    case 'exists':
      return present;
    case 'doesNotExist':
      return !present;
    case 'in':
      return present && requirement.values.has(labels[requirement.key]);
    case 'notIn':
      // As in Kubernetes: a missing label satisfies `!=` and `notin`.
      return !present || !requirement.values.has(labels[requirement.key]);
    default:
      return false;
  }
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Parses a label selector. The empty string selects everything.
 *
 * @throws SelectorParseError when the text is not a valid selector.
 * @public
 */
export function parseSelector(text: string): LabelSelector {
  const requirements: Requirement[] = [];
  const scanner = new Scanner(text);
  if (!scanner.done()) {
    for (;;) {
      requirements.push(parseRequirement(scanner));
      if (scanner.done()) break;
      if (!scanner.take(',')) {
        throw new SelectorParseError(
          `found '${scanner.peek()}', expected: ',' or 'end of string'`,
        );
      }
    }
  }
  return {
    requirements,
    matches(labels) {
      const set = labels ?? EMPTY;
      for (const requirement of requirements) {
        if (!matchesRequirement(requirement, set)) return false;
      }
      return true;
    },
  };
}
