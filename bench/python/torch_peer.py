"""PyTorch (CPU) as a worker process of Partita's peers benchmark.

Speaks the line protocol of org.partita.bench.peers.PeerWorker on stdin/stdout: the coordinator
(PeersBench) sends `data DIR`, `model NAME SPEC.json`, `run STEPS` and `quit`; every reply starts
with "@peer ". The network is built from the JSON of Partita's own ModelSpec (layer by layer, the
same shapes), so the topology is never written out a second time. Training is what a PyTorch user
writes: eager mode, float32, nn.CrossEntropyLoss (mean over the batch), torch.optim.Adam, one
optimizer step per batch.

    /usr/bin/python3 bench/python/torch_peer.py LEARNING_RATE THREADS

Threads: torch.set_num_threads(THREADS) (intra-op, OpenMP), one inter-op thread. Whether idle
OpenMP threads spin is OMP_WAIT_POLICY, set (or not) by the coordinator in the environment.
"""
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

PREFIX = "@peer "


def reply(text):
    sys.stdout.write(PREFIX + text + "\n")
    sys.stdout.flush()


ACTIVATIONS = {"IDENTITY": None, "RELU": nn.ReLU, "TANH": nn.Tanh, "SIGMOID": nn.Sigmoid}


class Flat(nn.Module):
    """Partita's Dense takes any input shape as one feature vector per sample."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.flatten(1))


class Recurrent(nn.Module):
    """A recurrent layer over (batch, time, features); the last step only unless it returns sequences."""

    def __init__(self, inner, return_sequences):
        super().__init__()
        self.inner = inner
        self.return_sequences = return_sequences

    def forward(self, x):
        out, _ = self.inner(x)
        return out if self.return_sequences else out[:, -1, :]


def activation(layers, name):
    if ACTIVATIONS[name] is not None:
        layers.append(ACTIVATIONS[name]())


def build(spec):
    layers = []
    for layer in spec["layers"]:
        kind = layer["type"]
        if kind == "DenseSpec":
            if layer.get("timeSteps", 1) != 1:
                raise NotImplementedError("per-step dense layers are not translated")
            layers.append(Flat(nn.Linear(layer["inputs"], layer["outputs"])))
            activation(layers, layer["activation"])
        elif kind == "Conv2DSpec":
            w = layer["window"]
            layers.append(nn.Conv2d(layer["input"]["channels"], layer["filters"], (w["height"], w["width"]),
                                    stride=w["stride"], padding=w["padding"]))
            activation(layers, layer["activation"])
        elif kind == "MaxPool2DSpec":
            w = layer["window"]
            layers.append(nn.MaxPool2d((w["height"], w["width"]), stride=w["stride"], padding=w["padding"]))
        elif kind == "AvgPool2DSpec":
            w = layer["window"]
            layers.append(nn.AvgPool2d((w["height"], w["width"]), stride=w["stride"], padding=w["padding"]))
        elif kind == "FlattenSpec":
            layers.append(nn.Flatten())
        elif kind == "DropoutSpec":
            layers.append(nn.Dropout(layer["rate"]))
        elif kind in ("LstmSpec", "GruSpec", "SimpleRnnSpec"):
            cell = {"LstmSpec": nn.LSTM, "GruSpec": nn.GRU, "SimpleRnnSpec": nn.RNN}[kind]
            layers.append(Recurrent(cell(layer["inputs"], layer["hidden"], batch_first=True),
                                    layer["returnSequences"]))
        else:
            raise NotImplementedError("layer type %s is not translated" % kind)
    if spec["loss"] != "SOFTMAX_CROSS_ENTROPY":
        raise NotImplementedError("loss %s is not translated" % spec["loss"])
    return nn.Sequential(*layers)


def input_view(spec, first_layer):
    """How a flat sample (Partita's C×H×W, time-major for sequences) is shaped for the first layer."""
    shape = spec["inputShape"]
    if first_layer["type"] == "Conv2DSpec":
        return (shape["channels"], shape["height"], shape["width"])
    if first_layer["type"] in ("LstmSpec", "GruSpec", "SimpleRnnSpec"):
        return (first_layer["timeSteps"], first_layer["inputs"])
    return (shape["channels"] * shape["height"] * shape["width"],)


def main():
    learning_rate = float(sys.argv[1])
    threads = int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    reply("hello PyTorch %s (CPU, eager; oneDNN %s; %d intra-op thread(s); OMP_WAIT_POLICY=%s; python %s)" % (
        torch.__version__, "on" if torch.backends.mkldnn.is_available() else "off", torch.get_num_threads(),
        os.environ.get("OMP_WAIT_POLICY", "unset"), sys.version.split()[0]))
    inputs = labels = None
    model = optimizer = None
    loss_function = nn.CrossEntropyLoss()
    next_batch = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "data":
                with open(os.path.join(words[1], "batches.txt")) as f:
                    count, batch, features, _ = (int(v) for v in f.read().split())
                x = np.fromfile(os.path.join(words[1], "inputs.f32"), dtype="<f4").reshape(count, batch, features)
                y = np.fromfile(os.path.join(words[1], "labels.i32"), dtype="<i4").reshape(count, batch)
                inputs = torch.from_numpy(x.copy())
                labels = torch.from_numpy(y.astype(np.int64))
                reply("data %d %d" % (count, batch))
            elif words[0] == "model":
                with open(words[2]) as f:
                    spec = json.load(f)
                model = optimizer = None
                try:
                    model = build(spec)
                except NotImplementedError as missing:
                    reply("unsupported " + str(missing))
                    continue
                model.train()
                optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
                view = input_view(spec, spec["layers"][0])
                shaped = inputs.view((inputs.shape[0], inputs.shape[1]) + view)
                batches = [shaped[k].contiguous() for k in range(shaped.shape[0])]
                next_batch = 0
                reply("model %d" % sum(p.numel() for p in model.parameters()))
            elif words[0] == "run":
                steps = int(words[1])
                loss_sum = 0.0
                cpu = time.process_time()
                start = time.perf_counter()
                for _ in range(steps):
                    optimizer.zero_grad(set_to_none=True)
                    loss = loss_function(model(batches[next_batch]), labels[next_batch])
                    loss.backward()
                    optimizer.step()
                    value = loss.item()
                    if not np.isfinite(value):
                        raise ValueError("the loss became %s" % value)
                    loss_sum += value
                    next_batch = (next_batch + 1) % len(batches)
                wall = time.perf_counter() - start
                reply("ran %.6f %.6f %.6f" % (wall, time.process_time() - cpu, loss_sum / steps))
            elif words[0] == "quit":
                reply("bye")
                return
            else:
                raise ValueError("unknown command '%s'" % line.strip())
        except Exception as error:  # the coordinator reads the message; the trace goes to stderr
            reply("error " + str(error).replace("\n", " "))
            raise


if __name__ == "__main__":
    main()
