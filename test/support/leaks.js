// Leak checks shared by the Node tests (models.js also runs in browser pages, so not there).
import assert from 'node:assert/strict';
import * as sn from '../../web/index.js';

/**
 * Runs cycle() once (warm-up), then `count` more times, and asserts that the C
 * heap in use and wasm memory are where they were after the warm-up.
 */
export async function assertNoLeak(cycle, count = 2000) {
  await cycle();
  const heap = sn.heapBytes(), memory = sn.memoryBytes();
  for (let i = 0; i < count; i++) await cycle();
  assert.equal(sn.heapBytes(), heap, `C heap in use after ${count} cycles`);
  assert.equal(sn.memoryBytes(), memory, 'wasm memory did not grow');
}
