export * from './apiDeprecations';
