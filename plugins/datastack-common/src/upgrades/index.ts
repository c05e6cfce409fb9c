export * from './apiDeprecations';
export * from './types';
