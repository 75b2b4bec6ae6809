/**
 * A model trained in PyTorch, run in tfjs: load its safetensors weights into TorchLSTM and
 * tf.layers.dense, predict, and export the weights back for PyTorch.
 *
 *   npx tsx examples/pytorch-weights.ts [weights.safetensors] [--backend cpu|wasm|tensorflow]
 *
 * The default file is the test fixture made by scripts/make-fixtures.py: in PyTorch,
 *
 *   class AddingModel(nn.Module):
 *       def __init__(self):
 *           super().__init__()
 *           self.lstm = nn.LSTM(2, 16, num_layers=2, batch_first=True)
 *           self.head = nn.Linear(16, 1)
 *       def forward(self, x):
 *           out, _ = self.lstm(x)
 *           return self.head(out[:, -1])
 *
 * trained on the adding problem and saved with safetensors' save_file(model.state_dict(), ...).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { denseToLinearWeights, linearToDenseWeights, selectPrefix, torchLSTM } from 'tfjs-lstm';
import { readStateDict, writeStateDict } from 'tfjs-lstm/node';

import { setupBackend } from './backend';

async function main(): Promise<void> {
  await setupBackend();
  // The first argument that is neither a --flag nor a flag's value.
  const args = process.argv.slice(2);
  const positional = args.find((a, k) => !a.startsWith('--') && !(k > 0 && args[k - 1].startsWith('--')));
  const file = positional ?? path.join(__dirname, '..', '__tests__', 'fixtures', 'trained', 'adding.safetensors');

  const sd = readStateDict(file); // { 'lstm.weight_ih_l0': tf.Tensor, ..., 'head.weight', 'head.bias' }
  const lstm = torchLSTM({ hiddenSize: 16, numLayers: 2, inputShape: [null, 2] });
  const head = tf.layers.dense({ units: 1 });
  const model = tf.sequential({ layers: [lstm, head] });
  lstm.loadStateDict(selectPrefix(sd, 'lstm.'));
  head.setWeights(linearToDenseWeights(sd['head.weight'], sd['head.bias']));

  // Adding problem: add the two values whose marker (channel 1) is 1.
  const values = [0.2, 0.9, 0.4, 0.1, 0.7, 0.3, 0.5, 0.8, 0.6, 0.2, 0.1, 0.4];
  const markers = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
  const x = tf.tensor3d([values.map((v, t) => [v, markers[t]])]);
  const y = (model.predict(x) as tf.Tensor).dataSync()[0];
  console.log(`loaded ${Object.keys(sd).length} tensors from ${path.relative(process.cwd(), file)}`);
  console.log(`0.9 + 0.6 = 1.5; the PyTorch-trained model in tfjs says ${y.toFixed(3)}`);

  // And back: PyTorch names and layouts, ready for model.load_state_dict(load_file(...)).
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(lstm.stateDict())) out[`lstm.${k}`] = v;
  for (const [k, v] of Object.entries(denseToLinearWeights(head.getWeights()))) out[`head.${k}`] = v;
  const exported = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-lstm-')), 'from-tfjs.safetensors');
  writeStateDict(exported, out);
  console.log(`exported to ${exported}`);
  console.log(`check in PyTorch: /usr/bin/python3 scripts/make-fixtures.py --check-export ${exported}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
