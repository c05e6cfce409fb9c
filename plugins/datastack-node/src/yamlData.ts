import { Document, isAlias, isNode, parseAllDocuments, visit } from 'yaml';

/**
 * YAML that users and repositories hand to Datastack (Helm values, Argo CD
 * manifests in a workspace) is data and nothing else: the YAML 1.2 core
 * schema, no explicit tags beyond its own (`!!binary`, `!!set`, `!!js/…`,
 * `!custom` are refused instead of being turned into buffers, sets or
 * strings), unique keys, a bounded number of alias expansions (a
 * billion-laughs file fails fast instead of blocking the event loop) and no
 * alias that refers to its own ancestor (a cyclic value cannot be
 * serialised again). The `yaml` library parses; this only sets its limits
 * and walks the result, which the library does not offer as one option.
 */

/**
 * A YAML text that is not plain data; the message names the field and the reason.
 *
 * @public
 */
export class YamlDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlDataError';
  }
}

const CORE_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

/**
 * Limits of {@link parseYamlData}.
 *
 * @public
 */
export interface YamlDataLimits {
  /** Alias expansions allowed per document. Default 100. */
  maxAliasCount?: number;
  /** The configuration key of `maxAliasCount`, named when it is exceeded. */
  aliasLimitKey?: string;
  /** Documents allowed in one text. Default 1 for {@link parseYamlData}. */
  maxDocuments?: number;
  /** Characters of text accepted. Default 4 MiB. */
  maxLength?: number;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

function checkTags(doc: Document, field: string): void {
  visit(doc, (_key, node) => {
    if (!isNode(node) || isAlias(node)) return;
    const tag = node.tag;
    if (tag && !CORE_TAGS.has(tag)) {
      throw new YamlDataError(
        `${field} uses the YAML tag ${tag.replace(
          'tag:yaml.org,2002:',
          '!!',
        )}; only plain values (strings, numbers, booleans, null, mappings and lists) are allowed`,
      );
    }
  });
}

function checkAcyclic(value: unknown, field: string): void {
  const ancestors = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    if (ancestors.has(v)) {
      throw new YamlDataError(
        `${field} has an alias that refers to its own anchor; the value would be infinite`,
      );
    }
    ancestors.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) walk(child);
    ancestors.delete(v);
  };
  walk(value);
}

/**
 * Parses every document of `text` as plain data, or throws a {@link YamlDataError} naming `field`.
 *
 * @public
 */
export function parseYamlDocuments(
  text: string,
  field: string,
  limits: YamlDataLimits = {},
): unknown[] {
  const maxLength = limits.maxLength ?? 4 * 1024 * 1024;
  if (text.length > maxLength) {
    throw new YamlDataError(
      `${field} is ${text.length} characters long; at most ${maxLength} are accepted`,
    );
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true, schema: 'core' });
  const list = Array.isArray(docs) ? docs : [];
  const maxDocuments = limits.maxDocuments ?? 1000;
  if (list.length > maxDocuments) {
    throw new YamlDataError(
      `${field} holds ${list.length} YAML documents; at most ${maxDocuments} are accepted`,
    );
  }
  return list.map(doc => {
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) {
      throw new YamlDataError(
        `${field} is not valid YAML: ${firstLine(problem.message)}`,
      );
    }
    checkTags(doc, field);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount ?? 100 });
    } catch (error) {
      throw new YamlDataError(
        `${field} is not usable YAML: ${firstLine(
          (error as Error).message,
        )} (at most ${limits.maxAliasCount ?? 100} alias expansions${
          limits.aliasLimitKey ? `, ${limits.aliasLimitKey}` : ''
        })`,
      );
    }
    checkAcyclic(value, field);
    return value;
  });
}

/**
 * Parses one YAML document as plain data (empty text is `null`).
 *
 * @public
 */
export function parseYamlData(
  text: string,
  field: string,
  limits: YamlDataLimits = {},
): unknown {
  const docs = parseYamlDocuments(text, field, {
    ...limits,
    maxDocuments: limits.maxDocuments ?? 1,
  });
  return docs.length ? docs[0] : null;
}

/**
 * Checks that a value given as a mapping (not text) is plain data too:
 * JSON-representable, acyclic. Scaffolder inputs arrive parsed, so a
 * template can still pass a value that could not be written back as YAML.
 *
 * @public
 */
export function assertPlainData(value: unknown, field: string): void {
  checkAcyclic(value, field);
  const walk = (v: unknown, path: string): void => {
    if (v === null || ['string', 'boolean'].includes(typeof v)) return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        throw new YamlDataError(`${path} must be a finite number`);
      }
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    if (
      typeof v === 'object' &&
      (Object.getPrototypeOf(v) === Object.prototype ||
        Object.getPrototypeOf(v) === null)
    ) {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        walk(item, `${path}.${k}`);
      }
      return;
    }
    throw new YamlDataError(
      `${path} is not plain data (a ${
        (v as object)?.constructor?.name ?? typeof v
      })`,
    );
  };
  walk(value, field);
}
