// The built app served by the backend, in Debian's Chromium: a guest signs in
// and the catalog lists the Datastack system. Screenshots go to
// test-results/e2e/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchChromium, resultsDir, root, startBackend } from './lib.mjs';

describe('portal in a browser', () => {
  let backend;
  let browser;

  before(async () => {
    assert.ok(
      existsSync(path.join(root, 'packages/app/dist/index.html')),
      'packages/app/dist is missing: yarn test builds the app before the end-to-end tests',
    );
    await mkdir(resultsDir, { recursive: true });
    backend = await startBackend({ serveApp: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it('signs a guest in and lists the Datastack system in the catalog', async () => {
    const page = await browser.newPage({
      viewport: { width: 1400, height: 900 },
    });
    await page.goto(`${backend.baseUrl}/`);
    const enter = page.getByRole('button', { name: /enter/i });
    await enter.click({ timeout: 60_000 });
    // Signed in once the catalog, the landing page, shows its title.
    await page
      .getByRole('heading', { name: 'Datastack Catalog' })
      .waitFor({ timeout: 60_000 });

    await page.goto(
      `${backend.baseUrl}/?filters%5Bkind%5D=system&filters%5Buser%5D=all`,
    );
    const link = page
      .getByRole('link', { name: 'Datastack for Backstage' })
      .or(page.getByRole('link', { name: 'datastack', exact: true }));
    await link.first().waitFor({ timeout: 60_000 });
    await page.screenshot({
      path: path.join(resultsDir, 'catalog.png'),
      fullPage: true,
    });

    await link.click();
    await page
      .getByText('Run an open-source data stack on Kubernetes')
      .first()
      .waitFor({ timeout: 30_000 });
    await page.screenshot({
      path: path.join(resultsDir, 'datastack-system.png'),
      fullPage: true,
    });
  });
});
