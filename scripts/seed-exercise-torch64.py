"""PyTorch float64 gradients of the seed_exercise_part3 golden file (its weights, input and loss
weights, read from the file), printed as JSON: the SEED_EXERCISE_TORCH64 numbers of
__tests__/helpers/fixtures.ts. /usr/bin/python3 scripts/seed-exercise-torch64.py"""
import json, struct, sys
import numpy as np, torch
path = "__tests__/fixtures/golden/lstm/seed_exercise_part3.safetensors"
b = open(path, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
header = json.loads(b[8:8 + n]); data = b[8 + n:]
def t(name):
    e = header[name]; s, e2 = e["data_offsets"]
    assert e["dtype"] == "F32"
    return torch.from_numpy(np.frombuffer(data[s:e2], dtype=np.float32).reshape(e["shape"]).astype(np.float64))
lstm = torch.nn.LSTM(4, 1, batch_first=True).double()
with torch.no_grad():
    for k, p in lstm.named_parameters(): p.copy_(t("state." + k))
x = t("input.0").clone().requires_grad_(True)
out, (h, c) = lstm(x)
loss = (out * t("loss_weight.0")).sum() + (h * t("loss_weight.1.0")).sum() + (c * t("loss_weight.1.1")).sum()
loss.backward()
res = {k: p.grad.flatten().tolist() for k, p in lstm.named_parameters()}
res["input"] = x.grad.flatten().tolist()
print(json.dumps(res))
