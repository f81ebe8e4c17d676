// What every model-file version's test checks of damage: each truncation (every
// 7th length) and each single bit flip (every 11th bit) of a good file is
// refused with an Error that says what is wrong.
import assert from 'node:assert/strict';
import * as sn from '../../web/index.js';

export function assertDamageRefused(file) {
  for (let cut = 0; cut < file.length; cut += 7)
    assert.throws(() => sn.loadModel(file.slice(0, cut)), /cannot load the model: (it is too short|its length does not match|a section length)/);
  for (let bit = 0; bit < file.length * 8; bit += 11) {
    const copy = file.slice();
    copy[bit >> 3] ^= 1 << (bit & 7);
    assert.throws(() => sn.loadModel(copy), /cannot load the model: (it is not a simdnet|.*unknown version|.*unknown flags|a section length|its length does not match|its checksum does not match)/);
  }
}
