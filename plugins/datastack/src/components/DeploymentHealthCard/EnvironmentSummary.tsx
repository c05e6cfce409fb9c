import {
  ApplicationHealth,
  ComponentUpgrade,
  compareEnvironments,
  worstStatus,
} from '@datastack/plugin-datastack-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { RollupStatusLabel, statusLabels } from '../common/StatusLabels';

const useStyles = makeStyles(theme => ({
  strip: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  },
  environment: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(0.5, 1.5),
    // Words wrap between each other, never inside one.
    overflowWrap: 'normal',
    wordBreak: 'keep-all',
  },
  nowrap: { whiteSpace: 'nowrap' },
}));

/** The newest candidate that is a new major or blocked: what not to take by default. */
function breakingOf(upgrade: ComponentUpgrade): string | undefined {
  return upgrade.candidates.find(c => c.risk === 'blocking' || c.majorBump)
    ?.chartVersion;
}

/**
 * One box per environment, in promotion order: its worst status, how its
 * Applications are synced and which versions run, and for a component the
 * safe (recommended) and the breaking upgrade.
 */
export function EnvironmentSummary(props: {
  applications: ApplicationHealth[];
  /** Applications of instances that did not answer, as they last did. */
  lastKnown?: Array<{
    app: ApplicationHealth;
    failure: 'unreachable' | 'error';
  }>;
  upgrade?: ComponentUpgrade;
}) {
  const classes = useStyles();
  const byEnvironment = new Map<string, ApplicationHealth[]>();
  const failureOf = new Map<string, 'unreachable' | 'error'>();
  const add = (app: ApplicationHealth) => {
    const env = app.environment ?? 'unlabelled';
    byEnvironment.set(env, [...(byEnvironment.get(env) ?? []), app]);
    return env;
  };
  props.applications.forEach(add);
  for (const { app, failure } of props.lastKnown ?? []) {
    failureOf.set(add(app), failure);
  }
  const environments = [...byEnvironment.keys()].sort(compareEnvironments);
  if (!environments.length) return null;
  const upgrade = props.upgrade;
  const breaking = upgrade ? breakingOf(upgrade) : undefined;
  return (
    <Box>
      <Box
        className={classes.strip}
        role="list"
        aria-label="Environments at a glance"
      >
        {environments.map(env => {
          const apps = byEnvironment.get(env)!;
          const syncs = [...new Set(apps.map(a => a.sync.status))];
          const versions = [
            ...new Set(apps.map(a => a.chart?.version).filter(Boolean)),
          ];
          return (
            <Box
              key={env}
              className={classes.environment}
              role="listitem"
              aria-label={`${env} at a glance`}
            >
              <Typography variant="subtitle2" component="span">
                {env}
              </Typography>{' '}
              {failureOf.has(env) ? (
                // Its instance did not answer: say so, then what it last said.
                <RollupStatusLabel status={failureOf.get(env)!} />
              ) : (
                <RollupStatusLabel
                  status={worstStatus(apps.map(a => a.status))}
                />
              )}
              <Typography
                variant="caption"
                display="block"
                color="textSecondary"
              >
                {failureOf.has(env) ? (
                  <span className={classes.nowrap}>
                    last known{' '}
                    {statusLabels[worstStatus(apps.map(a => a.status))]}
                    {' · '}
                  </span>
                ) : null}
                <span className={classes.nowrap}>{syncs.join(', ')}</span>
                {versions.length ? (
                  <>
                    {' · '}
                    <span className={classes.nowrap}>
                      {versions.join(', ')}
                    </span>
                  </>
                ) : null}
              </Typography>
            </Box>
          );
        })}
      </Box>
      {upgrade && (upgrade.recommended || breaking) ? (
        <Typography variant="body2" gutterBottom>
          {upgrade.recommended ? (
            <span className={classes.nowrap}>
              Safe upgrade {upgrade.recommended}
            </span>
          ) : (
            <span className={classes.nowrap}>No safe upgrade</span>
          )}
          {breaking && breaking !== upgrade.recommended ? (
            <>
              {' · '}
              <span className={classes.nowrap}>Breaking {breaking}</span>
            </>
          ) : null}{' '}
          <Typography variant="caption" color="textSecondary" component="span">
            (details on the Upgrades tab)
          </Typography>
        </Typography>
      ) : null}
    </Box>
  );
}
