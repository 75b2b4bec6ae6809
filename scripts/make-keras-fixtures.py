#!/usr/bin/env python3
"""Keras GRU models converted by the official tensorflowjs converter, with Keras' own predictions:
the fixtures of the test that loads them in tfjs with registerKerasRecurrent() (issue 14, item 5).

Each case is a small Keras model with GRU(reset_after=True) (Keras' default) in one of the forms a
user has: the defaults, return_sequences, return_state, go_backwards, recurrent_activation and
activation variants, no bias, Bidirectional, a masked input (Masking, Embedding mask_zero), two
GRUs stacked, and a reset_after=False GRU (which tfjs-layers' own GRU serves). Biases are set to
random values (Keras initialises them to zero, which would leave them untested). Writes, per case,
__tests__/fixtures/keras/<case>/model.json and its weights (tensorflowjs' save_keras_model), and
expected.json: the inputs and Keras' predictions.

Needs TensorFlow and the converter (not needed by the tests, which read the files):
    python3 -m venv .venv-keras
    .venv-keras/bin/pip install tensorflow-cpu==2.15.1 tf-keras==2.15.1
    .venv-keras/bin/pip install --no-deps tensorflowjs==4.22.0 && .venv-keras/bin/pip install tensorflow-hub==0.16.1
    .venv-keras/bin/python scripts/make-keras-fixtures.py          # npm run fixtures:keras
(tensorflowjs' other converters want jax and TensorFlow Decision Forests, which the Keras
converter does not use: they are stubbed below, so that neither needs installing.)
"""
import json
import os
import shutil
import sys
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
for _name in ["tensorflow_decision_forests", "jax", "jax.experimental", "jax.experimental.jax2tf"]:
    sys.modules.setdefault(_name, types.ModuleType(_name))
sys.modules["jax.experimental"].jax2tf = sys.modules["jax.experimental.jax2tf"]

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflowjs as tfjs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "__tests__", "fixtures", "keras")
L = tf.keras.layers


def arr(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data": [float(v) for v in a.reshape(-1)]}


def randomize_biases(model, rng):
    for layer in model.layers:
        inner = [layer.forward_layer, layer.backward_layer] if isinstance(layer, L.Bidirectional) else [layer]
        for rnn in inner:
            if isinstance(rnn, L.GRU) and rnn.use_bias:
                kernel, recurrent, bias = rnn.get_weights()
                rnn.set_weights([kernel, recurrent, rng.normal(0, 0.5, bias.shape).astype("float32")])


def padded(rng, batch, steps, features, lengths):
    x = rng.normal(0, 1, (batch, steps, features)).astype("float32")
    for b, n in enumerate(lengths):
        x[b, n:] = 0
    return x


def cases(rng):
    """(name, model builder, inputs) for every case."""
    x = rng.normal(0, 1, (3, 6, 4)).astype("float32")
    x_pad = padded(rng, 3, 6, 4, [6, 4, 2])
    tokens = np.array([[3, 1, 4, 1, 5, 0, 0], [9, 2, 6, 0, 0, 0, 0], [5, 3, 5, 8, 9, 7, 9]], dtype="int32")

    def seq(*layers, shape=(6, 4), dtype="float32"):
        return lambda: tf.keras.Sequential([tf.keras.Input(shape=shape, dtype=dtype), *layers])

    def return_state():
        inp = tf.keras.Input(shape=(6, 4))
        out, h = L.GRU(5, return_sequences=True, return_state=True)(inp)
        return tf.keras.Model(inp, [out, h])

    return [
        ("gru_default", seq(L.GRU(5), L.Dense(2)), x),
        ("gru_sequences", seq(L.GRU(5, return_sequences=True)), x),
        ("gru_return_state", return_state, x),
        ("gru_go_backwards", seq(L.GRU(5, return_sequences=True, go_backwards=True)), x),
        ("gru_hard_sigmoid", seq(L.GRU(5, return_sequences=True, recurrent_activation="hard_sigmoid")), x),
        ("gru_relu_activation", seq(L.GRU(5, return_sequences=True, activation="relu")), x),
        ("gru_no_bias", seq(L.GRU(5, return_sequences=True, use_bias=False)), x),
        ("gru_stacked", seq(L.GRU(5, return_sequences=True), L.GRU(3)), x),
        ("bidirectional", seq(L.Bidirectional(L.GRU(4, return_sequences=True)), L.GRU(3)), x),
        ("bidirectional_last", seq(L.Bidirectional(L.GRU(4), merge_mode="concat")), x),
        ("masking_sequences", seq(L.Masking(), L.GRU(5, return_sequences=True)), x_pad),
        ("masking_last", seq(L.Masking(), L.GRU(5)), x_pad),
        ("masking_go_backwards", seq(L.Masking(), L.GRU(5, return_sequences=True, go_backwards=True)), x_pad),
        ("masking_bidirectional", seq(L.Masking(), L.Bidirectional(L.GRU(4, return_sequences=True))), x_pad),
        ("embedding_mask_zero",
         seq(L.Embedding(10, 4, mask_zero=True), L.GRU(5, return_sequences=True), L.GRU(3), shape=(7,), dtype="int32"),
         tokens),
        ("reset_after_false", seq(L.GRU(5, return_sequences=True, reset_after=False)), x),
    ]


def main():
    rng = np.random.default_rng(20261204)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    index = []
    for k, (name, build, x) in enumerate(cases(rng)):
        tf.keras.utils.set_random_seed(100 + k)
        model = build()
        randomize_biases(model, rng)
        y = model.predict(x, verbose=0)
        outputs = y if isinstance(y, list) else [y]
        folder = os.path.join(OUT, name)
        tfjs.converters.save_keras_model(model, folder)
        with open(os.path.join(folder, "expected.json"), "w") as f:
            json.dump({"input": arr(x), "outputs": [arr(o) for o in outputs]}, f, separators=(",", ":"))
            f.write("\n")
        index.append(name)
        print(f"{name}: {[list(o.shape) for o in outputs]}")
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"tensorflow": tf.__version__, "tensorflowjs": tfjs.__version__, "cases": index}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
