import { useApi } from '@backstage/core-plugin-api';
import type { ArgoCdInstanceSummary } from '@datastack/plugin-datastack-common';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import useAsync from 'react-use/esm/useAsync';
import { datastackApiRef } from '../../api/DatastackApi';

interface Option {
  value: string;
  label: string;
}

function instanceOptions(instances: ArgoCdInstanceSummary[]): Option[] {
  return instances.map(i => ({
    value: i.name,
    label:
      i.status === 'ok'
        ? `${i.name} (${i.uiUrl})`
        : `${i.name} (${i.status}: ${i.error})`,
  }));
}

function clusterOptions(instances: ArgoCdInstanceSummary[]): Option[] {
  const seen = new Map<string, Option>();
  for (const instance of instances) {
    for (const c of instance.clusters) {
      const existing = seen.get(c.name);
      seen.set(c.name, {
        value: c.name,
        label: existing
          ? `${existing.label}, ${instance.name}`
          : `${c.name}: ${c.server}${
              c.serverVersion ? `, Kubernetes ${c.serverVersion}` : ''
            } (Argo CD ${instance.name}`,
      });
    }
  }
  return [...seen.values()].map(o => ({ ...o, label: `${o.label})` }));
}

function Picker(
  props: FieldExtensionComponentProps<string> & {
    options: (instances: ArgoCdInstanceSummary[]) => Option[];
    emptyHelp: string;
  },
) {
  const {
    formData,
    onChange,
    schema,
    required,
    rawErrors,
    idSchema,
    options,
    emptyHelp,
  } = props;
  const api = useApi(datastackApiRef);
  const {
    value: instances,
    loading,
    error,
  } = useAsync(() => api.listArgoCdInstances(), [api]);
  const list = instances ? options(instances) : [];
  let helperText = schema.description;
  if (error)
    helperText = `Could not load from the backend (${error.message}); type a name.`;
  else if (instances && list.length === 0) helperText = emptyHelp;
  return (
    <Autocomplete<Option, false, false, true>
      id={idSchema?.$id}
      freeSolo
      loading={loading}
      options={list}
      value={formData ?? ''}
      getOptionLabel={o => (typeof o === 'string' ? o : o.value)}
      renderOption={o => o.label}
      onChange={(_event, v) =>
        onChange(typeof v === 'string' ? v : v?.value ?? '')
      }
      onInputChange={(_event, v, reason) => {
        if (reason === 'input') onChange(v);
      }}
      renderInput={params => (
        <TextField
          {...params}
          label={schema.title}
          required={required}
          error={Boolean(rawErrors?.length)}
          helperText={helperText}
          margin="dense"
        />
      )}
    />
  );
}

/** `ui:field: DatastackArgoCdInstancePicker`: one of the configured Argo CD instances. */
export function ArgoCdInstancePicker(
  props: FieldExtensionComponentProps<string>,
) {
  return (
    <Picker
      {...props}
      options={instanceOptions}
      emptyHelp="No Argo CD instance is configured: the task log will say how to apply the app of apps by hand."
    />
  );
}

/** `ui:field: DatastackClusterPicker`: a destination cluster known to the configured Argo CD instances. */
export function ClusterPicker(props: FieldExtensionComponentProps<string>) {
  return (
    <Picker
      {...props}
      options={clusterOptions}
      emptyHelp="No cluster is known to a configured Argo CD instance: type a cluster name or its https:// API URL."
    />
  );
}
