import type { CompoundEntityRef } from '@backstage/catalog-model';
import {
  StatusAborted,
  StatusError,
  StatusOK,
} from '@backstage/core-components';
import type {
  ApiFinding,
  ClusterApiFindings,
  ConstraintViolation,
  KubeFit,
  UpgradeCandidate,
  ValuesDiff,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { ReactNode } from 'react';
import { ValuesDiffSection } from './ValuesDiffView';

function Section(props: { title: string; children: ReactNode }) {
  return (
    <Box mt={2}>
      <Typography variant="subtitle2" component="h4" gutterBottom>
        {props.title}
      </Typography>
      {props.children}
    </Box>
  );
}

function violationText(v: ConstraintViolation): string {
  switch (v.kind) {
    case 'requires':
      return `Requires ${v.componentId} ${v.range}`;
    case 'required-by':
      return `${v.componentId} requires this component at ${v.range}`;
    default:
      return `Conflicts with ${v.componentId} ${v.range}`;
  }
}

function KubeFitLabel({ fit }: { fit?: KubeFit }) {
  if (!fit) return <StatusAborted>Not checked</StatusAborted>;
  const text = `${fit.reason}`;
  if (fit.fits === 'yes') return <StatusOK>Fits: {text}</StatusOK>;
  if (fit.fits === 'no') return <StatusError>Does not fit: {text}</StatusError>;
  return <StatusAborted>Unknown: {text}</StatusAborted>;
}

function Findings(props: { findings: ApiFinding[] }) {
  if (props.findings.length === 0) return <>none</>;
  return (
    <ul style={{ margin: 0, paddingLeft: 16 }}>
      {props.findings.map(f => (
        <li key={`${f.group}/${f.version}/${f.kind}/${f.status}`}>
          <strong>{f.status === 'removed' ? 'Removed' : 'Deprecated'}:</strong>{' '}
          {f.message}
        </li>
      ))}
    </ul>
  );
}

/** The upgrade path from the deployed version through the hops to the target. */
export function UpgradePath(props: {
  from?: string;
  candidate: UpgradeCandidate;
}) {
  const stops = [
    ...(props.from ? [`${props.from} (deployed)`] : []),
    ...props.candidate.hops,
    props.candidate.chartVersion,
  ];
  return (
    <ol
      aria-label={`Upgrade path to ${props.candidate.chartVersion}`}
      style={{ margin: 0 }}
    >
      {stops.map((s, i) => (
        <li key={s}>{i === 0 && props.from ? s : `Upgrade to ${s}`}</li>
      ))}
    </ol>
  );
}

/**
 * Everything known of one candidate: why its risk is what it is, per cluster
 * the Kubernetes fit and the API findings (now, at the next minor, of the
 * component's own CRDs), constraint violations, breaking notes, hops and the
 * values changes.
 */
export function CandidateDetails(props: {
  entity: CompoundEntityRef;
  candidate: UpgradeCandidate;
  from?: string;
  inlineDiff?: ValuesDiff;
}) {
  const { candidate } = props;
  const clusters = new Map<
    string,
    { fit?: KubeFit; api?: ClusterApiFindings }
  >();
  for (const fit of candidate.kubeFit) {
    clusters.set(fit.cluster, { ...clusters.get(fit.cluster), fit });
  }
  for (const api of candidate.apiFindings) {
    clusters.set(api.cluster, { ...clusters.get(api.cluster), api });
  }
  const otherReasons = candidate.reasons.filter(
    r => !candidate.blockers.includes(r),
  );
  return (
    <Box width="100%">
      {candidate.blockers.length ? (
        <Box role="alert" color="error.main">
          <Typography variant="subtitle2" component="h4">
            What blocks {candidate.chartVersion}
          </Typography>
          <ul>
            {candidate.blockers.map(b => (
              <li key={b}>{b}</li>
            ))}
          </ul>
        </Box>
      ) : null}
      {otherReasons.length ? (
        <ul
          aria-label={`Why ${candidate.chartVersion} is rated ${candidate.risk}`}
        >
          {otherReasons.map(r => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
      <Section title="Clusters">
        {clusters.size === 0 ? (
          <Typography variant="body2">No cluster to check against.</Typography>
        ) : (
          <Table
            size="small"
            aria-label={`Clusters for ${candidate.chartVersion}`}
          >
            <TableHead>
              <TableRow>
                <TableCell>Cluster</TableCell>
                <TableCell>Kubernetes fit</TableCell>
                <TableCell>APIs at the current version</TableCell>
                <TableCell>APIs at the next minor</TableCell>
                <TableCell>Component CRDs</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {[...clusters.entries()].map(([cluster, { fit, api }]) => (
                <TableRow key={cluster}>
                  <TableCell component="th" scope="row">
                    {cluster}
                    <Typography
                      variant="caption"
                      display="block"
                      color="textSecondary"
                    >
                      {fit?.kubeVersion ??
                        api?.kubeVersion ??
                        'version unknown'}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <KubeFitLabel fit={fit} />
                  </TableCell>
                  <TableCell>
                    <Findings findings={api?.current ?? []} />
                  </TableCell>
                  <TableCell>
                    {api?.nextMinor ? (
                      <Typography variant="caption" display="block">
                        Kubernetes {api.nextMinor}
                      </Typography>
                    ) : null}
                    <Findings findings={api?.next ?? []} />
                  </TableCell>
                  <TableCell>
                    <Findings findings={api?.component ?? []} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
      {candidate.constraintViolations.length ? (
        <Section title="Constraint violations">
          <ul>
            {candidate.constraintViolations.map(v => (
              <li
                key={`${v.kind}/${v.componentId}/${v.environment}/${v.range}`}
              >
                {violationText(v)}
                {v.actualVersion ? ` (deployed ${v.actualVersion}` : ''}
                {v.actualVersion && v.environment ? ` in ${v.environment}` : ''}
                {v.actualVersion ? ')' : ''}: {v.reason}
                <Typography variant="caption" color="textSecondary">
                  {' '}
                  ({v.source})
                </Typography>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
      {candidate.breakingNotes.length ? (
        <Section title="Breaking changes">
          <ul>
            {candidate.breakingNotes.map(n => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </Section>
      ) : null}
      <Section title="Upgrade path">
        {candidate.hops.length === 0 ? (
          <Typography variant="body2">
            Direct upgrade{props.from ? ` from ${props.from}` : ''}.
          </Typography>
        ) : (
          <UpgradePath from={props.from} candidate={candidate} />
        )}
      </Section>
      <Section title="Values changes">
        <ValuesDiffSection
          entity={props.entity}
          from={props.from}
          to={candidate.chartVersion}
          inline={props.inlineDiff}
        />
      </Section>
    </Box>
  );
}
