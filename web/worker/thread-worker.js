// A helper thread of the threaded build in a browser: a module Worker started
// by web/worker/threads.js, or by web/worker/trainer.js on the page for its trainer's Worker,
// which then talks to it through a MessagePort (Node's is web/worker/thread-worker-node.js).
// It instantiates the module on the shared memory and parks in sn_thread_worker
// (runThread); a failure is posted back as { error }.
import { runThread } from './threads.js';

function serve(target, start) {
  runThread(start, (m) => target.postMessage(m)).catch((err) => target.postMessage({ error: String(err?.message ?? err) }));
}

self.onmessage = ({ data }) => {
  if (data?.port) data.port.onmessage = (event) => serve(data.port, event.data);
  else serve(self, data);
};
