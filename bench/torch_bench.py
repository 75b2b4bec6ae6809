#!/usr/bin/python3
"""PyTorch's nn.LSTM (or nn.GRU, with a seventh argument "gru") timed the way bench/run.ts times
tfjs-lstm: forward (no grad) and a training step (forward, backward, Adam update) on
loss = mean(output ** 2), batch-first input.
Prints one JSON line: {"torch": version, "threads": n, "forwardMs": [...], "trainMs": [...]}."""
import json
import sys
import time

import torch

batch, steps, input_size, hidden, repeats, threads = (int(v) for v in sys.argv[1:7])
cell = sys.argv[7] if len(sys.argv) > 7 else "lstm"
torch.set_num_threads(threads)
torch.manual_seed(0)
lstm = (torch.nn.GRU if cell == "gru" else torch.nn.LSTM)(input_size, hidden, batch_first=True)
opt = torch.optim.Adam(lstm.parameters(), lr=1e-3)
x = torch.randn(batch, steps, input_size)


def forward():
    with torch.no_grad():
        lstm(x)


def train():
    opt.zero_grad()
    out, _ = lstm(x)
    (out ** 2).mean().backward()
    opt.step()


def timed(f):
    for _ in range(3):
        f()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return times


print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                  "forwardMs": timed(forward), "trainMs": timed(train)}))
