/**
 * Streaming inference: a model trained in PyTorch answers a live stream one reading at a time,
 * the state carried from call to call, two ways:
 *
 * 1. the module: `LSTM.forward(x_t, [h, c])` returns the next state, which the caller passes to the
 *    next call and then disposes;
 * 2. a tfjs model: `torchLSTM({stateful: true})` keeps its state between `model.predict` calls,
 *    until `model.resetStates()`.
 *
 * Both are checked against the whole sequence run at once, and timed per step.
 *
 *   npx tsx examples/streaming.ts [--questions 20] [--backend cpu|wasm|tensorflow]
 *
 * The model is the test fixture made by scripts/make-fixtures.py: PyTorch's nn.LSTM(2, 16,
 * num_layers=2, batch_first=True) and nn.Linear(16, 1), trained on the adding problem with
 * sequences of 12 readings [value, marker]: the answer is the sum of the two marked values. The
 * stream here is a run of such questions, 12 readings each, the state reset between questions.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { LSTM, linearToDenseWeights, selectPrefix, torchLSTM } from 'tfjs-lstm';
import { readStateDict } from 'tfjs-lstm/node';

import { flag, setupBackend } from './backend';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const LENGTH = 12; // readings per question, as the model was trained

/** `questions` adding problems [questions, 12, 2]: random values, one marker in each half. */
function makeQuestions(questions: number): tf.Tensor3D {
  const data = new Float32Array(questions * LENGTH * 2);
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let q = 0; q < questions; q++) {
    const marked = [Math.floor(random() * 6), 6 + Math.floor(random() * 6)];
    for (let t = 0; t < LENGTH; t++) {
      data[(q * LENGTH + t) * 2] = random();
      data[(q * LENGTH + t) * 2 + 1] = marked.includes(t) ? 1 : 0;
    }
  }
  return tf.tensor3d(data, [questions, LENGTH, 2]);
}

async function main(): Promise<void> {
  const backend = await setupBackend();
  const questions = Number(flag('questions') ?? 20);
  const file = path.join(__dirname, '..', '__tests__', 'fixtures', 'trained', 'adding.safetensors');
  const sd = readStateDict(file);
  const stream = makeQuestions(questions);
  const reading = (q: number, t: number) => tf.slice(stream, [q, t, 0], [1, 1, 2]); // [N=1, T=1, 2]

  // 1. The module, state in and state out.
  const lstm = new LSTM({ inputSize: 2, hiddenSize: 16, numLayers: 2, batchFirst: true });
  lstm.loadStateDict(selectPrefix(sd, 'lstm.'));
  lstm.eval();
  const [kernel, bias] = linearToDenseWeights(sd['head.weight'], sd['head.bias']);
  const head = (h: tf.Tensor) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(h, [-1, 16]), kernel), bias));
  const streamed: tf.Tensor[] = [];
  const moduleMs: number[] = [];
  for (let q = 0; q < questions; q++) {
    let state: [tf.Tensor, tf.Tensor] | null = null; // zeros: a new question
    for (let t = 0; t < LENGTH; t++) {
      const x = reading(q, t);
      const t0 = performance.now();
      const [output, next]: [tf.Tensor, [tf.Tensor, tf.Tensor]] = lstm.forward(x, state);
      const answer = head(output);
      answer.dataSync(); // the answer, read back: part of the step's cost
      moduleMs.push(performance.now() - t0);
      // The caller owns what a call returns: the new state replaces the old one, which goes.
      tf.dispose([x, output, ...(state ?? [])]);
      state = next;
      streamed.push(answer);
    }
    tf.dispose(state ?? []);
  }

  // 2. A tfjs model with a stateful layer: batch size fixed at 1, state kept between predicts.
  const layer = torchLSTM({ hiddenSize: 16, numLayers: 2, stateful: true, batchInputShape: [1, null, 2] });
  const model = tf.sequential({ layers: [layer, tf.layers.dense({ units: 1 })] });
  layer.loadStateDict(selectPrefix(sd, 'lstm.'));
  model.layers[1].setWeights([kernel, bias]);
  const predicted: tf.Tensor[] = [];
  const modelMs: number[] = [];
  for (let q = 0; q < questions; q++) {
    for (let t = 0; t < LENGTH; t++) {
      const x = reading(q, t);
      const t0 = performance.now();
      const answer = model.predict(x) as tf.Tensor;
      answer.dataSync();
      modelMs.push(performance.now() - t0);
      x.dispose();
      predicted.push(answer);
    }
    model.resetStates(); // the next question starts from zeros
  }

  // All questions at once, whole sequences in one batch, give every step's answer too.
  const whole = tf.tidy(() => head(lstm.forward(stream)[0])); // [questions * 12, 1]
  const gap = (answers: tf.Tensor[]) =>
    tf.tidy(() => tf.max(tf.abs(tf.sub(tf.concat(answers, 0), whole))).dataSync()[0]);
  const [moduleGap, modelGap] = [gap(streamed), gap(predicted)];
  const [answers, sums] = tf.tidy(() => [
    tf
      .reshape(whole, [questions, LENGTH])
      .slice([0, LENGTH - 1], [questions, 1])
      .dataSync(),
    tf.sum(tf.prod(stream, 2), 1).dataSync(),
  ]);
  const error = Math.max(...Array.from(sums, (s, q) => Math.abs(s - answers[q])));

  console.log(`${questions} questions of ${LENGTH} readings on ${backend}, one reading at a time:`);
  console.log(`  LSTM.forward, state carried:       ${median(moduleMs).toFixed(3)} ms per step (median)`);
  console.log(`  stateful torchLSTM, model.predict: ${median(modelMs).toFixed(3)} ms per step (median)`);
  console.log(
    `largest difference from the whole sequences at once: ${moduleGap.toExponential(1)} (module), ` +
      `${modelGap.toExponential(1)} (model)`,
  );
  console.log(`question 1: ${sums[0].toFixed(3)} expected, the model says ${answers[0].toFixed(3)}`);
  console.log(`largest error over the ${questions} questions: ${error.toFixed(3)}`);

  tf.dispose([stream, whole, kernel, bias, ...streamed, ...predicted, ...Object.values(sd)]);
  lstm.dispose();
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
