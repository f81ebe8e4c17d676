// Marching squares: the level-`level` contour of values on a regular grid, as
// line segments for a Chart.js line dataset (a null point ends each segment).

/**
 * @param {Float32Array} values  grid values, row-major, ny rows × nx columns
 * @param {{ nx, ny, x0, y0, dx, dy }} grid  point (i, j) is at (x0 + i·dx, y0 + j·dy)
 */
export function contourSegments(values, { nx, ny, x0, y0, dx, dy }, level = 0.5) {
  const points = [];
  const at = (i, j) => values[j * nx + i] - level;
  // Where the contour crosses the edge between two grid points (linear interpolation).
  const cross = (ia, ja, ib, jb) => {
    const a = at(ia, ja), b = at(ib, jb), t = a / (a - b);
    return { x: x0 + (ia + t * (ib - ia)) * dx, y: y0 + (ja + t * (jb - ja)) * dy };
  };
  for (let j = 0; j < ny - 1; j++)
    for (let i = 0; i < nx - 1; i++) {
      const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const edges = [];
      for (let k = 0; k < 4; k++) {
        const [ia, ja] = corners[k], [ib, jb] = corners[(k + 1) % 4];
        if ((at(ia, ja) > 0) !== (at(ib, jb) > 0)) edges.push(cross(ia, ja, ib, jb));
      }
      // Two crossings: one segment; four (a saddle): two segments, paired in order.
      for (let k = 0; k + 1 < edges.length; k += 2) points.push(edges[k], edges[k + 1], { x: edges[k + 1].x, y: null });
    }
  return points;
}
