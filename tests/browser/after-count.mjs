// After the close and the count (the last stage of scripts/test.sh): in a real browser, the public
// board /urne shows the seal and the results, whose figures are those of the published results
// (RESULTS_FILE, the count's results.json), and the voter of the journey finds each of their
// trackers (.run/browser/trackers.json, written by journey.mjs) in the sealed urne; axe-core on
// the screen. Prints one line per check and "N passed, M failed"; exits 1 when a check failed.
//
//   API_BASE_URL   portal and API origin (default http://127.0.0.1:9000)
//   RESULTS_FILE   the published results
//   CHROMIUM       browser binary (default /usr/bin/chromium)

import { chromium } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const API = (process.env.API_BASE_URL || 'http://127.0.0.1:9000').replace(/\/+$/, '');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const results = JSON.parse(await readFile(process.env.RESULTS_FILE, 'utf8'));
let trackers = [];
try {
  trackers = JSON.parse(await readFile(path.join(ROOT, '.run', 'browser', 'trackers.json'), 'utf8'));
} catch {
  // the journey cast no vote (no notices file): only the results are checked
}

let passed = 0;
let failed = 0;
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  page.setDefaultTimeout(45_000);
  await check('the board after the close shows the seal and the results', async () => {
    await page.goto(API + '/urne');
    await page.locator('#urne-resultats:not([hidden])').waitFor();
    await page.locator('#urne-sceau-empreinte').filter({ hasText: results.seal }).waitFor();
    const download = await page.getByRole('link', { name: /fichier de l'urne scellée/ }).getAttribute('href');
    const file = await (await fetch(API + download)).text();
    const header = JSON.parse(file.split('\n')[0]);
    assert(header.seal.digest === results.seal, 'the downloaded board file has another seal');
    for (const r of results.scrutins) {
      // one table per scrutin, in the order of the results
      const table = page.locator('table.tableau-resultats').nth(results.scrutins.indexOf(r));
      const text = (await table.textContent()) || '';
      for (const l of r.lists) {
        assert(text.includes(l.id), `scrutin ${r.id}: no line for ${l.id}`);
      }
      const votes = r.lists.map((l) => Number(l.votes));
      const cells = await table.locator('tbody tr td:first-of-type').allTextContents();
      const shown = cells.slice(0, votes.length).map((c) => Number(c.replace(/\s/g, '').replace(/\u202f/g, '')));
      assert(JSON.stringify(shown) === JSON.stringify(votes),
        `scrutin ${r.id}: the page shows ${shown.join(', ')} votes per list, the results ${votes.join(', ')}`);
    }
  });
  await check('the results screen passes axe-core', async () => {
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] }))
      .violations.map((v) => `${v.id}: ${v.help}`));
    assert(violations.length === 0, violations.join(' | '));
  });
  for (const t of trackers) {
    await check(`the voter's tracker in "${t.name}" is in the sealed urne`, async () => {
      const form = page.locator('#form-urne');
      await form.getByLabel('Scrutin', { exact: true }).selectOption(t.scrutin);
      await form.getByLabel('Empreinte de votre bulletin').fill(t.tracker);
      await form.getByRole('button', { name: 'Rechercher' }).click();
      await page.locator('#urne-trouve').filter({ hasText: t.tracker })
        .filter({ hasText: 'Votre bulletin est dans l\'urne' }).waitFor();
    });
  }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
