// The browsers every browser test runs in, each with a fresh profile: Debian's
// chromium through playwright-core, and Debian's firefox-esr through
// puppeteer-core over WebDriver BiDi (`bash build.sh --for-tests` installs both;
// nothing is downloaded). Pages of both have the subset of Playwright's Page
// API the tests use, so a test is written once and run in each browser under
// a name that says which.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

const EXECUTABLES = { chromium: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' };
export const BROWSERS = Object.keys(EXECUTABLES);
/** A test's `skip` option: false when the browser is installed, else why it is skipped. */
export const skipWithout = (name) => !existsSync(EXECUTABLES[name]) && `${EXECUTABLES[name]} is not installed (bash build.sh --for-tests installs it)`;

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WAIT_MS = 120000;

/**
 * Starts `name` with a fresh profile: { name, newPage(), close() }. Pages
 * collect page errors and console errors in page.errors; initScript runs in
 * every page before its own scripts; downloads are saved without asking.
 * firefoxPrefs and chromiumFlags are added to the browser's own (a fake camera, say).
 */
export async function launch(name, { viewport = { width: 1280, height: 900 }, initScript, firefoxPrefs = {}, chromiumFlags = [] } = {}) {
  const profile = mkdtempSync(join(tmpdir(), `simdnet-${name}-`));
  const downloads = join(profile, 'downloads');
  let browser;
  try {
    browser = name === 'chromium' ? await launchChromium(profile, viewport, chromiumFlags) : await launchFirefox(profile, viewport, downloads, firefoxPrefs);
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    name,
    async newPage() {
      const page = await browser.newPage(initScript);
      page.errors = [];
      page.on('pageerror', (err) => page.errors.push(err.message));
      page.on('console', (msg) => msg.type() === 'error' && page.errors.push(msg.text()));
      return page;
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function launchChromium(profile, viewport, flags) {
  const context = await chromium.launchPersistentContext(join(profile, 'chromium'), {
    executablePath: EXECUTABLES.chromium, headless: true, args: [...CHROMIUM_FLAGS, ...flags], viewport, acceptDownloads: true,
  });
  return {
    async newPage(initScript) {
      const page = await context.newPage();
      if (initScript) await page.addInitScript(initScript);
      page.setDefaultTimeout(WAIT_MS);
      return page;
    },
    close: () => context.close(),
  };
}

async function launchFirefox(profile, viewport, downloads, prefs) {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: EXECUTABLES.firefox, headless: true, userDataDir: join(profile, 'firefox'), defaultViewport: viewport,
    extraPrefsFirefox: {
      'browser.download.folderList': 2, 'browser.download.dir': downloads, 'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false, 'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream',
      ...prefs,
    },
  });
  return {
    async newPage(initScript) {
      const page = await browser.newPage();
      if (initScript) await page.evaluateOnNewDocument(initScript);
      page.setDefaultTimeout(WAIT_MS);
      return playwrightLike(page, downloads);
    },
    close: () => browser.close(),
  };
}

/**
 * page.evaluate(fn, arg) for Firefox: fn runs on the page as a job whose result
 * is polled for, instead of one WebDriver BiDi call awaiting its promise. Such a
 * call, awaiting a promise that waits on Workers, sometimes never returned
 * (Firefox ESR 153, puppeteer-core 24) although the page had finished.
 */
async function evaluateByPolling(page, fn, arg) {
  const id = await page.evaluate((source, value) => {
    const jobs = (window.__simdnetJobs ??= []);
    const job = { done: false };
    jobs.push(job);
    Promise.resolve()
      .then(() => (0, eval)(`(${source})`)(value))
      .then((result) => Object.assign(job, { done: true, result }), (err) => Object.assign(job, { done: true, error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) }));
    return jobs.length - 1;
  }, fn.toString(), arg);
  await page.waitForFunction((i) => window.__simdnetJobs[i].done, { timeout: WAIT_MS, polling: 100 }, id);
  const job = await page.evaluate((i) => window.__simdnetJobs[i], id);
  if ('error' in job) throw new Error(`in the page: ${job.error}`);
  return job.result;
}

/** A puppeteer page with the Playwright methods the tests call. */
function playwrightLike(page, downloads) {
  const element = async (selector) => {
    const handle = await page.$(selector);
    if (!handle) throw new Error(`no element matches ${selector}`);
    return handle;
  };
  return {
    on: (event, fn) => page.on(event, fn),
    goto: (url) => page.goto(url),
    evaluate: (fn, arg) => evaluateByPolling(page, fn, arg),
    waitForFunction: (fn, arg, { timeout = WAIT_MS } = {}) => page.waitForFunction(fn, { timeout, polling: 50 }, arg),
    locator: (selector) => ({
      count: () => page.$$eval(selector, (els) => els.length),
      scrollIntoViewIfNeeded: async () => (await element(selector)).scrollIntoView(),
      boundingBox: async () => (await element(selector)).boundingBox(),
    }),
    fill: (selector, value) => page.locator(selector).fill(value),
    selectOption: (selector, value) => page.select(selector, value),
    click: (selector) => page.click(selector),
    textContent: (selector) => page.$eval(selector, (el) => el.textContent),
    mouse: page.mouse,
    screenshot: (options) => page.screenshot(options),
    setInputFiles: async (selector, paths) => (await element(selector)).uploadFile(...[paths].flat()),
    /** 'download': resolves when a new file is complete in the profile's download folder. */
    async waitForEvent(event, { timeout = WAIT_MS } = {}) {
      if (event !== 'download') throw new Error(`waitForEvent(${event}) is not supported for Firefox here`);
      const before = new Set(existsSync(downloads) ? readdirSync(downloads) : []);
      const start = Date.now();
      for (;;) {
        const files = existsSync(downloads) ? readdirSync(downloads).filter((f) => !before.has(f)) : [];
        const done = files.find((f) => !f.endsWith('.part') && !files.includes(`${f}.part`) && statSync(join(downloads, f)).size > 0);
        if (done) return { path: async () => join(downloads, done), suggestedFilename: () => done };
        if (Date.now() - start > timeout) throw new Error(`no download arrived in ${timeout} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => page.close(),
  };
}

/**
 * Opens url in a fresh profile of `name` and runs fn(page, errors), where errors
 * collects page errors and console errors; closes and deletes the profile after.
 */
export async function withPage(name, url, fn) {
  const browser = await launch(name);
  try {
    const page = await browser.newPage();
    await page.goto(url);
    return await fn(page, page.errors);
  } finally {
    await browser.close();
  }
}

/**
 * Waits until #id's text is no longer 'running' and returns it. Polled from
 * here rather than with waitForFunction, so that a page that never finishes
 * fails with what it shows and what its console said.
 */
export async function finalText(page, id = 'out', waitMs = WAIT_MS) {
  const start = Date.now();
  for (;;) {
    const text = await page.textContent(`#${id}`);
    if (text !== 'running') return text;
    if (Date.now() - start > waitMs) {
      const state = await page.evaluate(() => ({ title: document.title, visibility: document.visibilityState }));
      throw new Error(`#${id} still says "running" after ${waitMs / 1000} s (page: ${JSON.stringify(state)}); console errors: ${JSON.stringify(page.errors ?? [])}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
