#!/usr/bin/env python3
"""Golden files from PyTorch, for tests that pin a tfjs model to PyTorch's numbers.

``record_golden(module, inputs, path, loss=None)`` runs ``module(*inputs)`` and writes, to one
safetensors file: the module's state dict, the inputs, the outputs, and, when ``loss`` is given,
the gradients of that loss with respect to the module's parameters and to the floating-point
inputs. In JavaScript, ``loadGolden(path)`` from ``tfjs-lstm/testing/node`` reads it back as
tensors, with a ready comparison (see the README, "Testing your own models").

Works with any PyTorch >= 1.13 and needs nothing else: the safetensors format (8 bytes of
little-endian header size, a JSON header, the raw little-endian data) is written here with
``struct`` and ``json``, so neither the ``safetensors`` package nor numpy is required.

Tensor names in the file (``<path>`` is the position in a nested tuple/list, e.g. ``1.0`` for
``h_0`` in ``lstm(x, (h_0, c_0))``):

    state.<key>          the state dict: parameters and buffers, PyTorch's names
    input.<path>         the inputs, flattened depth first
    output.<path>        the outputs, flattened depth first: nn.LSTM's (output, (h_n, c_n)) gives
                         output.0, output.1.0, output.1.1
    loss_weight.<path>   with loss="projection": the fixed weights P of each output
    grad.state.<key>     with a loss: d loss / d parameter (parameters only, not buffers)
    grad.input.<path>    with a loss: d loss / d input, for each floating-point input

The header's ``__metadata__`` (strings only, as the format requires) says which is which:
``format`` ("tfjs-lstm-golden/1"), ``inputs``, ``outputs``, ``state``, ``grads`` (JSON lists of the
names above, in order), ``loss`` ("none", "projection", or the loss function's source), ``torch``
(the version that wrote the file), ``module`` (its repr), ``training`` ("True"/"False") and
``options``: a JSON object of the module's constructor options as PyTorch names them, the
attributes its class lists in ``__constants__`` (nn.LSTM's ``input_size``, ``hidden_size``,
``num_layers``, ``bias``, ``batch_first``, ``dropout``, ``bidirectional``, ``proj_size`` and
``mode``; ``{}`` for a module without them), so that a test can build the same module in tfjs.
Readers ignore metadata they do not know, so files without ``options`` (written before it was
added) read as before.

``loss`` is ``None`` (no gradients), ``"projection"`` (sum over the outputs of
``(output * P).sum()``, P standard normal from ``torch.Generator().manual_seed(seed)`` and
stored in the file, so that ``golden.loss(outputs)`` computes the same loss in tfjs), or a
function of the outputs (as the module returns them) returning a scalar tensor; the JavaScript
test then computes that loss itself. With ``"projection"``, ``weights`` may give P instead: one
tensor per floating-point output, in the order of the flattened outputs, each of its output's
shape and dtype (for weights drawn some other way, e.g. from the global generator after the
forward pass, as tfjs-lstm's own fixtures are, scripts/make-fixtures.py).

Usage:
    from record_golden import record_golden
    lstm = torch.nn.LSTM(3, 4, num_layers=2)
    x, h0, c0 = torch.randn(5, 2, 3), torch.randn(2, 2, 4), torch.randn(2, 2, 4)
    record_golden(lstm, (x, (h0, c0)), "lstm.safetensors", loss="projection")

    python3 record_golden.py --example out.safetensors   # the example file of tfjs-lstm's tests
"""
import argparse
import inspect
import json
import struct

import torch

FORMAT = "tfjs-lstm-golden/1"

# torch dtype -> (safetensors dtype, struct code, the dtype whose values struct packs)
_DTYPES = {
    torch.float64: ("F64", "d", None),
    torch.float32: ("F32", "f", None),
    torch.float16: ("F16", "e", None),
    torch.bfloat16: ("BF16", "h", torch.int16),  # its bits, through an int16 view
    torch.int64: ("I64", "q", None),
    torch.int32: ("I32", "i", None),
    torch.int16: ("I16", "h", None),
    torch.int8: ("I8", "b", None),
    torch.uint8: ("U8", "B", None),
    torch.bool: ("BOOL", "?", None),
}


def _flatten(tree, prefix):
    """[(name, tensor)] of a tensor or nested tuples/lists of tensors, depth first."""
    if isinstance(tree, torch.Tensor):
        return [(prefix, tree)]
    if isinstance(tree, (tuple, list)):
        out = []
        for k, item in enumerate(tree):
            out += _flatten(item, f"{prefix}.{k}")
        return out
    raise TypeError(f"{prefix}: expected a tensor or a tuple/list of tensors, got {type(tree).__name__}")


def _tensor_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype not in _DTYPES:
        raise TypeError(f"cannot write a tensor of dtype {t.dtype}")
    name, code, view = _DTYPES[t.dtype]
    values = (t.view(view) if view is not None else t).reshape(-1).tolist()
    return name, list(t.shape), struct.pack(f"<{len(values)}{code}", *values)


def write_safetensors(path, tensors, metadata):
    """Writes ``tensors`` (name -> tensor, in data order) and string ``metadata`` as safetensors."""
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    chunks, offset = [], 0
    for name, t in tensors.items():
        dtype, shape, raw = _tensor_bytes(t)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def _rebuild(tree, leaves):
    """``tree``'s structure with its tensors replaced, in order, by ``leaves``."""
    if isinstance(tree, torch.Tensor):
        return leaves.pop(0)
    return type(tree)(_rebuild(item, leaves) for item in tree)


def _options(module):
    """The module's constructor options, as its class lists them in ``__constants__``, JSON-ready."""

    def plain(v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return True
        return isinstance(v, (tuple, list)) and all(plain(item) for item in v)

    names = getattr(type(module), "__constants__", [])
    values = {name: getattr(module, name) for name in names if hasattr(module, name)}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items() if plain(v)}


def record_golden(module, inputs, path, loss=None, seed=0, weights=None):
    """Runs ``module(*inputs)`` and writes its state dict, inputs, outputs (and gradients) to ``path``.

    module:  a torch.nn.Module (in the mode to record: call ``.eval()`` first for inference).
    inputs:  a tensor, or a tuple of the positional arguments (each a tensor or nested tuple of them).
    path:    the .safetensors file to write.
    loss:    None, "projection", or a function of the outputs returning a scalar tensor.
    seed:    the seed of the projection weights.
    weights: with loss="projection", the projection weights P themselves instead of seeded ones: a
             list of tensors, one per floating-point output (flattened order), of its shape and dtype.
    Returns the outputs.
    """
    if weights is not None and loss != "projection":
        raise ValueError(f'weights are the projection\'s: pass loss="projection" with them, got loss={loss!r}')
    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    flat_inputs = _flatten(inputs, "input")
    # Leaves of their own, so that their gradients are recorded and the caller's are untouched.
    leaves = [t.detach().clone().requires_grad_(loss is not None and t.is_floating_point()) for _, t in flat_inputs]
    args = _rebuild(inputs, list(leaves))
    with torch.set_grad_enabled(loss is not None):
        outputs = module(*args)
    flat_outputs = _flatten(outputs, "output")

    tensors = {}
    state = module.state_dict()
    for key, t in state.items():
        tensors[f"state.{key}"] = t
    for (name, _), t in zip(flat_inputs, leaves):
        tensors[name] = t
    for name, t in flat_outputs:
        tensors[name] = t

    grads = []
    loss_text = "none"
    if loss is not None:
        module.zero_grad(set_to_none=True)
        if loss == "projection":
            gen = torch.Generator().manual_seed(seed)
            floating = [(name, t) for name, t in flat_outputs if t.is_floating_point()]
            if weights is not None and len(weights) != len(floating):
                raise ValueError(f"weights: expected {len(floating)} tensors (one per floating-point output), "
                                 f"got {len(weights)}")
            total = 0
            for k, (name, t) in enumerate(floating):
                if weights is None:
                    weight = torch.randn(t.shape, generator=gen, dtype=torch.float64).to(t.dtype)
                else:
                    weight = weights[k].detach()
                    if weight.shape != t.shape or weight.dtype != t.dtype:
                        raise ValueError(f"weights[{k}]: expected shape {list(t.shape)} and {t.dtype} like {name}, "
                                         f"got shape {list(weight.shape)} and {weight.dtype}")
                tensors["loss_weight." + name[len("output."):]] = weight
                total = total + (t * weight).sum()
            value = total
            loss_text = "projection"
        elif callable(loss):
            value = loss(outputs)
            try:
                loss_text = inspect.getsource(loss).strip()
            except (OSError, TypeError):
                loss_text = repr(loss)
        else:
            raise ValueError(f'loss must be None, "projection" or a function of the outputs, got {loss!r}')
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise ValueError("the loss must be a scalar tensor")
        value.backward()
        for key, p in module.named_parameters():
            if p.grad is not None:
                tensors[f"grad.state.{key}"] = p.grad
                grads.append(f"grad.state.{key}")
        for (name, _), t in zip(flat_inputs, leaves):
            if t.grad is not None:
                tensors[f"grad.{name}"] = t.grad
                grads.append(f"grad.{name}")

    metadata = {
        "format": FORMAT,
        "torch": torch.__version__,
        "module": repr(module),
        "training": str(module.training),
        "options": json.dumps(_options(module)),
        "state": json.dumps(list(state.keys())),
        "inputs": json.dumps([name for name, _ in flat_inputs]),
        "outputs": json.dumps([name for name, _ in flat_outputs]),
        "grads": json.dumps(grads),
        "loss": loss_text,
    }
    write_safetensors(path, tensors, metadata)
    return outputs


def example(path):
    """The golden file of tfjs-lstm's own tests (__tests__/fixtures/golden/lstm.safetensors)."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, num_layers=2)
    x = torch.randn(5, 2, 3)  # [T, N, input_size]
    h0 = torch.randn(2, 2, 4)  # [num_layers, N, hidden_size]
    c0 = torch.randn(2, 2, 4)
    record_golden(lstm, (x, (h0, c0)), path, loss="projection")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--example", metavar="FILE", required=True, help="write the example golden file to FILE")
    example(parser.parse_args().example)
