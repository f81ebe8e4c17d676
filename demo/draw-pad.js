// A canvas to draw a digit on, turned into a 28×28 input the way MNIST's
// digits were made: the ink's bounding box scaled to fit 20×20, then moved so
// its centre of mass sits at the centre of the 28×28 image.

/**
 * Makes `canvas` drawable; calls onChange(pixels: Float32Array(784)) while
 * the user draws (at most once per frame) and onChange(null) after clear().
 */
export function createDrawPad(canvas, onChange) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let drawing = false, last = null, queued = false;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    onChange(null);
  };
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
  };
  const changed = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      onChange(toMnist(canvas));
    });
  };
  const stroke = (to) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = canvas.width / 12;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...(last ?? to));
    ctx.lineTo(...to);
    ctx.stroke();
    last = to;
    changed();
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = null;
    canvas.setPointerCapture?.(e.pointerId);
    stroke(point(e));
  });
  canvas.addEventListener('pointermove', (e) => drawing && stroke(point(e)));
  for (const type of ['pointerup', 'pointercancel', 'pointerleave']) canvas.addEventListener(type, () => (drawing = false));
  canvas.style.touchAction = 'none';
  clear();
  return { clear };
}

/** The drawing as MNIST pixels in [0, 1], or null when the canvas is empty. */
export function toMnist(canvas) {
  const { width, height } = canvas;
  const data = canvas.getContext('2d', { willReadFrequently: true }).getImageData(0, 0, width, height).data;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (data[(y * width + x) * 4] > 0) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1, h = y1 - y0 + 1, scale = 20 / Math.max(w, h);
  const small = new OffscreenCanvas(28, 28);
  const sctx = small.getContext('2d', { willReadFrequently: true });
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(canvas, x0, y0, w, h, 14 - (w * scale) / 2, 14 - (h * scale) / 2, w * scale, h * scale);
  const pixels = grey(sctx.getImageData(0, 0, 28, 28).data);
  return centerOfMassShift(pixels);
}

const grey = (rgba) => Float32Array.from({ length: 784 }, (_, p) => rgba[p * 4] / 255);

/** Moves the image by whole pixels so its centre of mass is at (14, 14), as MNIST's preprocessing did. */
function centerOfMassShift(pixels) {
  let mass = 0, cx = 0, cy = 0;
  for (let p = 0; p < 784; p++) {
    mass += pixels[p];
    cx += (p % 28) * pixels[p];
    cy += Math.floor(p / 28) * pixels[p];
  }
  const dx = Math.round(14 - cx / mass), dy = Math.round(14 - cy / mass);
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = pixels[sy * 28 + sx];
    }
  return out;
}
