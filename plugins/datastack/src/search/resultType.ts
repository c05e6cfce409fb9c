/**
 * The search document type the Datastack search collator indexes.
 *
 * @public
 */
export const DATASTACK_COMPONENT_RESULT_TYPE = 'datastack-component';
