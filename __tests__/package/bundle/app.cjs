// An app that imports tfjs-lstm only for its side effect (registering its layers with tfjs) and
// loads a saved model: what a bundler must not tree-shake away. Prints the model's predictions.
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
require('tfjs-lstm');

const [dir, input] = process.argv.slice(2);
const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
const weights = fs.readFileSync(path.join(dir, 'weights.bin'));
tf.env().set('PROD', true);
tf.setBackend('cpu')
  .then(() =>
    tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    ),
  )
  .then((model) => model.predict(tf.tensor(JSON.parse(input))).array())
  .then((y) => console.log(JSON.stringify(y)));
