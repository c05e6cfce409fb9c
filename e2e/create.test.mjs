// The Create flow in Debian's Chromium: a guest fills "Create new data
// pipeline" page by page with the defaults (Argo CD instances and clusters
// from the pickers), creates it, and the task completes; the pipeline's
// entities reach the catalog and the Applications reach Argo CD (the
// sandbox). Screenshots of every page go to test-results/e2e/create-*.png.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  launchChromium,
  resultsDir,
  startBackend,
  startSandbox,
} from './lib.mjs';

describe('Create new data pipeline in the browser', () => {
  let sandbox;
  let backend;
  let browser;

  before(async () => {
    await mkdir(resultsDir, { recursive: true });
    sandbox = await startSandbox(['dev', 'staging', 'prod']);
    backend = await startBackend({
      serveApp: true,
      config: { datastack: { argocd: { instances: sandbox.instances } } },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await backend?.stop();
    await sandbox?.stop();
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
    await page.goto(`${backend.baseUrl}/`);
    await page
      .getByRole('button', { name: /enter/i })
      .click({ timeout: 60_000 });
    await page
      .getByRole('heading', { name: 'Datastack Catalog' })
      .waitFor({ timeout: 60_000 });

    await page.goto(`${backend.baseUrl}/create`);
    await page
      .getByText('Create new data pipeline')
      .first()
      .waitFor({ timeout: 60_000 });
    await shot('1-templates');
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
    await shot('6-review');
    await page.getByRole('button', { name: 'Create' }).click();

    await page
      .getByRole('link', { name: /Open the pipeline in the catalog/i })
      .waitFor({ timeout: 120_000 });
    await shot('7-task');

    const entities = await eventually(
      async () => {
        const res = await backend.api(
          '/api/catalog/entities/by-query?filter=metadata.annotations.datastack.io/pipeline=web-orders',
        );
        const body = await res.json();
        return body.items.length === 7 ? body.items : undefined;
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
  });
});
