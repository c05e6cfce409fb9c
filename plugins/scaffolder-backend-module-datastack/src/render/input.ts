import { InputError } from '@backstage/errors';
import {
  ComponentDefinition,
  ComponentRegistry,
  DEFAULT_TENANCY_NAMING,
  DNS_1123_LABEL,
  ENVIRONMENT_SIZES,
  EnvironmentSize,
  TeamPlacement,
  TenancyNaming,
  formatEntityRef,
  isOperatorBased,
  servedVersion,
  parseStrictEntityRef,
  teamPlacement,
} from '@datastack/plugin-datastack-common';
import {
  YamlDataError,
  assertPlainData,
  parseYamlData,
} from '@datastack/plugin-datastack-node';
import semver from 'semver';

/** A component of a pipeline, as the user picked it. */
export interface PipelineComponentInput {
  id: string;
  version?: string;
  values?: unknown;
  /** Kafka only: the pipeline's topics, each a KafkaTopic. */
  topics?: unknown;
}

/** An environment of a pipeline: where its Applications live and deploy to. */
export interface PipelineEnvironmentInput {
  name: string;
  argocdInstance: string;
  cluster: { server?: string; name?: string };
  namespacePrefix?: string;
  size?: string;
  values?: unknown;
}

/** The catalog lifecycles a rendered pipeline's components may have. */
export const PIPELINE_LIFECYCLES = [
  'experimental',
  'production',
  'deprecated',
] as const;
export type PipelineLifecycle = (typeof PIPELINE_LIFECYCLES)[number];

export interface RenderInput {
  name: string;
  owner: string;
  system?: string;
  description?: string;
  /** Catalog lifecycle of the pipeline's components (default experimental). */
  lifecycle?: string;
  repoUrl?: string;
  /** A local bare repository name; its clone URL is used as repoUrl. */
  localRepository?: string;
  repoRevision?: string;
  automatedSync?: boolean;
  targetPath?: string;
  components: PipelineComponentInput[];
  environments: PipelineEnvironmentInput[];
}

/** The validated, normalised input the renderer works from. */
export interface Pipeline {
  name: string;
  /** The owning group, normalised: `group:default/data-engineering`. */
  owner: string;
  system: string;
  /** `experimental`, `production` or `deprecated`: the components' catalog lifecycle. */
  lifecycle: PipelineLifecycle;
  /** Where the team's Argo CD objects live: project and Application namespace. */
  placement: TeamPlacement;
  description: string;
  repoUrl: string;
  repoRevision: string;
  /** The team's AppProject (from datastack.tenancy, never from the template). */
  project: string;
  /** The namespace of the team's Applications and app of apps. */
  argocdNamespace: string;
  automatedSync: boolean;
  targetPath: string;
  components: Array<{
    id: string;
    /** The chart version, or for an operator-based component the operator version its instance is rendered for. */
    version?: string;
    values: Record<string, unknown>;
    /** Kafka topics (DNS-1123 labels), for an instance that has topics. */
    topics?: string[];
  }>;
  environments: Array<{
    name: string;
    argocdInstance: string;
    cluster: { server?: string; name?: string };
    namespacePrefix: string;
    size: EnvironmentSize;
    values: Record<string, Record<string, unknown>>;
  }>;
}

/** Longest pipeline name: `<pipeline>-<component>-<environment>` must stay a 63-character label. */
export const MAX_PIPELINE_NAME = 30;
const MAX_ENVIRONMENT_NAME = 12;

function label(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InputError(`${field} is required`);
  }
  if (value.length > max) {
    throw new InputError(
      `${field} "${value}" is longer than ${max} characters`,
    );
  }
  if (!DNS_1123_LABEL.test(value)) {
    throw new InputError(
      `${field} "${value}" must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit`,
    );
  }
  return value;
}

/**
 * Parses values given as a mapping or as YAML text: plain data only (no YAML
 * tags, no self-referencing anchors, bounded aliases); anything else is an
 * InputError naming the field.
 */
export function parseValues(
  value: unknown,
  field: string,
): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  try {
    if (typeof value === 'string') {
      parsed = parseYamlData(value, field, { maxLength: 256 * 1024 });
      if (parsed === null || parsed === undefined) return {};
    }
    assertPlainData(parsed, field);
  } catch (error) {
    if (error instanceof YamlDataError) throw new InputError(error.message);
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`${field} must be a YAML mapping of Helm values`);
  }
  return parsed as Record<string, unknown>;
}

/** Most topics one pipeline declares. */
export const MAX_TOPICS = 100;

/** Kafka topics of a component: DNS-1123 labels, each once, only where the instance has topics. */
function topicsOf(
  value: unknown,
  field: string,
  definition: ComponentDefinition,
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new InputError(`${field} must be a list of topic names`);
  }
  if (value.length === 0) return undefined;
  if (definition.instance?.type !== 'strimzi-kafka') {
    throw new InputError(
      `${field} is only for Kafka: ${definition.title} has no topics`,
    );
  }
  if (value.length > MAX_TOPICS) {
    throw new InputError(
      `${field} lists ${value.length} topics; at most ${MAX_TOPICS}`,
    );
  }
  const seenTopics = new Set<string>();
  return value.map((topic, j) => {
    const name = label(topic, `${field}[${j}]`, 63);
    if (seenTopics.has(name)) {
      throw new InputError(`${field}[${j}] "${name}" is listed twice`);
    }
    seenTopics.add(name);
    return name;
  });
}

/** A relative path inside the workspace: no `..`, no absolute path. */
export function safeRelativePath(value: unknown, field: string): string {
  if (value === undefined || value === '' || value === '.') return '.';
  if (typeof value !== 'string') {
    throw new InputError(`${field} must be a string`);
  }
  const segments = value.replace(/\\/g, '/').split('/');
  if (
    value.startsWith('/') ||
    /^[a-zA-Z]:/.test(value) ||
    segments.includes('..') ||
    value.includes('\0')
  ) {
    throw new InputError(
      `${field} "${value}" must be a relative path inside the workspace`,
    );
  }
  return segments.filter(s => s && s !== '.').join('/') || '.';
}

function ownerRef(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.trim()) {
    throw new InputError(`${field} is required`);
  }
  const parsed = parseStrictEntityRef(value, { kind: 'group' });
  if (!parsed || parsed.kind !== 'group') {
    throw new InputError(
      `${field} "${value}" is not an entity reference such as group:default/data-platform`,
    );
  }
  return formatEntityRef(parsed);
}

/**
 * A git ref as `git check-ref-format` accepts it (and `HEAD`), so the value
 * Argo CD and git are given is exactly the branch, tag or commit meant.
 */
export function gitRevision(value: unknown, field: string): string {
  if (value === undefined || value === '') return 'HEAD';
  if (
    typeof value !== 'string' ||
    value.length > 200 ||
    !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) ||
    value.includes('..') ||
    value.includes('//') ||
    value.endsWith('/') ||
    value.endsWith('.') ||
    value.endsWith('.lock') ||
    value.split('/').some(part => part.startsWith('.'))
  ) {
    throw new InputError(
      `${field} "${String(
        value,
      )}" is not a branch, tag or commit (letters, digits, ".", "_", "-" and "/", as git allows)`,
    );
  }
  return value;
}

/** Resolves the GitOps repository a render names, or throws an InputError naming the field. */
export type RepositoryResolver = (value: string, field: string) => string;

/**
 * Validates every field of a render before anything is written, and throws an
 * InputError naming the first field at fault. Checks names, paths, components
 * and versions against the registry, the composition rules, environments
 * against the configured Argo CD instances.
 */
export function validateRenderInput(
  input: RenderInput,
  registry: ComponentRegistry,
  argocdInstances: string[] | undefined,
  options: {
    /** Resolves repoUrl and localRepository through the git host policy. */
    resolveRepository: RepositoryResolver;
    naming?: TenancyNaming;
  },
): Pipeline {
  const name = label(input.name, 'name', MAX_PIPELINE_NAME);
  const owner = ownerRef(input.owner, 'owner');
  const system = input.system ? label(input.system, 'system', 63) : name;
  const lifecycle = input.lifecycle ?? 'experimental';
  if (!PIPELINE_LIFECYCLES.includes(lifecycle as PipelineLifecycle)) {
    throw new InputError(
      `lifecycle "${lifecycle}" must be one of ${PIPELINE_LIFECYCLES.join(
        ', ',
      )}`,
    );
  }
  for (const legacy of ['project', 'argocdNamespace'] as const) {
    if ((input as unknown as Record<string, unknown>)[legacy] !== undefined) {
      throw new InputError(
        `${legacy} is no longer an input: the team's AppProject and Application namespace come from datastack.tenancy and the owner`,
      );
    }
  }
  if (Boolean(input.repoUrl) === Boolean(input.localRepository)) {
    throw new InputError('Give exactly one of repoUrl or localRepository');
  }
  const repoUrl = input.localRepository
    ? options.resolveRepository(input.localRepository, 'localRepository')
    : options.resolveRepository(input.repoUrl!, 'repoUrl');
  const placement = teamPlacement(
    owner,
    options.naming ?? DEFAULT_TENANCY_NAMING,
  );

  if (!Array.isArray(input.components) || input.components.length === 0) {
    throw new InputError('components must list at least one component');
  }
  const seen = new Set<string>();
  const components = input.components.map((c, i) => {
    const field = `components[${i}]`;
    const id = label(c?.id, `${field}.id`, 63);
    const definition = registry.find(id);
    if (!definition) {
      throw new InputError(
        `${field}.id "${id}" is not a known data-stack component; known: ${registry
          .list()
          .map(k => k.id)
          .join(', ')}`,
      );
    }
    if (seen.has(id)) {
      throw new InputError(`${field}.id "${id}" is listed twice`);
    }
    seen.add(id);
    if (c.version !== undefined && c.version !== '') {
      // semver.valid() trims and drops a leading "v"; the writer would copy
      // the raw text into targetRevision, so only the exact form is taken.
      if (
        typeof c.version !== 'string' ||
        semver.valid(c.version) !== c.version
      ) {
        throw new InputError(
          `${field}.version "${c.version}" must be a SemVer version such as ${
            definition.chart?.version ?? definition.dbt?.coreVersion
          }`,
        );
      }
    }
    const topics = topicsOf(c.topics, `${field}.topics`, definition);
    if (
      c.version &&
      isOperatorBased(definition) &&
      !definition.instance.resources.every(r => servedVersion(r, c.version!))
    ) {
      throw new InputError(
        `${field}.version "${
          c.version
        }" is an operator version that serves no API version of ${definition.instance.resources
          .filter(r => !servedVersion(r, c.version!))
          .map(r => r.kind)
          .join(', ')} Datastack renders`,
      );
    }
    return {
      id,
      version: c.version || undefined,
      values: parseValues(c.values, `${field}.values`),
      ...(topics ? { topics } : {}),
    };
  });
  const violations = registry.checkComposition(components.map(c => c.id));
  if (violations.length > 0) {
    throw new InputError(
      `components: ${violations.map(v => v.message).join(' ')}`,
    );
  }

  if (!Array.isArray(input.environments) || input.environments.length === 0) {
    throw new InputError('environments must list at least one environment');
  }
  const envNames = new Set<string>();
  const environments = input.environments.map((e, i) => {
    const field = `environments[${i}]`;
    const envName = label(e?.name, `${field}.name`, MAX_ENVIRONMENT_NAME);
    if (envNames.has(envName)) {
      throw new InputError(`${field}.name "${envName}" is listed twice`);
    }
    envNames.add(envName);
    const argocdInstance = label(
      e.argocdInstance,
      `${field}.argocdInstance`,
      63,
    );
    if (argocdInstances?.length && !argocdInstances.includes(argocdInstance)) {
      throw new InputError(
        `${field}.argocdInstance "${argocdInstance}" is not a configured Argo CD instance; configured: ${
          argocdInstances.join(', ') || 'none'
        }`,
      );
    }
    const cluster = e.cluster ?? {};
    if (!cluster.server === !cluster.name) {
      throw new InputError(
        `${field}.cluster needs exactly one of server or name`,
      );
    }
    if (cluster.server && !/^https?:\/\/[^\s]+$/.test(cluster.server)) {
      throw new InputError(
        `${field}.cluster.server "${cluster.server}" must be an http(s) URL`,
      );
    }
    if (cluster.name && !/^[a-zA-Z0-9][a-zA-Z0-9-_.@:]*$/.test(cluster.name)) {
      throw new InputError(
        `${field}.cluster.name "${cluster.name}" is not a cluster name`,
      );
    }
    const size = (e.size ?? 'small') as EnvironmentSize;
    if (!ENVIRONMENT_SIZES.includes(size)) {
      throw new InputError(
        `${field}.size "${e.size}" must be one of ${ENVIRONMENT_SIZES.join(
          ', ',
        )}`,
      );
    }
    const namespacePrefix =
      e.namespacePrefix === undefined || e.namespacePrefix === ''
        ? `${name}-${envName}`
        : label(e.namespacePrefix, `${field}.namespacePrefix`, 40);
    const rawValues = parseValues(e.values, `${field}.values`);
    const values: Record<string, Record<string, unknown>> = {};
    for (const [componentId, v] of Object.entries(rawValues)) {
      if (!seen.has(componentId)) {
        throw new InputError(
          `${field}.values.${componentId} names a component that is not in this pipeline`,
        );
      }
      values[componentId] = parseValues(v, `${field}.values.${componentId}`);
    }
    return {
      name: envName,
      argocdInstance,
      cluster: cluster.server
        ? { server: cluster.server }
        : { name: cluster.name },
      namespacePrefix,
      size,
      values,
    };
  });

  return {
    name,
    owner,
    system,
    lifecycle: lifecycle as PipelineLifecycle,
    placement,
    description:
      typeof input.description === 'string' && input.description
        ? input.description
        : `Data pipeline ${name}`,
    repoUrl,
    repoRevision: gitRevision(input.repoRevision, 'repoRevision'),
    project: placement.project,
    argocdNamespace: placement.applicationNamespace,
    automatedSync: input.automatedSync ?? true,
    targetPath: safeRelativePath(input.targetPath, 'targetPath'),
    components,
    environments,
  };
}
