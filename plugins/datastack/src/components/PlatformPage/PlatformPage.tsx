import { Content, Header, HeaderTabs, Page } from '@backstage/core-components';
import { useSearchParams } from 'react-router-dom';
import { ClustersTab } from './ClustersTab';
import { ComponentsTab } from './ComponentsTab';
import { FleetTab } from './FleetTab';
import { OperatorsTab } from './OperatorsTab';
import { UpgradesTab } from './UpgradesTab';

const tabs = [
  { id: 'fleet', label: 'Fleet', content: () => <FleetTab /> },
  { id: 'clusters', label: 'Clusters', content: () => <ClustersTab /> },
  { id: 'operators', label: 'Operators', content: () => <OperatorsTab /> },
  { id: 'upgrades', label: 'Upgrades', content: () => <UpgradesTab /> },
  { id: 'components', label: 'Components', content: () => <ComponentsTab /> },
];

/**
 * The data platform page: the fleet (every component × environment), cluster
 * health, the platform operators on each cluster, the fleet's upgrade plan
 * and chart repositories, and the registry's components. The tab and the fleet's filters live in the URL's query.
 */
export function PlatformPage() {
  const [params, setParams] = useSearchParams();
  const index = Math.max(
    0,
    tabs.findIndex(t => t.id === params.get('tab')),
  );
  return (
    <Page themeId="tool">
      <Header
        title="Data platform"
        subtitle="Open-source data-stack components, deployed through GitOps"
      />
      <HeaderTabs
        tabs={tabs.map(t => ({ id: t.id, label: t.label }))}
        selectedIndex={index}
        onChange={i =>
          // A tab keeps only its own state in the URL.
          setParams(i === 0 ? {} : { tab: tabs[i].id })
        }
      />
      <Content>{tabs[index].content()}</Content>
    </Page>
  );
}
