// The demo's static server (`npm start`), also used by the browser tests.
//   node scripts/serve.js [--port 8080] [--host 127.0.0.1]     (or PORT=8080)
//
// URLs mirror the repository's layout (/demo/index.html, /web/index.js,
// /dist/simdnet.wasm), so the pages' relative imports are the files' own and
// work the same from any static server of the repository. Only the folders in
// PUBLIC are served. Every response is cross-origin isolated (COOP/COEP),
// which is what SharedArrayBuffer and precise timers need in a page.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Folders (repository-relative) that may be served; everything else is 404. */
export const PUBLIC = ['demo/', 'web/', 'dist/', 'node_modules/chart.js/dist/', 'node_modules/@kurkle/color/dist/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.csv': 'text/csv; charset=utf-8',
  '.bin': 'application/octet-stream', '.map': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.ts': 'text/plain; charset=utf-8',
};
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const ALWAYS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };

/**
 * The file a URL path names, or null when it is outside the public folders.
 * decodeURIComponent first, then resolve, then check the prefix: '..', '%2e%2e'
 * and encoded slashes all end up outside and are refused.
 */
export function filePath(root, urlPath, publicDirs = PUBLIC) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  if (path.endsWith('/')) path += 'index.html';
  const base = resolve(root);
  const full = resolve(base, '.' + path);
  if (!full.startsWith(base + sep)) return null;
  const rel = full.slice(base.length + 1).split(sep).join('/');
  return publicDirs.some((dir) => rel.startsWith(dir)) ? full : null;
}

async function handle(req, res, root, publicDirs, isolated) {
  const send = (res, status, headers, body) => {
    res.writeHead(status, { ...ALWAYS, ...(isolated && ISOLATION), ...headers });
    res.end(body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { Allow: 'GET, HEAD' }, 'method not allowed');
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname === '/' || pathname === '/demo') return send(res, 302, { Location: '/demo/' }, '');
  const file = filePath(root, pathname, publicDirs);
  if (!file) return send(res, 404, { 'Content-Type': 'text/plain' }, 'not found');
  try {
    if ((await stat(file)).isDirectory()) return send(res, 302, { Location: pathname + '/' }, '');
    const body = await readFile(file);
    send(res, 200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length }, req.method === 'HEAD' ? '' : body);
  } catch {
    send(res, 404, { 'Content-Type': 'text/plain' }, 'not found');
  }
}

function listen(server, port, host) {
  return new Promise((done, fail) => {
    const onError = (err) => {
      server.off('listening', onListening);
      fail(err);
    };
    const onListening = () => {
      server.off('error', onError);
      done();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts the server; resolves to { url, port, close() }. port 0 picks a free
 * one; a busy port falls back to a free one unless strictPort. `extraDirs`
 * adds public folders (the tests serve test/support/ too; [''] serves all of
 * root). `isolated: false` leaves out the COOP/COEP headers.
 */
export async function startServer({ port = 8080, host = '127.0.0.1', root = ROOT, extraDirs = [], strictPort = false, isolated = true } = {}) {
  const publicDirs = [...PUBLIC, ...extraDirs];
  const server = createServer((req, res) => {
    handle(req, res, root, publicDirs, isolated).catch(() => {
      res.writeHead(500, ALWAYS);
      res.end('server error');
    });
  });
  try {
    await listen(server, port, host);
  } catch (err) {
    if (err.code !== 'EADDRINUSE' || strictPort) throw err;
    await listen(server, 0, host);
  }
  const actual = server.address().port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actual}`,
    port: actual,
    close: () => new Promise((done) => {
      server.closeAllConnections?.();
      server.close(() => done());
    }),
  };
}

async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } });
  const wanted = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) throw new Error(`--port must be an integer in [0, 65535], got ${values.port ?? process.env.PORT}`);
  const { url, port } = await startServer({ port: wanted, host: values.host });
  if (wanted && port !== wanted) console.log(`Port ${wanted} is busy; using ${port} instead.`);
  console.log(`simdnet demo: ${url}/demo/   (Ctrl+C stops the server)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
