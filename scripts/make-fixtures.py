#!/usr/bin/python3
"""Golden fixtures from real PyTorch for tfjs-lstm's tests.

Builds, with fixed seeds, a matrix of nn.LSTM and nn.LSTMCell configurations and records each with
the package's own python/record_golden.py, as any user would, to a golden file of its own
(__tests__/fixtures/golden/lstm/<case>.safetensors, golden/lstm-cell/<case>.safetensors): the
parameters (PyTorch's own initialisation), the input and initial state, the outputs, and the
gradients of a fixed scalar loss (record_golden's loss="projection")

    L = sum(output * W_out) + sum(h_n * W_h) + sum(c_n * W_c)        (W_* fixed random tensors)

with respect to every parameter, the input, h_0 and c_0 (dropout 0). The W_* are drawn from the
global generator after the forward pass and given to record_golden (`weights`), so that the
numbers are those these fixtures have held since they were JSON. A case with lengths records
PackedLSTM (nn.LSTM between pack_padded_sequence and pad_packed_sequence), whose inputs are
(x, lengths[, (h_0, c_0)]); the seed exercise's part 2 records LSTMCellLoop (nn.LSTMCell stepped
over the sequence by hand). The tests read the files with tfjs-lstm/testing's loadGolden.

It also trains a small PyTorch model (an LSTM and a linear head on the adding problem) and saves
its weights as safetensors, with test inputs and the model's predictions, for the end-to-end test
that runs it in tfjs; `--check-export FILE` loads weights exported back from tfjs into the same
PyTorch model and checks its predictions.

Usage (PyTorch 1.13 from Debian: apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 scripts/make-fixtures.py            # writes __tests__/fixtures/* (npm run fixtures)
    /usr/bin/python3 scripts/make-fixtures.py --check    # regenerates in a temporary directory, compares
    /usr/bin/python3 scripts/make-fixtures.py --check-export exported.safetensors

The tests need only the files, never PyTorch.
"""
import argparse
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile


def _pin_openblas():
    """PyTorch's matrix products here are OpenBLAS's, and its kernels round differently (1-2 ulp in
    float32) from one CPU family to the next. The committed fixtures were computed with its SkylakeX
    (AVX-512) kernels; on a CPU that has AVX-512 but that this OpenBLAS does not recognise (a new
    Xeon in a VM), it falls back to Prescott, and --check fails. So: SkylakeX wherever AVX-512 is
    there, unless OPENBLAS_CORETYPE says otherwise; it must be set before OpenBLAS loads."""
    try:
        with open("/proc/cpuinfo") as f:
            avx512 = "avx512f" in f.read()
    except OSError:
        avx512 = False
    if avx512:
        os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
    elif "OPENBLAS_CORETYPE" not in os.environ:
        print("warning: no AVX-512 here, so OpenBLAS cannot run the kernels the committed fixtures were computed "
              "with; expect results 1-2 ulp from them", file=sys.stderr)


_pin_openblas()

import numpy as np  # noqa: E402 (after the OpenBLAS choice)
import torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "__tests__", "fixtures")
TRAINED = os.path.join(FIXTURES, "trained")

# The safetensors writer and reader written for the format tests, independent of the TypeScript ones.
_spec = importlib.util.spec_from_file_location("st", os.path.join(ROOT, "scripts", "make-safetensors-fixtures.py"))
st = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(st)

# The golden-file recorder the package ships (python/record_golden.py), the one users run.
_spec = importlib.util.spec_from_file_location("record_golden", os.path.join(ROOT, "python", "record_golden.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)
GOLDEN = os.path.join(FIXTURES, "golden")

# The seed exercise (../shared/seed-exercise.md): hidden 1, input 4, nine steps, hand-set weights.
SEED_X = [[1, 0, 0, 1], [3, 1, 0, 1], [2, 0, 0, 1], [4, 1, 0, 1], [2, 0, 0, 1],
          [1, 0, 1, 1], [3, -1, 0, 1], [6, 1, 0, 1], [1, 0, 1, 1]]
SEED_W_IH = [[0, 100, 0, -10], [0, 100, 0, 10], [1, 0, 0, 0], [0, 0, 100, -10]]


def arr(t):
    """A tensor as {shape, data}: data flat, row-major, each float32 written in its shortest form."""
    a = t.detach().cpu().numpy().astype(np.float32)
    return {"shape": list(a.shape), "data": [float(str(v)) for v in a.reshape(-1)]}


class PackedLSTM(torch.nn.LSTM):
    """nn.LSTM on a padded batch and its lengths: packed (enforce_sorted=False), run, and padded
    back to the full length, which tfjs-lstm's `forward(x, state, { lengths })` does in one call."""

    def forward(self, x, lengths, hx=None):
        steps = x.shape[1 if self.batch_first else 0]
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            x, lengths, batch_first=self.batch_first, enforce_sorted=False)
        out_packed, (h_n, c_n) = super().forward(packed, hx)
        output, _ = torch.nn.utils.rnn.pad_packed_sequence(
            out_packed, batch_first=self.batch_first, total_length=steps)
        return output, (h_n, c_n)


def _packed(base):
    """`base` (nn.GRU, nn.RNN) on a padded batch and its lengths, as PackedLSTM runs nn.LSTM."""

    class Packed(base):
        def forward(self, x, lengths, hx=None):
            steps = x.shape[1 if self.batch_first else 0]
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                x, lengths, batch_first=self.batch_first, enforce_sorted=False)
            out_packed, h_n = super().forward(packed, hx)
            output, _ = torch.nn.utils.rnn.pad_packed_sequence(
                out_packed, batch_first=self.batch_first, total_length=steps)
            return output, h_n

    Packed.__name__ = Packed.__qualname__ = f"Packed{base.__name__}"
    return Packed


PackedGRU = _packed(torch.nn.GRU)
PackedRNN = _packed(torch.nn.RNN)


class LSTMCellLoop(torch.nn.LSTMCell):
    """nn.LSTMCell stepped over a sequence [T, N, input_size], h and c carried by hand (the seed
    exercise's part 2). Returns the h of every step, stacked, and the last (h, c)."""

    def forward(self, xs, hx):
        h, c = hx
        hs = []
        for x in xs:
            h, c = super().forward(x, (h, c))
            hs.append(h)
        return torch.stack(hs), (h, c)


def recording(name, module, inputs, loss=True):
    """A case to record: the module, its inputs and, with `loss`, the loss weights W_*, drawn from
    the global generator after the forward pass (one per output: W_out, W_h, W_c for nn.LSTM)."""
    weights = None
    if loss:
        with torch.no_grad():
            outputs = module(*inputs)
        weights = [torch.randn(t.shape) for _, t in golden._flatten(outputs, "output")]
    return {"name": name, "module": module, "inputs": inputs, "weights": weights}


def lstm_case(name, seed, input_size, hidden_size, steps, batch, num_layers=1, bias=True,
              batch_first=False, bidirectional=False, proj_size=0, with_state=False,
              lengths=None, unbatched=False, weights=None):
    torch.manual_seed(seed)
    kind = torch.nn.LSTM if lengths is None else PackedLSTM
    lstm = kind(input_size, hidden_size, num_layers=num_layers, bias=bias,
                batch_first=batch_first, bidirectional=bidirectional, proj_size=proj_size)
    if weights is not None:
        with torch.no_grad():
            for k, v in weights.items():
                getattr(lstm, k).copy_(torch.tensor(v, dtype=torch.float32))
    dirs = 2 if bidirectional else 1
    out_size = proj_size if proj_size > 0 else hidden_size
    if unbatched:
        x_shape = [steps, input_size]
        state_lead = [num_layers * dirs]
    else:
        x_shape = [batch, steps, input_size] if batch_first else [steps, batch, input_size]
        state_lead = [num_layers * dirs, batch]
    inputs = (SEED_INPUT(name, x_shape),)
    if lengths is not None:
        inputs += (torch.tensor(lengths),)
    if with_state:
        h0 = torch.randn(state_lead + [out_size]) * 0.5
        c0 = torch.randn(state_lead + [hidden_size]) * 0.5
        inputs += ((h0, c0),)
    return recording(name, lstm, inputs)


def cell_case(name, seed, input_size, hidden_size, batch, bias=True, with_state=True, unbatched=False):
    torch.manual_seed(seed)
    cell = torch.nn.LSTMCell(input_size, hidden_size, bias=bias)
    lead = [] if unbatched else [batch]
    inputs = (SEED_INPUT(name, lead + [input_size]),)
    if with_state:
        inputs += ((torch.randn(lead + [hidden_size]) * 0.5, torch.randn(lead + [hidden_size]) * 0.5),)
    return recording(name, cell, inputs)


def hidden_case(kind, name, seed, input_size, hidden_size, steps, batch, num_layers=1, bias=True,
                batch_first=False, bidirectional=False, with_state=False, lengths=None, unbatched=False,
                nonlinearity="tanh"):
    """A case of nn.GRU (kind "gru") or nn.RNN ("rnn"), as lstm_case makes nn.LSTM's: one state h."""
    torch.manual_seed(seed)
    base, packed = (torch.nn.GRU, PackedGRU) if kind == "gru" else (torch.nn.RNN, PackedRNN)
    extra = {} if kind == "gru" else {"nonlinearity": nonlinearity}
    module = (base if lengths is None else packed)(
        input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first,
        bidirectional=bidirectional, **extra)
    dirs = 2 if bidirectional else 1
    if unbatched:
        x_shape, state_lead = [steps, input_size], [num_layers * dirs]
    else:
        x_shape = [batch, steps, input_size] if batch_first else [steps, batch, input_size]
        state_lead = [num_layers * dirs, batch]
    inputs = (torch.randn(x_shape),)
    if lengths is not None:
        inputs += (torch.tensor(lengths),)
    if with_state:
        inputs += (torch.randn(state_lead + [hidden_size]) * 0.5,)
    return recording(name, module, inputs)


def hidden_cell_case(kind, name, seed, input_size, hidden_size, batch, bias=True, with_state=True,
                     unbatched=False, nonlinearity="tanh"):
    """A case of nn.GRUCell (kind "gru") or nn.RNNCell ("rnn"): one step, one state h."""
    torch.manual_seed(seed)
    if kind == "gru":
        cell = torch.nn.GRUCell(input_size, hidden_size, bias=bias)
    else:
        cell = torch.nn.RNNCell(input_size, hidden_size, bias=bias, nonlinearity=nonlinearity)
    lead = [] if unbatched else [batch]
    inputs = (torch.randn(lead + [input_size]),)
    if with_state:
        inputs += (torch.randn(lead + [hidden_size]) * 0.5,)
    return recording(name, cell, inputs)


def hidden_cases(kind, seed, **extra):
    """The option matrix of lstm_cases (without projections, which only LSTM has) for nn.GRU or
    nn.RNN; `extra` (nonlinearity) goes to every case."""
    case = lambda name, k, *args, **kw: hidden_case(kind, name, seed + k, *args, **kw, **extra)  # noqa: E731
    return [
        case("basic", 1, 3, 5, 4, 2),
        case("no_bias", 2, 3, 4, 5, 2, bias=False),
        case("two_layers_state", 3, 4, 6, 5, 3, num_layers=2, with_state=True),
        case("three_layers_bidirectional", 4, 3, 4, 6, 2, num_layers=3, bidirectional=True),
        case("bidirectional_state", 5, 5, 8, 7, 3, bidirectional=True, with_state=True),
        case("batch_first_state", 8, 3, 5, 6, 4, num_layers=2, batch_first=True, with_state=True),
        case("unbatched_state", 9, 3, 4, 5, 1, num_layers=2, with_state=True, unbatched=True),
        case("unbatched_bidirectional", 10, 3, 5, 4, 1, bidirectional=True, batch_first=True, unbatched=True),
        case("lengths", 11, 3, 5, 7, 4, lengths=[7, 3, 1, 5]),
        case("lengths_bidirectional_state", 12, 4, 6, 6, 3, num_layers=2, bidirectional=True,
             batch_first=True, with_state=True, lengths=[2, 6, 4]),
        case("seq_len_1", 13, 4, 5, 1, 3, num_layers=2, bidirectional=True),
        case("hidden_1", 14, 2, 1, 10, 2, with_state=True),
        case("no_bias_bidirectional_batch_first_state", 15, 3, 4, 5, 2, bias=False,
             bidirectional=True, batch_first=True, with_state=True),
        case("long_lengths", 16, 5, 16, 50, 2, lengths=[50, 23], with_state=True),
        case("hidden_64_seq_50", 17, 32, 64, 50, 2),
    ]


def hidden_cell_cases(kind, seed, **extra):
    case = lambda name, k, *args, **kw: hidden_cell_case(kind, name, seed + k, *args, **kw, **extra)  # noqa: E731
    return [
        case("cell_basic", 1, 3, 4, 2),
        case("cell_unbatched_zero_state", 2, 5, 3, 1, with_state=False, unbatched=True),
        case("cell_unbatched_state", 3, 4, 2, 1, unbatched=True),
        case("cell_no_bias", 4, 3, 5, 3, bias=False),
        case("cell_hidden_64", 5, 32, 64, 4),
    ]


def rnn_cases():
    """nn.RNN's matrix with tanh, and with relu (the relu cases' names end in _relu)."""
    relu = hidden_cases("rnn", 1300, nonlinearity="relu")
    for c in relu:
        c["name"] += "_relu"
    return hidden_cases("rnn", 1200) + relu


def rnn_cell_cases():
    relu = hidden_cell_cases("rnn", 1500, nonlinearity="relu")
    for c in relu:
        c["name"] += "_relu"
    return hidden_cell_cases("rnn", 1400) + relu


def SEED_INPUT(name, shape):
    if name.startswith("seed_exercise"):
        x = torch.tensor(SEED_X, dtype=torch.float32)
        return x.reshape(shape).clone()
    return torch.randn(shape)


def seed_exercise_cases():
    zeros = [0.0, 0.0, 0.0, 0.0]
    lstm_w = {"weight_ih_l0": SEED_W_IH, "weight_hh_l0": [[0.0]] * 4,
              "bias_ih_l0": zeros, "bias_hh_l0": zeros}
    # Part 3: nn.LSTM with batch_first=True on the whole sequence.
    return [lstm_case("seed_exercise_part3", 0, 4, 1, 9, 1, batch_first=True, weights=lstm_w)]


def seed_exercise_part2():
    """Part 2: nn.LSTMCell in a loop from a zero state, h and c carried by hand; no gradients."""
    cell = LSTMCellLoop(4, 1)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(SEED_W_IH, dtype=torch.float32))
        cell.weight_hh.zero_()
        cell.bias_ih.zero_()
        cell.bias_hh.zero_()
    xs = torch.tensor(SEED_X, dtype=torch.float32).reshape(9, 1, 4)
    return recording("seed_exercise_part2", cell, (xs, (torch.zeros(1, 1), torch.zeros(1, 1))), loss=False)


def lstm_cases():
    return seed_exercise_cases() + [
        lstm_case("basic", 1, 3, 5, 4, 2),
        lstm_case("no_bias", 2, 3, 4, 5, 2, bias=False),
        lstm_case("two_layers_state", 3, 4, 6, 5, 3, num_layers=2, with_state=True),
        lstm_case("three_layers_bidirectional", 4, 3, 4, 6, 2, num_layers=3, bidirectional=True),
        lstm_case("bidirectional_state", 5, 5, 8, 7, 3, bidirectional=True, with_state=True),
        lstm_case("proj_two_layers_state", 6, 4, 8, 5, 2, num_layers=2, proj_size=3, with_state=True),
        lstm_case("proj_bidirectional", 7, 3, 6, 4, 3, num_layers=2, proj_size=2, bidirectional=True),
        lstm_case("batch_first_state", 8, 3, 5, 6, 4, num_layers=2, batch_first=True, with_state=True),
        lstm_case("unbatched_state", 9, 3, 4, 5, 1, num_layers=2, with_state=True, unbatched=True),
        lstm_case("unbatched_bidirectional_proj", 10, 3, 5, 4, 1, bidirectional=True, proj_size=2,
                  batch_first=True, unbatched=True),
        lstm_case("lengths", 11, 3, 5, 7, 4, lengths=[7, 3, 1, 5]),
        lstm_case("lengths_bidirectional_proj_state", 12, 4, 6, 6, 3, num_layers=2, bidirectional=True,
                  proj_size=3, batch_first=True, with_state=True, lengths=[2, 6, 4]),
        lstm_case("seq_len_1", 13, 4, 5, 1, 3, num_layers=2, bidirectional=True),
        lstm_case("hidden_1", 14, 2, 1, 10, 2, with_state=True),
        lstm_case("no_bias_bidirectional_batch_first_state", 15, 3, 4, 5, 2, bias=False,
                  bidirectional=True, batch_first=True, with_state=True),
        lstm_case("long_lengths", 16, 5, 16, 50, 2, lengths=[50, 23], with_state=True),
        lstm_case("hidden_64_seq_50", 17, 32, 64, 50, 2),
    ]


def cell_cases():
    return [
        cell_case("cell_basic", 101, 3, 4, 2),
        cell_case("cell_unbatched_zero_state", 102, 5, 3, 1, with_state=False, unbatched=True),
        cell_case("cell_unbatched_state", 103, 4, 2, 1, unbatched=True),
        cell_case("cell_no_bias", 104, 3, 5, 3, bias=False),
        cell_case("cell_hidden_64", 105, 32, 64, 4),
    ]


class AddingModel(torch.nn.Module):
    """An LSTM and a linear head on its last output: the model the end-to-end test brings to tfjs."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(2, 16, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(16, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def adding_batch(batch, steps, gen):
    """The adding problem: values in channel 0, two markers in channel 1; the target is the sum of
    the two marked values."""
    values = torch.rand(batch, steps, generator=gen)
    markers = torch.zeros(batch, steps)
    for b in range(batch):
        first = int(torch.randint(0, steps // 2, (1,), generator=gen))
        second = int(torch.randint(steps // 2, steps, (1,), generator=gen))
        markers[b, first] = markers[b, second] = 1
    return torch.stack([values, markers], 2), (values * markers).sum(1, keepdim=True)


TRAINED_STEPS = 12


def trained_model():
    torch.manual_seed(2024)
    gen = torch.Generator().manual_seed(7)
    model = AddingModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(400):
        x, y = adding_batch(64, TRAINED_STEPS, gen)
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    x, y = adding_batch(8, TRAINED_STEPS, gen)
    with torch.no_grad():
        pred = model(x)
    sd = model.state_dict()
    tensors = [st.tensor(k, "F32", sd[k].reshape(-1).tolist(), list(sd[k].shape)) for k in sorted(sd)]
    weights = st.safetensors_bytes(tensors)
    info = {
        "torch": torch.__version__,
        "description": "nn.LSTM(2, 16, num_layers=2, batch_first=True) + nn.Linear(16, 1) on the last "
                       f"step, trained 400 Adam steps on the adding problem (length {TRAINED_STEPS})",
        "firstLoss": losses[0], "lastLoss": losses[-1],
        "input": arr(x), "target": arr(y), "prediction": arr(pred),
    }
    return weights, info


def check_export(path):
    """Loads weights exported from tfjs into AddingModel and compares its predictions with the
    fixture's (which came from the model trained here)."""
    with open(os.path.join(TRAINED, "adding.json")) as f:
        info = json.load(f)
    with open(path, "rb") as f:
        parsed = st.parse(f.read())
    sd = {k: torch.tensor(np.frombuffer(raw, dtype="<f4").copy()).reshape(shape)
          for k, (dtype, shape, raw) in parsed.items()}
    model = AddingModel()
    model.load_state_dict(sd)  # strict: every key and shape must match
    x = torch.tensor(info["input"]["data"], dtype=torch.float32).reshape(info["input"]["shape"])
    with torch.no_grad():
        pred = model(x).reshape(-1)
    expected = torch.tensor(info["prediction"]["data"])
    err = ((pred - expected).abs().max() / expected.abs().max()).item()
    print(f"{path}: {len(sd)} tensors loaded into PyTorch {torch.__version__}; "
          f"prediction relative error {err:.2e}")
    return err <= 1e-6


def clip_cases():
    """torch.nn.utils.clip_grad_norm_ and clip_grad_value_ on fixed random gradients."""
    cases = []
    for k, (max_norm, norm_type, scale) in enumerate(
            [(1.0, 2.0, 1.0), (0.5, 1.0, 1.0), (0.3, "inf", 1.0), (100.0, 2.0, 1.0), (2.0, 3.0, 0.01)]):
        torch.manual_seed(200 + k)
        params = [torch.nn.Parameter(torch.zeros(s)) for s in [(4, 3), (5,), (2, 2, 2)]]
        for p in params:
            p.grad = torch.randn(p.shape) * scale
        grads = [arr(p.grad) for p in params]
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=float(norm_type))
        cases.append({"maxNorm": max_norm, "normType": norm_type, "grads": grads,
                      "totalNorm": float(norm), "clipped": [arr(p.grad) for p in params]})
    torch.manual_seed(210)
    params = [torch.nn.Parameter(torch.zeros(s)) for s in [(4, 3), (6,)]]
    for p in params:
        p.grad = torch.randn(p.shape)
    value_case = {"clipValue": 0.5, "grads": [arr(p.grad) for p in params]}
    torch.nn.utils.clip_grad_value_(params, 0.5)
    value_case["clipped"] = [arr(p.grad) for p in params]
    return {"torch": torch.__version__, "norm": cases, "value": value_case}


def build():
    torch.set_default_dtype(torch.float32)
    return {
        "lstm": lstm_cases(),
        "lstm-cell": cell_cases() + [seed_exercise_part2()],
        "gru": hidden_cases("gru", 1000),
        "gru-cell": hidden_cell_cases("gru", 1100),
        "rnn": rnn_cases(),
        "rnn-cell": rnn_cell_cases(),
    }, {"clip.json": clip_cases()}


def write_golden(directory, goldens):
    """Records every case to <directory>/<folder>/<case>.safetensors. (golden/lstm.safetensors, the
    README's example, is python/record_golden.py's own: `record_golden.py --example FILE`.)"""
    for folder, cases in goldens.items():
        out = os.path.join(directory, folder)
        if os.path.isdir(out):
            shutil.rmtree(out)  # no file of a removed or renamed case stays behind
        os.makedirs(out)
        for case in cases:
            golden.record_golden(case["module"], case["inputs"], os.path.join(out, case["name"] + ".safetensors"),
                                 loss="projection" if case["weights"] else None, weights=case["weights"])


def golden_files(directory, folders):
    """{folder/name: bytes} of the golden files in those folders of directory."""
    found = {}
    for folder in folders:
        for name in os.listdir(os.path.join(directory, folder)):
            with open(os.path.join(directory, folder, name), "rb") as f:
                found[f"{folder}/{name}"] = f.read()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare regenerated fixtures with the files")
    parser.add_argument("--check-export", metavar="FILE", help="load tfjs-exported safetensors into PyTorch")
    args = parser.parse_args()
    if args.check_export:
        sys.exit(0 if check_export(args.check_export) else 1)
    goldens, files = build()
    weights, info = trained_model()
    if args.check:
        ok = True
        with tempfile.TemporaryDirectory() as tmp:
            write_golden(tmp, goldens)
            fresh, committed = golden_files(tmp, goldens), golden_files(GOLDEN, goldens)
        for name in sorted(set(fresh) | set(committed)):
            same = fresh.get(name) == committed.get(name)
            if not same:
                print(f"golden/{name}: {'DIFFERENT' if name in fresh and name in committed else 'MISSING' if name in fresh else 'EXTRA'}")
            ok = ok and same
        print(f"golden/: {len(fresh)} files, {'same' if ok else 'DIFFERENT'}")
        for fname, content in files.items():
            with open(os.path.join(FIXTURES, fname)) as f:
                same = json.load(f) == json.loads(json.dumps(content))
            print(f"{fname}: {'same' if same else 'DIFFERENT'}")
            ok = ok and same
        with open(os.path.join(TRAINED, "adding.safetensors"), "rb") as f:
            same = f.read() == weights
        print(f"trained/adding.safetensors: {'same' if same else 'DIFFERENT'}")
        sys.exit(0 if ok and same else 1)
    os.makedirs(TRAINED, exist_ok=True)
    with open(os.path.join(TRAINED, "adding.safetensors"), "wb") as f:
        f.write(weights)
    with open(os.path.join(TRAINED, "adding.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print(f"wrote trained/adding.safetensors and adding.json (loss {info['firstLoss']:.3f} -> {info['lastLoss']:.4f})")
    write_golden(GOLDEN, goldens)
    for folder, cases in goldens.items():
        size = sum(os.path.getsize(os.path.join(GOLDEN, folder, c["name"] + ".safetensors")) for c in cases)
        print(f"wrote {len(cases)} golden files to __tests__/fixtures/golden/{folder}/ ({size / 1024:.0f} KiB)")
    for fname, content in files.items():
        path = os.path.join(FIXTURES, fname)
        with open(path, "w") as f:
            json.dump(content, f, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
