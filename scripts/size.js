// `npm run size`: what a browser downloads — the .wasm files (the default, the
// threaded and the two relaxed-SIMD builds; a page loads one of them), and the JS a
// bundler pulls in from the package's browser entry and its two Worker entries
// (bundled and minified by esbuild, as an app's production build would),
// raw and gzipped (zlib's default level, what web servers send).
//   node scripts/size.js [--json]
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const gzip = (bytes) => gzipSync(bytes).length;

/** esbuild's browser bundle of one entry: its minified size and the source files it pulls in. */
async function bundle(entry) {
  const result = await build({
    entryPoints: [`${ROOT}${entry}`], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, metafile: true, logLevel: 'silent',
    loader: { '.wasm': 'file' }, outdir: '/nonexistent', // the .wasm URLs become file references, counted separately
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js')).contents;
  const inputs = Object.keys(result.metafile.inputs).filter((f) => f.endsWith('.js'));
  const source = Buffer.concat(inputs.map((f) => readFileSync(`${ROOT}${f}`)));
  return { entry, modules: inputs.length, bytes: js.length, gzip: gzip(js), sourceBytes: source.length, sourceGzip: gzip(source) };
}

export async function sizes() {
  const wasm = ['dist/simdnet.wasm', 'dist/simdnet-mt.wasm', 'dist/simdnet-relaxed.wasm', 'dist/simdnet-relaxed-mt.wasm'].map((file) => {
    const bytes = readFileSync(`${ROOT}${file}`);
    return { file, bytes: bytes.length, gzip: gzip(bytes) };
  });
  const js = [];
  for (const entry of ['web/browser.js', 'web/worker/worker.js', 'web/worker/thread-worker.js']) js.push(await bundle(entry));
  return { wasm, js };
}

const n = (v) => v.toLocaleString('en-US');
const row = (cells) => `| ${cells.join(' | ')} |`;

function table({ wasm, js }) {
  return [
    row(['file', 'bytes', 'gzip']),
    row(['---', '---:', '---:']),
    ...wasm.map((w) => row([`\`${w.file}\``, n(w.bytes), n(w.gzip)])),
    ...js.map((b) => row([`\`${b.entry}\` bundled, minified (${b.modules} modules)`, n(b.bytes), n(b.gzip)])),
    ...js.map((b) => row([`\`${b.entry}\`'s modules as written`, n(b.sourceBytes), n(b.sourceGzip)])),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await sizes();
  console.log(process.argv.includes('--json') ? JSON.stringify(result, null, 2) : table(result));
}
