// The simdnet entry for where the shared test code runs: the Node entry
// (web/index.js, which reads the .wasm from disk) in Node, the browser entry in
// a page or Worker, which must not meet Node's modules.
export const sn = await import(globalThis.process?.versions?.node ? '../../web/index.js' : '../../web/browser.js');
