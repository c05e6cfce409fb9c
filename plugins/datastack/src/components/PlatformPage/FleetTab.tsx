import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ComponentDefinition,
  ROLLUP_ORDER,
  RollupStatus,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Paper from '@material-ui/core/Paper';
import TablePagination from '@material-ui/core/TablePagination';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { FleetQuery, datastackApiRef } from '../../api/DatastackApi';
import { ErrorState, RefreshFailed } from '../common/ErrorState';
import { formatTime, statusLabels } from '../common/StatusLabels';
import { UpstreamFailures } from '../common/UpstreamFailures';
import { usePolledValue } from '../common/usePolledValue';
import { fromInventory } from '../common/useInventoryUpdates';
import { FleetMatrix } from '../FleetMatrix';

/** Filters that live in the page's query string. */
export const FLEET_FILTERS = [
  'owner',
  'component',
  'environment',
  'status',
] as const;
const PAGE_SIZES = [100, 250, 500];
const TYPING_DELAY_MS = 400;

function useFleetQuery() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? undefined;
  const pageSize = Number(params.get('pageSize'));
  const limit = PAGE_SIZES.includes(pageSize) ? pageSize : PAGE_SIZES[0];
  const page = Math.max(0, Math.floor(Number(params.get('page')) || 0));
  const query: FleetQuery = {
    owner: params.get('owner') || undefined,
    component: params.get('component') || undefined,
    environment: params.get('environment') || undefined,
    status: ROLLUP_ORDER.includes(status as RollupStatus)
      ? (status as RollupStatus)
      : undefined,
    offset: page * limit,
    limit,
  };
  /** Sets one query parameter (empty removes it); a new filter goes back to the first page. */
  const set = (name: string, value: string | undefined) =>
    setParams(
      prev => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
        if (name !== 'page') next.delete('page');
        return next;
      },
      { replace: name !== 'page' },
    );
  return { query, page, limit, set, params };
}

/** A free-text filter that writes to the URL once the user pauses typing. */
function TextFilter(props: {
  name: string;
  label: string;
  helperText: string;
  value?: string;
  onChange: (value: string | undefined) => void;
}) {
  const { value, onChange } = props;
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  useEffect(() => {
    if (text.trim() === (value ?? '')) return undefined;
    const timer = setTimeout(
      () => onChange(text.trim() || undefined),
      TYPING_DELAY_MS,
    );
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, value]);
  return (
    <TextField
      id={`datastack-fleet-${props.name}`}
      label={props.label}
      helperText={props.helperText}
      value={text}
      onChange={e => setText(e.target.value)}
      variant="outlined"
      size="small"
    />
  );
}

/**
 * The owner as the fleet route takes it, a full entity ref: `data-engineering`
 * and `group:data-engineering` mean `group:default/data-engineering`.
 */
export function normaliseOwner(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(text, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    return text;
  }
}

/** The registry's components grouped by layer, in the registry's order. */
function ComponentOptions(props: { components: ComponentDefinition[] }) {
  const layers = [...new Set(props.components.map(c => c.layer))];
  return (
    <>
      {layers.map(layer => (
        <optgroup key={layer} label={layer}>
          {props.components
            .filter(c => c.layer === layer)
            .map(c => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
        </optgroup>
      ))}
    </>
  );
}

/**
 * Every component × environment of the fleet, a page at a time: filters by
 * owner, component (grouped by layer), environment and status, kept in the
 * URL; each cell's state and version, version skew marked; the state of each
 * Argo CD instance the page was read from.
 */
export function FleetTab() {
  const api = useApi(datastackApiRef);
  const { query, page, limit, set } = useFleetQuery();
  const components = useAsync(() => api.listComponents(), [api]);
  const key = JSON.stringify(query);
  const { value, error, stale } = usePolledValue(
    () => api.getFleet(query),
    key,
    undefined,
    fromInventory,
  );

  const filters = (
    <Box
      display="flex"
      flexWrap="wrap"
      alignItems="flex-start"
      style={{ gap: 16 }}
      mb={2}
      role="search"
      aria-label="Fleet filters"
    >
      <TextFilter
        name="owner"
        label="Owner"
        helperText="A group or user, e.g. data-engineering"
        value={query.owner}
        onChange={v => set('owner', normaliseOwner(v))}
      />
      <TextField
        select
        id="datastack-fleet-component"
        label="Component"
        value={query.component ?? ''}
        onChange={e => set('component', e.target.value)}
        SelectProps={{ native: true }}
        // A native select always shows its value: the label stays above it.
        InputLabelProps={{ shrink: true }}
        variant="outlined"
        size="small"
        helperText={
          components.error
            ? `Components could not be read: ${components.error.message}`
            : 'By layer'
        }
      >
        <option value="">All components</option>
        {query.component &&
        !components.value?.some(c => c.id === query.component) ? (
          <option value={query.component}>{query.component}</option>
        ) : null}
        <ComponentOptions components={components.value ?? []} />
      </TextField>
      <TextFilter
        name="environment"
        label="Environment"
        helperText="e.g. prod"
        value={query.environment}
        onChange={v => set('environment', v)}
      />
      <TextField
        select
        id="datastack-fleet-status"
        label="Status"
        value={query.status ?? ''}
        onChange={e => set('status', e.target.value)}
        SelectProps={{ native: true }}
        // A native select always shows its value: the label stays above it.
        InputLabelProps={{ shrink: true }}
        variant="outlined"
        size="small"
        helperText=" "
      >
        <option value="">Any status</option>
        {ROLLUP_ORDER.map(s => (
          <option key={s} value={s}>
            {statusLabels[s]}
          </option>
        ))}
      </TextField>
    </Box>
  );

  let body;
  if (error && (!value || stale)) {
    body = <ErrorState error={error} title="The fleet could not be read" />;
  } else if (!value) {
    body = <Progress />;
  } else {
    body = (
      <>
        <UpstreamFailures failures={value.instances} />
        {stale ? <LinearProgress aria-label="Loading the fleet" /> : null}
        {value.items.length === 0 ? (
          <Typography>
            {FLEET_FILTERS.some(f => query[f])
              ? 'No deployment matches these filters.'
              : 'Nothing is deployed yet: no Argo CD Application carries the datastack.io/component label.'}
          </Typography>
        ) : (
          <FleetMatrix
            rows={value.items}
            showPipeline
            label="Fleet: components by environment"
          />
        )}
        <TablePagination
          component="div"
          count={value.total}
          page={Math.min(page, Math.max(0, Math.ceil(value.total / limit) - 1))}
          rowsPerPage={limit}
          rowsPerPageOptions={PAGE_SIZES}
          labelRowsPerPage="Applications per page"
          onPageChange={(_e, next) =>
            set('page', next ? String(next) : undefined)
          }
          onRowsPerPageChange={e => set('pageSize', e.target.value)}
        />
        <Typography variant="caption" color="textSecondary" display="block">
          Rows come ordered by pipeline and component, so a component's
          environments share a page; version skew compares them.{' '}
          {value.instances
            .map(
              i =>
                `Argo CD ${i.instance}: ${i.status}, read ${formatTime(
                  i.fetchedAt,
                )}`,
            )
            .join('; ')}
        </Typography>
        <RefreshFailed error={error} />
      </>
    );
  }
  return (
    <Paper variant="outlined">
      <Box p={2}>
        {filters}
        {body}
      </Box>
    </Paper>
  );
}
