// simdnet/simdnet.wasm and simdnet/simdnet-mt.wasm: with a bundler that turns
// an imported file into its URL (esbuild's --loader:.wasm=file, webpack's
// asset/resource, Vite's ?url), the import is that URL; pass it to
// sn.ready({ wasm, wasmThreads }).
declare const url: string;
export default url;
