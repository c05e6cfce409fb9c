import type { EntityContentLayoutProps } from '@backstage/plugin-catalog-react/alpha';
import Grid from '@material-ui/core/Grid';
import type { ReactElement } from 'react';

/** The extension id of the Deployment health card (plugin `datastack`, card `deployment-health`). */
export const DEPLOYMENT_HEALTH_CARD_ID =
  'entity-card:datastack/deployment-health';

type Card = EntityContentLayoutProps['cards'][number];

/**
 * Whether a card is the Deployment health card. A card's element is the
 * ExtensionBoundary the card blueprint wraps it in, whose `node` names the
 * extension: the layout receives no other handle on which card is which.
 */
function isDeploymentHealth(card: Card): boolean {
  const node = (
    card.element as ReactElement<{ node?: { spec?: { id?: string } } }>
  ).props?.node;
  return node?.spec?.id === DEPLOYMENT_HEALTH_CARD_ID;
}

/** A column of cards, one under the other. */
function Column(props: { cards: Card[]; md: 4 | 8 | 12 }) {
  return (
    <Grid item xs={12} md={props.md}>
      <Grid container spacing={3} direction="column" wrap="nowrap">
        {props.cards.map((card, i) => (
          <Grid item key={card.element.key ?? i}>
            {card.element}
          </Grid>
        ))}
      </Grid>
    </Grid>
  );
}

/**
 * The Overview of a Datastack entity: Deployment health across the full
 * width at the top, then the other content cards beside the info cards
 * (About, links), as Backstage's default layout places them.
 */
export function DatastackOverviewLayout(props: EntityContentLayoutProps) {
  const health = props.cards.find(isDeploymentHealth);
  const rest = props.cards.filter(card => card !== health);
  const info = rest.filter(card => card.type === 'info');
  const content = rest.filter(card => card.type !== 'info');
  return (
    <Grid container spacing={3}>
      {health ? (
        <Grid item xs={12} data-testid="datastack-overview-top">
          {health.element}
        </Grid>
      ) : null}
      <Column cards={content} md={info.length ? 8 : 12} />
      {info.length ? <Column cards={info} md={4} /> : null}
    </Grid>
  );
}
