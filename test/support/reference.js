// Reads the course's reference data (linreg.csv, dot.csv and yogurt.csv, copied
// from the course into demo/data/, where the demo pages read them too) for the
// tests. Kept free of simdnet imports so the data can also feed float64
// reference computations made in the tests themselves.
import { readFileSync } from 'node:fs';

export const REFERENCE_DATA = new URL('../../demo/data/', import.meta.url);

/**
 * Parses a numeric CSV file with a header row.
 * Returns { header: string[], rows: number[][] } with every value a float64,
 * and throws naming the line when a row is ragged or holds a non-number.
 */
export function readCsv(nameOrUrl) {
  const url = nameOrUrl instanceof URL ? nameOrUrl : new URL(nameOrUrl, REFERENCE_DATA);
  const lines = readFileSync(url, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error(`${url.pathname}: empty file`);
  const header = lines[0].split(',').map((s) => s.trim());
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new Error(`${url.pathname} line ${i + 2}: ${cells.length} values, expected ${header.length}`);
    return cells.map((cell) => {
      const v = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(v)) throw new Error(`${url.pathname} line ${i + 2}: ${JSON.stringify(cell)} is not a number`);
      return v;
    });
  });
  return { header, rows };
}

/** The named columns of a CSV file as float64 arrays: columns('yogurt.csv', 'x1', 'x2'). */
export function columns(nameOrUrl, ...names) {
  const { header, rows } = readCsv(nameOrUrl);
  return names.map((name) => {
    const j = header.indexOf(name);
    if (j < 0) throw new Error(`${nameOrUrl}: no column ${JSON.stringify(name)} (has ${header.join(', ')})`);
    return Float64Array.from(rows, (row) => row[j]);
  });
}
