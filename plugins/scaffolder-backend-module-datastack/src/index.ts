/**
 * Scaffolder actions of Datastack.
 *
 * @packageDocumentation
 */
export { scaffolderModuleDatastack as default } from './module';
export { createRenderAction } from './actions/render';
export type { RenderActionOptions } from './actions/render';
