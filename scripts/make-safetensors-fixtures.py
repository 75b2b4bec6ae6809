#!/usr/bin/python3
"""Safetensors test files for __tests__/safetensors.test.ts, written independently of src/io/safetensors.ts.

The format is implemented here from its description (struct + json), without the `safetensors`
package: 8 bytes little-endian u64 header size N, N bytes of UTF-8 JSON, then the tensors' bytes,
little-endian and row-major. The expected float32 values come from numpy's and torch's own dtype
conversions (float16 -> float32, bfloat16 -> float32, float64 -> float32), not from the formulas
the TypeScript reader uses, so the two implementations check each other.

Files written to __tests__/fixtures/safetensors/:
  reference-layout.safetensors  the reference writer's layout: `__metadata__` first, tensors sorted
                                by dtype (F64, F32, BF16, F16) then name, header padded with spaces
                                so that the data starts at a multiple of 8
  unaligned.safetensors         no padding, an odd header length, header keys in no particular
                                order, and tensors at offsets that break 4- and 8-byte alignment
  python-f32.safetensors        F32 only, names sorted by code point, padded: the file
                                writeSafetensors must reproduce byte for byte from the same values
  expected.json                 for each file: metadata, and each tensor (in data order) with its
                                dtype, shape and expected float32 values as hex bit patterns

Usage:
    /usr/bin/python3 scripts/make-safetensors-fixtures.py            # writes the files
    /usr/bin/python3 scripts/make-safetensors-fixtures.py --check    # regenerates in memory, compares
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "__tests__", "fixtures", "safetensors")


def f32_bits(a):
    """float32 values as hex bit patterns."""
    return ["0x%08x" % int(b) for b in np.ascontiguousarray(a, dtype=np.float32).reshape(-1).view("<u4")]


def tensor(name, dtype, values, shape):
    """(name, dtype, shape, raw little-endian bytes, expected float32 bits) for float `values`."""
    if dtype == "F16":
        a = np.array(values, dtype=np.float64).astype("<f2")
        raw, expected = a.tobytes(), a.astype(np.float32)
    elif dtype == "BF16":
        t = torch.tensor(values, dtype=torch.float32).to(torch.bfloat16)
        raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        expected = t.to(torch.float32).numpy()
    elif dtype == "F32":
        a = np.array(values, dtype=np.float64).astype("<f4")
        raw, expected = a.tobytes(), a
    elif dtype == "F64":
        a = np.array(values, dtype="<f8")
        with np.errstate(over="ignore", under="ignore"):
            raw, expected = a.tobytes(), a.astype(np.float32)
    else:
        raise ValueError(dtype)
    assert math.prod(shape) == len(values), (name, shape, len(values))
    return (name, dtype, list(shape), raw, f32_bits(expected))


def safetensors_bytes(tensors, metadata=None, pad=True, key_order=None):
    """A safetensors file: the tensors' data in the given order; header keys in `key_order`."""
    entries, offset = {}, 0
    for name, dtype, shape, raw, _ in tensors:
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in key_order or [t[0] for t in tensors]:
        header[name] = entries[name]
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def parse(data):
    """An independent reader, to check the files written here: name -> (dtype, shape, raw)."""
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    buf, pos, out = data[8 + n :], 0, {}
    sizes = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, end = e["data_offsets"]
        assert begin == pos and end - begin == math.prod(e["shape"]) * sizes[e["dtype"]], name
        out[name], pos = (e["dtype"], e["shape"], buf[begin:end]), end
    assert pos == len(buf)
    return out


def expected_json(expected):
    """expected.json with one line per tensor: readable, and small."""
    dump = lambda v: json.dumps(v, ensure_ascii=False)
    files = []
    for fname, e in expected.items():
        tensors = ",\n".join("   " + dump(t) for t in e["tensors"])
        files.append('  %s: {\n   "metadata": %s,\n   "tensors": [\n%s\n   ]\n  }' % (dump(fname), dump(e["metadata"]), tensors))
    text = "{\n" + ",\n".join(files) + "\n}\n"
    assert json.loads(text) == expected
    return text


def build():
    torch.manual_seed(0)
    inf, nan = float("inf"), float("nan")
    f32_max = float(np.finfo(np.float32).max)

    # The reference writer's layout. F16 values: 1, -2, the largest half, the smallest subnormal
    # half, inf, -inf, NaN, -0, 0.1 (inexact), the smallest normal, the largest subnormal, ...
    f16 = [1, -2, 65504, 2**-24, inf, -inf, nan, -0.0, 0.1, 2**-14, 1023 * 2**-24, 1 / 3, -65504, 0.0, 3.140625, -(2**-24)]
    # BF16 values are float32 values rounded by torch (to nearest even), 2^-133 is a bf16 subnormal.
    bf16 = [1, -2, 3.14159, 1e38, -1e-38, 2**-133, inf, nan, -0.0, 0.1, 3.3895313892515355e38, 65504]
    # F64 values rounding to float32: ties to even (1 + 2^-24 -> 1, 1 + 3 * 2^-24 -> 1 + 2^-22,
    # 2^-150 -> 0, 1.5 * 2^-150 -> 2^-149), overflow to inf, underflow to 0, the largest float32.
    f64 = [0.1, 1 / 3, 1 + 2**-24, 1 + 3 * 2**-24, 1e-45, 3.5e38, -0.0, inf, -inf, nan, 1e-50, 65504.0,
           f32_max, f32_max * (1 + 2**-25), 2**-149, 2**-150, 1.5 * 2**-150, -1e300]
    layout = [
        tensor("f64.values", "F64", f64, [3, 6]),
        tensor("f32.scalar", "F32", [42.5], []),
        tensor("f32.weight", "F32", torch.randn(12).tolist(), [2, 3, 2]),
        tensor("bf16.values", "BF16", bf16, [3, 4]),
        tensor("f16.empty", "F16", [], [0, 3]),
        tensor("f16.values", "F16", f16, [4, 4]),
    ]
    layout_meta = {"format": "pt"}

    # No padding, an odd header length (the note's length is chosen for that), keys in reverse.
    unaligned = [
        tensor("a.half", "F16", [1, -2, 0.5], [3]),
        tensor("b.float", "F32", torch.randn(4).tolist(), [2, 2]),
        tensor("c.double", "F64", [0.1, -1e-3, 1e10], [3]),
        tensor("d.bf16", "BF16", [1, -0.15625], [2]),
    ]
    order = [t[0] for t in reversed(unaligned)]
    note = ""
    while (len(safetensors_bytes(unaligned, {"note": note}, pad=False, key_order=order)) - 8) % 2 == 0:
        note += "x"
    unaligned_meta = {"note": note}

    # F32 only, in writeSafetensors's canonical form: names in code point order (so U+FF21 sorts
    # before U+1F600, unlike UTF-16 order), `__metadata__` first, its keys sorted too.
    specials = [0.0, -0.0, inf, -inf, nan, 2**-149, -(2**-149), f32_max, -f32_max, 2**-126, 1.0, 1 / 3]
    f32_only = [
        tensor("0", "F32", [7.0], [1]),
        tensor("bias", "F32", torch.randn(8).tolist(), [8]),
        tensor("empty", "F32", [], [0, 4]),
        tensor("scalar", "F32", [-1.5], []),
        tensor("specials", "F32", specials, [12]),
        tensor("w.\uff21", "F32", [2.0], [1]),
        tensor("w.\U0001f600", "F32", [3.0], [1]),
        tensor("weight_ih_l0", "F32", torch.randn(24).tolist(), [8, 3]),
        tensor("\u00fc", "F32", torch.randn(4).tolist(), [2, 1, 1, 2]),
    ]
    assert [t[0] for t in f32_only] == sorted(t[0] for t in f32_only)
    f32_meta = {"format": "pt", "source": "scripts/make-safetensors-fixtures.py"}

    files = {
        "reference-layout.safetensors": (safetensors_bytes(layout, layout_meta), layout, layout_meta),
        "unaligned.safetensors": (safetensors_bytes(unaligned, unaligned_meta, pad=False, key_order=order),
                                  unaligned, unaligned_meta),
        "python-f32.safetensors": (safetensors_bytes(f32_only, f32_meta), f32_only, f32_meta),
    }
    expected = {}
    for fname, (data, tensors, meta) in files.items():
        parsed = parse(data)
        assert list(parsed) == [t[0] for t in tensors]
        assert all(parsed[t[0]][2] == t[3] for t in tensors)
        expected[fname] = {
            "metadata": meta,
            "tensors": [{"name": t[0], "dtype": t[1], "shape": t[2], "float32": t[4]} for t in tensors],
        }
    out = {fname: v[0] for fname, v in files.items()}
    out["expected.json"] = expected_json(expected).encode("utf-8")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = ap.parse_args()
    files = build()
    if args.check:
        bad = []
        for name, data in files.items():
            path = os.path.join(OUT, name)
            if not os.path.exists(path) or open(path, "rb").read() != data:
                bad.append(name)
        if bad:
            print("out of date: " + ", ".join(bad), file=sys.stderr)
            sys.exit(1)
        print("fixtures up to date")
        return
    os.makedirs(OUT, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print("wrote %s (%d bytes)" % (os.path.relpath(os.path.join(OUT, name), ROOT), len(data)))


if __name__ == "__main__":
    main()
