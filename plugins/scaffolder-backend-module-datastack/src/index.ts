/**
 * Scaffolder actions of Datastack.
 *
 * @packageDocumentation
 */
export { scaffolderModuleDatastack as default } from './module';
export { createRenderAction } from './actions/render';
export type { RenderActionOptions } from './actions/render';
export { createPublishAction } from './actions/publish';
export type { PublishActionOptions } from './actions/publish';
export { createApplyAction } from './actions/apply';
export type { ApplyActionOptions } from './actions/apply';
export { OwnershipGuard } from './tenancy/OwnershipGuard';
export type { Entitlement } from './tenancy/OwnershipGuard';
