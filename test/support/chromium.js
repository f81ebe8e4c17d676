// Debian's chromium, headless, through playwright-core (no browser download),
// for the browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Opens url in a fresh headless chromium profile and returns the text of #out once it is final. */
export async function pageResult(url) {
  const profile = mkdtempSync(join(tmpdir(), 'simdnet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('out').textContent !== 'running', null, { timeout: 60000 });
    return { text: await page.textContent('#out'), errors };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
