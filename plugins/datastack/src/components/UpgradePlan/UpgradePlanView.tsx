import { WarningPanel } from '@backstage/core-components';
import type {
  ApiFinding,
  ChartVersionsState,
  ClusterUpgradeImpact,
  UpgradePlan,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  ChartVersionsStateLabel,
  RiskChip,
  formatTime,
} from '../common/StatusLabels';
import { UpstreamFailures } from '../common/UpstreamFailures';
import { ScrollTable } from '../common/ScrollTable';

function List(props: { items: string[]; empty?: string; label?: string }) {
  if (props.items.length === 0) {
    return <>{props.empty ?? '—'}</>;
  }
  return (
    <ul aria-label={props.label} style={{ margin: 0, paddingLeft: 16 }}>
      {props.items.map(item => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

/** The steps of a plan, in the order they must run. */
export function PlanSteps(props: {
  plan: UpgradePlan;
  showPipeline?: boolean;
}) {
  const { plan } = props;
  if (plan.steps.length === 0) {
    return (
      <Typography>
        Nothing to upgrade: every deployed component runs the newest version it
        can move to.
      </Typography>
    );
  }
  const steps = [...plan.steps].sort((a, b) => a.order - b.order);
  return (
    <ScrollTable>
      <Table size="small" aria-label="Upgrade steps in order">
        <TableHead>
          <TableRow>
            <TableCell>Order</TableCell>
            <TableCell>Component</TableCell>
            {props.showPipeline ? <TableCell>Pipeline</TableCell> : null}
            <TableCell>Environment</TableCell>
            <TableCell>Version</TableCell>
            <TableCell>Through</TableCell>
            <TableCell>Risk</TableCell>
            <TableCell>Blockers</TableCell>
            <TableCell>After</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {steps.map(step => (
            <TableRow key={`${step.instance}/${step.application}/${step.to}`}>
              <TableCell>{step.order}</TableCell>
              <TableCell component="th" scope="row">
                {step.componentId}
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  {step.application} (Argo CD {step.instance})
                </Typography>
              </TableCell>
              {props.showPipeline ? (
                <TableCell>{step.pipeline ?? '—'}</TableCell>
              ) : null}
              <TableCell>{step.environment ?? '—'}</TableCell>
              <TableCell>
                {step.from ?? 'unknown'} → {step.to}
              </TableCell>
              <TableCell>
                {step.hops.length ? step.hops.join(' → ') : 'direct'}
              </TableCell>
              <TableCell>
                <RiskChip risk={step.risk} />
              </TableCell>
              <TableCell>
                <List
                  items={step.blockers}
                  empty="none"
                  label={`Blockers of ${step.componentId}`}
                />
              </TableCell>
              <TableCell>
                {step.after.length ? step.after.join(', ') : '—'}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollTable>
  );
}

function findingText(f: ApiFinding) {
  return f.message;
}

/** What moving each cluster to its next Kubernetes minor would break. */
export function ClusterImpacts(props: { clusters: ClusterUpgradeImpact[] }) {
  if (props.clusters.length === 0) {
    return (
      <Typography color="textSecondary">
        No cluster versions are known for these deployments.
      </Typography>
    );
  }
  return (
    <ScrollTable>
      <Table size="small" aria-label="Cluster upgrade impact">
        <TableHead>
          <TableRow>
            <TableCell>Cluster</TableCell>
            <TableCell>Kubernetes</TableCell>
            <TableCell>What the next minor breaks</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {props.clusters.map(c => (
            <TableRow key={c.cluster}>
              <TableCell component="th" scope="row">
                {c.cluster}
              </TableCell>
              <TableCell>
                {c.kubeVersion ?? 'unknown'}
                {c.nextMinor ? ` → ${c.nextMinor}` : ''}
              </TableCell>
              <TableCell>
                {c.breaks.length === 0 ? (
                  'nothing found'
                ) : (
                  <ul style={{ margin: 0, paddingLeft: 16 }}>
                    {c.breaks.map(b => (
                      <li key={`${b.application}`}>
                        <strong>{b.componentId}</strong> ({b.application}
                        {b.environment ? `, ${b.environment}` : ''}):{' '}
                        {[
                          ...b.findings.map(findingText),
                          ...(b.kubeFit && b.kubeFit.fits !== 'yes'
                            ? [b.kubeFit.reason]
                            : []),
                        ].join(' ')}
                      </li>
                    ))}
                  </ul>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollTable>
  );
}

/** Each component's chart repository: fresh, stale or unknown, and when. */
export function ChartVersionsTable(props: { versions: ChartVersionsState[] }) {
  if (props.versions.length === 0) {
    return (
      <Typography color="textSecondary">No chart repositories.</Typography>
    );
  }
  return (
    <ScrollTable>
      <Table size="small" aria-label="Chart repositories">
        <TableHead>
          <TableRow>
            <TableCell>Component</TableCell>
            <TableCell>Chart versions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {props.versions.map(v => (
            <TableRow key={v.componentId}>
              <TableCell component="th" scope="row">
                {v.componentId}
              </TableCell>
              <TableCell>
                <ChartVersionsStateLabel state={v} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollTable>
  );
}

/**
 * An upgrade plan: instance failures in their own rows, dependency cycles,
 * the ordered steps, and what each cluster's next Kubernetes minor breaks.
 */
export function UpgradePlanView(props: {
  plan: UpgradePlan;
  showPipeline?: boolean;
  /** The fleet page shows chart repositories in their own section. */
  showVersions?: boolean;
}) {
  const { plan } = props;
  const notFresh = plan.versions.filter(v => v.status !== 'ok');
  return (
    <>
      <UpstreamFailures failures={plan.failures} />
      {plan.cycles.map(cycle => (
        <Box mb={2} key={cycle.join('>')}>
          <WarningPanel
            severity="error"
            title={`Dependency cycle: ${[...cycle, cycle[0]].join(' → ')}`}
            message="These components require each other, so no order is given for them; fix the registry's requires constraints."
          />
        </Box>
      ))}
      {props.showVersions !== false && notFresh.length ? (
        <Box mb={2}>
          <WarningPanel
            severity="warning"
            title={`Chart versions of ${notFresh
              .map(v => v.componentId)
              .join(', ')} may be incomplete`}
          >
            <ChartVersionsTable versions={notFresh} />
          </WarningPanel>
        </Box>
      ) : null}
      <Typography variant="h6" component="h3" gutterBottom>
        Steps
      </Typography>
      <PlanSteps plan={plan} showPipeline={props.showPipeline} />
      <Box mt={3}>
        <Typography variant="h6" component="h3" gutterBottom>
          Next Kubernetes minor
        </Typography>
        <ClusterImpacts clusters={plan.clusters} />
      </Box>
      <Typography variant="caption" color="textSecondary" display="block">
        Planned {formatTime(plan.generatedAt)}
      </Typography>
    </>
  );
}
