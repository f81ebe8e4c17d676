// The pretrained MobileNetV2 of npm `nsfwjs` 4.4.0 (MIT; a Keras 2.2.4
// functional model, uint8-quantized) as TensorFlow.js' own files. The package
// ships it as UMD bundles: dist/models/mobilenet_v2/model.min.js evaluates to
// { modelTopology, weightsManifest }, each group1-shardNofM.min.js to that
// shard's bytes in base64. readMobileNetV2() gives them as they are;
//   node scripts/mobilenet-files.js [dir]
// writes model.json and the shards (dist/models/mobilenet_v2/ by default), which
// the demo and the browser tests load with sn.loadTfjsModel like any model a
// user serves.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NSFWJS_DIR = join(ROOT, 'node_modules/nsfwjs/dist/models/mobilenet_v2');

/** { modelJson: { modelTopology, weightsManifest }, shards: Map(path → Uint8Array) } as nsfwjs ships them. */
export function readMobileNetV2(dir = NSFWJS_DIR) {
  const { modelTopology, weightsManifest } = require(join(dir, 'model.min.js'));
  const shards = new Map();
  for (const path of weightsManifest.flatMap((group) => group.paths)) {
    const base64 = require(join(dir, `${path}.min.js`));
    if (typeof base64 !== 'string') throw new Error(`${path}.min.js did not evaluate to base64 text`);
    const bytes = Buffer.from(base64, 'base64');
    shards.set(path, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return { modelJson: { modelTopology, weightsManifest }, shards };
}

/** Writes model.json and its shards into dir. */
export function writeMobileNetV2(dir) {
  const { modelJson, shards } = readMobileNetV2();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', generatedBy: 'keras v2.2.4 (npm nsfwjs 4.4.0)', ...modelJson }));
  for (const [path, bytes] of shards) writeFileSync(join(dir, path), bytes);
  return readdirSync(dir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? join(ROOT, 'dist/models/mobilenet_v2');
  console.error(`mobilenet-files: wrote ${writeMobileNetV2(dir).join(', ')} into ${dir}`);
}
