/**
 * Kubernetes label selectors, as Argo CD parses the `selector` query
 * parameter: the same parser Datastack's live inventory matches with, so
 * the sandbox and the product can never disagree on what a selector means.
 */
export {
  parseSelector,
  SelectorParseError,
} from '@datastack/plugin-datastack-common';
export type {
  LabelSelector,
  Requirement,
} from '@datastack/plugin-datastack-common';
