// Entity page cards in headless Chromium against a warm backend: a pipeline
// created through the template (the whole backend, the Argo CD sandbox, the
// chart repository stand-in), then the Trino component's page opened again
// and again. Measured from navigation until the Deployment health card shows
// its Applications Healthy, and until the Upgrades tab shows the recommended
// version: as an in-app navigation (the app already loaded, as a user moving
// between pages) and as a full page load (bundle from the browser cache).
import path from 'node:path';
import {
  entityInCatalog,
  eventually,
  launchChromium,
  runTemplateTask,
  signInAsGuest,
  startBackend,
  startSandbox,
} from '../e2e/lib.mjs';

export const name = 'Entity page cards in Chromium, warm backend';
export const targets = [
  { metric: 'Deployment health card, in-app navigation, p50 ms', max: 1000 },
  { metric: 'Upgrades tab, in-app navigation, p50 ms', max: 1000 },
];

const median = values =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function run() {
  const sandbox = await startSandbox(['dev', 'staging', 'prod'], {
    charts: true,
    syncDurationMs: 200,
  });
  const backend = await startBackend({
    serveApp: true,
    config: {
      datastack: {
        argocd: { instances: sandbox.instances },
        upgrades: { chartRepositories: sandbox.chartRepositories },
      },
    },
  });
  const browser = await launchChromium();
  try {
    await entityInCatalog(backend, 'template', 'datastack-data-pipeline');

    const environments = ['dev', 'staging', 'prod'].map(env => ({
      name: env,
      argocdInstance: env,
      cluster: 'in-cluster',
      size: 'small',
    }));
    const { task, log } = await runTemplateTask(
      backend,
      'template:default/datastack-data-pipeline',
      {
        name: 'bench',
        owner: 'group:default/data-engineering',
        ingest: 'airbyte',
        transform: true,
        orchestrate: 'airflow',
        store: ['trino'],
        stream: [],
        visualise: 'superset',
        observe: true,
        environments,
        repoLocation: 'local',
      },
    );
    if (task.status !== 'completed') throw new Error(log.join('\n'));
    await eventually(
      async () => {
        const res = await backend.api(
          '/api/datastack/health/entity/default/component/bench-trino',
        );
        return res.ok && (await res.json()).status === 'healthy';
      },
      { what: 'bench-trino healthy', ms: 120_000 },
    );

    const page = await browser.newPage({
      viewport: { width: 1400, height: 1000 },
    });
    await signInAsGuest(page, backend.baseUrl);
    const overview = '/catalog/default/component/bench-trino';
    const upgrades = `${overview}/upgrades`;
    const healthShown = () =>
      page
        .getByText('bench-trino-prod')
        .first()
        .waitFor({ timeout: 30_000 })
        .then(() =>
          page.getByText('Healthy').first().waitFor({ timeout: 30_000 }),
        );
    const upgradesShown = () =>
      page
        .getByText(/^Recommended: /)
        .first()
        .waitFor({ timeout: 30_000 });
    // In-app: React Router follows a pushState and a popstate, as a link does.
    const navigate = url =>
      page.evaluate(target => {
        window.history.pushState({}, '', target);
        window.dispatchEvent(new PopStateEvent('popstate'));
      }, url);
    const timed = async (go, shown) => {
      const t = performance.now();
      await go();
      await shown();
      return performance.now() - t;
    };
    // Warm-up: both views once (chunks loaded, backend caches filled).
    await timed(() => navigate(overview), healthShown);
    await timed(() => navigate(upgrades), upgradesShown);
    const inAppHealth = [];
    const inAppUpgrades = [];
    for (let i = 0; i < 5; i++) {
      await navigate('/');
      await page
        .getByRole('heading', { name: 'Datastack Catalog' })
        .waitFor({ timeout: 30_000 });
      inAppHealth.push(await timed(() => navigate(overview), healthShown));
      inAppUpgrades.push(await timed(() => navigate(upgrades), upgradesShown));
    }
    const fullHealth = [];
    for (let i = 0; i < 3; i++) {
      fullHealth.push(
        await timed(
          () => page.goto(`${backend.baseUrl}${overview}`),
          healthShown,
        ),
      );
    }
    await page.screenshot({
      path: path.join(backend.dir, 'entity-page.png'),
    });
    return {
      'Deployment health card, in-app navigation, p50 ms': Math.round(
        median(inAppHealth),
      ),
      'Upgrades tab, in-app navigation, p50 ms': Math.round(
        median(inAppUpgrades),
      ),
      'Deployment health card, full page load, p50 ms': Math.round(
        median(fullHealth),
      ),
    };
  } finally {
    await browser.close();
    await backend.stop();
    await sandbox.stop();
  }
}
