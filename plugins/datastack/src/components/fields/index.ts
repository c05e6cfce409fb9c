import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { ArgoCdInstancePicker, ClusterPicker } from './ArgoCdPickers';

export { ArgoCdInstancePicker, ClusterPicker };

export const argoCdInstancePickerField = createFormField({
  name: 'DatastackArgoCdInstancePicker',
  component: ArgoCdInstancePicker,
});

export const clusterPickerField = createFormField({
  name: 'DatastackClusterPicker',
  component: ClusterPicker,
});
