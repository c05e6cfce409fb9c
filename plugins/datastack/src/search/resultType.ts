/** The search document type the Datastack search collator indexes. */
export const DATASTACK_COMPONENT_RESULT_TYPE = 'datastack-component';
