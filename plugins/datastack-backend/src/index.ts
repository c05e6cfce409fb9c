/**
 * Datastack backend plugin.
 *
 * @packageDocumentation
 */
export { datastackPlugin as default } from './plugin';
