import { Progress, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  ValuesChange,
  ValuesDiff,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { makeStyles } from '@material-ui/core/styles';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { datastackApiRef } from '../../api/DatastackApi';
import { ErrorState } from '../common/ErrorState';
import { formatTime } from '../common/StatusLabels';
import { ScrollTable } from '../common/ScrollTable';

const useStyles = makeStyles(theme => ({
  value: {
    fontFamily: 'monospace',
    whiteSpace: 'pre-wrap',
  },
  added: { borderLeft: `4px solid ${theme.palette.success.main}` },
  removed: { borderLeft: `4px solid ${theme.palette.error.main}` },
  'default-changed': { borderLeft: `4px solid ${theme.palette.warning.main}` },
  affected: { backgroundColor: theme.palette.action.selected },
}));

const changeLabels: Record<ValuesChange['change'], string> = {
  added: '+ added',
  removed: '− removed',
  'default-changed': '~ default changed',
};

function show(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The values.yaml changes between two chart versions as a diff: each key
 * added, removed or with a new default (from → to), and the values files of
 * the GitOps repository that override it.
 */
export function ValuesDiffView(props: { diff: ValuesDiff }) {
  const { diff } = props;
  const classes = useStyles();
  if (diff.status === 'unavailable') {
    return (
      <WarningPanel
        severity="warning"
        title={`Values changes ${diff.from} → ${diff.to} could not be read`}
        message={diff.error}
      />
    );
  }
  const affected = new Set(diff.affectedOverrides);
  const moves = diff.changes.filter(c => c.movedTo && c.overriddenIn.length);
  const dropped = diff.changes.filter(
    c => c.change === 'removed' && !c.movedTo && c.overriddenIn.length,
  );
  return (
    <Box>
      <Typography variant="subtitle2" component="h4">
        Values changes {diff.from} → {diff.to}
      </Typography>
      {diff.affectedOverrides.length ? (
        <Box my={1}>
          <WarningPanel
            severity="warning"
            title={`${diff.affectedOverrides.length} of your overrides affected`}
            message={diff.affectedOverrides.join(', ')}
            defaultExpanded
          />
        </Box>
      ) : null}
      {moves.length || dropped.length ? (
        <Typography variant="body2" gutterBottom>
          {moves.length
            ? `Propose moves ${moves
                .map(c => `${c.key} to ${c.movedTo}`)
                .join(', ')} in your values files. `
            : ''}
          {dropped.length
            ? `Propose refuses until ${dropped.map(c => c.key).join(', ')} ${
                dropped.length === 1 ? 'is' : 'are'
              } moved or removed by hand: ${diff.to} no longer has ${
                dropped.length === 1 ? 'it' : 'them'
              }.`
            : ''}
        </Typography>
      ) : null}
      {diff.schemaChanged ? (
        <Typography variant="body2">
          values.schema.json changed between these versions.
        </Typography>
      ) : null}
      {diff.changes.length === 0 ? (
        <Typography variant="body2">No values changes.</Typography>
      ) : (
        <ScrollTable>
          <Table
            size="small"
            aria-label={`Values changes ${diff.from} to ${diff.to}`}
          >
            <TableHead>
              <TableRow>
                <TableCell>Key</TableCell>
                <TableCell>Change</TableCell>
                <TableCell>From</TableCell>
                <TableCell>To</TableCell>
                <TableCell>Overridden in</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {diff.changes.map(c => (
                <TableRow
                  key={c.key}
                  className={`${classes[c.change]} ${
                    affected.has(c.key) ? classes.affected : ''
                  }`}
                >
                  <TableCell
                    component="th"
                    scope="row"
                    className={classes.value}
                  >
                    {c.key}
                  </TableCell>
                  <TableCell>
                    {changeLabels[c.change]}
                    {c.movedTo ? ` → moved to ${c.movedTo}` : ''}
                    {c.movedFrom ? ` (was ${c.movedFrom})` : ''}
                  </TableCell>
                  <TableCell className={classes.value}>
                    {show(c.from)}
                  </TableCell>
                  <TableCell className={classes.value}>{show(c.to)}</TableCell>
                  <TableCell>
                    {c.overriddenIn.length ? c.overriddenIn.join(', ') : '—'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollTable>
      )}
      <Typography variant="caption" color="textSecondary" display="block">
        From {diff.source}, read {formatTime(diff.fetchedAt)}
      </Typography>
    </Box>
  );
}

/** A candidate's values changes: given inline, or loaded when the user asks. */
export function ValuesDiffSection(props: {
  entity: CompoundEntityRef;
  from?: string;
  to: string;
  inline?: ValuesDiff;
}) {
  const api = useApi(datastackApiRef);
  const [state, setState] = useState<{
    loading: boolean;
    diff?: ValuesDiff;
    error?: Error;
  }>({ loading: false });
  const { from, to, inline } = props;
  if (inline && inline.to === to) {
    return <ValuesDiffView diff={inline} />;
  }
  if (!from) {
    return (
      <Typography variant="body2" color="textSecondary">
        The deployed version is unknown, so values changes cannot be compared.
      </Typography>
    );
  }
  if (state.diff) return <ValuesDiffView diff={state.diff} />;
  const load = async () => {
    setState({ loading: true });
    try {
      setState({
        loading: false,
        diff: await api.getValuesDiff(props.entity, from, to),
      });
    } catch (error) {
      setState({ loading: false, error: error as Error });
    }
  };
  return (
    <Box>
      {state.error ? (
        <ErrorState
          error={state.error}
          title="Values changes could not be read"
        />
      ) : null}
      {state.loading ? (
        <Progress aria-label={`Loading values changes ${from} to ${to}`} />
      ) : (
        <Button variant="outlined" size="small" onClick={load}>
          {state.error ? 'Try again: ' : 'Show '}values changes {from} → {to}
        </Button>
      )}
    </Box>
  );
}
