// One helper thread of the threaded build (web/threads.js): instantiates the
// module on the shared memory, moves its stack pointer to the stack the main
// thread allocated for it, says it is ready, then parks in sn_thread_worker,
// which runs its parts of every GEMM and never returns. Works as a Node
// worker_threads Worker and as a browser module Worker.

async function start({ module, memory, id, stackTop }, post) {
  const { exports } = await WebAssembly.instantiate(module, { env: { memory, emscripten_notify_memory_growth() {} } });
  exports.stackRestore(stackTop);
  post('ready');
  exports.sn_thread_worker(id);
}

if (typeof process !== 'undefined' && process.versions?.node) {
  const { parentPort } = await import('node:worker_threads');
  parentPort.once('message', (msg) => start(msg, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (event) => start(event.data, (m) => self.postMessage(m));
}
