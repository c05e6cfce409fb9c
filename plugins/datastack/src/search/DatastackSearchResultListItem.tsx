import { Link } from '@backstage/core-components';
import type {
  ResultHighlight,
  SearchDocument,
} from '@backstage/plugin-search-common';
import { HighlightedSearchResultText } from '@backstage/plugin-search-react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ReactNode } from 'react';
import { DATASTACK_COMPONENT_RESULT_TYPE } from './resultType';

export { DATASTACK_COMPONENT_RESULT_TYPE };

/**
 * A `datastack-component` search document, as the Datastack search collator
 * (`@datastack/plugin-catalog-backend-module-datastack`) indexes it.
 *
 * @public
 */
export interface DatastackComponentSearchDocument extends SearchDocument {
  componentId: string;
  layer: string;
  chart: string;
  chartVersion: string;
  appVersion: string;
  deployedVersions: string[];
  environments: string[];
  owners: string[];
  pipelines: string[];
}

/** @public */
export interface DatastackSearchResultListItemProps {
  /** The search document (`result.document` of a search result). */
  result?: SearchDocument;
  highlight?: ResultHighlight;
  rank?: number;
  icon?: ReactNode;
  /** Lines of the description shown before it is cut. */
  lineClamp?: number;
}

const useStyles = makeStyles(
  theme => ({
    item: { display: 'flex' },
    content: { flexWrap: 'wrap', width: '100%' },
    itemText: { width: '100%', marginBottom: theme.spacing(1) },
    chips: {
      display: 'flex',
      flexWrap: 'wrap',
      gap: theme.spacing(0.5),
      marginBottom: theme.spacing(2),
    },
  }),
  { name: 'DatastackSearchResultListItem' },
);

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string' && v !== '')
    : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Reads the fields of a document indexed by any version of the collator. */
function readDocument(
  result: SearchDocument,
): DatastackComponentSearchDocument {
  const doc = result as SearchDocument & Record<string, unknown>;
  return {
    title: result.title,
    text: result.text,
    location: result.location,
    componentId: text(doc.componentId),
    layer: text(doc.layer),
    chart: text(doc.chart),
    chartVersion: text(doc.chartVersion),
    appVersion: text(doc.appVersion),
    deployedVersions: strings(doc.deployedVersions),
    environments: strings(doc.environments),
    owners: strings(doc.owners),
    pipelines: strings(doc.pipelines),
  };
}

function Highlighted(props: {
  field: 'title' | 'text';
  value: string;
  highlight?: ResultHighlight;
}) {
  const { field, value, highlight } = props;
  const fragment = highlight?.fields[field];
  return fragment && highlight ? (
    <HighlightedSearchResultText
      text={fragment}
      preTag={highlight.preTag}
      postTag={highlight.postTag}
    />
  ) : (
    <>{value}</>
  );
}

/**
 * A data-stack component in the search results: its title and description
 * (with the search's highlighting), layer, default chart version, and the
 * environments, versions and owners that run it.
 *
 * @public
 */
export function DatastackSearchResultListItem(
  props: DatastackSearchResultListItemProps,
) {
  const classes = useStyles();
  if (!props.result) return null;
  const doc = readDocument(props.result);
  const defaultVersion = doc.chartVersion
    ? `Chart ${doc.chartVersion}`
    : doc.appVersion && `dbt-core ${doc.appVersion}`;
  return (
    <div className={classes.item}>
      {props.icon && <ListItemIcon>{props.icon}</ListItemIcon>}
      <div className={classes.content}>
        <ListItemText
          className={classes.itemText}
          primaryTypographyProps={{ variant: 'h6' }}
          primary={
            <Link noTrack to={doc.location}>
              <Highlighted
                field="title"
                value={doc.title}
                highlight={props.highlight}
              />
            </Link>
          }
          secondary={
            <Typography
              component="span"
              color="textSecondary"
              variant="body2"
              style={{
                display: '-webkit-box',
                WebkitBoxOrient: 'vertical',
                WebkitLineClamp: props.lineClamp,
                overflow: 'hidden',
              }}
            >
              <Highlighted
                field="text"
                value={doc.text}
                highlight={props.highlight}
              />
            </Typography>
          }
        />
        <Box className={classes.chips}>
          {doc.layer && <Chip size="small" label={`Layer: ${doc.layer}`} />}
          {defaultVersion && <Chip size="small" label={defaultVersion} />}
          {doc.environments.map(e => (
            <Chip
              key={`env-${e}`}
              size="small"
              color="primary"
              variant="outlined"
              label={`Environment: ${e}`}
            />
          ))}
          {doc.deployedVersions.map(v => (
            <Chip
              key={`version-${v}`}
              size="small"
              variant="outlined"
              label={`Deployed: ${v}`}
            />
          ))}
          {doc.owners.map(o => (
            <Chip
              key={`owner-${o}`}
              size="small"
              variant="outlined"
              label={`Owner: ${o}`}
            />
          ))}
        </Box>
      </div>
    </div>
  );
}
