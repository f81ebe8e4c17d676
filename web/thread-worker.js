// A helper thread of the threaded build in a browser: a module Worker started
// by web/threads.js (Node's is web/thread-worker-node.js). It instantiates the
// module on the shared memory and parks in sn_thread_worker (runThread).
import { runThread } from './threads.js';

self.onmessage = (event) => runThread(event.data, (m) => self.postMessage(m));
