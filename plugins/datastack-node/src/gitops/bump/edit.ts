import { ConflictError, InputError } from '@backstage/errors';
import { DNS_1123_LABEL } from '@datastack/plugin-datastack-common';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Scalar, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { ValidatedBump } from './input';

/** One Application file's new text. */
export interface ApplicationEdit {
  file: string;
  environment: string;
  /** The version the file had. */
  from: string;
  text: string;
}

/**
 * The edited Application files of a clone, every one checked before any is
 * written: the named environments' files, or every environment's that has
 * the component. InputError for a missing or uneditable file, ConflictError
 * when the version is already in place.
 */
export async function editEnvironments(
  dir: string,
  request: ValidatedBump,
  base: string,
): Promise<ApplicationEdit[]> {
  const { pipeline, componentId, version, repository } = request;
  const fileOf = (env: string) =>
    `environments/${env}/applications/${pipeline}-${componentId}-${env}.yaml`;
  const read = async (file: string) => {
    try {
      return await fs.readFile(path.join(dir, file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
  };

  const edits: ApplicationEdit[] = [];
  const current: string[] = [];
  if (request.environments) {
    for (const [i, environment] of request.environments.entries()) {
      const file = fileOf(environment);
      const text = await read(file);
      if (text === undefined) {
        throw new InputError(
          `environments[${i}] "${environment}": ${file} does not exist on ${base} of repository "${repository}"`,
        );
      }
      const edit = editApplication(text, file, version);
      if (edit.from === version) {
        throw new ConflictError(
          `${file} already has ${componentId} at version ${version}`,
        );
      }
      edits.push({ file, environment, ...edit });
    }
    return edits;
  }

  const entries = await fs
    .readdir(path.join(dir, 'environments'), { withFileTypes: true })
    .catch(() => []);
  const environments = entries
    .filter(e => e.isDirectory() && DNS_1123_LABEL.test(e.name))
    .map(e => e.name)
    .sort();
  for (const environment of environments) {
    const file = fileOf(environment);
    const text = await read(file);
    if (text === undefined) continue;
    const edit = editApplication(text, file, version);
    if (edit.from === version) current.push(file);
    else edits.push({ file, environment, ...edit });
  }
  if (!edits.length && current.length) {
    throw new ConflictError(
      `${componentId} is already at version ${version} in ${current.join(
        ', ',
      )}`,
    );
  }
  if (!edits.length) {
    throw new InputError(
      `componentId "${componentId}": no environment of repository "${repository}" (${base}) has ${fileOf(
        '<env>',
      )}`,
    );
  }
  return edits;
}

/** The quotes around a scalar written in place; block scalars are re-rendered. */
const QUOTES: Partial<Record<Scalar.Type, string>> = {
  [Scalar.PLAIN]: '',
  [Scalar.QUOTE_DOUBLE]: '"',
  [Scalar.QUOTE_SINGLE]: "'",
};

/**
 * Sets the chart source's `targetRevision` in one Application file, changing
 * only that value's characters. Returns the new text and the old version.
 *
 * @public
 */
export function editApplication(
  text: string,
  file: string,
  version: string,
): { text: string; from: string } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new InputError(`${file} is not valid YAML: ${doc.errors[0].message}`);
  }
  if (doc.get('kind') !== 'Application') {
    throw new InputError(`${file} is not an Argo CD Application`);
  }
  let at: (string | number)[] | undefined;
  const sources = doc.getIn(['spec', 'sources'], true);
  if (isSeq(sources)) {
    const index = sources.items.findIndex(s => isMap(s) && s.has('chart'));
    if (index >= 0) at = ['spec', 'sources', index, 'targetRevision'];
  } else {
    const source = doc.getIn(['spec', 'source'], true);
    if (isMap(source) && source.has('chart')) {
      at = ['spec', 'source', 'targetRevision'];
    }
  }
  if (!at) {
    throw new InputError(
      `${file} has no Helm chart source (spec.sources[].chart or spec.source.chart)`,
    );
  }
  const node = doc.getIn(at, true);
  if (!isScalar(node) || node.value === null || node.value === undefined) {
    throw new InputError(`${file}: ${at.join('.')} is not a version`);
  }
  const from = String(node.value);
  if (from === version) return { text, from };

  let out: string;
  const quote = node.type ? QUOTES[node.type] : undefined;
  if (quote !== undefined && node.range) {
    const [start, end] = node.range;
    out = `${text.slice(0, start)}${quote}${version}${quote}${text.slice(end)}`;
  } else {
    node.value = version;
    node.type = Scalar.PLAIN;
    out = doc.toString({ lineWidth: 0 });
  }
  const check = parseDocument(out);
  if (check.errors.length || check.getIn(at) !== version) {
    throw new InputError(
      `${file}: ${at.join(
        '.',
      )} could not be set to ${version} without rewriting the file`,
    );
  }
  return { text: out, from };
}

/** The moves made in one values file, and its new text. */
export interface ValuesFileEdit {
  file: string;
  text: string;
  moved: Array<{ from: string; to: string }>;
}

/**
 * Moves override keys inside the repository's values files: the node at
 * `from` (with its comments) goes to `to`, parents created as needed and a
 * parent left empty removed. A key the file does not set is left alone (the
 * diff saw another revision); a `to` the file already sets is a conflict.
 */
export async function moveValues(
  dir: string,
  moves: ValidatedBump['valueMoves'],
): Promise<ValuesFileEdit[]> {
  const byFile = new Map<string, Array<{ from: string; to: string }>>();
  for (const m of moves) {
    byFile.set(m.file, [...(byFile.get(m.file) ?? []), m]);
  }
  const edits: ValuesFileEdit[] = [];
  for (const [file, fileMoves] of byFile) {
    const full = path.join(dir, file);
    if (!full.startsWith(path.join(dir, path.sep))) {
      throw new InputError(`${file} is outside the repository`);
    }
    let text: string;
    try {
      text = await fs.readFile(full, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length) {
      throw new InputError(
        `${file} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
      );
    }
    const moved: Array<{ from: string; to: string }> = [];
    for (const move of fileMoves) {
      const from = move.from.split('.');
      const to = move.to.split('.');
      if (!doc.hasIn(from)) continue;
      if (doc.hasIn(to)) {
        throw new ConflictError(
          `${file} sets both ${move.from} and ${move.to}; the new chart reads only ${move.to}: keep one by hand`,
        );
      }
      // The key's pair moves whole, so the comments on the key go with it.
      const parent =
        from.length > 1 ? doc.getIn(from.slice(0, -1), true) : doc.contents;
      if (!isMap(parent)) continue;
      const pair = parent.items.find(
        item =>
          isScalar(item.key) &&
          String(item.key.value) === from[from.length - 1],
      );
      if (!pair || !isScalar(pair.key)) continue;
      pair.key.value = to[to.length - 1];
      const sameParent =
        from.slice(0, -1).join('.') === to.slice(0, -1).join('.');
      if (!sameParent) {
        parent.items.splice(parent.items.indexOf(pair), 1);
        // A parent the move emptied goes too.
        for (let depth = from.length - 1; depth > 0; depth--) {
          const emptied = doc.getIn(from.slice(0, depth), true);
          if (isMap(emptied) && emptied.items.length === 0) {
            doc.deleteIn(from.slice(0, depth));
          } else break;
        }
        const target = to.slice(0, -1);
        if (target.length && !doc.hasIn(target))
          doc.setIn(target, doc.createNode({}));
        const into = target.length ? doc.getIn(target, true) : doc.contents;
        if (!isMap(into)) {
          throw new ConflictError(
            `${file}: ${target.join('.')} is not a mapping, so ${
              move.to
            } cannot be set; move ${move.from} by hand`,
          );
        }
        into.items.push(pair);
      }
      moved.push({ from: move.from, to: move.to });
    }
    if (moved.length) edits.push({ file, text: doc.toString(), moved });
  }
  return edits;
}
