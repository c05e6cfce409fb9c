import { render, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import {
  DEPLOYMENT_HEALTH_CARD_ID,
  DatastackOverviewLayout,
} from './DatastackOverviewLayout';

// Stands in for the ExtensionBoundary a card blueprint wraps each card in:
// an element whose `node` prop names the extension.
function Boundary(props: {
  node: { spec: { id: string } };
  children: ReactNode;
}) {
  return <section aria-label={props.node.spec.id}>{props.children}</section>;
}
const card = (id: string, type?: 'info' | 'content') => ({
  type,
  element: (
    <Boundary node={{ spec: { id } }} key={id}>
      {id}
    </Boundary>
  ),
});

describe('DatastackOverviewLayout', () => {
  it('puts Deployment health across the top, then content beside the info cards', () => {
    render(
      <DatastackOverviewLayout
        cards={[
          card('entity-card:catalog/about', 'info'),
          card('entity-card:catalog/links', 'info'),
          card('entity-card:catalog/depends-on-components'),
          card(DEPLOYMENT_HEALTH_CARD_ID),
        ]}
      />,
    );
    const top = screen.getByTestId('datastack-overview-top');
    expect(top).toHaveClass('MuiGrid-grid-xs-12');
    expect(top).not.toHaveClass('MuiGrid-grid-md-8');
    expect(top).toHaveTextContent(DEPLOYMENT_HEALTH_CARD_ID);
    const sections = screen
      .getAllByRole('region')
      .map(s => s.getAttribute('aria-label'));
    expect(sections).toEqual([
      DEPLOYMENT_HEALTH_CARD_ID,
      'entity-card:catalog/depends-on-components',
      'entity-card:catalog/about',
      'entity-card:catalog/links',
    ]);
    const content = screen
      .getByRole('region', {
        name: 'entity-card:catalog/depends-on-components',
      })
      .closest('.MuiGrid-grid-md-8');
    expect(content).not.toBeNull();
    expect(
      screen
        .getByRole('region', { name: 'entity-card:catalog/about' })
        .closest('.MuiGrid-grid-md-4'),
    ).not.toBeNull();
  });

  it('without the health card or info cards, the content takes the width', () => {
    render(
      <DatastackOverviewLayout
        cards={[card('entity-card:catalog/depends-on-components')]}
      />,
    );
    expect(screen.queryByTestId('datastack-overview-top')).toBeNull();
    expect(
      screen
        .getByRole('region', {
          name: 'entity-card:catalog/depends-on-components',
        })
        .closest('.MuiGrid-grid-md-12'),
    ).not.toBeNull();
  });
});
