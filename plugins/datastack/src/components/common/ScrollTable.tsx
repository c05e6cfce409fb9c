import Box from '@material-ui/core/Box';
import { makeStyles } from '@material-ui/core/styles';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  root: {
    overflowX: 'auto',
    // Headers keep to one line; cells wrap only between words. A table
    // wider than its card scrolls sideways instead of breaking a word.
    '& th': { whiteSpace: 'nowrap' },
    '& td, & th': { overflowWrap: 'normal', wordBreak: 'normal' },
  },
});

/** The container of every Datastack table: no word is ever broken inside. */
export function ScrollTable(props: { children: ReactNode }) {
  const classes = useStyles();
  return <Box className={classes.root}>{props.children}</Box>;
}
