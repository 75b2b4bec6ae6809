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
(the version that wrote the file), ``module`` (its repr) and ``training`` ("True"/"False").

``loss`` is ``None`` (no gradients), ``"projection"`` (sum over the outputs of
``(output * P).sum()``, P standard normal from ``torch.Generator().manual_seed(seed)`` and
stored in the file, so that ``golden.loss(outputs)`` computes the same loss in tfjs), or a
function of the outputs (as the module returns them) returning a scalar tensor; the JavaScript
test then computes that loss itself.

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


def record_golden(module, inputs, path, loss=None, seed=0):
    """Runs ``module(*inputs)`` and writes its state dict, inputs, outputs (and gradients) to ``path``.

    module: a torch.nn.Module (in the mode to record: call ``.eval()`` first for inference).
    inputs: a tensor, or a tuple of the positional arguments (each a tensor or nested tuple of them).
    path:   the .safetensors file to write.
    loss:   None, "projection", or a function of the outputs returning a scalar tensor.
    seed:   the seed of the projection weights.
    Returns the outputs.
    """
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
            total = 0
            for name, t in flat_outputs:
                if not t.is_floating_point():
                    continue
                weight = torch.randn(t.shape, generator=gen, dtype=torch.float64).to(t.dtype)
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
