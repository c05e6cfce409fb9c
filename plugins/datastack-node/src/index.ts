/**
 * Node library of Datastack: configuration, the Argo CD REST client and the
 * component registry loader, shared by the backend plugin and its modules.
 *
 * @packageDocumentation
 */
export * from './config';
export * from './registry';
export * from './tenancy';
export * from './deployment';
export * from './argocd/ArgoCdClient';
export type * from './argocd/types';
export * from './gitops';
export { datastackUrlReaderFactory } from './urlReaderFactory';
export * from './yamlData';
export * from './http/fetchUpstream';
export * from './http/boundedFetch';
