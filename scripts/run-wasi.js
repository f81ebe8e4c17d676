// Runs a WASI command module (a C program compiled by clang-19 for
// wasm32-wasi, as scripts/test-c.sh and bench builds do) under Node and exits
// with its exit status: node [--experimental-wasm-relaxed-simd] scripts/run-wasi.js prog.wasm [args…]
// The program sees its arguments and stdout/stderr, nothing of the file system.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/run-wasi.js prog.wasm [args…]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
