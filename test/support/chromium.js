// Debian's chromium through playwright-core, as test/support/browsers.js
// drives it (kept for tests that run in Chromium only).
import { finalText, skipWithout, withPage as withBrowserPage } from './browsers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const skipWithoutChromium = skipWithout('chromium');
export { finalText };

/** Opens url in a fresh headless chromium profile and runs fn(page, errors). */
export const withPage = (url, fn) => withBrowserPage('chromium', url, fn);
