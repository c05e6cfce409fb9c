import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { useEffect, useRef } from 'react';

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * One readable line per environment of a Datastack template's
 * `environments` array, as the review step shows it:
 * `dev — Argo CD dev, cluster in-cluster, size small, namespaces orders-dev-<component>`.
 * The defaults are the templates' own (the instance named like the
 * environment, in-cluster, small) and the namespaces are render's
 * (`<pipeline>-<environment>-<component>`).
 */
export function environmentLines(
  environments: unknown,
  pipeline?: unknown,
): string[] {
  if (!Array.isArray(environments)) return [];
  return environments
    .filter(
      (e): e is Record<string, unknown> => typeof e === 'object' && e !== null,
    )
    .map(e => {
      const name = text(e.name) || '(no environment chosen)';
      const parts = [
        `Argo CD ${text(e.argocdInstance) || name}`,
        `cluster ${text(e.cluster) || 'in-cluster'}`,
        `size ${text(e.size) || 'small'}`,
      ];
      if (text(pipeline) && text(e.name)) {
        parts.push(`namespaces ${text(pipeline)}-${name}-<component>`);
      }
      return `${name} — ${parts.join(', ')}`;
    });
}

/**
 * `ui:field: DatastackEnvironmentsSummary`: holds the readable lines of the
 * form's `environments` (read from the form's data, with its `name`) for
 * Backstage's review step, which shows an array of objects only as raw
 * `key: value` pairs. The templates hide the raw field from the review
 * (`ui:backstage: { review: { show: false } }`) and put this one beside it;
 * it renders nothing in the form itself.
 */
export function EnvironmentsSummaryField(
  props: FieldExtensionComponentProps<string[]>,
) {
  const { formContext, formData, onChange } = props;
  const form = (formContext?.formData ?? {}) as Record<string, unknown>;
  const lines = environmentLines(form.environments, form.name);
  const key = JSON.stringify(lines);
  // Sent once on mount whatever it holds: the change makes the form hand its
  // defaults (the default environments) to the form data this field reads.
  const sent = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (sent.current === key && JSON.stringify(formData ?? []) === key) return;
    sent.current = key;
    onChange(JSON.parse(key));
  }, [key, formData, onChange]);
  return null;
}
