// Real English text for the sequence models' demo, tests and bench: the
// fortune cookies of Debian's `fortunes` package (BSD fortune(6)'s data,
// BSD licensed; /usr/share/doc/fortunes/copyright), as one plain-text file.
//   node scripts/fortunes-text.js [out]     (default dist/text/fortunes.txt)
// Each fortune file is cookies between lines of "%". We keep the files of
// prose (not the ASCII pictures), tabs become two spaces, cookies with
// characters outside printable ASCII are left out, so the vocabulary stays
// small (about 95 characters), and the cookies follow each other in the
// files' alphabetical order, separated by a blank line. The copyright notice
// goes beside it.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FORTUNES_DIR = '/usr/share/games/fortunes';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PICTURES = new Set(['ascii-art']); // drawings, not text
const PRINTABLE = /^[\n\x20-\x7e]*$/;

/** The cookies of every prose file, cleaned, in a fixed order. */
export function readFortunes(dir = FORTUNES_DIR) {
  const files = readdirSync(dir).filter((f) => !f.includes('.') && !PICTURES.has(f)).sort();
  const cookies = [];
  for (const f of files) {
    for (const raw of readFileSync(join(dir, f), 'latin1').split(/^%\n/m)) {
      const text = raw.replace(/\t/g, '  ').replace(/[ ]+$/gm, '').trim();
      if (text && PRINTABLE.test(text)) cookies.push(text);
    }
  }
  return cookies;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(ROOT, 'dist/text/fortunes.txt');
  const cookies = readFortunes();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${cookies.join('\n\n')}\n`);
  copyFileSync('/usr/share/doc/fortunes/copyright', join(dirname(out), 'fortunes-COPYRIGHT.txt'));
  console.log(`scripts/fortunes-text.js: ${cookies.length} fortunes → ${out}`);
}
