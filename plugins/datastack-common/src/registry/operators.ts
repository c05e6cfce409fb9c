import semver from 'semver';
import type { ComponentDefinition, InstanceResource } from './schema';

/**
 * Label of a platform operator's Argo CD Application: the registry id of the operator's component.
 *
 * @public
 */
export const LABEL_PLATFORM_OPERATOR = 'datastack.io/platform-operator';
/**
 * Annotation of the System the "Platform operators" template registers.
 *
 * @public
 */
export const ANNOTATION_DATASTACK_PLATFORM = 'datastack.io/platform';
/**
 * The Argo CD AppProject of the platform layer: the only one that may create cluster-scoped resources.
 *
 * @public
 */
export const PLATFORM_PROJECT = 'platform';

/**
 * An operator-based component: its operator is platform layer, a pipeline gets its instance.
 *
 * @public
 */
export type OperatorComponent = ComponentDefinition &
  Required<Pick<ComponentDefinition, 'operator' | 'instance' | 'chart'>>;

/** @public */
export function isOperatorBased(
  definition: ComponentDefinition,
): definition is OperatorComponent {
  return Boolean(
    definition.operator && definition.instance && definition.chart,
  );
}

/**
 * The custom resource kind of an instance and the apiVersion rendered for an operator version.
 *
 * @public
 */
export interface RenderedResource {
  group: string;
  kind: string;
  version: string;
  /** `group/version`. */
  apiVersion: string;
  /** Operator chart versions that serve this apiVersion. */
  operatorRange: string;
}

function satisfies(version: string, range: string): boolean {
  const coerced = semver.valid(version) ?? semver.coerce(version)?.version;
  return coerced
    ? semver.satisfies(coerced, range, { includePrerelease: true })
    : false;
}

/**
 * The apiVersion of `resource` an operator at `operatorVersion` serves, the
 * first of its versions in order of preference; undefined when none is.
 *
 * @public
 */
export function servedVersion(
  resource: InstanceResource,
  operatorVersion: string,
): RenderedResource | undefined {
  const served = resource.versions.find(v =>
    satisfies(operatorVersion, v.operator),
  );
  return served
    ? {
        group: resource.group,
        kind: resource.kind,
        version: served.version,
        apiVersion: `${resource.group}/${served.version}`,
        operatorRange: served.operator,
      }
    : undefined;
}

/**
 * The instance resources of a component as a pipeline renders them against
 * an operator version (the registry's chart version by default). Throws a
 * RangeError naming the kind when the operator version serves none of its
 * versions.
 *
 * @public
 */
export function instanceResources(
  definition: OperatorComponent,
  operatorVersion: string = definition.chart.version,
): RenderedResource[] {
  return definition.instance.resources.map(resource => {
    const served = servedVersion(resource, operatorVersion);
    if (!served) {
      throw new RangeError(
        `${definition.chart.name} ${operatorVersion} serves no API version of ${
          resource.kind
        } that Datastack renders (${resource.versions
          .map(v => `${resource.group}/${v.version} needs ${v.operator}`)
          .join('; ')})`,
      );
    }
    return served;
  });
}

/**
 * The operator chart versions that serve every apiVersion in `rendered`:
 * a SemVer range (the ranges joined, which SemVer reads as "all of").
 *
 * @public
 */
export function operatorRangeFor(rendered: RenderedResource[]): string {
  const ranges = [...new Set(rendered.map(r => r.operatorRange))];
  // A range another one already implies adds nothing: keep the strictest.
  const strictest = ranges.filter(
    (range, i) =>
      !ranges.some(
        (other, j) =>
          j !== i &&
          semver.subset(other, range, { includePrerelease: true }) &&
          (!semver.subset(range, other, { includePrerelease: true }) || j < i),
      ),
  );
  return strictest.length ? strictest.join(' ') : '*';
}

/**
 * The CR ↔ operator constraints of a component as data: for each rendered
 * kind and each of its API versions, which operator versions serve it.
 * What the upgrade engine reads to see that an operator upgrade stops
 * serving resources a pipeline still stores at an older version.
 *
 * @public
 */
export function instanceConstraints(definition: ComponentDefinition): Array<{
  apiVersion: string;
  kind: string;
  operatorRange: string;
  source: string;
}> {
  return (definition.instance?.resources ?? []).flatMap(resource =>
    resource.versions.map(v => ({
      apiVersion: `${resource.group}/${v.version}`,
      kind: resource.kind,
      operatorRange: v.operator,
      source: v.source,
    })),
  );
}
