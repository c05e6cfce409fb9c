import { Link } from '@backstage/core-components';
import type { ApplicationHealth } from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ScrollTable } from '../common/ScrollTable';
import { shortSha } from '../common/versions';

const useStyles = makeStyles({
  nowrap: { whiteSpace: 'nowrap' },
  text: { overflowWrap: 'normal', wordBreak: 'keep-all' },
});

/** `Alice <alice@example.com>` → `Alice`. */
function authorName(author: string): string {
  return author.replace(/\s*<[^>]*>\s*$/, '') || author;
}

/**
 * An Application's latest deployments (revision, author, message and time,
 * from Argo CD's history and revision metadata) and the resources it
 * manages, behind a disclosure so the card stays one row per environment.
 */
export function DeploymentDetails(props: { app: ApplicationHealth }) {
  const classes = useStyles();
  const { app } = props;
  const history = app.history ?? [];
  const resources = app.resources ?? [];
  if (!history.length && !resources.length) return null;
  return (
    <details>
      <summary>
        History and resources of {app.name} ({history.length} deployment
        {history.length === 1 ? '' : 's'}, {app.resourcesTotal ?? 0} resource
        {app.resourcesTotal === 1 ? '' : 's'})
      </summary>
      {history.length ? (
        <Box mt={1}>
          <ScrollTable>
            <Table size="small" aria-label={`Deployments of ${app.name}`}>
              <TableHead>
                <TableRow>
                  <TableCell className={classes.nowrap}>Deployed</TableCell>
                  <TableCell className={classes.nowrap}>Version</TableCell>
                  <TableCell className={classes.nowrap}>Revision</TableCell>
                  <TableCell>Commit</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {history.map(h => (
                  <TableRow key={h.id}>
                    <TableCell className={classes.nowrap}>
                      {new Date(h.deployedAt).toLocaleString()}
                    </TableCell>
                    <TableCell className={classes.nowrap}>
                      {h.chartVersion ?? '—'}
                    </TableCell>
                    <TableCell className={classes.nowrap}>
                      {h.revision && h.revisionUrl ? (
                        <Link to={h.revisionUrl}>{shortSha(h.revision)}</Link>
                      ) : (
                        (h.revision && shortSha(h.revision)) ?? '—'
                      )}
                    </TableCell>
                    <TableCell className={classes.text}>
                      {h.message ?? '—'}
                      {h.author ? (
                        <Typography
                          variant="caption"
                          display="block"
                          color="textSecondary"
                        >
                          {authorName(h.author)}
                          {h.committedAt
                            ? `, ${new Date(h.committedAt).toLocaleString()}`
                            : ''}
                        </Typography>
                      ) : null}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </ScrollTable>
        </Box>
      ) : null}
      {resources.length ? (
        <Box mt={1}>
          <ScrollTable>
            <Table size="small" aria-label={`Resources of ${app.name}`}>
              <TableHead>
                <TableRow>
                  <TableCell className={classes.nowrap}>Kind</TableCell>
                  <TableCell>Name</TableCell>
                  <TableCell className={classes.nowrap}>Health</TableCell>
                  <TableCell className={classes.nowrap}>Sync</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {resources.map(r => (
                  <TableRow
                    key={`${r.group}/${r.kind}/${r.namespace}/${r.name}`}
                  >
                    <TableCell className={classes.nowrap}>{r.kind}</TableCell>
                    <TableCell className={classes.text}>
                      {r.namespace ? `${r.namespace}/` : ''}
                      {r.name}
                    </TableCell>
                    <TableCell className={classes.nowrap}>
                      {r.health ?? '—'}
                    </TableCell>
                    <TableCell className={classes.nowrap}>
                      {r.sync ?? '—'}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </ScrollTable>
          {(app.resourcesTotal ?? 0) > resources.length ? (
            <Typography variant="caption" color="textSecondary">
              The first {resources.length} of {app.resourcesTotal} resources;
              Argo CD lists them all.
            </Typography>
          ) : null}
        </Box>
      ) : null}
    </details>
  );
}
