/**
 * Types, annotations, permissions and the data-stack component registry of
 * Datastack, shared by its frontend and backend packages.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './environments';
export * from './permissions';
export * from './platform';
export * from './registry';
export * from './health';
export * from './types';
export * from './tenancy';
export * from './upgrades';
export * from './offering';
export * from './labelSelector';
