/**
 * How the platform offering appears in the catalog: one System and one
 * Component per registry component. The catalog module writes these
 * entities; the search module links its documents to them.
 */

/**
 * The System that groups the platform offering's components.
 *
 * @public
 */
export const PLATFORM_SYSTEM = 'datastack-platform';
/**
 * `spec.type` of a platform offering component.
 *
 * @public
 */
export const PLATFORM_COMPONENT_TYPE = 'datastack-offering';

/**
 * The name of the offering entity of a registry component (in the default
 * namespace, kind Component). Pipeline entities carry the same registry id in
 * `datastack.io/component`; search documents link to this entity.
 *
 * @public
 */
export function offeringEntityName(componentId: string): string {
  return `datastack-${componentId}`;
}
