// Browser homes for model files: a download, a file the user picks, and
// IndexedDB (kept across visits, fine for models of many megabytes, unlike
// localStorage). Each stores the bytes of model.save() and reads them back
// with loadModel, so every check of the file format applies.
import { loadModel } from './model-load.js';

const DB_NAME = 'simdnet-models';
const STORE = 'models';

function checkKey(key) {
  if (typeof key !== 'string' || key === '') throw new Error(`the model's key must be a non-empty string, got ${JSON.stringify(key)}`);
}

function checkModel(model, what) {
  if (typeof model?.save !== 'function') throw new Error(`${what} takes a model made by sn.sequential()`);
}

/** Offers the model as a file download (a page only: it clicks a temporary link). */
export function downloadModel(model, filename = 'model.simdnet', options) {
  checkModel(model, 'downloadModel');
  if (typeof filename !== 'string' || filename === '') throw new Error('downloadModel: filename must be a non-empty string');
  if (typeof document === 'undefined') throw new Error('downloadModel needs a page (document); in Node use simdnet/node saveModelFile');
  const url = URL.createObjectURL(new Blob([model.save(options)], { type: 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0); // after the click has started the download
}

/** A model from a File or Blob, e.g. input.files[0] of an <input type="file">. */
export async function loadModelFromFile(file) {
  if (typeof Blob === 'undefined' || !(file instanceof Blob)) throw new Error('loadModelFromFile takes a File or Blob, e.g. input.files[0]');
  return loadModel(await file.arrayBuffer());
}

/** Runs one request on the model store; resolves with its result. */
function withStore(mode, makeRequest) {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('IndexedDB is not available here'));
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(new Error(`cannot open IndexedDB ${DB_NAME}: ${open.error?.message}`));
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(STORE, mode);
      const request = makeRequest(tx.objectStore(STORE));
      tx.oncomplete = () => {
        db.close();
        resolve(request.result);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        reject(new Error(`IndexedDB ${mode} failed: ${tx.error?.message ?? request.error?.message}`));
      };
    };
  });
}

/** Stores the model's file under key in IndexedDB (replacing what was there). */
export async function saveModelToIndexedDB(model, key, options) {
  checkModel(model, 'saveModelToIndexedDB');
  checkKey(key);
  const bytes = model.save(options);
  await withStore('readwrite', (store) => store.put(bytes, key));
}

/** The model stored under key; an Error when there is none. */
export async function loadModelFromIndexedDB(key) {
  checkKey(key);
  const bytes = await withStore('readonly', (store) => store.get(key));
  if (bytes === undefined) throw new Error(`no model is stored in IndexedDB under ${JSON.stringify(key)}`);
  return loadModel(bytes);
}

/** The keys of the stored models. */
export const listIndexedDBModels = () => withStore('readonly', (store) => store.getAllKeys());

/** Removes the model stored under key (nothing happens when there is none). */
export async function deleteModelFromIndexedDB(key) {
  checkKey(key);
  await withStore('readwrite', (store) => store.delete(key));
}
