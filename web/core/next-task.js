// nextTask(): resolves in a later task of the event loop, so that timers, I/O
// and messages queued meanwhile are handled first, without a timer's clamp
// (setTimeout(0) waits about 1 ms in Node and up to 4 ms in browsers, which
// cost a 15 ms slice of training 6%). Node: setImmediate, after the loop's
// I/O. Browsers: a message to ourselves, through one channel for the page's
// or Worker's life, made on first use.
let channel = null;
const waiting = [];

export function nextTask() {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}
