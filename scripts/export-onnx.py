#!/usr/bin/python3
"""The benchmark's peer model: one PyTorch nn.LSTM, exported to ONNX for onnxruntime, and its
weights and a reference run as a golden file for tfjs-lstm, so that `npm run bench` times the
same weights in both and prints how closely their outputs agree.

Writes to bench/models/ (not committed; `npm run bench:peers` runs this):
  lstm-i64-h128.onnx            nn.LSTM(64, 128), inputs (input [T, N, 64], h0 [1, N, 128],
                                c0 [1, N, 128]), outputs (output, hn, cn); T and N dynamic
  lstm-i64-h128.safetensors     python/record_golden.py's file of the same module: its state dict
                                and one run, input [5, 2, 64] with random states

Usage:
    /usr/bin/python3 scripts/export-onnx.py
"""
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from record_golden import record_golden  # noqa: E402

INPUT, HIDDEN = 64, 128


class Stateful(torch.nn.Module):
    """nn.LSTM with its state as separate inputs and outputs, as ONNX's LSTM takes them."""

    def __init__(self, lstm):
        super().__init__()
        self.lstm = lstm

    def forward(self, x, h0, c0):
        output, (hn, cn) = self.lstm(x, (h0, c0))
        return output, hn, cn


def main():
    out_dir = os.path.join(ROOT, "bench", "models")
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(INPUT, HIDDEN).eval()
    model = Stateful(lstm).eval()
    x = torch.randn(5, 2, INPUT)
    h0, c0 = torch.randn(1, 2, HIDDEN), torch.randn(1, 2, HIDDEN)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (x, h0, c0),
            os.path.join(out_dir, "lstm-i64-h128.onnx"),
            input_names=["input", "h0", "c0"],
            output_names=["output", "hn", "cn"],
            dynamic_axes={
                "input": {0: "steps", 1: "batch"},
                "h0": {1: "batch"},
                "c0": {1: "batch"},
                "output": {0: "steps", 1: "batch"},
                "hn": {1: "batch"},
                "cn": {1: "batch"},
            },
            opset_version=14,
        )
    record_golden(lstm, (x, (h0, c0)), os.path.join(out_dir, "lstm-i64-h128.safetensors"))
    print(f"wrote {out_dir}/lstm-i64-h128.onnx and .safetensors (torch {torch.__version__})")


if __name__ == "__main__":
    main()
