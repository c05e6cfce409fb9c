import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  ComponentUpgrade,
  UpgradeCandidate,
  datastackUpgradeProposePermission,
} from '@datastack/plugin-datastack-common';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { useState } from 'react';
import { datastackApiRef } from '../../api/DatastackApi';
import { ErrorState, RefreshFailed } from '../common/ErrorState';
import {
  RiskChip,
  RollupStatusLabel,
  formatTime,
} from '../common/StatusLabels';
import { UpstreamFailures } from '../common/UpstreamFailures';
import { ChartRepositoryCard } from './ChartRepositoryCard';
import { usePolledValue } from '../common/usePolledValue';
import { compareEnvironments, oldestVersion } from '../common/versions';
import { CandidateDetails, UpgradePath } from './CandidateDetails';
import { ProposeUpgradeDialog } from './ProposeUpgradeDialog';
import { ScrollTable } from '../common/ScrollTable';

function DeployedTable({ upgrade }: { upgrade: ComponentUpgrade }) {
  if (upgrade.deployed.length === 0) {
    return (
      <Typography>
        Not deployed yet: no Argo CD Application of {upgrade.componentId} was
        found{upgrade.failures.length ? ' on the instances that answered' : ''}.
      </Typography>
    );
  }
  const deployed = [...upgrade.deployed].sort((a, b) =>
    compareEnvironments(a.environment ?? '', b.environment ?? ''),
  );
  return (
    <ScrollTable>
      <Table size="small" aria-label="Deployed versions by environment">
        <TableHead>
          <TableRow>
            <TableCell>Environment</TableCell>
            <TableCell>Application</TableCell>
            <TableCell>Cluster</TableCell>
            <TableCell>Chart</TableCell>
            <TableCell>App version</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {deployed.map(d => (
            <TableRow key={`${d.instance}/${d.application}`}>
              <TableCell component="th" scope="row">
                {d.environment ?? '—'}
              </TableCell>
              <TableCell>
                {d.application}
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  Argo CD {d.instance}
                </Typography>
                {d.lastKnown ? (
                  <Typography variant="caption" display="block">
                    <RollupStatusLabel status={d.lastKnown.status} /> last known
                    at {formatTime(d.lastKnown.fetchedAt)}
                  </Typography>
                ) : null}
              </TableCell>
              <TableCell>
                {d.cluster}
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  Kubernetes {d.clusterVersion ?? 'version unknown'}
                </Typography>
              </TableCell>
              <TableCell>
                {d.chart
                  ? `${d.chart.name} ${d.chart.version ?? '(version unknown)'}`
                  : '—'}
              </TableCell>
              <TableCell>{d.appVersion ?? '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollTable>
  );
}

function CandidateSummary(props: {
  candidate: UpgradeCandidate;
  recommended: boolean;
  latest: boolean;
}) {
  const { candidate } = props;
  return (
    <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }}>
      <Typography variant="subtitle1" component="span">
        {candidate.chartVersion}
      </Typography>
      {candidate.appVersion ? (
        <Typography variant="body2" color="textSecondary" component="span">
          app {candidate.appVersion}
        </Typography>
      ) : null}
      <RiskChip risk={candidate.risk} title={candidate.reasons.join(' ')} />
      {props.recommended ? (
        <Chip size="small" color="primary" label="Recommended" />
      ) : null}
      {props.latest ? (
        <Chip size="small" variant="outlined" label="Latest" />
      ) : null}
      {candidate.majorBump ? (
        <Chip
          size="small"
          variant="outlined"
          label="Major version"
          title="A new SemVer major: proposed only when you choose it"
        />
      ) : null}
      {candidate.deprecated ? (
        <Chip size="small" variant="outlined" label="Deprecated chart" />
      ) : null}
      {candidate.hops.length ? (
        <Typography variant="body2" component="span">
          through {candidate.hops.join(' → ')}
        </Typography>
      ) : null}
      {candidate.created ? (
        <Typography variant="caption" color="textSecondary" component="span">
          published {new Date(candidate.created).toLocaleDateString()}
        </Typography>
      ) : null}
    </Box>
  );
}

/** Why the propose button is disabled, or undefined when it is not. */
function whyNotPropose(
  upgrade: ComponentUpgrade,
  canPropose: boolean,
  entityRef: string,
): string | undefined {
  if (!canPropose) {
    return `You are not allowed to propose upgrades of ${entityRef}`;
  }
  if (upgrade.deployed.length === 0) return 'Nothing is deployed to upgrade';
  if (upgrade.candidates.length === 0) {
    return 'There is no newer version to propose';
  }
  return undefined;
}

function recommendation(upgrade: ComponentUpgrade): string | undefined {
  const latest =
    upgrade.latest && upgrade.latest !== upgrade.recommended
      ? ` · Latest: ${upgrade.latest}`
      : '';
  if (upgrade.recommended)
    return `Recommended: ${upgrade.recommended}${latest}`;
  if (upgrade.candidates.length) {
    return `No version can be recommended: every newer one is blocking or a new major version${latest}`;
  }
  return undefined;
}

/**
 * Entity content "Upgrades": where the component runs and at which version,
 * what its chart repository is known to hold, every newer version with its
 * risk and findings per cluster, the recommended one highlighted with its
 * values changes and path, and a way to propose the upgrade as a pull request.
 */
export function UpgradesContent() {
  const { entity } = useEntity();
  const api = useApi(datastackApiRef);
  const ref = getCompoundEntityRef(entity);
  const key = stringifyEntityRef(entity);
  const { value, error, stale, reload } = usePolledValue(
    () => api.getComponentUpgrade(ref),
    key,
  );
  const { allowed: canPropose } = usePermission({
    permission: datastackUpgradeProposePermission,
    resourceRef: key,
  });
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});
  const [proposing, setProposing] = useState<
    { version?: string } | undefined
  >();

  if (error && (!value || stale)) {
    return <ErrorState error={error} title="Upgrades could not be read" />;
  }
  if (!value || stale) {
    return <Progress />;
  }

  // The checks start from what runs where Argo CD answered.
  const from = oldestVersion(
    value.deployed.filter(d => !d.lastKnown).map(d => d.chart?.version),
  );
  const environments = [
    ...new Set(
      value.deployed
        .map(d => d.environment)
        .filter((e): e is string => Boolean(e)),
    ),
  ].sort(compareEnvironments);
  const recommended = value.candidates.find(
    c => c.chartVersion === value.recommended,
  );
  // A major version or a blocked one is proposed only when the user picks it.
  const firstChoice = value.recommended;
  const latest = value.latest ?? value.candidates[0]?.chartVersion;
  const proposeDisabledReason = whyNotPropose(value, canPropose, key);

  const proposeButton = (version: string | undefined, label: string) => (
    <Tooltip title={proposeDisabledReason ?? ''}>
      <span>
        <Button
          variant="contained"
          color="primary"
          size="small"
          disabled={Boolean(proposeDisabledReason)}
          onClick={() => setProposing({ version })}
        >
          {label}
        </Button>
      </span>
    </Tooltip>
  );

  return (
    <Grid container spacing={3}>
      {value.failures.length ? (
        <Grid item xs={12}>
          <UpstreamFailures failures={value.failures} />
        </Grid>
      ) : null}
      <Grid item xs={12} md={8}>
        <InfoCard title="Deployed versions">
          <DeployedTable upgrade={value} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={4}>
        <ChartRepositoryCard state={value.versions} onRefreshed={reload} />
      </Grid>
      <Grid item xs={12}>
        <InfoCard
          title="Newer versions"
          subheader={recommendation(value)}
          action={
            <Box mt={2} mr={2}>
              {proposeButton(firstChoice, 'Propose upgrade')}
            </Box>
          }
        >
          {value.candidates.length === 0 ? (
            <Typography>
              {value.versions.status === 'ok'
                ? `No newer version than ${
                    from ?? 'the deployed one'
                  } in the chart repository.`
                : 'No newer version is known: the chart repository could not be read.'}
            </Typography>
          ) : null}
          {recommended && recommended.hops.length ? (
            <Box mb={2}>
              <Typography variant="subtitle2" component="h3">
                Plan to {recommended.chartVersion}
              </Typography>
              <UpgradePath from={from} candidate={recommended} />
            </Box>
          ) : null}
          {value.candidates.map(candidate => {
            const version = candidate.chartVersion;
            const isRecommended = version === value.recommended;
            const open = expanded[version] ?? isRecommended;
            return (
              <Accordion
                key={version}
                expanded={open}
                onChange={(_e, next) =>
                  setExpanded(prev => ({ ...prev, [version]: next }))
                }
                TransitionProps={{ unmountOnExit: false }}
                variant={isRecommended ? 'elevation' : 'outlined'}
                elevation={isRecommended ? 4 : 0}
              >
                <AccordionSummary
                  expandIcon={<ExpandMoreIcon />}
                  aria-controls={`datastack-candidate-${version}`}
                  id={`datastack-candidate-${version}-summary`}
                >
                  <CandidateSummary
                    candidate={candidate}
                    recommended={isRecommended}
                    latest={version === latest}
                  />
                </AccordionSummary>
                <AccordionDetails id={`datastack-candidate-${version}`}>
                  <Box width="100%">
                    <CandidateDetails
                      entity={ref}
                      candidate={candidate}
                      from={from}
                      inlineDiff={isRecommended ? value.valuesDiff : undefined}
                    />
                    <Box mt={2}>
                      {proposeButton(version, `Propose upgrade to ${version}`)}
                    </Box>
                  </Box>
                </AccordionDetails>
              </Accordion>
            );
          })}
          <Box mt={1}>
            <RefreshFailed error={error} />
            <Typography variant="caption" color="textSecondary" display="block">
              Checked {formatTime(value.generatedAt)}
            </Typography>
          </Box>
        </InfoCard>
      </Grid>
      {proposing ? (
        <ProposeUpgradeDialog
          open
          onClose={() => setProposing(undefined)}
          entity={ref}
          entityRef={key}
          candidates={value.candidates}
          environments={environments}
          initialVersion={proposing.version}
        />
      ) : null}
    </Grid>
  );
}
