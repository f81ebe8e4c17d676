// Loads and instantiates simdnet.wasm ourselves (no Emscripten JS glue), in
// Node, a browser page, a Web Worker or a bundler, and gives the rest of the
// wrapper small helpers to move memory across the boundary.
//
// Memory rules: wasm memory can grow during any call into the module, which
// detaches every view onto the old `memory.buffer`. So views are made on demand
// (f32(), f64(), i32()) right before use and never kept across a wasm call.

import { FEATURE } from '../../dist/constants.js';
import { baseUrl, platform } from './platform.js';
import { defaultThreads, instantiateThreaded } from '../worker/threads.js';

// The default modules, next to the package. Written `new URL('…/x.wasm', import.meta.url)`,
// which bundlers (Vite, webpack) see and emit as assets.
const DEFAULT_WASM_URL = new URL('../../dist/simdnet.wasm', import.meta.url);
const DEFAULT_THREADED_URL = new URL('../../dist/simdnet-mt.wasm', import.meta.url);
const DEFAULT_RELAXED_URL = new URL('../../dist/simdnet-relaxed.wasm', import.meta.url);
const DEFAULT_RELAXED_THREADED_URL = new URL('../../dist/simdnet-relaxed-mt.wasm', import.meta.url);

let instance = null;
let memory = null; // the module's memory (exported, or imported by the threaded build)
let threadCount = 1;
let moduleName = null; // which build runs, for features()
let loading = null;
let given = {}; // the options ready() was called with (createTrainer passes their URLs to its worker)

/** The module's exports; throws when `ready()` has not finished. */
export function wasm() {
  if (!instance) throw new Error('simdnet is not ready: await sn.ready() before using it');
  return instance.exports;
}

/**
 * Instantiates the .wasm once; later calls return the same promise.
 * @param {{ wasm?: URL|string|ArrayBuffer|ArrayBufferView|WebAssembly.Module,
 *   wasmThreads?: URL|string|ArrayBuffer|ArrayBufferView|WebAssembly.Module, threads?: number,
 *   relaxedSimd?: boolean, wasmRelaxed?: URL|string|ArrayBuffer|ArrayBufferView|WebAssembly.Module,
 *   wasmRelaxedThreads?: URL|string|ArrayBuffer|ArrayBufferView|WebAssembly.Module }} [options]
 *   wasm: where to find the module when it is not next to this file (for bundlers, CDNs, tests;
 *   a relative string resolves against the page, the worker or Node's working folder);
 *   threads: how many threads train (default: every core, at most 8, in a cross-origin-isolated
 *   page or worker, else 1); above 1 it loads wasmThreads (default dist/simdnet-mt.wasm, built by
 *   `bash build.sh --threads`) and falls back to the single-threaded module when that fails.
 *   relaxedSimd: true loads the relaxed-SIMD build (wasmRelaxed / wasmRelaxedThreads) where the
 *   engine validates f32x4.relaxed_madd, else the default one; see modulesToTry().
 */
export function ready(options = {}) {
  if (typeof options !== 'object' || options === null) throw new Error(`ready takes { wasm } or nothing, got ${JSON.stringify(options)}`);
  if (!loading) {
    given = options;
    loading = instantiate(options).catch((err) => {
      loading = null; // a later call may try again, e.g. with another URL
      throw err;
    });
  }
  return loading;
}

/** What ready() was given as `key` ('wasm', 'wasmThreads', …) and `relaxedSimd`, where a worker can load it too: URLs as strings. */
export function givenSources() {
  const sources = {};
  for (const key of ['wasm', 'wasmThreads', 'wasmRelaxed', 'wasmRelaxedThreads']) {
    const source = given[key];
    if (typeof source === 'string' || source instanceof URL) sources[key] = new URL(String(source), baseUrl()).href;
  }
  if (typeof given.relaxedSimd === 'boolean') sources.relaxedSimd = given.relaxedSimd;
  return sources;
}

async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  const url = new URL(String(source), baseUrl());
  if (url.protocol === 'file:') {
    if (!platform.readFile)
      throw new Error(`simdnet: cannot read ${url} here: in Node, import simdnet's Node entry ('simdnet', or web/index.js), which reads files`);
    return WebAssembly.compile(await platform.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`simdnet: cannot load ${url}: HTTP ${response.status} (where your bundler or server put the .wasm, pass it as ready({ wasm }))`);
  return WebAssembly.compile(await response.arrayBuffer());
}

const imports = { emscripten_notify_memory_growth() {} }; // views are made on demand anyway

// The smallest module using f32x4.relaxed_madd (its final opcode, 0xfd 0x105):
// (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // types: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // its code
]);

/**
 * The builds to try, best first, each falling back to the next: threads when
 * asked for (they pay most), relaxed SIMD when asked for and the engine
 * validates it (Chromium 114+, Firefox; Node 20 only with
 * --experimental-wasm-relaxed-simd), the default module last. Another build
 * plugs in here: one more entry before the one it falls back to (and its
 * file in package.json's exports and files).
 */
function modulesToTry(options, threads) {
  const relaxed = options.relaxedSimd === true && WebAssembly.validate(RELAXED_SIMD_PROBE);
  const builds = [];
  if (threads > 1 && relaxed) builds.push({ name: 'simdnet-relaxed-mt.wasm', source: options.wasmRelaxedThreads ?? DEFAULT_RELAXED_THREADED_URL, threads });
  if (threads > 1) builds.push({ name: 'simdnet-mt.wasm', source: options.wasmThreads ?? DEFAULT_THREADED_URL, threads });
  if (relaxed) builds.push({ name: 'simdnet-relaxed.wasm', source: options.wasmRelaxed ?? DEFAULT_RELAXED_URL, threads: 1 });
  builds.push({ name: 'simdnet.wasm', source: options.wasm ?? DEFAULT_WASM_URL, threads: 1 });
  return builds;
}

async function instantiate(options) {
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a whole number >= 1, got ${threads}`);
  if (options.relaxedSimd !== undefined && typeof options.relaxedSimd !== 'boolean') throw new Error(`relaxedSimd must be true or false, got ${JSON.stringify(options.relaxedSimd)}`);
  const builds = modulesToTry(options, threads);
  for (const build of builds) {
    try {
      const module = await compile(build.source);
      if (build.threads > 1) {
        ({ instance, memory } = await instantiateThreaded(module, build.threads, imports));
      } else {
        instance = await WebAssembly.instantiate(module, { env: imports });
        instance.exports._initialize(); // runs the C library's constructors (standalone wasm "reactor")
        memory = instance.exports.memory;
      }
      threadCount = build.threads;
      moduleName = build.name;
      return;
    } catch (err) {
      // no shared memory, no Workers, no such build or no relaxed SIMD: the next one
      instance = null;
      if (build === builds.at(-1)) throw err;
    }
  }
}

/** Threads that train: 1, or the threads of the threaded build when ready() started it. */
export function threads() {
  wasm();
  return threadCount;
}

/** Which build runs and what it uses, as the module itself reports (c/wasm_build.c). */
export function features() {
  const bits = wasm().sn_build_features();
  return { module: moduleName, threads: threadCount, relaxedSimd: (bits & FEATURE.RELAXED_SIMD) !== 0, simd: (bits & FEATURE.SIMD) !== 0 };
}

/** The memory's buffer now; throws when ready() has not finished. */
function buffer() {
  wasm();
  return memory.buffer;
}

/** Fresh views of wasm memory; valid only until the next call into wasm. */
export const f32 = (ptr, n) => new Float32Array(buffer(), ptr, n);
export const f64 = (ptr, n) => new Float64Array(buffer(), ptr, n);
export const u8 = (ptr, n) => new Uint8Array(buffer(), ptr, n);
export const i32 = (ptr, n) => new Int32Array(buffer(), ptr, n);

/** A NUL-terminated string C owns (a weight's name), as a JavaScript string. */
export function cString(ptr) {
  const bytes = new Uint8Array(buffer(), ptr);
  return new TextDecoder().decode(bytes.slice(0, bytes.indexOf(0))); // a copy: browsers' TextDecoder refuses the threaded build's shared memory
}

/** Bytes of wasm memory now, for leak checks. */
export const memoryBytes = () => buffer().byteLength;

/** Bytes of the C heap in use now (allocated and not freed), for leak checks. */
export const heapBytes = () => wasm().sn_heap_used();

/** The largest count C takes (an int): batch sizes are checked against it before the call. */
export const MAX_INT = 2 ** 31 - 1;

/** wasm32's address space, which -sMAXIMUM_MEMORY=4GB lets memory fill. */
export const MAX_WASM_BYTES = 2 ** 32;

export const formatBytes = (bytes) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${Math.ceil(bytes / 2 ** 20)} MB`);

/**
 * malloc that throws a clear Error instead of returning 0. The caller owns the
 * pointer and must pass it to free() (use withBuffers to make that automatic).
 */
export function malloc(bytes) {
  // malloc takes a 32-bit size: a larger request would wrap around to a small buffer.
  if (!(bytes < MAX_WASM_BYTES)) throw new Error(`simdnet: out of wasm memory: ${formatBytes(bytes)} asked for, wasm memory holds at most 4 GB`);
  const ptr = wasm().malloc(Math.max(bytes, 1));
  if (!ptr) throw new Error(`simdnet: out of wasm memory allocating ${bytes} bytes`);
  return ptr;
}

/** Copies a Float32Array (or an Int32Array: ids C reads as int) into freshly allocated wasm memory; the caller frees it. */
export function copyIn(values) {
  const ptr = malloc(values.length * 4);
  (values instanceof Int32Array ? i32 : f32)(ptr, values.length).set(values);
  return ptr;
}

/**
 * A set of wasm allocations freed together. alloc(values) copies a Float32Array
 * (or Int32Array) in; alloc(number) reserves that many bytes. The scope owns every pointer it
 * hands out until free().
 */
function bufferScope() {
  const owned = [];
  return {
    alloc(what) {
      const ptr = typeof what === 'number' ? malloc(what) : copyIn(what);
      owned.push(ptr);
      return ptr;
    },
    free() {
      for (const ptr of owned.splice(0)) wasm().free(ptr);
    },
  };
}

/** Runs fn(alloc) and frees what alloc() handed out, even when fn throws. */
export function withBuffers(fn) {
  const scope = bufferScope();
  try {
    return fn(scope.alloc);
  } finally {
    scope.free();
  }
}

/** withBuffers for an async fn: frees once its promise settles. */
export async function withBuffersAsync(fn) {
  const scope = bufferScope();
  try {
    return await fn(scope.alloc);
  } finally {
    scope.free();
  }
}
