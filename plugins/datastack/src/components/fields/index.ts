import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { ArgoCdInstancePicker, ClusterPicker } from './ArgoCdPickers';
import { EnvironmentsSummaryField } from './EnvironmentsSummary';

export { ArgoCdInstancePicker, ClusterPicker, EnvironmentsSummaryField };

export const argoCdInstancePickerField = createFormField({
  name: 'DatastackArgoCdInstancePicker',
  component: ArgoCdInstancePicker,
});

export const clusterPickerField = createFormField({
  name: 'DatastackClusterPicker',
  component: ClusterPicker,
});

export const environmentsSummaryField = createFormField({
  name: 'DatastackEnvironmentsSummary',
  component: EnvironmentsSummaryField,
});
