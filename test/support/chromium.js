// Debian's chromium through playwright-core, as every browser test drives it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const skipWithoutChromium = !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Opens url in a fresh headless profile and runs fn(page, errors), where errors
 * collects page errors and console errors; closes and deletes the profile after.
 */
export async function withPage(url, fn) {
  const profile = mkdtempSync(join(tmpdir(), 'simdnet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    await page.goto(url);
    return await fn(page, errors);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Waits until #id's text is no longer 'running' and returns it. */
export async function finalText(page, id = 'out') {
  await page.waitForFunction((el) => document.getElementById(el).textContent !== 'running', id, { timeout: 60000 });
  return page.textContent(`#${id}`);
}
