// Just enough WASI for bench/kernels_bench.c compiled by scripts/wasi-cc.sh to
// run on a web page (bench/relaxed.html): arguments, a clock, stdout. Returns
// what the program printed.
export async function runWasi(url, args = []) {
  const encoder = new TextEncoder(), decoder = new TextDecoder();
  const argv = ['kernels_bench', ...args].map((a) => encoder.encode(`${a}\0`));
  let memory, out = '';
  const view = () => new DataView(memory.buffer);
  class Exit { constructor(code) { this.code = code; } }
  const wasi = {
    args_sizes_get(count, size) {
      view().setUint32(count, argv.length, true);
      view().setUint32(size, argv.reduce((n, a) => n + a.length, 0), true);
      return 0;
    },
    args_get(pointers, buffer) {
      for (const a of argv) {
        view().setUint32(pointers, buffer, true);
        new Uint8Array(memory.buffer, buffer, a.length).set(a);
        pointers += 4, buffer += a.length;
      }
      return 0;
    },
    clock_time_get(id, precision, time) {
      view().setBigUint64(time, BigInt(Math.round(performance.now() * 1e6)), true);
      return 0;
    },
    fd_write(fd, iovs, count, written) {
      let total = 0;
      for (let i = 0; i < count; i++) {
        const p = view().getUint32(iovs + 8 * i, true), n = view().getUint32(iovs + 8 * i + 4, true);
        out += decoder.decode(new Uint8Array(memory.buffer, p, n));
        total += n;
      }
      view().setUint32(written, total, true);
      return 0;
    },
    fd_fdstat_get(fd, stat) {
      new Uint8Array(memory.buffer, stat, 24).fill(0);
      view().setUint8(stat, 2); // a character device
      return 0;
    },
    fd_seek: () => 70, // ESPIPE
    fd_close: () => 0,
    proc_exit(code) {
      throw new Exit(code);
    },
  };
  const { instance } = await WebAssembly.instantiateStreaming(fetch(url), { wasi_snapshot_preview1: wasi });
  memory = instance.exports.memory;
  try {
    instance.exports._start();
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
    if (err.code !== 0) throw new Error(`${url} exited with ${err.code}`);
  }
  return out;
}
