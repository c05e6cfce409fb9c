import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_DATASTACK_PIPELINE,
  FleetPage,
} from '@datastack/plugin-datastack-common';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { DatastackApi, datastackApiRef } from '../../api/DatastackApi';
import { ErrorState, RefreshFailed } from '../common/ErrorState';
import { formatTime } from '../common/StatusLabels';
import { UpstreamFailures } from '../common/UpstreamFailures';
import { usePolledValue } from '../common/usePolledValue';
import { fromInventory } from '../common/useInventoryUpdates';
import { FleetMatrix } from '../FleetMatrix';
import { UpgradePlanView } from '../UpgradePlan';

/** The largest page the fleet route answers. */
const PAGE_LIMIT = 500;
/** A pipeline has a few components × a few environments; stop well past that. */
const MAX_PAGES = 10;

/** Every fleet row of one pipeline, over as many pages as it takes. */
export async function loadPipelineFleet(
  api: DatastackApi,
  pipeline: string,
): Promise<FleetPage> {
  const first = await api.getFleet({ pipeline, limit: PAGE_LIMIT });
  const items = [...first.items];
  for (let page = 1; items.length < first.total && page < MAX_PAGES; page++) {
    const next = await api.getFleet({
      pipeline,
      limit: PAGE_LIMIT,
      offset: items.length,
    });
    if (next.items.length === 0) break;
    items.push(...next.items);
  }
  return { ...first, items };
}

function Matrix(props: { pipeline: string }) {
  const api = useApi(datastackApiRef);
  const { value, error, stale } = usePolledValue(
    () => loadPipelineFleet(api, props.pipeline),
    `fleet:${props.pipeline}`,
    undefined,
    fromInventory,
  );
  if (error && (!value || stale)) {
    return <ErrorState error={error} title="Deployments could not be read" />;
  }
  if (!value || stale) return <Progress />;
  return (
    <>
      <UpstreamFailures failures={value.instances} />
      {value.items.length === 0 ? (
        <Typography>
          No Argo CD Application carries the label datastack.io/pipeline=
          {props.pipeline} yet.
        </Typography>
      ) : (
        <FleetMatrix
          rows={value.items}
          label={`Components of ${props.pipeline} by environment`}
        />
      )}
      {value.items.length < value.total ? (
        <Typography variant="caption" color="textSecondary" display="block">
          Showing {value.items.length} of {value.total} Applications.
        </Typography>
      ) : null}
      <RefreshFailed error={error} />
      <Typography variant="caption" color="textSecondary" display="block">
        Read{' '}
        {formatTime(
          value.instances
            .map(i => i.fetchedAt)
            .sort()
            .reverse()[0],
        )}
      </Typography>
    </>
  );
}

function Plan(props: { namespace: string; name: string }) {
  const api = useApi(datastackApiRef);
  const { value, error, stale } = usePolledValue(
    () =>
      api.getPipelineUpgradePlan({
        namespace: props.namespace,
        name: props.name,
      }),
    `plan:${props.namespace}/${props.name}`,
  );
  if (error && (!value || stale)) {
    return (
      <ErrorState error={error} title="The upgrade plan could not be read" />
    );
  }
  if (!value || stale) return <Progress />;
  return (
    <>
      <UpgradePlanView plan={value} />
      <RefreshFailed error={error} />
    </>
  );
}

/**
 * Entity content "Pipeline" of a pipeline's System: its components × its
 * environments (status, version, Argo CD link, version skew), and the
 * pipeline's ordered upgrade plan.
 */
export function PipelineContent() {
  const { entity } = useEntity();
  const namespace = entity.metadata.namespace ?? 'default';
  const pipeline =
    entity.metadata.annotations?.[ANNOTATION_DATASTACK_PIPELINE]?.trim() ||
    entity.metadata.name;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title="Components by environment">
          <Matrix pipeline={pipeline} />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Upgrade plan">
          <Plan namespace={namespace} name={entity.metadata.name} />
        </InfoCard>
      </Grid>
    </Grid>
  );
}
