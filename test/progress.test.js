import test from 'node:test';
import assert from 'node:assert/strict';
import {
  createProgressBar, formatProgressLine, formatBar, formatEta, formatPerStep, formatLogs,
} from '../web/train/progress.js';

test('formatBar fills floor(width·step/steps) cells with an arrow head while running', () => {
  assert.equal(formatBar(0, 10, 10), '[..........]');
  assert.equal(formatBar(1, 10, 10), '[>.........]');
  assert.equal(formatBar(5, 10, 10), '[====>.....]');
  assert.equal(formatBar(9, 10, 10), '[========>.]');
  assert.equal(formatBar(10, 10, 10), '[==========]');
  assert.equal(formatBar(54, 267), '[=====>........................]');
  assert.equal(formatBar(267, 267), `[${'='.repeat(30)}]`);
  assert.equal(formatBar(1, 267), `[${'.'.repeat(30)}]`);
});

test('formatEta truncates to s, m:ss, h:mm:ss', () => {
  assert.equal(formatEta(0), '0s');
  assert.equal(formatEta(3.9), '3s');
  assert.equal(formatEta(59.99), '59s');
  assert.equal(formatEta(60), '1:00');
  assert.equal(formatEta(125), '2:05');
  assert.equal(formatEta(3600), '1:00:00');
  assert.equal(formatEta(3725), '1:02:05');
});

test('formatPerStep picks s, ms or us', () => {
  assert.equal(formatPerStep(0.007), '7ms/step');
  assert.equal(formatPerStep(0.0074), '7ms/step');
  assert.equal(formatPerStep(0.0076), '8ms/step');
  assert.equal(formatPerStep(2.2), '2s/step');
  assert.equal(formatPerStep(0.0000123), '12us/step');
  assert.equal(formatPerStep(0), '0s/step');
});

test('formatLogs prints 4 decimals in the given key order', () => {
  assert.equal(formatLogs({ loss: 0.35841, accuracy: 0.89712 }), ' - loss: 0.3584 - accuracy: 0.8971');
  assert.equal(formatLogs({ b: 1, a: 2 }), ' - b: 1.0000 - a: 2.0000');
  assert.equal(formatLogs(new Map([['z', 0.5], ['y', 12.34567]])), ' - z: 0.5000 - y: 12.3457');
  assert.equal(formatLogs({ lr: 0.00025, zero: 0 }), ' - lr: 2.5000e-4 - zero: 0.0000');
  assert.equal(formatLogs({ note: 'x' }), ' - note: x');
  assert.equal(formatLogs(undefined), '');
  assert.equal(formatLogs({}), '');
});

test('formatProgressLine: running line with ETA, step right-aligned', () => {
  // 54 steps in 810 ms → 15 ms/step; 213 steps left → 3.195 s.
  assert.equal(
    formatProgressLine({ step: 54, steps: 267, elapsedMs: 810, logs: { loss: 0.35841, accuracy: 0.89712 } }),
    ' 54/267 [=====>........................] - ETA: 3s - loss: 0.3584 - accuracy: 0.8971',
  );
  assert.equal(formatProgressLine({ step: 5, steps: 1000, elapsedMs: 500, width: 10 }), '   5/1000 [..........] - ETA: 1:39');
  assert.equal(formatProgressLine({ step: 0, steps: 7, elapsedMs: 0, width: 7 }), '0/7 [.......] - ETA: 0s');
});

test('formatProgressLine: finished line with total time and time per step', () => {
  assert.equal(
    formatProgressLine({
      step: 267, steps: 267, elapsedMs: 1869,
      logs: { loss: 0.35841, accuracy: 0.89712, val_loss: 0.18, val_accuracy: 0.9465 },
    }),
    '267/267 [==============================] - 2s 7ms/step - loss: 0.3584 - accuracy: 0.8971 - val_loss: 0.1800 - val_accuracy: 0.9465',
  );
});

/** A bar wired to a scripted clock; returns what it wrote. */
function scripted(options, times) {
  const written = [];
  let i = 0;
  const bar = createProgressBar({ ...options, write: (s) => written.push(s), now: () => times[i++] });
  return { bar, written };
}

test('createProgressBar prints the header, throttles redraws and ends with a newline', () => {
  // Clock reads: creation, then one per update()/end() call.
  const { bar, written } = scripted({ epoch: 1, epochs: 10, steps: 4, width: 4 }, [0, 10, 30, 70, 80, 100]);
  assert.deepEqual(written, ['Epoch 1/10\n']);
  bar.update(1, { loss: 1 }); // t=10: first update always draws
  bar.update(2, { loss: 0.9 }); // t=30: within 50 ms of the last draw → skipped
  bar.update(3, { loss: 0.8 }); // t=70: 60 ms later → drawn
  bar.update(4, { loss: 0.7 }); // t=80: last step → drawn despite the throttle
  bar.end({ loss: 0.7, val_loss: 0.75 }); // t=100
  assert.deepEqual(written, [
    'Epoch 1/10\n',
    '\r1/4 [>...] - ETA: 0s - loss: 1.0000',
    '\r3/4 [==>.] - ETA: 0s - loss: 0.8000',
    '\r4/4 [====] - 0s 20ms/step - loss: 0.7000',
    '\r4/4 [====] - 0s 25ms/step - loss: 0.7000 - val_loss: 0.7500',
    '\n',
  ]);
});

test('a shorter line is padded to erase the previous one', () => {
  const { bar, written } = scripted({ steps: 2, width: 2 }, [0, 1000, 2000]);
  bar.update(1, { loss: 0.5, accuracy: 0.25 });
  bar.end({});
  assert.deepEqual(written, [
    '\r1/2 [>.] - ETA: 1s - loss: 0.5000 - accuracy: 0.2500',
    `\r2/2 [==] - 2s 1s/step${' '.repeat(31)}`,
    '\n',
  ]);
  // Without epochs there is no header line.
  assert.ok(!written.some((s) => s.startsWith('Epoch')));
});

test('update in a tight loop costs one write per 50 ms', () => {
  let t = 0;
  const written = [];
  const bar = createProgressBar({ steps: 100001, write: (s) => written.push(s), now: () => t });
  for (let step = 1; step <= 100000; step++) bar.update(step, { loss: 1 });
  assert.equal(written.length, 1);
  t = 49;
  bar.update(100000);
  assert.equal(written.length, 1);
  t = 50;
  bar.update(100000);
  assert.equal(written.length, 2);
});

test('non-interactive mode prints only the header and the final line', () => {
  const { bar, written } = scripted({ epoch: 2, epochs: 3, steps: 3, width: 3, interactive: false }, [0, 3000]);
  // update() returns before reading the clock when not interactive, so only end() reads it.
  bar.update(1, { loss: 1 });
  bar.update(2, { loss: 1 });
  bar.update(3, { loss: 1 });
  bar.end({ loss: 0.5 });
  assert.deepEqual(written, ['Epoch 2/3\n', '3/3 [===] - 3s 1s/step - loss: 0.5000', '\n']);
});

test('createProgressBar rejects a bad step count', () => {
  for (const steps of [0, -1, 2.5, undefined]) {
    assert.throws(() => createProgressBar({ steps, write: () => {} }),
      { message: `createProgressBar: steps must be a positive integer, got ${steps}` });
  }
});
