// What Node has and a browser does not, given to the rest of the wrapper by
// simdnet's Node entry (web/index.js, through web/core/node-platform.js). The
// browser entry (web/browser.js) and everything it imports never name a Node
// module, so bundlers and browsers meet no `node:` specifier: without the Node
// entry these stay null and the browser's ways are used (fetch,
// module Workers, DecompressionStream).
export const platform = {
  /** (url: URL) => Promise<Uint8Array>: reads a file: URL. */
  readFile: null,
  /** () => string: the base of relative paths given as strings (Node: the working folder); a browser uses its location. */
  baseUrl: null,
  /** (message) => Promise<{ terminate() }>: starts a helper thread of the threaded build. */
  startThreadWorker: null,
  /** (bytes: Uint8Array) => Promise<Uint8Array>: gunzip. */
  gunzip: null,
};

/** Called once by the Node entry. */
export function setPlatform(node) {
  Object.assign(platform, node);
}

/** Where relative URLs and paths given to the library resolve: the page's or worker's location, or Node's working folder. */
export const baseUrl = () => platform.baseUrl?.() ?? globalThis.location?.href;
