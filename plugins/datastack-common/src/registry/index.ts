import { ComponentRegistry } from './ComponentRegistry';
import { defaultComponents } from './components';
import { defaultCompositionRules } from './rules';

export * from './schema';
export * from './ComponentRegistry';
export { defaultComponents } from './components';
export { defaultCompositionRules } from './rules';

/**
 * The registry of the components shipped with Datastack, before app-config overrides.
 *
 * @public
 */
export function createDefaultRegistry(): ComponentRegistry {
  return new ComponentRegistry(defaultComponents, defaultCompositionRules);
}
export * from './operators';
