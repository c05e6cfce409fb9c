// The Create flow in Debian's Chromium: a guest fills "Create new data
// pipeline" page by page with the defaults (Argo CD instances and clusters
// from the pickers), creates it, and the task completes; the pipeline's
// entities reach the catalog and the Applications reach Argo CD (the
// sandbox). Then, as a data engineer would: the component's entity page shows
// health turn Healthy, its Upgrades tab lists the chart repository's newer
// versions (the sandbox's chart repositories) and proposes one as a branch of
// the GitOps repository, the System's Pipeline tab shows the matrix and the
// plan, the fleet page lists the pipeline, and search finds the component.
// Then what must stay true: a sync shows Syncing and never red, a Sync in
// prod asks first, a failing chart repository says when and why and
// "Refresh now" retries, and an Argo CD instance that stops answering keeps
// its rows (card, matrix, fleet filter, Upgrades tab) as last known.
// The sandbox reads the GitOps repositories the backend writes, so Argo CD
// syncs what the templates rendered under the team's AppProject.
// Screenshots of every page go to test-results/e2e/create-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  LAYOUT_WIDTHS,
  brokenWords,
  eventually,
  launchChromium,
  resultsDir,
  sandboxControl,
  signInAs,
  signInAsGuest,
  startBackend,
  startSandbox,
} from './lib.mjs';

describe('Create new data pipeline in the browser', () => {
  let sandbox;
  let backend;
  let browser;
  let gitopsRoot;

  before(async () => {
    await mkdir(resultsDir, { recursive: true });
    // The backend's GitOps repositories are where the sandbox reads them:
    // Argo CD syncs what the templates rendered, under the AppProject's
    // rules. A sync takes 3 s, long enough to watch it on the card.
    gitopsRoot = await mkdtemp(path.join(os.tmpdir(), 'datastack-create-'));
    sandbox = await startSandbox(['dev', 'staging', 'prod'], {
      charts: true,
      syncDurationMs: 3000,
      gitRoot: gitopsRoot,
    });
    backend = await startBackend({
      serveApp: true,
      gitopsRoot,
      config: {
        datastack: {
          argocd: { instances: sandbox.instances },
          upgrades: { chartRepositories: sandbox.chartRepositories },
        },
        search: {
          collators: {
            datastack: {
              schedule: {
                frequency: { seconds: 10 },
                timeout: { minutes: 1 },
                initialDelay: { seconds: 1 },
              },
            },
          },
        },
      },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await backend?.stop();
    await sandbox?.stop();
    if (gitopsRoot) await rm(gitopsRoot, { recursive: true, force: true });
  });

  it('creates a pipeline from the Create page', async () => {
    const page = await browser.newPage({
      viewport: { width: 1400, height: 1000 },
    });
    const shot = name =>
      page.screenshot({
        path: path.join(resultsDir, `create-${name}.png`),
        fullPage: true,
      });
    // At a phone's, a tablet's and a laptop's width: a screenshot each, and
    // not one word broken inside in the tables `selector` names.
    const checkLayout = async (name, selector) => {
      for (const width of LAYOUT_WIDTHS) {
        await page.setViewportSize({ width, height: 1000 });
        await page.waitForTimeout(300);
        await page.screenshot({
          path: path.join(resultsDir, `layout-${name}-${width}.png`),
          fullPage: true,
        });
        const { found, broken } = await brokenWords(page, selector);
        assert.ok(found > 0, `${name}: nothing matches ${selector}`);
        assert.deepEqual(broken, [], `${name} at ${width} px`);
      }
      await page.setViewportSize({ width: 1400, height: 1000 });
    };
    await signInAsGuest(page, backend.baseUrl);

    await page.goto(`${backend.baseUrl}/create`);
    await page
      .getByText('Create new data pipeline')
      .first()
      .waitFor({ timeout: 60_000 });
    await shot('1-templates');
    // The pipeline template leads its own group, before the components and
    // the platform team's templates.
    const text = await page.locator('body').innerText();
    const at = t => {
      const i = text.indexOf(t);
      assert.ok(i >= 0, `the Create page shows "${t}"`);
      return i;
    };
    assert.ok(at('Data pipelines') < at('Create new data pipeline'));
    assert.ok(at('Create new data pipeline') < at('Data-stack components'));
    assert.ok(at('Data-stack components') < at('Platform (platform team)'));
    await page.goto(
      `${backend.baseUrl}/create/templates/default/datastack-data-pipeline`,
    );
    await page.getByLabel(/^Name/).first().fill('web-orders');
    await page
      .getByLabel(/^Owner/)
      .first()
      .click();
    await page
      .getByRole('option', { name: /data-engineering/ })
      .click({ timeout: 30_000 });
    await shot('2-pipeline');
    await page.getByRole('button', { name: 'Next' }).click();
    // Kafka too: its Strimzi resources are what raised false alarms.
    await page.getByLabel('Apache Kafka (Strimzi)').check();
    await shot('3-components');
    await page.getByRole('button', { name: 'Next' }).click();

    // The instance picker offers the configured Argo CD instances.
    const instance = page.getByLabel(/^Argo CD instance/).first();
    await instance.click();
    await page
      .getByRole('option', { name: /^dev \(http:\/\/127\.0\.0\.1:\d+\)$/ })
      .waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
    await shot('4-environments');
    await page.getByRole('button', { name: 'Next' }).click();
    await shot('5-repository');
    await page.getByRole('button', { name: 'Review' }).click();
    // The review shows each environment as one readable row (the
    // DatastackEnvironmentsSummary field), not the array's raw keys.
    const review = page.getByRole('table');
    for (const line of [
      'dev — Argo CD dev, cluster in-cluster, size small, namespaces web-orders-dev-<component>',
      'staging — Argo CD staging, cluster in-cluster, size medium, namespaces web-orders-staging-<component>',
      'prod — Argo CD prod, cluster in-cluster, size large, namespaces web-orders-prod-<component>',
    ]) {
      await review
        .getByText(line, { exact: true })
        .waitFor({ timeout: 30_000 });
    }
    assert.doesNotMatch(await review.innerText(), /argocdInstance/);
    await shot('6-review');
    await page.getByRole('button', { name: 'Create' }).click();

    await page
      .getByRole('link', { name: /Open the pipeline in the catalog/i })
      .waitFor({ timeout: 120_000 });
    await shot('7-task');
    // One publish step on the task page, none skipped for the other hosts.
    const taskPage = await page.locator('body').innerText();
    assert.match(taskPage, /Publish the GitOps repository/);
    assert.doesNotMatch(
      taskPage,
      /Publish to (GitHub|GitLab|Gitea|a local git repository)/,
    );

    const entities = await eventually(
      async () => {
        const res = await backend.api(
          '/api/catalog/entities/by-query?filter=metadata.annotations.datastack.io/pipeline=web-orders',
        );
        const body = await res.json();
        return body.items.length === 8 ? body.items : undefined;
      },
      { what: 'the pipeline entities in the catalog' },
    );
    assert.ok(
      entities.some(
        e => e.kind === 'System' && e.metadata.name === 'web-orders',
      ),
    );
    const apps = await (
      await fetch(
        `${sandbox.instances[0].url}/api/v1/applications?selector=datastack.io/pipeline=web-orders`,
        {
          headers: { authorization: `Bearer ${sandbox.instances[0].token}` },
        },
      )
    ).json();
    assert.ok(apps.items.some(a => a.metadata.name === 'web-orders-trino-dev'));

    // The component's entity page shows its deployments, Healthy once Argo CD synced.
    await page.goto(
      `${backend.baseUrl}/catalog/default/component/web-orders-trino`,
    );
    await page
      .getByText('Deployment health')
      .first()
      .waitFor({ timeout: 60_000 });
    await page
      .getByText('web-orders-trino-dev')
      .first()
      .waitFor({ timeout: 60_000 });
    await page.getByText('Healthy').first().waitFor({ timeout: 60_000 });
    await shot('8-entity');
    // Deployment health is the Overview's first card, each environment at a
    // glance above the table, with the latest deployments and resources.
    const cardTitles = await page
      .locator('.MuiCardHeader-title')
      .allTextContents();
    assert.equal(cardTitles[0], 'Deployment health', cardTitles.join(', '));
    // Across the page's width, above About (the Datastack overview layout):
    // the card ends above About's title and reaches over its column.
    const healthBox = await page
      .locator('.MuiCard-root')
      .filter({
        has: page.locator('.MuiCardHeader-title', {
          hasText: /^Deployment health$/,
        }),
      })
      .first()
      .boundingBox({ timeout: 10_000 });
    const aboutBox = await page
      .getByText('About', { exact: true })
      .first()
      .boundingBox({ timeout: 10_000 });
    assert.ok(
      healthBox.y + healthBox.height <= aboutBox.y &&
        healthBox.x + healthBox.width > aboutBox.x + aboutBox.width,
      `Deployment health ${JSON.stringify(healthBox)}, About ${JSON.stringify(
        aboutBox,
      )}`,
    );
    await page
      .getByRole('listitem', { name: 'dev at a glance' })
      .waitFor({ timeout: 30_000 });
    await page
      .getByText(/^History and resources of web-orders-trino-dev/)
      .first()
      .click();
    await page
      .getByRole('table', { name: 'Deployments of web-orders-trino-dev' })
      .getByText(/chore\(datastack\)/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page
      .getByRole('table', { name: 'Resources of web-orders-trino-dev' })
      .waitFor({ timeout: 30_000 });
    await checkLayout(
      'entity',
      'table[aria-label="Deployments by environment"], [aria-label="Environments at a glance"]',
    );

    // Upgrades: the sandbox's chart repository publishes newer Trino charts.
    const trino = await (await fetch(`${sandbox.chartsUrl}/sandbox`)).json();
    const newest = trino.repositories.find(r => r.componentId === 'trino')
      .versions[0];
    await page.goto(
      `${backend.baseUrl}/catalog/default/component/web-orders-trino/upgrades`,
    );
    await page.getByText('Newer versions').first().waitFor({ timeout: 60_000 });
    await page.getByText(newest).first().waitFor({ timeout: 60_000 });
    await page
      .getByText(/^Recommended: /)
      .first()
      .waitFor({ timeout: 60_000 });
    await page
      .getByText('Values changes')
      .filter({ visible: true })
      .first()
      .waitFor({ timeout: 60_000 });
    await shot('9-upgrades');
    await checkLayout('upgrades', 'table[aria-label^="Values changes"]');
    const upgrades = await (
      await backend.api(
        '/api/datastack/upgrades/entity/default/component/web-orders-trino',
      )
    ).json();
    assert.equal(upgrades.versions.status, 'ok');
    assert.ok(upgrades.candidates.length > 0);

    // Propose the recommended upgrade: a branch of the pipeline's repository.
    await page
      .getByRole('button', { name: /^Propose upgrade/ })
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor({ timeout: 30_000 });
    await shot('10-propose');
    await dialog.getByRole('button', { name: /^Propose/ }).click();
    await page
      .getByText(/datastack\/upgrade-trino-/)
      .first()
      .waitFor({ timeout: 60_000 });
    const branches = execFileSync(
      'git',
      [
        '--git-dir',
        path.join(gitopsRoot, 'web-orders.git'),
        'branch',
        '--list',
      ],
      { encoding: 'utf8' },
    );
    assert.match(
      branches,
      new RegExp(`datastack/upgrade-trino-${upgrades.recommended}`),
    );

    // The pipeline's System: components × environments and the plan.
    // The fleet behind the matrix is cached for datastack.health.cacheTtlMs:
    // the new Applications show once it has turned over.
    await eventually(
      async () => {
        await page.goto(
          `${backend.baseUrl}/catalog/default/system/web-orders/pipeline`,
        );
        await page
          .getByRole('table', {
            name: /^Components of web-orders by environment/,
          })
          .getByText('web-orders-trino-dev')
          .first()
          .waitFor({ timeout: 10_000 });
        return true;
      },
      { ms: 90_000, every: 2_000, what: 'the pipeline matrix' },
    );
    await page.getByText('Upgrade plan').first().waitFor({ timeout: 60_000 });
    await shot('11-pipeline');
    await checkLayout(
      'pipeline',
      'table[aria-label="Upgrade steps in order"], table[aria-label^="Components of web-orders"]',
    );

    // The fleet page lists the pipeline's components in every environment.
    await page.goto(`${backend.baseUrl}/datastack`);
    await page
      .getByText('web-orders-trino-prod')
      .first()
      .waitFor({ timeout: 60_000 });
    await shot('12-fleet');

    // Search finds Trino as a platform component, with where it runs.
    await eventually(
      async () => {
        await page.goto(`${backend.baseUrl}/search?query=trino`);
        await page
          .getByText('Data platform')
          .first()
          .waitFor({ timeout: 20_000 });
        await page
          .getByText(/^(Chart|chart) 1\.42\.2/)
          .first()
          .waitFor({ timeout: 5_000 });
        return true;
      },
      { ms: 120_000, every: 2_000, what: 'Trino in search' },
    );
    await shot('13-search');
  });
  // Two teams, one portal: the same component page for a member of the
  // owning team (alice, data-engineering), another team (bob, analytics)
  // and a platform admin (ada), signed in through the development sign-in
  // page; the Sync button follows the permission policy's owner condition,
  // and the backend refuses bob's sync whatever the page shows.
  it('offers Sync to the owning team and the platform admin, not to another team', async () => {
    const component = `${backend.baseUrl}/catalog/default/component/web-orders-trino`;
    const syncPath =
      '/api/datastack/health/entity/default/component/web-orders-trino/applications/dev/web-orders-trino-dev/sync';
    for (const [user, mayWrite] of [
      ['alice', true],
      ['bob', false],
      ['ada', true],
    ]) {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 1000 },
      });
      const page = await context.newPage();
      await signInAs(page, backend.baseUrl, user);
      await page.goto(component);
      await page
        .getByText('web-orders-trino-dev')
        .first()
        .waitFor({ timeout: 60_000 });
      const sync = page.getByRole('button', {
        name: 'Sync web-orders-trino-dev',
      });
      if (mayWrite) {
        await sync.waitFor({ timeout: 30_000 });
      } else {
        // The permission answer has arrived once the refresh button shows;
        // give the page a moment more, then the Sync button must be absent.
        await page.waitForTimeout(2_000);
      }
      assert.equal(await sync.count(), mayWrite ? 1 : 0, user);
      await page.screenshot({
        path: path.join(resultsDir, `tenancy-${user}.png`),
        fullPage: true,
      });
      const token = await backend.userToken(user);
      const res = await fetch(`${backend.baseUrl}${syncPath}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, mayWrite ? 200 : 403, `${user}: ${res.status}`);
      await context.close();
    }
  });

  // As the issue saw it: a sync of a Kafka component. While Argo CD runs
  // it, the card says Syncing or Progressing (neutral), never red, and the
  // API never says degraded; it is Healthy within seconds of the sync's
  // end. A Sync in prod asks first, and Cancel sends nothing to Argo CD.
  it('shows a sync as Syncing, never red, and asks before a sync in prod', async t => {
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
    });
    const page = await context.newPage();
    await signInAs(page, backend.baseUrl, 'alice');
    await page.goto(
      `${backend.baseUrl}/catalog/default/component/web-orders-kafka`,
    );
    const devSync = page.getByRole('button', {
      name: 'Sync web-orders-kafka-dev',
    });
    await devSync.waitFor({ timeout: 60_000 });
    const token = await backend.userToken('alice');
    const healthOf = async () =>
      (
        await fetch(
          `${backend.baseUrl}/api/datastack/health/entity/default/component/web-orders-kafka`,
          { headers: { authorization: `Bearer ${token}` } },
        )
      ).json();
    let last;
    await eventually(
      async () => {
        last = await healthOf();
        return last.rows
          .flatMap(r => r.applications)
          .every(a => a.status === 'healthy');
      },
      { ms: 90_000, what: 'Kafka healthy everywhere before the sync' },
    ).catch(error => {
      throw new Error(`${error.message}: ${JSON.stringify(last)}`);
    });

    // Every 100 ms, what the card shows: the dev row's status, and any red
    // status anywhere on it (table, summary strip, problems, header).
    await page.evaluate(() => {
      const seen = [];
      window.__datastackSeen = seen;
      window.__datastackSampler = setInterval(() => {
        const title = [
          ...document.querySelectorAll('.MuiCardHeader-title'),
        ].find(el => el.textContent === 'Deployment health');
        const card = title?.closest('.MuiCard-root');
        if (!card) return;
        const row = [...card.querySelectorAll('tr')].find(r =>
          r.textContent.includes('web-orders-kafka-dev'),
        );
        seen.push({
          at: Date.now(),
          dev: row?.cells?.[2]?.textContent ?? '',
          red: [...card.querySelectorAll('[aria-label="Status error"]')].map(
            el => el.parentElement?.textContent?.slice(0, 160) ?? '',
          ),
        });
      }, 100);
    });
    // And what the API says, every 200 ms.
    const answers = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const body = await healthOf();
        answers.push(
          body.status,
          ...body.rows.flatMap(r => r.applications.map(a => a.status)),
        );
        await new Promise(r => setTimeout(r, 200));
      }
    })();

    const clickedAt = Date.now();
    await devSync.click();
    const seen = await eventually(
      async () => {
        const samples = await page.evaluate(() => window.__datastackSeen);
        const first = samples.findIndex(x => /Syncing|Progressing/.test(x.dev));
        return first >= 0 &&
          samples.slice(first).some(x => /^Healthy/.test(x.dev))
          ? samples
          : undefined;
      },
      { ms: 60_000, every: 250, what: 'Syncing, then Healthy, on the card' },
    );
    polling = false;
    await poller;
    await page.evaluate(() => clearInterval(window.__datastackSampler));
    const healthyAt = seen.find(
      (x, i) =>
        /^Healthy/.test(x.dev) &&
        seen.slice(0, i).some(y => /Syncing|Progressing/.test(y.dev)),
    ).at;
    t.diagnostic(
      `dev: Syncing on the card, Healthy ${
        healthyAt - clickedAt
      } ms after the click (the sync takes 3000 ms); ${seen.length} samples`,
    );
    assert.deepEqual(
      seen.filter(x => x.red.length > 0).map(x => x.red),
      [],
      'no red status on the card during the sync',
    );
    assert.ok(
      answers.length > 0 &&
        answers.every(s => !['degraded', 'error', 'unreachable'].includes(s)),
      `the API's states during the sync: ${[...new Set(answers)].join(', ')}`,
    );
    assert.ok(healthyAt - clickedAt < 15_000, 'Healthy within seconds');

    // Sync in prod: a confirmation first; Cancel sends nothing.
    const prod = sandbox.instances[2];
    const prodSyncs = async () =>
      (
        await (await fetch(`${prod.url}/sandbox/requests`)).json()
      ).entries.filter(
        e =>
          e.method === 'POST' &&
          /\/api\/v1\/applications\/web-orders-kafka-prod\/sync/.test(e.path),
      ).length;
    const before = await prodSyncs();
    const prodSync = page.getByRole('button', {
      name: 'Sync web-orders-kafka-prod',
    });
    await prodSync.click();
    const confirm = page.getByRole('dialog', {
      name: 'Sync web-orders-kafka-prod in prod?',
    });
    await confirm.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500); // the dialog's fade-in, for the screenshot
    await page.screenshot({
      path: path.join(resultsDir, 'create-14-confirm-prod-sync.png'),
    });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(await prodSyncs(), before, 'Cancel sends no sync');
    await prodSync.click();
    await confirm.getByRole('button', { name: 'Sync prod' }).click();
    await page
      .getByText('Sync started: web-orders-kafka-prod')
      .waitFor({ timeout: 30_000 });
    assert.equal(await prodSyncs(), before + 1, 'the confirmed sync');
    await context.close();
  });

  // The chart repository fails: the Upgrades tab says when the last
  // refresh failed and why, beside the last good fetch; "Refresh now"
  // tries again and, once the repository answers, shows it fresh.
  it('says when the chart repository failed, and Refresh now tries again', async () => {
    const page = await browser.newPage({
      viewport: { width: 1400, height: 1000 },
    });
    await signInAsGuest(page, backend.baseUrl);
    await page.goto(
      `${backend.baseUrl}/catalog/default/component/web-orders-trino/upgrades`,
    );
    const card = page
      .locator('.MuiCard-root')
      .filter({ has: page.getByText('Chart repository', { exact: true }) });
    await card.getByText(/^Versions fetched /).waitFor({ timeout: 60_000 });
    const refresh = card.getByRole('button', { name: /versions now$/ });
    try {
      await sandboxControl(sandbox.chartsUrl, '/sandbox/failure', {
        mode: 'http500',
        repository: 'trino',
      });
      await refresh.click();
      await card
        .getByText(/^Versions may be out of date: last fetched /)
        .waitFor({ timeout: 60_000 });
      await card
        .getByRole('button', { name: /versions now$/, disabled: false })
        .getByText('Refresh now')
        .waitFor({ timeout: 30_000 });
      const text = await card.innerText();
      assert.match(text, /versions of trino from .* kept/);
      assert.match(text, /; last tried .+: the index of .+ answered HTTP 500/);
      await page.screenshot({
        path: path.join(resultsDir, 'create-15-chart-repository-failed.png'),
        fullPage: true,
      });
    } finally {
      await sandboxControl(sandbox.chartsUrl, '/sandbox/failure', {
        mode: 'none',
      });
    }
    await refresh.click();
    await card.getByText(/^Versions fetched /).waitFor({ timeout: 60_000 });
    assert.doesNotMatch(await card.innerText(), /last tried/);
    await page.close();
  });

  // Argo CD prod stops answering: its rows keep their place, marked
  // unreachable with the last known state, on the card, in the pipeline
  // matrix, the fleet (whose Unreachable filter finds them) and the
  // Upgrades tab; then it comes back.
  it('keeps the rows of an Argo CD instance that stopped answering, and says why', async () => {
    const prod = sandbox.instances[2];
    const page = await browser.newPage({
      viewport: { width: 1400, height: 1000 },
    });
    const shot = name =>
      page.screenshot({
        path: path.join(resultsDir, `unreachable-${name}.png`),
        fullPage: true,
      });
    await signInAsGuest(page, backend.baseUrl);
    const entityHealth = async () =>
      (
        await backend.api(
          '/api/datastack/health/entity/default/component/web-orders-trino',
        )
      ).json();
    try {
      await sandboxControl(prod.url, '/sandbox/failure', { mode: 'down' });
      await sandboxControl(prod.url, '/sandbox/stream', { mode: 'drop' });
      await eventually(
        async () =>
          (await entityHealth()).rows.find(r => r.instance === 'prod')
            ?.status === 'unreachable',
        { ms: 60_000, what: 'prod unreachable in the entity answer' },
      );

      await page.goto(
        `${backend.baseUrl}/catalog/default/component/web-orders-trino`,
      );
      const table = page.getByRole('table', {
        name: 'Deployments by environment',
      });
      const prodRow = table
        .getByRole('row')
        .filter({ hasText: 'web-orders-trino-prod' });
      await prodRow
        .getByText(/^last known Healthy \S+ at /)
        .waitFor({ timeout: 60_000 });
      assert.match(await prodRow.innerText(), /Unreachable/);
      await page
        .getByRole('alert')
        .filter({ hasText: /^Unreachable Argo CD prod: / })
        .first()
        .waitFor({ timeout: 10_000 });
      assert.match(
        await table
          .getByRole('row')
          .filter({ hasText: 'web-orders-trino-dev' })
          .first()
          .innerText(),
        /Healthy/,
        'dev stays as it is',
      );
      assert.match(
        await page
          .getByRole('listitem', { name: 'prod at a glance' })
          .innerText(),
        /Unreachable\s+last known Healthy/,
      );
      await shot('entity');

      await page.goto(
        `${backend.baseUrl}/catalog/default/system/web-orders/pipeline`,
      );
      await page
        .getByRole('table', {
          name: /^Components of web-orders by environment/,
        })
        .getByText(/^last known /)
        .first()
        .waitFor({ timeout: 60_000 });
      await shot('pipeline');

      await page.goto(`${backend.baseUrl}/datastack?status=unreachable`);
      await page
        .getByText('web-orders-trino-prod')
        .first()
        .waitFor({ timeout: 60_000 });
      assert.equal(
        await page.getByText('web-orders-trino-dev').count(),
        0,
        'the Unreachable filter finds prod only',
      );
      await shot('fleet');

      await page.goto(
        `${backend.baseUrl}/catalog/default/component/web-orders-trino/upgrades`,
      );
      const deployed = page.getByRole('table', {
        name: 'Deployed versions by environment',
      });
      const prodDeployed = deployed
        .getByRole('row')
        .filter({ hasText: 'web-orders-trino-prod' });
      await prodDeployed
        .getByText(/last known at/)
        .waitFor({ timeout: 60_000 });
      await page
        .getByRole('alert')
        .filter({
          hasText: /Argo CD prod: .*Its rows are shown as it last answered/,
        })
        .first()
        .waitFor({ timeout: 10_000 });
      await shot('upgrades');
    } finally {
      await sandboxControl(prod.url, '/sandbox/failure', { mode: 'none' });
    }
    // Back: the rows are live again.
    await eventually(
      async () =>
        (await entityHealth()).rows.find(r => r.instance === 'prod')?.status ===
        'ok',
      { ms: 90_000, what: 'prod answering again' },
    );
    await page.close();
  });
});
