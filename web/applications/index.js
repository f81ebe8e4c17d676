// sn.applications: Keras' ready-made architectures (keras.applications), built
// from sn.layers with Keras' layer names so that pretrained weights load by name.
export { mobileNetV2 } from './mobilenet-v2.js';
export { gpt } from './gpt.js';
