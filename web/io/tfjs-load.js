// sn.loadTfjsModel(url): a TF.js layers model (model.json and the weight files
// its manifest lists, beside it) fetched over HTTP in a page or a Worker, and
// imported by sn.fromTfjs (web/io/tfjs.js), quantized and sharded weights
// included. As TF.js' own loader (tfjs-core/src/io/http.ts, 4.22): each file
// path is relative to model.json's URL and gets model.json's query string
// (a signed URL's, TF Hub's ?tfjs-format=file); the options requestInit and
// fetchFunc are TF.js' LoadOptions of those names (io/types.ts). In Node,
// fetch reads http(s) URLs only: simdnet/node's loadTfjsFiles reads files.
import { checkOptions } from '../core/names.js';
import { fromTfjs } from './tfjs.js';

const loadError = (why) => new Error(`loadTfjsModel: ${why}`);

/** The response to url, checked: an Error names the URL and the HTTP status. */
async function fetchOk(fetchFunc, url, requestInit) {
  let response;
  try {
    response = await fetchFunc(url.href, requestInit);
  } catch (err) {
    const hint = url.protocol === 'file:' && globalThis.process?.versions?.node ? '; in Node, read files with loadTfjsFiles from simdnet/node' : '';
    throw loadError(`cannot fetch ${url.href} (${typeof err?.message === 'string' ? err.message : String(err)})${hint}`);
  }
  if (!response?.ok) throw loadError(`cannot fetch ${url.href}: HTTP ${response?.status} ${response?.statusText ?? ''}`.trimEnd());
  return response;
}

/**
 * Fetches model.json at url (absolute, or relative to the page or Worker) and
 * its weight files, and returns the model from sn.fromTfjs. options: seed (as
 * fromTfjs), requestInit (given to every fetch: headers, credentials),
 * fetchFunc (instead of the global fetch).
 */
export async function loadTfjsModel(url, options = {}) {
  const { seed, requestInit, fetchFunc = globalThis.fetch?.bind(globalThis) } = checkOptions('loadTfjsModel', options, ['seed', 'requestInit', 'fetchFunc']);
  if (typeof url !== 'string' && !(url instanceof URL)) throw loadError(`url must be a string or a URL, got ${url === null ? 'null' : typeof url}`);
  if (typeof fetchFunc !== 'function') throw loadError('there is no fetch here: pass options.fetchFunc');
  let base;
  try {
    base = new URL(url, globalThis.location?.href);
  } catch {
    throw loadError(`${JSON.stringify(String(url))} is not a URL${globalThis.location ? '' : ' (here, with no page, it must be absolute)'}`);
  }
  const response = await fetchOk(fetchFunc, base, requestInit);
  let modelJson;
  try {
    modelJson = JSON.parse(await response.text());
  } catch (err) {
    throw loadError(`${base.href} is not a model.json (${err.message})`);
  }
  const weights = async (path) => {
    const file = new URL(path, base);
    if (!file.search) file.search = base.search;
    return new Uint8Array(await (await fetchOk(fetchFunc, file, requestInit)).arrayBuffer());
  };
  return fromTfjs(modelJson, weights, seed === undefined ? undefined : { seed });
}
