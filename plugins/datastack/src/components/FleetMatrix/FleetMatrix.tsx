import { Link } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { FleetRow } from '@datastack/plugin-datastack-common';
import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  RollupStatusLabel,
  formatTime,
  statusLabels,
} from '../common/StatusLabels';
import {
  compareEnvironments,
  compareVersions,
  shortSha,
} from '../common/versions';
import { ScrollTable } from '../common/ScrollTable';

const NO_ENVIRONMENT = '—';

/** One component of one pipeline, with its Applications per environment. */
export interface MatrixRow {
  key: string;
  component: string;
  pipeline?: string;
  entityRef?: string;
  owner?: string;
  cells: Map<string, FleetRow[]>;
  /** Distinct deployed versions, oldest first; more than one is a skew. */
  versions: string[];
}

/** Groups fleet rows into components (per pipeline) × environments. */
export function toMatrix(rows: FleetRow[]): {
  environments: string[];
  rows: MatrixRow[];
} {
  const environments = new Set<string>();
  const groups = new Map<string, MatrixRow>();
  for (const row of rows) {
    const environment = row.environment ?? NO_ENVIRONMENT;
    environments.add(environment);
    const key = `${row.pipeline ?? ''}/${row.component}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        component: row.component,
        pipeline: row.pipeline,
        entityRef: row.entityRef,
        owner: row.owner,
        cells: new Map(),
        versions: [],
      };
      groups.set(key, group);
    }
    group.entityRef ??= row.entityRef;
    group.owner ??= row.owner;
    group.cells.set(environment, [
      ...(group.cells.get(environment) ?? []),
      row,
    ]);
    if (row.version && !group.versions.includes(row.version)) {
      group.versions.push(row.version);
    }
  }
  for (const group of groups.values()) {
    group.versions.sort(compareVersions);
  }
  return {
    environments: [...environments].sort(compareEnvironments),
    rows: [...groups.values()].sort(
      (a, b) =>
        (a.pipeline ?? '').localeCompare(b.pipeline ?? '') ||
        a.component.localeCompare(b.component),
    ),
  };
}

const useStyles = makeStyles(theme => ({
  skewRow: {
    backgroundColor:
      theme.palette.type === 'dark'
        ? 'rgba(255, 152, 0, 0.12)'
        : 'rgba(255, 152, 0, 0.08)',
  },
  behind: {
    fontWeight: theme.typography.fontWeightBold as number,
    color: theme.palette.warning.dark,
  },
  app: {
    '& + &': { marginTop: theme.spacing(1) },
  },
}));

function Cell(props: { apps: FleetRow[]; newest?: string; skew: boolean }) {
  const classes = useStyles();
  if (props.apps.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        not deployed
      </Typography>
    );
  }
  return (
    <>
      {props.apps.map(app => {
        const behind =
          props.skew &&
          app.version !== undefined &&
          app.version !== props.newest;
        return (
          <div
            className={classes.app}
            key={`${app.instance}/${app.application}`}
          >
            <RollupStatusLabel status={app.status} />
            <Typography
              variant="body2"
              className={behind ? classes.behind : undefined}
            >
              {app.version ??
                (app.revision
                  ? `revision ${shortSha(app.revision)}`
                  : 'version unknown')}
              {behind ? ` (behind ${props.newest})` : ''}
            </Typography>
            <Typography variant="caption" display="block" color="textSecondary">
              {app.lastKnown ? (
                // The instance did not answer: what it said when it last did.
                <>
                  last known {statusLabels[app.lastKnown.status]}
                  {app.version ? ` ${app.version}` : ''} at{' '}
                  {formatTime(app.lastKnown.fetchedAt)}
                </>
              ) : (
                <>
                  {app.sync} / {app.health}
                  {app.lastDeployedAt
                    ? ` · ${formatTime(app.lastDeployedAt)}`
                    : ''}
                </>
              )}
            </Typography>
            <Link
              to={app.url}
              aria-label={`${app.application} in Argo CD ${app.instance}`}
            >
              {app.application}
            </Link>
          </div>
        );
      })}
    </>
  );
}

/**
 * Components × environments: in each cell the status, deployed version and a
 * link to the Argo CD UI of every Application; a component whose environments
 * run different versions is marked "Version skew", its older cells in bold.
 */
export function FleetMatrix(props: {
  rows: FleetRow[];
  /** The fleet shows the pipeline and owner of each row; a pipeline's own view does not. */
  showPipeline?: boolean;
  label: string;
}) {
  const classes = useStyles();
  const matrix = toMatrix(props.rows);
  return (
    <ScrollTable>
      <Table size="small" aria-label={props.label}>
        <TableHead>
          <TableRow>
            <TableCell>Component</TableCell>
            {props.showPipeline ? <TableCell>Pipeline</TableCell> : null}
            {props.showPipeline ? <TableCell>Owner</TableCell> : null}
            {matrix.environments.map(e => (
              <TableCell key={e}>{e}</TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {matrix.rows.map(row => {
            const skew = row.versions.length > 1;
            const newest = row.versions[row.versions.length - 1];
            return (
              <TableRow
                key={row.key}
                className={skew ? classes.skewRow : undefined}
              >
                <TableCell component="th" scope="row">
                  {row.entityRef ? (
                    <EntityRefLink entityRef={row.entityRef} hideIcon>
                      {row.component}
                    </EntityRefLink>
                  ) : (
                    row.component
                  )}
                  {skew ? (
                    <div>
                      <Chip
                        size="small"
                        variant="outlined"
                        label={`Version skew: ${row.versions.join(', ')}`}
                      />
                    </div>
                  ) : null}
                </TableCell>
                {props.showPipeline ? (
                  <TableCell>{row.pipeline ?? '—'}</TableCell>
                ) : null}
                {props.showPipeline ? (
                  <TableCell>
                    {row.owner ? (
                      <EntityRefLink
                        entityRef={row.owner}
                        defaultKind="group"
                        hideIcon
                      />
                    ) : (
                      '—'
                    )}
                  </TableCell>
                ) : null}
                {matrix.environments.map(e => (
                  <TableCell key={e}>
                    <Cell
                      apps={row.cells.get(e) ?? []}
                      newest={newest}
                      skew={skew}
                    />
                  </TableCell>
                ))}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </ScrollTable>
  );
}
