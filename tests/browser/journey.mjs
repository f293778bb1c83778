// The voter journey in a real browser: open the portal, ask for the activation mail, follow its
// link, create a password, choose a challenge question, activate the account, browse the ballots
// and an electoral list, file a claim, log out, log in again with the new password, vote in each
// of the voter's scrutins (when VOTE_NOTICES_FILE is set) and find each tracker on the public
// board, log out.
//
// Environment:
//   API_BASE_URL       origin of the portal and its API (default http://127.0.0.1:9000)
//   SES_BASE_URL       local SES stand-in with GET /store (default http://127.0.0.1:8005)
//   DEMO_IDENTIFIER    identifier of a demo voter whose account is not opened yet
//   DEMO_SEED_COMMAND  shell command printing "demo identifier: <email>", used when
//                      DEMO_IDENTIFIER is unset
//   (neither set)      a new voter is added to the loaded demo roll with
//                      `cargo run -q -p electeur-admin -- add-voter ...`, in the ballots listed
//                      by DEMO_SCRUTINS (default CSA-MEN,CSA-ACA-VERSAILLES,CAPN-CERTIFIES)
//   VOTE_NOTICES_FILE  the voters' notices written by `electeur-codes` (its CSV or its printable
//                      text); the journey's voter votes with the code of their notice, during the
//                      voting window. Unset: the vote is skipped (the public board is still seen)
//   VOTE_OPEN_COMMAND  shell command run before the vote, after the claims; unset, when the vote
//                      is not open yet, the journey opens it with `electeur-admin calendar set`
//                      (the claims closed an hour before) and puts the calendar back at the end
//   CHROMIUM           browser binary (default /usr/bin/chromium)
//   JOURNEY_STEP_TIMEOUT_MS   bound on each wait in the page (default 45000: more than twice the
//                             portal's own request timeout, so that a slow or lost request shows
//                             as the page's error message, not as a timed-out wait)
//   JOURNEY_TIMEOUT_SECONDS   bound on the whole journey (default 900)
//
// Prints one line per check and ends with "N passed, M failed"; exits 1 when a check failed.
// A check that fails in the browser leaves, under .run/browser/, a screenshot of the page
// (<check>.png) and its console messages and failed requests, request errors and answers of 400
// and more, since the page opened (<check>.log).

import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const API = (process.env.API_BASE_URL || 'http://127.0.0.1:9000').replace(/\/+$/, '');
const SES = (process.env.SES_BASE_URL || 'http://127.0.0.1:8005').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const SCREENSHOT = path.join(ROOT, '.run', 'portal.png');
const ARTEFACTS = path.join(ROOT, '.run', 'browser');

const WARM_UP_TIMEOUT_MS = 300_000; // `cargo lambda watch` builds a function on its first request
// The portal gives up on an API request after 20 s (REQUEST_TIMEOUT_MS in portal.js).
const PORTAL_REQUEST_TIMEOUT_MS = 20_000;
const STEP_TIMEOUT_MS = Math.max(Number(process.env.JOURNEY_STEP_TIMEOUT_MS) || 45_000,
  PORTAL_REQUEST_TIMEOUT_MS + 5_000);
const NAVIGATION_TIMEOUT_MS = 60_000;
const MAIL_TIMEOUT_MS = 60_000;
const SEED_TIMEOUT_MS = 600_000;
const OVERALL_TIMEOUT_MS = (Number(process.env.JOURNEY_TIMEOUT_SECONDS) || 900) * 1000 - 15_000;

const results = [];
let blocked = null;

// axe-core (pinned in package.json), run on every screen of the journey: any violation fails.
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const axeScreens = [];

// At 320 CSS pixels wide (WCAG 1.4.10, reflow), the page must not scroll sideways.
async function reflowsAt320(page, screen) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 720 });
  try {
    const { width, wide } = await page.evaluate(() => {
      const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
      const over = Array.from(document.querySelectorAll('body *'))
        .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > 321)
        .filter((e) => !Array.from(e.children).some((c) => c.getBoundingClientRect().right > 321))
        .slice(0, 4)
        .map((e) => `${name(e)} (${Math.round(e.getBoundingClientRect().right)} px)`);
      return { width: document.documentElement.scrollWidth, wide: over };
    });
    assert(width <= 320, `"${screen}" is ${width} px wide at a 320 px viewport: ${wide.join(', ')}`);
  } finally {
    await page.setViewportSize(before);
  }
}

// Runs axe-core in the page as it is now. The engine goes in through the browser's debugging
// protocol, not a <script> element, so that the page's content security policy stays as served.
async function axe(page, screen) {
  if (!await page.evaluate(() => Boolean(window.axe))) await page.evaluate(AXE_SOURCE);
  const outcome = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} – ${v.nodes.slice(0, 3)
      .map((n) => n.target.join(' ')).join(', ')}`);
  });
  axeScreens.push({ screen, violations: outcome.length });
  assert(outcome.length === 0, `axe-core on "${screen}": ${outcome.join(' | ')}`);
}

// The browser page once it exists, and what it reported: console messages, failed requests and
// answers of 400 and more, in order.
let journeyPage = null;
const pageEvents = [];

function log(line) {
  process.stdout.write(line + '\n');
}

function recordPageEvent(kind, text) {
  pageEvents.push(`${new Date().toISOString()} ${kind} ${text}`);
}

// Saves a screenshot and the page's events for the check NAME that failed with ERROR; returns
// where, or null when there is no page yet.
async function saveFailure(name, error, started) {
  if (!journeyPage) return null;
  const slug = `${String(results.length).padStart(2, '0')}-${name.toLowerCase().normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)}`;
  const base = path.join(ARTEFACTS, slug);
  await mkdir(ARTEFACTS, { recursive: true });
  const lines = [
    `check: ${name}`,
    `error: ${error && error.stack ? error.stack : error}`,
    `started: ${new Date(started).toISOString()}, failed: ${new Date().toISOString()}`,
    `page: ${journeyPage.url()}`,
    '',
    `console messages and failed requests since the page opened (${pageEvents.length}):`,
    ...pageEvents,
  ];
  await writeFile(`${base}.log`, lines.join('\n') + '\n');
  await journeyPage.screenshot({ path: `${base}.png`, fullPage: true, timeout: 15_000 })
    .catch((e) => writeFile(`${base}.log`, `${lines.join('\n')}\nscreenshot failed: ${e.message}\n`));
  return path.relative(ROOT, base);
}

// A check that later checks depend on: once one fails, the rest are reported as not run.
async function step(name, body) {
  if (blocked) {
    results.push({ name, ok: false });
    log(`FAIL ${name} (not run: "${blocked}" failed)`);
    return undefined;
  }
  const started = Date.now();
  try {
    const value = await body();
    results.push({ name, ok: true });
    log(`ok   ${name} (${Date.now() - started} ms)`);
    return value;
  } catch (error) {
    results.push({ name, ok: false });
    blocked = name;
    log(`FAIL ${name}: ${error && error.message ? error.message.split('\n')[0] : error}`);
    const saved = await saveFailure(name, error, started).catch((e) => {
      log(`     could not save the page: ${e.message}`);
      return null;
    });
    if (saved) log(`     page saved: ${saved}.png, ${saved}.log`);
    return undefined;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function isLoopback(url) {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}

async function request(url, init, timeoutMs) {
  return fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs || STEP_TIMEOUT_MS) });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Preparation

async function warmUp() {
  // One request per function, one after another: the first request of each builds it.
  // Any answer but a 404 (unrouted) or a 5xx (function missing or failing) shows the function runs.
  const calls = [
    ['portal', 'GET', '/', undefined],
    ['activate', 'GET', '/api/election', undefined],
    ['set-password', 'POST', '/api/token', {}],
    ['activate-account', 'POST', '/api/activate-account', {}],
    ['skip-activation', 'POST', '/api/skip-activation', {}],
    ['reassort', 'GET', '/api/questions', undefined],
    ['list-scrutins', 'GET', '/api/scrutins', undefined],
    ['submit-claim', 'POST', '/api/claims', {}],
    ['login', 'GET', '/api/session', undefined],
    ['logout', 'POST', '/api/logout', undefined],
  ];
  for (const [fn, method, route, body] of calls) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await request(API + route, init, WARM_UP_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`${method} ${route} (${fn}) did not answer: ${error.message}`);
    }
    await response.arrayBuffer();
    assert(response.status !== 404 && response.status < 500,
      `${method} ${route} (${fn}) answered ${response.status}`);
  }
  const ses = await request(SES + '/health-check', {}, STEP_TIMEOUT_MS).catch((error) => {
    throw new Error(`the SES stand-in at ${SES} did not answer: ${error.message}`);
  });
  assert(ses.ok, `the SES stand-in answered ${ses.status} to /health-check`);
}

async function checkHeaders() {
  const expectSecurity = (response, what) => {
    const csp = response.headers.get('content-security-policy') || '';
    assert(csp.includes("default-src 'none'") && csp.includes("script-src 'self'"),
      `${what}: content security policy missing or loose: "${csp}"`);
    assert(!/unsafe-inline|unsafe-eval|\*/.test(csp), `${what}: content security policy allows too much`);
    assert(response.headers.get('x-content-type-options') === 'nosniff', `${what}: no nosniff`);
    assert(response.headers.get('referrer-policy') === 'no-referrer', `${what}: referrer policy`);
  };
  const html = await request(API + '/activation?token=x&electeurId=1');
  const text = await html.text();
  assert(html.status === 200, `/activation answered ${html.status}`);
  assert((html.headers.get('content-type') || '').startsWith('text/html'), '/activation is not HTML');
  assert(html.headers.get('cache-control') === 'no-store', '/activation may be cached');
  expectSecurity(html, '/activation');
  const script = text.match(/src="(\/assets\/portal\.js[^"]*)"/);
  assert(script, 'the page does not load /assets/portal.js');
  const js = await request(API + script[1]);
  await js.arrayBuffer();
  assert(js.status === 200, `${script[1]} answered ${js.status}`);
  assert((js.headers.get('content-type') || '').startsWith('text/javascript'), 'portal.js content type');
  expectSecurity(js, 'portal.js');
  assert(/worker-src 'self'/.test(js.headers.get('content-security-policy') || ''),
    'the content security policy does not restrict workers to the portal');
  // the ballot's modules: the worker, the ballot and the bundled curve library
  for (const asset of ['/assets/vote-worker.js', '/assets/ballot.js', '/assets/noble.js']) {
    const module = await request(API + asset);
    const source = await module.text();
    assert(module.status === 200, `${asset} answered ${module.status}`);
    assert((module.headers.get('content-type') || '').startsWith('text/javascript'), `${asset} content type`);
    expectSecurity(module, asset);
    assert(!/from\s*['"][^./]/.test(source), `${asset} has a bare import`);
  }
  const css = await request(API + '/assets/portal.css');
  await css.arrayBuffer();
  assert((css.headers.get('content-type') || '').startsWith('text/css'), 'portal.css content type');
  const missing = await request(API + '/assets/absent.js');
  const body = await missing.json().catch(() => null);
  assert(missing.status === 404 && body && body.code === 'not_found',
    `/assets/absent.js answered ${missing.status} ${JSON.stringify(body)}`);
}

function runSeed(command) {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { cwd: ROOT, timeout: SEED_TIMEOUT_MS, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`DEMO_SEED_COMMAND failed: ${(stderr || error.message).trim().split('\n').pop()}`));
          return;
        }
        const found = [...`${stdout}\n${stderr}`.matchAll(/demo identifier:\s*(\S+@\S+)/g)];
        if (!found.length) {
          reject(new Error('DEMO_SEED_COMMAND printed no "demo identifier: <email>" line'));
          return;
        }
        resolve(found[found.length - 1][1]);
      });
  });
}

// Adds a voter of its own to the demo roll with the administration's command line, so that every
// run activates an account nobody opened before. The demo election must be loaded already.
function addVoterWithAdmin() {
  const suffix = randomBytes(4).toString('hex');
  const voterId = `9${randomInt(10 ** 8).toString().padStart(8, '0')}`;
  const email = `parcours.${suffix}@ac-versailles.fr`;
  const scrutins = (process.env.DEMO_SCRUTINS || 'CSA-MEN,CSA-ACA-VERSAILLES,CAPN-CERTIFIES')
    .split(',').map((id) => id.trim()).filter(Boolean);
  return admin(['add-voter', '--voter-id', voterId, '--email', email,
    '--civility', 'Mme', '--first-name', 'Camille', '--last-name', 'Parcours',
    ...scrutins.flatMap((id) => ['--scrutin', id])]).then(() => email);
}

async function demoIdentifier() {
  if (process.env.DEMO_IDENTIFIER) return process.env.DEMO_IDENTIFIER.trim();
  if (process.env.DEMO_SEED_COMMAND) return runSeed(process.env.DEMO_SEED_COMMAND);
  if (existsSync(path.join(ROOT, 'admin', 'Cargo.toml'))) return addVoterWithAdmin();
  throw new Error('set DEMO_IDENTIFIER to a demo voter whose account is not opened yet, '
    + 'or DEMO_SEED_COMMAND to a command printing "demo identifier: <email>"');
}

// Waits for the newest mail to `identifier` sent since `since` (epoch seconds) holding `route`.
async function waitForMail(identifier, since, route) {
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  const wanted = identifier.toLowerCase();
  const linkPattern = new RegExp(`https?://[^\\s"'<>]+${route}#[^\\s"'<>]+`);
  while (Date.now() < deadline) {
    const response = await request(`${SES}/store?since=${since}`).catch(() => null);
    if (response && response.ok) {
      const data = await response.json().catch(() => ({}));
      const mails = (data.emails || []).filter((mail) => {
        const to = (mail.destination && mail.destination.to) || [];
        return to.some((address) => String(address).toLowerCase().includes(wanted));
      });
      for (const mail of mails.reverse()) {
        const body = mail.body || {};
        const source = `${body.text || ''}\n${(body.html || '').replace(/&amp;/g, '&')}`;
        const link = source.match(linkPattern);
        if (link) return { subject: mail.subject || '', link: link[0] };
      }
    }
    await sleep(500);
  }
  throw new Error(`no mail with a ${route} link reached ${identifier} within ${MAIL_TIMEOUT_MS / 1000} s `
    + '(a voter whose account is already open gets no activation mail: use an unused demo voter)');
}

// ---------------------------------------------------------------------------------------------
// The vote (when VOTE_NOTICES_FILE names the notices that `electeur-codes` wrote)

// The voting code of `identifier` in the notices file: its CSV form (a header naming `email` and
// `code`), or its printable form ("Identifiant d'électeur", then the code in four groups of four).
async function votingCode(file, identifier) {
  const text = await readFile(file, 'utf8');
  const wanted = identifier.toLowerCase();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  if (header.includes('email') && header.includes('code')) {
    const email = header.indexOf('email');
    const code = header.indexOf('code');
    for (const line of lines.slice(1)) {
      const cells = line.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
      if ((cells[email] || '').toLowerCase() === wanted) return cells[code];
    }
    return null;
  }
  for (const notice of text.split('\f')) {
    if (!notice.toLowerCase().includes(wanted)) continue;
    const code = notice.match(/\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/);
    if (code) return code[1];
  }
  return null;
}

// Runs a shell command of the environment (from the repository's root); fails with its last line.
function runCommand(command, what) {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { cwd: ROOT, timeout: SEED_TIMEOUT_MS, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${what} failed: ${(stderr || error.message).trim().split('\n').pop()}`));
      else resolve(stdout);
    });
  });
}

// Runs electeur-admin: its prebuilt binary from WORKSPACE_BIN_DIR when set (scripts/lib.sh), else
// through `cargo run`.
function admin(args) {
  const dir = process.env.WORKSPACE_BIN_DIR;
  const [file, argv] = dir
    ? [path.join(dir, 'electeur-admin'), args]
    : ['cargo', ['run', '-q', '-p', 'electeur-admin', '--', ...args]];
  return new Promise((resolve, reject) => {
    execFile(file, argv,
      { cwd: ROOT, timeout: SEED_TIMEOUT_MS, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`electeur-admin ${args.slice(0, 2).join(' ')} failed: ${(stderr || error.message).trim().split('\n').pop()}`));
        else resolve(stdout);
      });
  });
}

// Opens the voting window now, with the claims closed before it (the calendar's order), with
// `electeur-admin calendar set`; returns what puts the calendar back as it was.
async function openVotingWindow() {
  const response = await request(API + '/api/election');
  assert(response.ok, `GET /api/election answered ${response.status}`);
  const c = (await response.json()).calendar || {};
  assert(c.claim_deadline && c.voting_opens_at && c.voting_closes_at, 'the calendar has no voting window');
  const at = (minutes) => new Date(Date.now() + minutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await admin(['calendar', 'set', '--claim-deadline', at(-120), '--voting-opens', at(-60)]);
  return () => admin(['calendar', 'set', '--claim-deadline', c.claim_deadline, '--voting-opens', c.voting_opens_at,
    '--voting-closes', c.voting_closes_at]);
}

// GET /api/vote/election from outside the browser: the election's state, or null when the route
// does not answer yet.
async function voteElection() {
  const response = await request(API + '/api/vote/election').catch(() => null);
  if (!response || !response.ok) return null;
  return response.json().catch(() => null);
}

// ---------------------------------------------------------------------------------------------
// The journey

async function main() {
  for (const [name, url] of [['API_BASE_URL', API], ['SES_BASE_URL', SES]]) {
    if (!isLoopback(url)) {
      log(`${name}=${url} is not a loopback address; this test only runs against the local stack`);
      process.exit(2);
    }
  }
  log(`portal ${API}, mail ${SES}, browser ${CHROMIUM}`);

  await step('the portal and every function answer', warmUp);
  await step('pages and assets carry their security headers; unknown assets get JSON 404', checkHeaders);
  const identifier = await step('a demo voter to activate', demoIdentifier);
  if (identifier) log(`     voter ${identifier}`);

  const userDataDir = await mkdtemp(path.join(tmpdir(), 'portal-journey-'));
  let context = null;
  const pageErrors = [];
  try {
    context = await step('headless Chromium starts', () => chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: NAVIGATION_TIMEOUT_MS,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic',
      ],
      viewport: { width: 1280, height: 900 },
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
    }));
    const page = context ? (context.pages()[0] || await context.newPage()) : null;
    if (page) {
      journeyPage = page;
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
      page.on('pageerror', (error) => recordPageEvent('script-error', error.message));
      page.on('requestfailed', (r) => recordPageEvent('request-failed',
        `${r.method()} ${r.url()}: ${(r.failure() && r.failure().errorText) || 'failed'}`));
      page.on('response', (r) => {
        if (r.status() >= 400) recordPageEvent('response', `${r.status()} ${r.request().method()} ${r.url()}`);
      });
      page.on('pageerror', (error) => pageErrors.push(`script error: ${error.message}`));
      page.on('console', (message) => {
        recordPageEvent(`console.${message.type()}`, message.text());
        const text = message.text();
        // 4xx answers of the API are expected (no session yet, ...); blocked content is not.
        if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
          pageErrors.push(`console: ${text}`);
        }
      });
    }

    const password = `Tournesol ${randomBytes(4).toString('hex')} sur le canal du Midi`;
    const answer = 'Rivière des Castors';
    let since = 0;

    await step('without its script the page says to reload it, from the style sheet alone', async () => {
      const other = await context.newPage();
      try {
        await other.route('**/assets/portal.js*', (route) => route.abort('blockedbyclient'));
        await other.goto(API + '/');
        const fallback = other.locator('#chargement-echec');
        await fallback.filter({ hasText: 'rechargez la page' }).waitFor({ state: 'visible' });
        assert(await other.locator('#ecran-accueil').isHidden(), 'the home shows without its script');
        await axe(other, 'chargement sans script');
      } finally {
        await other.close();
      }
    });

    await step('home page shows at once, before a slow session check, and says nothing of it', async () => {
      // The session check hangs for 4 s then fails: the home must not wait for it.
      await page.route('**/api/session', async (route) => {
        await sleep(4000);
        await route.abort('timedout').catch(() => {});
      });
      const started = Date.now();
      await page.goto(API + '/');
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
      const shownAfter = Date.now() - started;
      assert(shownAfter < 3500, `the home took ${shownAfter} ms to show`);
      await sleep(6000); // the check and its one retry fail
      const said = (await page.locator('#annonce').textContent()) || '';
      assert(said.trim() === '', `a visitor who is not logged in is told: "${said}"`);
      await page.unroute('**/api/session');
      log(`     home shown after ${shownAfter} ms`);
    });

    await step('home page shows both ways in; the election is asked once, and again once if it fails', async () => {
      const asked = [];
      const onRequest = (r) => { if (new URL(r.url()).pathname === '/api/election') asked.push(r.url()); };
      page.on('request', onRequest);
      await page.route('**/api/election', (route) => route.abort('failed'), { times: 1 });
      await page.goto(API + '/');
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
      await page.getByRole('heading', { name: 'Accéder à mon espace électeur' }).waitFor();
      await page.getByRole('heading', { name: 'Me connecter' }).waitFor();
      await page.getByRole('link', { name: /Mot de passe perdu/ }).waitFor();
      await page.locator('#phase').filter({ hasText: /espaces électeurs/ }).waitFor();
      await sleep(1000);
      page.off('request', onRequest);
      assert(asked.length === 2, `GET /api/election sent ${asked.length} times (one lost, one retry expected)`);
      asked.length = 0;
      page.on('request', onRequest);
      await page.goto(API + '/');
      await page.locator('#phase').filter({ hasText: /espaces électeurs/ }).waitFor();
      await sleep(1000);
      page.off('request', onRequest);
      assert(asked.length === 1, `GET /api/election sent ${asked.length} times on one page`);
      await reflowsAt320(page, 'accueil');
      await axe(page, 'accueil');
    });

    await step('the lost-password, blocked-login and broken-link pages pass axe-core', async () => {
      await page.goto(API + '/reassort');
      await page.getByRole('heading', { level: 1, name: /Mot de passe perdu/ }).waitFor();
      await page.locator('#reassort-question option:not([value=""])').first().waitFor({ state: 'attached' });
      await axe(page, 'réassort');
      await page.goto(API + '/deblocage');
      await page.getByRole('heading', { level: 1, name: /Connexion bloquée/ }).waitFor();
      await axe(page, 'connexion bloquée');
      await page.goto(API + '/activation');
      await page.getByRole('heading', { level: 1, name: 'Ce lien ne peut pas être utilisé' }).waitFor();
      await page.getByText(/ACCÈS SANS ACTIVATION/).first().waitFor();
      await axe(page, 'lien inutilisable');
      await page.goto(API + '/');
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
    });

    await step('the public board /urne shows without a session and passes axe-core', async () => {
      const other = await context.newPage();
      try {
        await other.goto(API + '/urne');
        await other.getByRole('heading', { level: 1, name: 'L\'urne électronique publique' }).waitFor();
        await other.getByRole('heading', { level: 2, name: 'Retrouver mon bulletin' }).waitFor();
        // either the record and its fingerprint, or why there is none yet
        await other.locator('#urne-dossier-empreinte:not(:empty), #urne-erreur:not(:empty)').first().waitFor();
        await axe(other, 'urne publique');
        await reflowsAt320(other, 'urne publique');
      } finally {
        await other.close();
      }
    });

    await step('AIDE/FAQ: the edito, the questions and the three tutorials, with their drawings', async () => {
      await page.getByRole('link', { name: 'AIDE/FAQ' }).click();
      await page.getByRole('heading', { level: 1, name: /Foire aux questions/ }).waitFor();
      assert(new URL(page.url()).pathname === '/aide', `unexpected address ${page.url()}`);
      for (const question of [/pas reçu le courriel/, /lien du courriel a expiré/, /perdu mon mot de passe/,
        /ACTIVER MON COMPTE ou ACCÈS SANS ACTIVATION/, /Pour quels scrutins/, /formuler une réclamation/,
        /Quand le vote/]) {
        await page.getByRole('heading', { level: 2, name: question }).waitFor();
      }
      await page.locator('#aide-faq-dates').filter({ hasText: /aura lieu du .+ au / }).waitFor();
      await axe(page, 'aide en ligne – FAQ');
      const sommaire = page.getByRole('navigation', { name: 'Mes informations pratiques' });
      for (const [link, heading] of [['Édito', /^Édito$/], [/Parcours électeur/, /Parcours électeur/],
        [/Parcours de vote/, /Parcours de vote/], [/Réassorts/, /Réassorts/]]) {
        await sommaire.getByRole('link', { name: link }).click();
        const h1 = page.getByRole('heading', { level: 1, name: heading });
        await h1.waitFor();
        const image = page.locator('[data-aide]:not([hidden]) img.illustration');
        if (await image.count()) {
          await image.evaluate((img) => img.decode());
          const width = await image.evaluate((img) => img.naturalWidth);
          assert(width > 0, `the drawing of "${await h1.textContent()}" did not load`);
        }
        await axe(page, (await h1.textContent()).trim());
        await reflowsAt320(page, (await h1.textContent()).trim());
      }
      await page.goto(API + '/');
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
    });

    await step('the assistance form without a session: errors tied to their fields, then a reference', async () => {
      await page.getByRole('link', { name: "Formulaire de demande d'assistance" }).click();
      await page.getByRole('heading', { level: 1, name: "Formulaire de demande d'assistance" }).waitFor();
      assert(new URL(page.url()).pathname === '/assistance', `unexpected address ${page.url()}`);
      const form = page.locator('#form-assistance');
      const field = form.getByLabel(/Identifiant/);
      await field.waitFor();
      await axe(page, "demande d'assistance, sans session");
      await reflowsAt320(page, "demande d'assistance");
      await form.getByRole('button', { name: 'Envoyer ma demande' }).click();
      await page.locator('#assistance-identifiant-erreur').filter({ hasText: /Indiquez votre identifiant/ }).waitFor();
      assert(await field.getAttribute('aria-invalid') === 'true', 'the identifier is not marked invalid');
      assert(await field.evaluate((e) => e === document.activeElement), 'the focus is not on the identifier');
      await axe(page, "demande d'assistance, erreur de champ");
      await field.fill(`inconnu.${randomBytes(4).toString('hex')}@ac-versailles.fr`);
      await form.getByLabel('Objet de la demande').selectOption('courriel_non_recu');
      await form.getByLabel('Votre message').fill('Je ne reçois pas le courriel de création du mot de passe.');
      await form.getByRole('button', { name: 'Envoyer ma demande' }).click();
      const reference = page.locator('#assistance-reference');
      await reference.filter({ hasText: /^AS-[A-Z2-9]{10}$/ }).waitFor();
      const done = page.locator('#assistance-recue');
      assert(await done.evaluate((e) => e === document.activeElement), 'the confirmation does not get the focus');
      log(`     reference ${await reference.textContent()} without a session`);
      await axe(page, "demande d'assistance envoyée");
      await page.goto(API + '/');
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
    });

    await step('asking for activation tells to check the academic mailbox', async () => {
      since = Math.floor(Date.now() / 1000) - 2;
      await page.locator('#ouverture-identifiant').fill(identifier);
      await page.locator('#form-ouverture').getByRole('button', { name: 'Accéder à mon espace électeur' }).click();
      await page.locator('#ouverture-envoyee').filter({ hasText: 'messagerie académique' }).waitFor();
    });

    const mail = await step('the activation mail arrives with its link', async () => {
      const found = await waitForMail(identifier, since, '/activation');
      const url = new URL(found.link);
      assert(url.search === '', `the link sends something to the server in its query: ${url.search}`);
      const fragment = new URLSearchParams(url.hash.slice(1));
      assert(/^[A-Za-z0-9_-]{43}$/.test(fragment.get('token') || ''), 'the link has no 43-character token in its fragment');
      assert(/^[0-9A-Za-z]{1,32}$/.test(fragment.get('electeurId') || ''), 'the link has no voter id');
      if (url.origin !== new URL(API).origin) log(`     note: the link points to ${url.origin}; opened on ${API}`);
      log(`     subject: ${found.subject}`);
      return url;
    });

    await step('the link greets the voter and leaves no token in the address bar', async () => {
      await page.goto(API + mail.pathname + mail.hash);
      const greeting = page.locator('#salutation');
      await greeting.filter({ hasText: /^Bonjour (M\.|Mme) .+,$/ }).waitFor();
      await page.getByRole('heading', { level: 1, name: /Création du mot de passe/ }).waitFor();
      log(`     ${await greeting.textContent()}`);
      assert(!page.url().includes('token='), `the address still holds the token: ${page.url()}`);
      assert(new URL(page.url()).pathname === '/activation', `unexpected address ${page.url()}`);
      await axe(page, 'création du mot de passe');
    });

    await step('a mismatched confirmation is refused in the page', async () => {
      const form = page.locator('#form-mot-de-passe');
      await form.getByLabel('Mot de passe', { exact: true }).fill(password);
      await form.getByLabel('Confirmation du mot de passe').fill(password + 'x');
      await form.getByRole('button', { name: 'Valider mon mot de passe' }).click();
      await page.locator('#confirmation-erreur').filter({ hasText: 'ne correspond pas' }).waitFor();
    });

    await step('creating the password leads to the challenge question', async () => {
      const form = page.locator('#form-mot-de-passe');
      await form.getByLabel('Mot de passe', { exact: true }).fill(password);
      await form.getByLabel('Confirmation du mot de passe').fill(password);
      await form.getByRole('button', { name: 'Valider mon mot de passe' }).click();
      await page.getByRole('heading', { level: 1, name: 'Question défi' }).waitFor();
      await page.getByRole('button', { name: 'ACCÈS SANS ACTIVATION' }).waitFor();
      const count = await page.locator('#question option:not([value=""])').count();
      assert(count > 0, 'no challenge question offered');
      await axe(page, 'question défi');
    });

    await step('ACTIVER MON COMPTE opens the welcome page', async () => {
      const form = page.locator('#form-question');
      const first = await form.locator('#question option:not([value=""])').first().getAttribute('value');
      await form.getByLabel(/Choisissez une question/).selectOption(first);
      await form.getByLabel('Réponse secrète').fill(answer);
      await form.getByRole('button', { name: 'ACTIVER MON COMPTE' }).click();
      await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
      await page.locator('#note-entree').filter({ hasText: 'Votre compte a bien été activé' }).waitFor();
      await page.locator('#surtitre').filter({ hasText: 'Votre espace électeur est ouvert' }).waitFor();
      for (const name of ['Édito', 'Aide en ligne – Foire aux questions', /tutoriel en ligne « Parcours électeur »/,
        /tutoriel en ligne « Parcours de vote »/, /tutoriel en ligne « Réassorts »/]) {
        await page.locator('#ecran-portail').getByRole('link', { name }).waitFor();
      }
      assert(new URL(page.url()).pathname === '/', `unexpected address ${page.url()}`);
    });

    await step('the welcome page shows "Vos dernières connexions" with the activation', async () => {
      await page.getByRole('heading', { level: 2, name: 'Vos dernières connexions' }).waitFor();
      const rows = page.locator('#connexions li.connexion');
      await rows.first().waitFor();
      const first = await rows.first().textContent();
      assert(/Espace activé/.test(first), `unexpected first connection "${first}"`);
      assert(await rows.first().locator('time[datetime]').count() === 1, 'the connection has no time element');
    });

    await step('"Mes scrutins" lists the ballots with their candidate lists in order', async () => {
      await page.getByRole('heading', { level: 2, name: 'Mes scrutins' }).waitFor();
      const ballots = page.locator('#scrutins article.scrutin');
      await ballots.first().waitFor();
      const summaries = await page.locator('#scrutins .listes-candidats summary').allTextContents();
      assert(summaries.length > 0, 'no candidate list shown');
      for (const [index] of (await ballots.all()).entries()) {
        const orders = (await ballots.nth(index).locator('.listes-candidats summary').allTextContents())
          .map((text) => Number.parseInt((text.match(/Liste n° (\d+)/) || [])[1], 10));
        assert(orders.every((n, i) => i === 0 || orders[i - 1] <= n), `lists out of order: ${orders}`);
      }
      await page.locator('#scrutins .listes-candidats summary').first().click();
      await page.locator('#scrutins .candidats li').first().waitFor();
      log(`     ${await ballots.count()} ballot(s), ${summaries.length} candidate list(s)`);
      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      log(`     screenshot ${path.relative(ROOT, SCREENSHOT)}`);
    });

    await step('an electoral list opens and pages', async () => {
      const ballot = page.locator('#scrutins article.scrutin').first();
      await ballot.getByRole('button', { name: 'Consulter la liste électorale' }).click();
      const rows = ballot.locator('.liste-electorale tbody tr');
      await rows.first().waitFor();
      const next = ballot.getByRole('button', { name: 'Page suivante' });
      if (await next.isEnabled()) {
        await next.click();
        await ballot.locator('.pagination .page').filter({ hasText: 'Page 2' }).waitFor();
        await rows.first().waitFor();
        await ballot.getByRole('button', { name: 'Page précédente' }).click();
        await ballot.locator('.pagination .page').filter({ hasText: 'Page 1' }).waitFor();
        log('     paged forward and back');
      } else {
        log(`     one page of ${await rows.count()} voter(s)`);
      }
      const total = ballot.locator('.total-liste');
      await total.filter({ hasText: /\d électeurs? inscrits? sur cette liste/ }).waitFor();
      const pageOf = await ballot.locator('.pagination .page').textContent();
      assert(/^Page 1 sur \d+$/.test(pageOf), `the page does not say which page of how many: "${pageOf}"`);
      const count = Number.parseInt((await total.textContent()).replace(/\D/g, ''), 10);
      const pages = Number.parseInt(pageOf.split(' sur ')[1], 10);
      assert(pages === Math.max(1, Math.ceil(count / 50)), `${count} voters in ${pages} page(s) of 50`);
      log(`     ${pageOf}, ${count} voters`);
      await axe(page, 'portail, liste électorale ouverte');
      await reflowsAt320(page, 'portail, liste électorale ouverte');
    });

    await step('an electoral list is searched by name, whatever the case and accents', async () => {
      const ballot = page.locator('#scrutins article.scrutin').first();
      const name = (await ballot.locator('.liste-electorale tbody tr td').nth(1).textContent()).trim();
      const typed = name.slice(0, 3).toUpperCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      await ballot.getByLabel('Rechercher un électeur par son nom').fill(typed);
      await ballot.getByRole('button', { name: 'Rechercher' }).click();
      await ballot.locator('caption').filter({ hasText: `commençant par « ${typed} »` }).waitFor();
      const names = await ballot.locator('.liste-electorale tbody tr td:nth-child(2)').allTextContents();
      const fold = (t) => t.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');
      assert(names.length > 0 && names.every((n) => fold(n).startsWith(fold(typed))),
        `search "${typed}" found ${JSON.stringify(names.slice(0, 5))}`);
      await axe(page, 'recherche dans une liste électorale');
      await ballot.getByLabel('Rechercher un électeur par son nom').fill('x');
      await ballot.getByRole('button', { name: 'Rechercher' }).click();
      await ballot.locator('.liste-electorale [role="alert"]').filter({ hasText: 'deux lettres' }).waitFor();
      await ballot.getByLabel('Rechercher un électeur par son nom').fill('Zzzzzq');
      await ballot.getByRole('button', { name: 'Rechercher' }).click();
      await ballot.locator('.total-liste').filter({ hasText: 'aucun électeur trouvé' }).waitFor();
      await ballot.getByRole('button', { name: 'Revenir à toute la liste' }).click();
      await ballot.locator('.pagination .page').filter({ hasText: /^Page 1 sur / }).waitFor();
      log(`     "${typed}": ${names.length} voter(s) on the first page`);
    });

    await step('a claim survives a lost request, keeps its idempotency key and shows its reference', async () => {
      const form = page.locator('#form-reclamation');
      await form.getByLabel('Objet de la réclamation').selectOption('liste_electorale');
      const ballot = await page.locator('#reclamation-scrutin option:not([value=""])').first().getAttribute('value');
      await form.getByLabel('Scrutin concerné (facultatif)').selectOption(ballot);
      await form.getByLabel('Votre réclamation').fill(
        'Mon affectation figure avec une ancienne adresse d\'établissement sur la liste électorale.');
      // The first attempt is lost on the network; sending again must reuse the same key.
      const keys = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api/claims') && r.method() === 'POST') keys.push(r.headers()['idempotency-key'] || '');
      });
      await page.route('**/api/claims', (route) => route.abort('failed'), { times: 1 });
      await form.getByRole('button', { name: 'Envoyer ma réclamation' }).click();
      await form.locator('.erreur').filter({ hasText: /ne répond pas/ }).waitFor();
      await form.getByRole('button', { name: 'Envoyer ma réclamation' }).click();
      const reference = page.locator('#reclamation-reference');
      await reference.filter({ hasText: /^REC-/ }).waitFor();
      assert(keys.length === 2, `expected 2 claim requests, saw ${keys.length}`);
      assert(/^[A-Za-z0-9_-]{8,64}$/.test(keys[0]), `bad Idempotency-Key header "${keys[0]}"`);
      assert(keys[0] === keys[1], 'the retry used another Idempotency-Key');
      log(`     reference ${await reference.textContent()} (after one lost attempt, same key)`);
      await axe(page, 'réclamation enregistrée');
    });

    await step('logging out returns to the home page and ends the session', async () => {
      await page.getByRole('button', { name: 'Me déconnecter' }).click();
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
      await page.locator('#annonce').filter({ hasText: 'déconnecté' }).waitFor();
      const status = await page.evaluate(async () => (await fetch('/api/session')).status);
      assert(status === 401, `GET /api/session answered ${status} after logout`);
    });

    await step('the saved password opens a new session', async () => {
      const form = page.locator('#form-connexion');
      await form.getByLabel(/Identifiant/).fill(identifier);
      await form.getByLabel('Mot de passe Élections').fill(password);
      await form.getByRole('button', { name: 'Me connecter' }).click();
      await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
      await page.locator('#statut-compte').filter({ hasText: 'Votre compte est activé' }).waitFor();
      await page.locator('#scrutins article.scrutin').first().waitFor();
      const connections = await page.locator('#connexions li.connexion').allTextContents();
      assert(/Connexion réussie/.test(connections[0] || ''), `newest connection "${connections[0]}"`);
      assert(connections.some((c) => /Espace activé/.test(c)), `activation not listed: ${connections}`);
    });

    await step('the assistance form with a session asks no identifier and ties the request to the account', async () => {
      await page.locator('.liens-pratiques').getByRole('link', { name: "Formulaire de demande d'assistance" }).click();
      await page.getByRole('heading', { level: 1, name: "Formulaire de demande d'assistance" }).waitFor();
      await page.locator('#assistance-connecte').filter({ hasText: 'rattachée à votre compte' }).waitFor();
      assert(await page.locator('#assistance-champ-identifiant').isHidden(), 'the identifier is asked with a session');
      await axe(page, "demande d'assistance, connecté");
      const form = page.locator('#form-assistance');
      await form.getByLabel('Objet de la demande').selectOption('mes_scrutins');
      await form.getByLabel('Votre message').fill('Un scrutin de mon corps manque dans « Mes scrutins ».');
      const bodies = [];
      const onRequest = (r) => { if (r.url().endsWith('/api/assistance')) bodies.push(r.postDataJSON()); };
      page.on('request', onRequest);
      await form.getByRole('button', { name: 'Envoyer ma demande' }).click();
      const reference = page.locator('#assistance-reference');
      await reference.filter({ hasText: /^AS-[A-Z2-9]{10}$/ }).waitFor();
      page.off('request', onRequest);
      assert(bodies.length === 1 && !('identifier' in bodies[0]), `sent ${JSON.stringify(bodies)}`);
      log(`     reference ${await reference.textContent()} with a session`);
      await page.goto(API + '/');
      await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
      await page.locator('#scrutins article.scrutin').first().waitFor();
    });

    await step('a claim typed when the session ended is filed after a new login, with the same key', async () => {
      const form = page.locator('#form-reclamation');
      await form.getByLabel('Objet de la réclamation').selectOption('acces_portail');
      const text = `Réclamation gardée pendant la reconnexion ${randomBytes(3).toString('hex')}.`;
      await form.getByLabel('Votre réclamation').fill(text);
      const keys = [];
      const onRequest = (r) => {
        if (r.url().endsWith('/api/claims') && r.method() === 'POST') keys.push(r.headers()['idempotency-key'] || '');
      };
      page.on('request', onRequest);
      await context.clearCookies(); // the session ends while the voter types
      await form.getByRole('button', { name: 'Envoyer ma réclamation' }).click();
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
      await page.locator('#annonce').filter({ hasText: 'réclamation est conservée' }).waitFor();
      const kept = await page.evaluate(() => window.sessionStorage.getItem('reclamation-en-attente'));
      assert(kept && JSON.parse(kept).text === text, 'the claim is not kept in the tab');
      const stored = await page.evaluate(() => window.localStorage.length);
      assert(stored === 0, 'something was written to localStorage');
      const login = page.locator('#form-connexion');
      await login.getByLabel(/Identifiant/).fill(identifier);
      await login.getByLabel('Mot de passe Élections').fill(password);
      await login.getByRole('button', { name: 'Me connecter' }).click();
      const reference = page.locator('#reclamation-reference');
      await reference.filter({ hasText: /^REC-/ }).waitFor();
      page.off('request', onRequest);
      assert(keys.length === 2, `expected 2 claim requests, saw ${keys.length}`);
      assert(keys[0] && keys[0] === keys[1], `the claim was filed with another key: ${keys.join(' / ')}`);
      const left = await page.evaluate(() => window.sessionStorage.getItem('reclamation-en-attente'));
      assert(left === null, 'the filed claim is still kept in the tab');
      log(`     reference ${await reference.textContent()} after a new login, same key`);
      await page.getByRole('button', { name: 'Me déconnecter' }).click();
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
    });

    await step('the worker builds a nine-choice ballot of the shared vectors in the browser, timed', async () => {
      // The record of vote/vectors/v1.json (a scrutin of 8 lists and blank), in the portal's own
      // worker: the time of the first ballot (a fresh worker) and the median of five more.
      const vectors = JSON.parse(await readFile(path.join(ROOT, 'vote', 'vectors', 'v1.json'), 'utf8'));
      const widest = JSON.parse(vectors.record).scrutins.reduce((a, b) => (b.choices.length > a.choices.length ? b : a));
      const code = vectors.ballots[0].code;
      const times = await page.evaluate(async ({ record, fingerprint, scrutin, choice, code }) => {
        const worker = new Worker('/assets/vote-worker.js', { type: 'module' });
        const ask = (id) => new Promise((resolve) => {
          const onMessage = (event) => {
            if (event.data.id !== id || event.data.type !== 'done') return;
            worker.removeEventListener('message', onMessage);
            resolve(event.data);
          };
          worker.addEventListener('message', onMessage);
          worker.postMessage({ id, type: 'ballot', record, fingerprint, scrutin, choice, code });
        });
        const out = [];
        for (let id = 1; id <= 6; id++) {
          const started = performance.now();
          const reply = await ask(id);
          if (!reply.ok) return { error: reply.kind };
          out.push(performance.now() - started);
        }
        worker.terminate();
        return { out };
      }, { record: vectors.record, fingerprint: vectors.fingerprint, scrutin: widest.id, choice: widest.choices[2], code });
      assert(!times.error, `the worker refused: ${times.error}`);
      const [first, ...rest] = times.out;
      const median = rest.slice().sort((a, b) => a - b)[Math.floor(rest.length / 2)];
      log(`     ${widest.choices.length} choices: first ballot ${first.toFixed(1)} ms (a fresh worker), then median `
        + `${median.toFixed(1)} ms of ${rest.length} (performance.now() around the worker call)`);
      assert(first < 3000 && median < 1000, `too slow: ${first} ms, then ${median} ms`);
    });

    const noticesFile = process.env.VOTE_NOTICES_FILE;
    const cast = [];
    let putCalendarBack = null;
    if (!noticesFile) {
      await step('the vote (skipped: VOTE_NOTICES_FILE names no notices file)', async () => {
        log('     skipped: set VOTE_NOTICES_FILE to the notices written by electeur-codes');
      });
    } else {
      const code = await step('the voter has a voting code in the notices file, and the vote is open', async () => {
        const found = await votingCode(noticesFile, identifier);
        assert(found, `no notice for ${identifier} in ${noticesFile}`);
        if (process.env.VOTE_OPEN_COMMAND) {
          await runCommand(process.env.VOTE_OPEN_COMMAND, 'VOTE_OPEN_COMMAND');
        } else if ((await voteElection() || {}).state === 'before') {
          putCalendarBack = await openVotingWindow();
          log('     the voting window opened now with electeur-admin calendar set (put back afterwards)');
        }
        const election = await voteElection();
        assert(election, 'GET /api/vote/election does not answer');
        assert(['open', 'grace'].includes(election.state), `the vote is "${election.state}", not open`);
        return found;
      });

      await step('the voter logs in again during the voting window', async () => {
        await page.goto(API + '/');
        const login = page.locator('#form-connexion');
        await login.getByLabel(/Identifiant/).fill(identifier);
        await login.getByLabel('Mot de passe Élections').fill(password);
        await login.getByRole('button', { name: 'Me connecter' }).click();
        await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
      });

      await step('a record that is not the one announced builds no ballot', async () => {
        // the record as served, one byte longer: its SHA-256 is no longer the fingerprint
        await page.route('**/api/vote/election', async (route) => {
          const response = await route.fetch();
          const election = await response.json();
          election.record += ' ';
          await route.fulfill({ response, json: election });
        });
        try {
          await page.goto(API + '/');
          await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
          await page.locator('#vote-erreur').filter({ hasText: 'ne correspond pas à son empreinte' }).waitFor();
          assert(await page.locator('#vote-scrutins').getByRole('button', { name: 'Voter' }).count() === 0,
            'a "Voter" button is offered over a record with another fingerprint');
        } finally {
          await page.unroute('**/api/vote/election');
        }
        await page.goto(API + '/');
        await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
      });

      await step('the welcome page offers "Voter" for each of the voter\'s scrutins', async () => {
        const block = page.locator('#bloc-vote');
        await block.getByRole('heading', { level: 2, name: 'Voter' }).waitFor();
        await block.locator('#vote-periode').filter({ hasText: 'Le vote électronique est ouvert' }).waitFor();
        const items = block.locator('#vote-scrutins li.vote-scrutin');
        await items.first().getByRole('button', { name: 'Voter' }).waitFor();
        assert(await block.locator('.a-vote').count() === 0, 'a scrutin already shows "A voté"');
        log(`     ${await items.count()} scrutin(s) to vote in`);
        await axe(page, 'portail, vote ouvert');
        await reflowsAt320(page, 'portail, vote ouvert');
      });

      const count = (await page.locator('#vote-scrutins li.vote-scrutin').count().catch(() => 0)) || 0;
      for (let index = 0; index < count && !blocked; index++) {
        const item = page.locator('#vote-scrutins li.vote-scrutin').nth(index);
        const name = ((await item.locator('.vote-nom').textContent().catch(() => '')) || '').trim();
        await step(`a vote in "${name}": the tracker before the definitive validation, then the receipt`, async () => {
          await item.getByRole('button', { name: 'Voter' }).click();
          await page.getByRole('heading', { level: 1, name: `Voter – ${name}` }).waitFor();
          const form = page.locator('#form-vote');
          const options = form.locator('#vote-options input[type="radio"]');
          const choices = await options.count();
          assert(choices >= 2, `${choices} choice(s) offered`);
          assert(await form.getByLabel('Vote blanc').count() === 1, 'no "Vote blanc" choice');
          // nothing chosen, then a code too short: each error next to its field, which gets the focus
          await form.getByRole('button', { name: 'Préparer mon bulletin' }).click();
          await form.locator('#vote-choix-erreur').filter({ hasText: 'Choisissez' }).waitFor();
          assert(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'vote-choix',
            'the focus is not on the choices after "no choice"');
          // the first scrutin gets a list, the others blank
          const chosen = index === 0 ? options.nth(Math.min(1, choices - 2)) : form.getByLabel('Vote blanc');
          await chosen.check();
          const label = (await form.locator(`label[for="${await chosen.getAttribute('id')}"]`).textContent()).trim();
          await form.getByLabel('Code de vote').fill('ABCD-EFGH');
          await form.getByRole('button', { name: 'Préparer mon bulletin' }).click();
          await form.locator('#vote-code-erreur').filter({ hasText: '16' }).waitFor();
          assert(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'vote-code',
            'the focus is not on the code after a wrong code');
          await axe(page, `vote, erreurs (${name})`);
          await reflowsAt320(page, `vote (${name})`);
          // the ballot, built in the worker
          await form.getByLabel('Code de vote').fill(code);
          await form.getByRole('button', { name: 'Préparer mon bulletin' }).click();
          const confirmation = page.locator('#vote-confirmation');
          await confirmation.getByRole('heading', { name: 'Vérifiez votre bulletin avant de le valider' }).waitFor();
          const tracker = (await page.locator('#vote-empreinte').textContent()).trim();
          assert(/^[A-Za-z0-9_-]{43}$/.test(tracker), `tracker "${tracker}"`);
          assert((await page.locator('#vote-resume-choix').textContent()).trim() === label,
            `the summary does not name the choice "${label}"`);
          const ms = Number(await confirmation.getAttribute('data-chiffrement-ms'));
          await axe(page, `vote, empreinte avant validation (${name})`);
          await reflowsAt320(page, `vote, empreinte avant validation (${name})`);
          // the definitive validation; the first one is lost on the network once, and sent again
          // with the same key and the same ballot
          const sent = [];
          const onRequest = (r) => {
            if (new URL(r.url()).pathname === '/api/vote' && r.method() === 'POST') {
              sent.push({ key: r.headers()['idempotency-key'] || '', body: r.postData() || '' });
            }
          };
          page.on('request', onRequest);
          if (index === 0) await page.route('**/api/vote', (route) => route.abort('failed'), { times: 1 });
          await confirmation.getByRole('button', { name: 'Valider définitivement mon vote' }).click();
          await page.getByRole('heading', { level: 1, name: 'Votre vote est enregistré' }).waitFor();
          page.off('request', onRequest);
          assert(sent.length === (index === 0 ? 2 : 1), `POST /api/vote sent ${sent.length} time(s)`);
          assert(sent.every((s) => s.key && s.key === sent[0].key && s.body === sent[0].body),
            'the ballot was sent again with another key or another body');
          const body = JSON.parse(sent[0].body);
          assert(!JSON.stringify(body).includes(code.replace(/-/g, '')), 'the voting code left the browser');
          assert((await page.locator('#recu-scrutin').textContent()).trim() === name, 'the receipt names another scrutin');
          assert((await page.locator('#recu-empreinte').textContent()).trim() === tracker,
            'the receipt shows another tracker than the one shown before the validation');
          assert(/^[0-9a-f]{64}$/.test((await page.locator('#recu-dossier').textContent()).trim()), 'no record fingerprint');
          assert(await page.getByRole('button', { name: 'Imprimer l\'accusé' }).isVisible(), 'no print button');
          const link = await page.getByRole('link', { name: 'Retrouver mon bulletin dans l\'urne' }).getAttribute('href');
          await axe(page, `accusé de vote (${name})`);
          await reflowsAt320(page, `accusé de vote (${name})`);
          cast.push({ name, scrutin: body.ballot.scrutin, tracker, choices, ms, link });
          log(`     ${choices} choices, "${label}", tracker ${tracker}, built in ${ms.toFixed(1)} ms in the worker`);
          await page.getByRole('button', { name: 'Retour à mon portail' }).click();
          await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
          await page.locator('#vote-scrutins li.vote-scrutin').nth(index).locator('.a-vote')
            .filter({ hasText: 'A voté' }).waitFor();
        });
      }

      await step('every scrutin shows "A voté", and the browser\'s encryption time is printed', async () => {
        assert(cast.length === count && count > 0, `${cast.length} vote(s) cast in ${count} scrutin(s)`);
        assert(await page.locator('#vote-scrutins').getByRole('button', { name: 'Voter' }).count() === 0,
          'a "Voter" button is left');
        // for the check after the count (after-count.mjs): the voter finds them again then
        await mkdir(ARTEFACTS, { recursive: true });
        await writeFile(path.join(ARTEFACTS, 'trackers.json'),
          JSON.stringify(cast.map((c) => ({ scrutin: c.scrutin, name: c.name, tracker: c.tracker })), null, 2));
        const widest = cast.reduce((a, b) => (b.choices > a.choices ? b : a));
        log(`     encryption in the browser (performance.now() around the worker call): ${widest.ms.toFixed(1)} ms `
          + `for the ${widest.choices} choices of "${widest.name}"; all: `
          + cast.map((c) => `${c.choices} choices ${c.ms.toFixed(1)} ms`).join(', '));
      });

      await step('each tracker is found on the public board /urne', async () => {
        const board = await context.newPage();
        try {
          await board.goto(API + cast[0].link);
          await board.locator('#urne-trouve').filter({ hasText: 'Votre bulletin est dans l\'urne' }).waitFor();
          for (const c of cast) {
            const form = board.locator('#form-urne');
            await form.getByLabel('Scrutin', { exact: true }).selectOption(c.scrutin);
            await form.getByLabel('Empreinte de votre bulletin').fill(c.tracker);
            await form.getByRole('button', { name: 'Rechercher' }).click();
            await board.locator('#urne-trouve').filter({ hasText: c.tracker })
              .filter({ hasText: 'Votre bulletin est dans l\'urne' }).waitFor();
            const article = board.locator('#urne-scrutins article').filter({ has: board.getByRole('heading', { level: 3, name: c.name }) });
            await article.locator('.total-liste').filter({ hasText: /\d+ bulletins? dans l'urne/ }).first().waitFor();
          }
          await board.locator('#urne-verification').filter({ hasText: 'identique à l\'empreinte publiée' }).waitFor();
          await board.getByRole('link', { name: /Télécharger le dossier de l'élection/ }).waitFor();
          await axe(board, 'urne publique, bulletin retrouvé');
          await reflowsAt320(board, 'urne publique, bulletin retrouvé');
        } finally {
          await board.close();
        }
        await page.goto(API + '/');
        await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
        await page.getByRole('button', { name: 'Me déconnecter' }).click();
        await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
      });
    }

    if (putCalendarBack) {
      // whatever happened to the vote, the later stages get the calendar they had
      await putCalendarBack().then(() => log('     calendar put back as it was'), (error) => {
        results.push({ name: 'the calendar is put back', ok: false });
        log(`FAIL the calendar is put back: ${error.message}`);
      });
    }

    await step('ACCÈS SANS ACTIVATION is not greeted as an open space, and its used link says to ask again', async () => {
      if (process.env.DEMO_IDENTIFIER || process.env.DEMO_SEED_COMMAND) {
        log('     skipped: needs a second voter of its own (electeur-admin add-voter)');
        return;
      }
      const other = await addVoterWithAdmin();
      await page.goto(API + '/');
      const sent = Math.floor(Date.now() / 1000) - 2;
      await page.locator('#ouverture-identifiant').fill(other);
      await page.locator('#form-ouverture').getByRole('button', { name: 'Accéder à mon espace électeur' }).click();
      await page.locator('#ouverture-envoyee').filter({ hasText: 'messagerie académique' }).waitFor();
      const link = new URL((await waitForMail(other, sent, '/activation')).link);
      await page.goto(API + link.pathname + link.hash);
      const form = page.locator('#form-mot-de-passe');
      await form.getByLabel('Mot de passe', { exact: true }).fill(password);
      await form.getByLabel('Confirmation du mot de passe').fill(password);
      await form.getByRole('button', { name: 'Valider mon mot de passe' }).click();
      await page.getByRole('button', { name: 'ACCÈS SANS ACTIVATION' }).click();
      await page.getByRole('heading', { level: 1, name: 'Bienvenue sur votre portail Élections' }).waitFor();
      const greeting = page.locator('#surtitre');
      await greeting.filter({ hasText: 'Accès sans activation' }).waitFor();
      assert(!/est ouvert/.test(await greeting.textContent()), 'ACCÈS SANS ACTIVATION is told the space is open');
      await page.locator('#note-entree').filter({ hasText: 'sans avoir activé votre compte' }).waitFor();
      await axe(page, 'portail après ACCÈS SANS ACTIVATION');
      await page.goto(API + link.pathname + link.hash);
      await page.getByRole('heading', { level: 1, name: 'Ce lien ne peut pas être utilisé' }).waitFor();
      await page.locator('#ecran-lien li').filter({ hasText: /ACCÈS SANS ACTIVATION.+nouveau lien/ }).waitFor();
      await page.goto(API + '/');
      await page.getByRole('button', { name: 'Me déconnecter' }).click();
      await page.getByRole('heading', { level: 1, name: 'Accéder au portail Élections' }).waitFor();
    });

    await step('no script error and nothing blocked by the content security policy', async () => {
      assert(pageErrors.length === 0, pageErrors.join(' | '));
    });
  } finally {
    journeyPage = null;
    if (context) await context.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
  }

  const clean = axeScreens.filter((s) => s.violations === 0).length;
  log(`axe-core ${JSON.parse(await readFile(createRequire(import.meta.url).resolve('axe-core/package.json'), 'utf8')).version}: `
    + `${axeScreens.length} screen(s) checked, ${clean} with no violation`);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

const watchdog = setTimeout(() => {
  const passed = results.filter((r) => r.ok).length;
  log(`FAIL the journey did not finish within ${Math.round(OVERALL_TIMEOUT_MS / 1000)} s`);
  log(`${passed} passed, ${results.length - passed + 1} failed`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
watchdog.unref();

main().catch((error) => {
  log(`FAIL unexpected error: ${error && error.stack ? error.stack : error}`);
  const passed = results.filter((r) => r.ok).length;
  log(`${passed} passed, ${results.length - passed + 1} failed`);
  process.exit(1);
});
