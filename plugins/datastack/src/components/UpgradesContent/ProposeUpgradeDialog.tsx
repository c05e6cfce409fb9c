import type { CompoundEntityRef } from '@backstage/catalog-model';
import { Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type {
  UpgradeCandidate,
  UpgradeProposal,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormLabel from '@material-ui/core/FormLabel';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { datastackApiRef } from '../../api/DatastackApi';
import { isProductionEnvironment } from '../common/environments';
import { ErrorState } from '../common/ErrorState';
import { riskLabels } from '../common/StatusLabels';

export { isProductionEnvironment };

/**
 * The environments ticked when the dialog opens: the first in promotion
 * order (`environments` come sorted dev, test/qa, staging, prod), never a
 * production one; none when production is all there is.
 */
export function defaultEnvironments(environments: string[]): string[] {
  const first = environments[0];
  return first && !isProductionEnvironment(first) ? [first] : [];
}

/**
 * Confirms a proposed upgrade: the version (the recommended one unless the
 * user picks another; none preselected when nothing is recommended), the
 * environments to bump (the first in promotion order by default), and what
 * the version's risk is; asks for an explicit confirmation when a production
 * environment is ticked; then writes the branch and shows it, with the pull
 * request where the host has one, or the backend's error.
 */
export function ProposeUpgradeDialog(props: {
  open: boolean;
  onClose: () => void;
  entity: CompoundEntityRef;
  entityRef: string;
  candidates: UpgradeCandidate[];
  /** The environments deployed, in promotion order. */
  environments: string[];
  /** The version chosen, or the recommended one; none when nothing is recommended. */
  initialVersion?: string;
}) {
  const api = useApi(datastackApiRef);
  const [version, setVersion] = useState(props.initialVersion ?? '');
  const [environments, setEnvironments] = useState(() =>
    defaultEnvironments(props.environments),
  );
  const [confirmed, setConfirmed] = useState(false);
  const production = environments.filter(isProductionEnvironment);
  const [state, setState] = useState<{
    busy: boolean;
    proposal?: UpgradeProposal;
    error?: Error;
  }>({ busy: false });
  const candidate = props.candidates.find(c => c.chartVersion === version);

  const toggle = (environment: string) =>
    setEnvironments(prev =>
      prev.includes(environment)
        ? prev.filter(e => e !== environment)
        : props.environments.filter(e => e === environment || prev.includes(e)),
    );

  const propose = async () => {
    setState({ busy: true });
    try {
      const proposal = await api.proposeUpgrade(props.entity, {
        version,
        ...(props.environments.length ? { environments } : {}),
      });
      setState({ busy: false, proposal });
    } catch (error) {
      setState({ busy: false, error: error as Error });
    }
  };

  const { proposal } = state;
  return (
    <Dialog
      open={props.open}
      onClose={state.busy ? undefined : props.onClose}
      aria-labelledby="datastack-propose-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="datastack-propose-title">
        Propose upgrade of {props.entityRef}
      </DialogTitle>
      <DialogContent>
        {proposal ? (
          <Box role="status">
            <DialogContentText>
              Branch <strong>{proposal.branch}</strong> pushed to{' '}
              {proposal.repository} (commit {proposal.commitHash.slice(0, 7)}).
            </DialogContentText>
            {proposal.pullRequestUrl ? (
              <Link to={proposal.pullRequestUrl}>Open the pull request</Link>
            ) : (
              <Typography variant="body2">
                The repository's host has no pull requests: merge the branch to
                roll the upgrade out.
              </Typography>
            )}
            <Typography variant="subtitle2" component="h3">
              Files changed
            </Typography>
            <ul>
              {proposal.files.map(f => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          </Box>
        ) : (
          <>
            <DialogContentText>
              Datastack commits the new chart version to a branch of the GitOps
              repository and opens a pull request; nothing is deployed until it
              is merged.
            </DialogContentText>
            <TextField
              select
              fullWidth
              id="datastack-propose-version"
              label="Version"
              value={version}
              onChange={e => setVersion(e.target.value)}
              SelectProps={{ native: true }}
              disabled={state.busy}
              margin="normal"
            >
              {props.initialVersion ? null : (
                <option value="">Choose a version</option>
              )}
              {props.candidates.map(c => (
                <option key={c.chartVersion} value={c.chartVersion}>
                  {c.chartVersion}
                  {c.appVersion ? ` (app ${c.appVersion})` : ''} —{' '}
                  {riskLabels[c.risk]}
                  {c.majorBump ? ', major version' : ''}
                </option>
              ))}
            </TextField>
            {candidate && candidate.risk !== 'ok' ? (
              <Box role="alert" mb={1}>
                <Typography
                  variant="body2"
                  color={
                    candidate.risk === 'blocking' ? 'error' : 'textPrimary'
                  }
                >
                  {candidate.risk === 'blocking'
                    ? `${candidate.chartVersion} is blocking:`
                    : `${candidate.chartVersion} needs care:`}{' '}
                  {candidate.reasons.join(' ')}
                </Typography>
              </Box>
            ) : null}
            {candidate?.hops.length ? (
              <Typography variant="body2">
                The chart passes through {candidate.hops.join(', ')} first;
                propose those versions before this one.
              </Typography>
            ) : null}
            {props.environments.length ? (
              <FormControl component="fieldset" margin="normal">
                <FormLabel component="legend">Environments</FormLabel>
                <FormGroup>
                  {props.environments.map(e => (
                    <FormControlLabel
                      key={e}
                      control={
                        <Checkbox
                          checked={environments.includes(e)}
                          onChange={() => toggle(e)}
                          disabled={state.busy}
                        />
                      }
                      label={e}
                    />
                  ))}
                </FormGroup>
              </FormControl>
            ) : null}
            {production.length ? (
              <Box role="alert" mb={1}>
                <FormControlLabel
                  control={
                    <Checkbox
                      checked={confirmed}
                      onChange={e => setConfirmed(e.target.checked)}
                      disabled={state.busy}
                    />
                  }
                  label={`I want to propose ${
                    version || 'this version'
                  } for production (${production.join(
                    ', ',
                  )}), not only after it has run in an earlier environment`}
                />
              </Box>
            ) : null}
            {state.error ? (
              <ErrorState
                error={state.error}
                title="The upgrade could not be proposed"
              />
            ) : null}
            {state.busy ? <Progress /> : null}
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose} disabled={state.busy}>
          {proposal ? 'Close' : 'Cancel'}
        </Button>
        {proposal ? null : (
          <Button
            color="primary"
            variant="contained"
            onClick={propose}
            disabled={
              state.busy ||
              !version ||
              (props.environments.length > 0 && environments.length === 0) ||
              (production.length > 0 && !confirmed)
            }
          >
            {version ? `Propose ${version}` : 'Propose'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
