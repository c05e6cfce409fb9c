import { InputError } from '@backstage/errors';
import {
  DNS_1123_LABEL,
  DNS_1123_LABEL_MAX,
} from '@datastack/plugin-datastack-common';

/**
 * What to bump: one component's chart version in a pipeline's GitOps repository.
 *
 * @public
 */
export interface ChartBumpInput {
  /**
   * The pipeline's GitOps repository, as the System entity's
   * `datastack.io/gitops-repo` annotation holds it: the file:// clone URL of
   * a bare repository under `datastack.gitops.localRoot` (or its path, or
   * just its name), or an http(s) clone URL on a host of the integrations.
   */
  repository: string;
  /** The pipeline name (`datastack.io/pipeline`). */
  pipeline: string;
  /** The registry id of the component (`datastack.io/component`). */
  componentId: string;
  /** The chart version to move to (SemVer 2). */
  version: string;
  /** Environments to bump; every environment that has the component's Application when absent. */
  environments?: string[];
  /** The branch to create; default `datastack/upgrade-<componentId>-<version>`. */
  branch?: string;
  /** The branch to start from and to merge into; default the repository's default branch. */
  baseBranch?: string;
  /** Commit and pull request title. */
  title?: string;
  /** Pull request description; the commit body too. */
  description?: string;
  /** Commit author; default `scaffolder.defaultAuthor`, else Datastack. */
  author?: { name: string; email: string };
  /**
   * Override keys to move in the repository's values files, because the new
   * chart has them elsewhere: in `file` (relative to the repository root),
   * the value at dotted key `from` goes to `to`, comments kept.
   */
  valueMoves?: ValueMove[];
}

/**
 * One override key to move in one values file.
 *
 * @public
 */
export interface ValueMove {
  file: string;
  from: string;
  to: string;
}

/** A bump whose every field is checked. */
export interface ValidatedBump {
  repository: string;
  pipeline: string;
  componentId: string;
  version: string;
  environments?: string[];
  branch: string;
  baseBranch?: string;
  title: string;
  description?: string;
  author: { name: string; email: string };
  valueMoves: ValueMove[];
}

/** A dotted values key: names of letters, digits, `_` and `-`. */
const VALUES_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** A YAML file of the repository, relative, without `..`. */
const VALUES_FILE = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+\.ya?ml$/;

function valueMovesOf(input: unknown): ValueMove[] {
  if (input === undefined) return [];
  if (!Array.isArray(input) || input.length > 200) {
    throw new InputError('valueMoves must be a list of at most 200 moves');
  }
  return input.map((move, i) => {
    const m = move as Partial<ValueMove> | undefined;
    if (typeof m?.file !== 'string' || !VALUES_FILE.test(m.file)) {
      throw new InputError(
        `valueMoves[${i}].file must be a .yaml file of the repository, relative and without ".."`,
      );
    }
    for (const field of ['from', 'to'] as const) {
      if (typeof m[field] !== 'string' || !VALUES_KEY.test(m[field]!)) {
        throw new InputError(
          `valueMoves[${i}].${field} must be a dotted values key (server.workers)`,
        );
      }
    }
    if (m.from === m.to) {
      throw new InputError(`valueMoves[${i}] moves ${m.from} onto itself`);
    }
    return { file: m.file, from: m.from!, to: m.to! };
  });
}

/**
 * SemVer 2.0.0, as semver.org gives it: what Helm accepts as a chart version.
 *
 * @public
 */
export const CHART_VERSION_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/**
 * A git branch name (a subset of what `git check-ref-format --branch` accepts).
 *
 * @public
 */
export const BRANCH_PATTERN =
  /^(?![-/.])(?!.*\.\.)(?!.*\/\/)(?!.*\/\.)(?!.*@\{)(?!.*\.lock$)[A-Za-z0-9._+/-]{1,200}(?<![./])$/;
/**
 * An email address as a commit author's (no spaces, no angle brackets).
 *
 * @public
 */
export const EMAIL_PATTERN = /^[^\s<>@]+@[^\s<>@]+$/;

function label(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    value.length > DNS_1123_LABEL_MAX ||
    !DNS_1123_LABEL.test(value)
  ) {
    throw new InputError(
      `${field} "${String(
        value,
      )}" must be a DNS-1123 label: lower-case letters, digits and "-", at most ${DNS_1123_LABEL_MAX} characters`,
    );
  }
  return value;
}

function oneLine(value: unknown, field: string, max: number): string {
  if (
    typeof value !== 'string' ||
    !value.trim() ||
    /[\r\n]/.test(value) ||
    value.length > max
  ) {
    throw new InputError(
      `${field} must be one non-empty line of at most ${max} characters`,
    );
  }
  return value.trim();
}

/**
 * Checks every field of a bump before anything is contacted; an
 * InputError names the field at fault.
 */
export function validateBump(
  input: ChartBumpInput,
  defaultAuthor: { name: string; email: string },
): ValidatedBump {
  if (!input || typeof input !== 'object') {
    throw new InputError(
      'A chart bump needs repository, pipeline, componentId and version',
    );
  }
  if (typeof input.repository !== 'string' || !input.repository.trim()) {
    throw new InputError('repository is required');
  }
  const pipeline = label(input.pipeline, 'pipeline');
  const componentId = label(input.componentId, 'componentId');
  if (
    typeof input.version !== 'string' ||
    !CHART_VERSION_PATTERN.test(input.version)
  ) {
    throw new InputError(
      `version "${String(
        input.version,
      )}" must be a SemVer 2 version (x.y.z), as Helm chart versions are`,
    );
  }
  const version = input.version;
  let environments: string[] | undefined;
  if (input.environments !== undefined) {
    if (!Array.isArray(input.environments) || !input.environments.length) {
      throw new InputError(
        'environments must list at least one environment, or be left out to bump every environment',
      );
    }
    const listed = input.environments.map((e, i) =>
      label(e, `environments[${i}]`),
    );
    const twice = listed.find((e, i) => listed.indexOf(e) !== i);
    if (twice) {
      throw new InputError(`environments lists "${twice}" twice`);
    }
    environments = listed;
  }
  const branch = input.branch ?? `datastack/upgrade-${componentId}-${version}`;
  if (typeof branch !== 'string' || !BRANCH_PATTERN.test(branch)) {
    throw new InputError(
      `branch "${String(branch)}" is not a valid branch name`,
    );
  }
  if (
    input.baseBranch !== undefined &&
    (typeof input.baseBranch !== 'string' ||
      !BRANCH_PATTERN.test(input.baseBranch))
  ) {
    throw new InputError(
      `baseBranch "${String(input.baseBranch)}" is not a valid branch name`,
    );
  }
  if (input.baseBranch === branch) {
    throw new InputError(`branch "${branch}" must differ from baseBranch`);
  }
  const title =
    input.title === undefined
      ? `Upgrade ${componentId} of ${pipeline} to ${version}`
      : oneLine(input.title, 'title', 200);
  if (
    input.description !== undefined &&
    (typeof input.description !== 'string' || input.description.length > 20_000)
  ) {
    throw new InputError(
      'description must be text of at most 20000 characters',
    );
  }
  let author = defaultAuthor;
  if (input.author !== undefined) {
    const name = oneLine(input.author?.name, 'author.name', 200);
    const email = input.author?.email;
    if (typeof email !== 'string' || !EMAIL_PATTERN.test(email)) {
      throw new InputError(
        `author.email "${String(email)}" is not an email address`,
      );
    }
    author = { name, email };
  }
  return {
    repository: input.repository.trim(),
    pipeline,
    componentId,
    version,
    environments,
    branch,
    baseBranch: input.baseBranch,
    title,
    description: input.description,
    author,
    valueMoves: valueMovesOf(input.valueMoves),
  };
}
