// Types of the browser entry (web/browser.js): the same API as web/index.d.ts.
export * from './index.js';
