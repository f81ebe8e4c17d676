// The text the text pages (text.html, gpt.html) learn from: Debian's fortune
// cookies as build.sh writes them, or a text file the person drops or picks,
// read into a character vocabulary; and a page's error guard.
import { showError } from './common.js';
import { vocabulary } from './text-data.js';

const FORTUNES_URL = '../dist/text/fortunes.txt';
const $ = (id) => document.getElementById(id);

/**
 * A text as a page learns from it, { text, name, vocab, ids }, its summary and
 * first lines shown in #text-source and #excerpt; the text inputs given whose
 * value the text cannot write (characters not in its vocabulary) take its first words.
 */
export function readCorpus(text, name, inputs = []) {
  text = text.replace(/\r\n?/g, '\n');
  if (text.length < 1000) throw new Error(`${name} has only ${text.length} characters: give the network at least a few thousand to learn from`);
  const vocab = vocabulary(text);
  if (vocab.chars.length > 1000) throw new Error(`${name} uses ${vocab.chars.length} different characters; this page takes at most 1,000 (plain text, not binary data)`);
  $('text-source').textContent = `${name}: ${text.length.toLocaleString('en-US')} characters, ${vocab.chars.length} different ones. ` +
    'The first nine tenths train the network; the last tenth measures it (held out).';
  $('excerpt').textContent = text.slice(0, 1200);
  for (const input of inputs) if (![...input.value].every((c) => vocab.has(c))) input.value = text.slice(0, 24);
  return { text, name, vocab, ids: vocab.ids(text) };
}

/** The fortune cookies' text. */
export async function fetchFortunes() {
  const response = await fetch(FORTUNES_URL);
  if (!response.ok) throw new Error(`cannot load ${FORTUNES_URL} (HTTP ${response.status}): run npm start, which builds it from Debian's fortunes package`);
  return response.text();
}

/** Calls use(file) for a file dropped on #drop or picked in #file, through guard. */
export function wireTextDrop(use, guard) {
  $('file').addEventListener('change', guard(async (e) => e.target.files[0] && use(e.target.files[0])));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', guard(async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) await use(e.dataTransfer.files[0]);
  }));
}

/** f wrapped so that its Error is shown on the page and kept in state.errors (the tests read them). */
export const guardFor = (state) => (f) => async (...args) => {
  try {
    await f(...args);
  } catch (err) {
    showError(err);
    state.errors.push(err.message);
  }
};
