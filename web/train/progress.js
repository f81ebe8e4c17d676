// Keras-style per-epoch progress bar for a terminal:
//
//   Epoch 1/10
//    54/267 [=====>........................] - ETA: 3s - loss: 0.3584 - accuracy: 0.8971
//   267/267 [==============================] - 2s 7ms/step - loss: 0.3584 - accuracy: 0.8971 - val_loss: 0.1800
//
// The formatting functions are pure and exported so they can be tested (and
// reused, e.g. for a browser log) without timing. createProgressBar adds the
// clock, throttling and `\r` redraws.

/** Minimum time between redraws, so calling update() every step of a tight loop is cheap. */
const REDRAW_INTERVAL_MS = 50;

/**
 * The `[=====>....]` bar. Same rounding as Keras: floor(width · step / steps) cells are filled.
 *
 * @param {number} step  completed steps (0..steps)
 * @param {number} steps  total steps in the epoch (≥ 1)
 * @param {number} [width=30]  number of cells between the brackets
 * @returns {string}
 */
export function formatBar(step, steps, width = 30) {
  const filled = Math.min(width, Math.max(0, Math.floor((width * step) / steps)));
  let bar = '';
  if (filled > 0) bar += '='.repeat(filled - 1) + (step < steps ? '>' : '=');
  return `[${bar}${'.'.repeat(width - filled)}]`;
}

/**
 * ETA as Keras prints it: `45s`, `2:05` (m:ss) or `1:02:05` (h:mm:ss); seconds are truncated.
 *
 * @param {number} seconds  non-negative
 * @returns {string}
 */
export function formatEta(seconds) {
  const s = Math.floor(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
  return `${s}s`;
}

/**
 * Time per step, e.g. `7ms/step`: seconds when ≥ 1 s, microseconds below 1 ms.
 *
 * @param {number} seconds  average seconds per step
 * @returns {string}
 */
export function formatPerStep(seconds) {
  if (seconds >= 1 || seconds === 0) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

/**
 * Metric values as ` - key: value` in the order given. Numbers get 4 decimals;
 * tiny non-zero values (|v| < 1e-3) use exponent notation so they do not show as 0.0000.
 *
 * @param {Record<string, number>|Map<string, number>|undefined} logs
 * @returns {string} empty when there are no logs
 */
export function formatLogs(logs) {
  if (!logs) return '';
  const entries = logs instanceof Map ? [...logs] : Object.entries(logs);
  return entries.map(([key, value]) => ` - ${key}: ${formatValue(value)}`).join('');
}

/**
 * One progress line (without `\r` or newline).
 * While running: ` 54/267 [bar] - ETA: 3s - loss: …`; once step ≥ steps:
 * `267/267 [bar] - 2s 7ms/step - loss: …`. The step count is right-aligned to
 * the width of `steps` so the line does not jitter.
 *
 * @param {{step: number, steps: number, elapsedMs: number, logs?: Record<string, number>|Map<string, number>, width?: number}} state
 *   elapsedMs: time since the epoch started
 * @returns {string}
 */
export function formatProgressLine({ step, steps, elapsedMs, logs, width = 30 }) {
  const counter = `${String(step).padStart(String(steps).length)}/${steps}`;
  const seconds = elapsedMs / 1000;
  const perStep = step > 0 ? seconds / step : 0;
  const timing = step >= steps
    ? `${Math.round(seconds)}s ${formatPerStep(perStep)}`
    : `ETA: ${formatEta(perStep * (steps - step))}`;
  return `${counter} ${formatBar(step, steps, width)} - ${timing}${formatLogs(logs)}`;
}

/**
 * Progress bar for one epoch. Writes `Epoch e/E` and a newline immediately
 * (when epochs is given), then redraws a single line on update().
 *
 * @param {object} options
 * @param {number} [options.epoch]  1-based epoch number, shown as `Epoch epoch/epochs`
 * @param {number} [options.epochs]  total epochs; omit both to skip the header line
 * @param {number} options.steps  batches in this epoch (positive integer)
 * @param {(s: string) => void} [options.write]  output sink; default process.stdout.write
 * @param {() => number} [options.now]  clock in milliseconds; default performance.now
 * @param {number} [options.width=30]  bar width in cells
 * @param {boolean} [options.interactive]  redraw the line on update(); when false only end()
 *   prints (avoids hundreds of `\r` lines in CI logs). Default: true, except when writing to a
 *   non-TTY process.stdout through the default `write`
 * @returns {{update(step: number, logs?: Record<string, number>): void, end(logs?: Record<string, number>): void}}
 *   update(step, logs): step = completed steps (1..steps), throttled to one redraw per 50 ms
 *   except the last step; end(logs): final line with the total time and a newline (call once)
 */
export function createProgressBar({
  epoch, epochs, steps, write, now = () => performance.now(), width = 30, interactive,
}) {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`createProgressBar: steps must be a positive integer, got ${steps}`);
  }
  const out = write ?? stdoutWriter();
  const live = interactive ?? (write != null || Boolean(globalThis.process?.stdout?.isTTY));
  const start = now();
  let lastDraw = -Infinity;
  let prevLength = 0;

  // Pad with spaces when the new line is shorter, to overwrite the old one's tail.
  const draw = (step, logs, t) => {
    const line = formatProgressLine({ step, steps, elapsedMs: t - start, logs, width });
    out(`\r${line}${' '.repeat(Math.max(0, prevLength - line.length))}`);
    prevLength = line.length;
  };

  if (epochs != null) out(`Epoch ${epoch}/${epochs}\n`);
  return {
    update(step, logs) {
      if (!live) return;
      const t = now();
      if (step < steps && t - lastDraw < REDRAW_INTERVAL_MS) return;
      lastDraw = t;
      draw(step, logs, t);
    },
    end(logs) {
      const t = now();
      if (live) draw(steps, logs, t);
      else out(formatProgressLine({ step: steps, steps, elapsedMs: t - start, logs, width }));
      out('\n');
    },
  };
}

/** process.stdout.write, or a clear error where there is no stdout (browsers, workers). */
function stdoutWriter() {
  const stdout = globalThis.process?.stdout;
  if (!stdout) {
    throw new Error('createProgressBar: no process.stdout here; pass options.write (e.g. to append to a log element)');
  }
  return (s) => stdout.write(s);
}

function formatValue(value) {
  if (typeof value !== 'number') return String(value);
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(4);
  return value.toFixed(4);
}

function pad2(n) {
  return String(n).padStart(2, '0');
}
