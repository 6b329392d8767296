#!/usr/bin/env python3
"""PyTorch peer of webgpu-optbench: the study's training work written in PyTorch, for
`npm run bench:perf` (src/bench/peers/torch.ts runs it and reads its output).

The workload is the study's: MLP 784-128-128-10, ReLU, softmax cross-entropy averaged over
the batch, Glorot-uniform weights, zero biases, batch 128, the training images reshuffled
every epoch, the last partial batch kept; modes `default`, `L2` (loss + lambda/(2n) sum of
squared weights, n the batch's rows, biases excluded) and `dropout` (inverted dropout with
probability p after each hidden ReLU); optimizers `sgd` (momentum, Keras form
v = m v - lr g, p += v, which equals torch.optim.SGD's at a constant lr), `adam` (paper/PyTorch
form), `rmsprop` (eps outside the root, no momentum) and `custom` (Adam with a signed
cube-root third moment; src/optim/specs/custom.ts). Per epoch: train loss and accuracy
(accumulated on the device during the epoch), validation on the samples after the training
ones; after the last epoch: test loss and accuracy.

Three ways to run the study (--mode):
  batched  every trial of a data set stacked: parameters [T, ...], torch.bmm, the backward
           pass and the optimizer updates written as tensor ops over all trials; eager;
  graphs   the same, each training step captured once in a CUDA graph and replayed (CUDA only);
  loop     the usual way: one model at a time, nn.Sequential + torch.optim (custom is a small
           torch.optim.Optimizer subclass).
--task steps measures steady-state training steps/s of one model (the loop's code, T = 1);
--task throughput times a few steps of stacked trials and one validation pass, as bench:perf
times the engine; --task info says which torch, device and BLAS this Python has.

Threads, as a careful user sets them (--threads, --blas-threads; auto by default): on a CPU
each task first tries torch's intra-op threads x the BLAS library's threads, each 1 or the
core count, on its own steps for a moment, and runs with the fastest. Every result says
which BLAS torch called (blas_info.py: the library its sgemm_ resolves to; version and
threads from threadpoolctl where installed) and which threads it chose among which tried. On netlib's reference BLAS
(Debian's python3-torch installed alone) it still runs, and says its speed is not
representative.

Output: one line per measurement on stdout, RESULT_TAG + JSON; progress on stderr. Seconds
cover training and evaluation; loading the data onto the device, warm-up, graph capture and
choosing threads are reported apart and are not in them. Only torch, the standard library
and, where installed, threadpoolctl.
"""
import argparse
import gzip
import json
import math
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_info  # noqa: E402 (beside this file): which BLAS torch calls, and setting its threads

RESULT_TAG = 'TORCH_PEER_RESULT '
EVAL_BATCH = 1000
REPS = 5  # timed repetitions a steps/s figure is the median of (STEP_REPS in src/bench/measure/timing.ts)

try:
    import torch
except ImportError as e:  # torch.ts checks for torch first; this is for people running it by hand
    sys.stderr.write(f'torch_peer: cannot import torch ({e}); install python3-torch or pip install torch\n')
    sys.exit(3)


def log(s):
    sys.stderr.write(f'{s}\n')
    sys.stderr.flush()


def emit(result):
    sys.stdout.write(RESULT_TAG + json.dumps(result) + '\n')
    sys.stdout.flush()


# ---------------------------------------------------------------- data

def read_idx(directory, name, dims):
    """One IDX file (raw or .gz) of the four official ones, as bytes after its header. The
    caller (torch.ts) has already checked every file's SHA-256 through the project's loader."""
    for path in (os.path.join(directory, name), os.path.join(directory, name + '.gz')):
        if os.path.exists(path):
            with open(path, 'rb') as f:
                raw = f.read()
            if raw[:2] == b'\x1f\x8b':
                raw = gzip.decompress(raw)
            ndim = raw[3]
            shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
            if raw[2] != 8 or ndim != dims:
                raise ValueError(f'{path}: not an unsigned-byte IDX file with {dims} dimensions')
            return shape, raw[4 + 4 * ndim:]
    raise FileNotFoundError(f'{directory}: no {name} or {name}.gz')


def load_split(directory, prefix, device):
    shape, pixels = read_idx(directory, f'{prefix}-images-idx3-ubyte', 3)
    _, labels = read_idx(directory, f'{prefix}-labels-idx1-ubyte', 1)
    images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).view(shape[0], shape[1] * shape[2])
    labels = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return images.to(device), labels.to(device)


class Data:
    """Training, validation and test images as uint8 and labels as int64, on the device. A
    batch is gathered and scaled to [0, 1] inside each step, as the engine does."""

    def __init__(self, directory, train_count, validation, device):
        t0 = time.perf_counter()
        images, labels = load_split(directory, 'train', device)
        if train_count + validation > images.shape[0]:
            raise ValueError(f'{train_count} training + {validation} validation samples exceed the {images.shape[0]} of the training split')
        self.train_x, self.train_y = images[:train_count], labels[:train_count]
        self.val_x, self.val_y = images[train_count:train_count + validation], labels[train_count:train_count + validation]
        self.test_x, self.test_y = load_split(directory, 't10k', device)
        sync(device)
        self.load_seconds = time.perf_counter() - t0


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


# ---------------------------------------------------------------- the grid

SUPPORTED_FLAGS = {'adam': ('keras',), 'rmsprop': ('keras', 'centered', 'momentum'), 'sgd': ('nesterov',)}


def check_hyper(opt, h):
    for flag in SUPPORTED_FLAGS.get(opt, ()):
        if h.get(flag, 0):
            raise ValueError(f'{opt}.{flag}={h[flag]} is not implemented by the PyTorch peer (it runs the study\'s default formulations)')
    if opt not in ('sgd', 'adam', 'rmsprop', 'custom'):
        raise ValueError(f'optimizer {opt} is not implemented by the PyTorch peer (sgd, adam, rmsprop, custom)')


def plan(args):
    """The trials of one data set in the study's order: optimizer, regularization mode, seed."""
    trials = []
    for opt in args.optimizers:
        h = args.hyper[opt]
        check_hyper(opt, h)
        for reg in args.regs:
            for seed in args.seeds:
                trials.append({'optimizer': opt, 'hyper': h, 'reg': reg, 'seed': seed,
                               'l2': args.l2 if reg == 'L2' else 0.0, 'dropout': args.dropout if reg == 'dropout' else 0.0})
    return trials


# ---------------------------------------------------------------- batched (written by hand)

class Stack:
    """T MLPs stacked along dimension 0. Parameters, gradients and each optimizer state are
    one arena [T, P] per role, so an optimizer's update over its trials (a contiguous range
    of rows: the plan groups trials by optimizer) is a handful of tensor ops in all."""

    def __init__(self, trials, sizes, device):
        self.trials, self.sizes, self.device = trials, sizes, device
        T = len(trials)
        self.layers = []  # (weight offset, bias offset, fan in, fan out)
        o = 0
        for fi, fo in zip(sizes[:-1], sizes[1:]):
            self.layers.append((o, o + fi * fo, fi, fo))
            o += fi * fo + fo
        P = o
        self.params = torch.zeros(T, P, device=device)
        self.grads = torch.zeros(T, P, device=device)
        weight = torch.zeros(P, device=device)
        for w, b, fi, fo in self.layers:
            weight[w:b] = 1
        # L2 gradient coefficient per element: lambda_t on weights, 0 on biases (divided by n per step).
        self.l2 = torch.tensor([t['l2'] for t in trials], device=device)[:, None] * weight[None, :]
        self.keep = torch.tensor([1 - t['dropout'] for t in trials], device=device)[:, None, None]
        self.dropping = any(t['dropout'] > 0 for t in trials)
        # float64: 1 - beta3^t (beta3 = 0.999987) loses its digits in float32.
        self.step_count = torch.zeros((), dtype=torch.float64, device=device)
        self.groups = []  # (optimizer, hyper, rows slice, state tensors)
        start = 0
        while start < T:
            end = start
            while end < T and trials[end]['optimizer'] == trials[start]['optimizer']:
                end += 1
            opt = trials[start]['optimizer']
            slots = {'sgd': 1, 'adam': 2, 'rmsprop': 1, 'custom': 3}[opt]
            self.groups.append((opt, trials[start]['hyper'], slice(start, end), [torch.zeros(end - start, P, device=device) for _ in range(slots)]))
            start = end
        self.loss_sum = torch.zeros(T, device=device)
        self.correct = torch.zeros(T, device=device)

    def view(self, arena, layer):
        w, b, fi, fo = self.layers[layer]
        return arena[:, w:w + fi * fo].view(-1, fi, fo), arena[:, b:b + fo]

    def initialize(self):
        """Glorot-uniform weights from each trial's seed, zero biases, zero optimizer state; in
        place, so that captured graphs keep their addresses."""
        for t, trial in enumerate(self.trials):
            g = torch.Generator().manual_seed(trial['seed'])
            row = torch.zeros(self.params.shape[1])
            for w, b, fi, fo in self.layers:
                limit = math.sqrt(6 / (fi + fo))
                row[w:w + fi * fo] = torch.rand(fi * fo, generator=g) * (2 * limit) - limit
            self.params[t].copy_(row)
        for _, _, _, state in self.groups:
            for s in state:
                s.zero_()
        self.step_count.zero_()

    def step(self, images, labels, idx):
        """One training step of every trial on its rows idx [T, n] of the training images."""
        n = idx.shape[1]
        x = images[idx].float().mul_(1 / 255)  # [T, n, 784]
        y = labels[idx]  # [T, n]
        acts, masks = [x], []
        h = x
        last = len(self.layers) - 1
        for i in range(len(self.layers)):
            W, b = self.view(self.params, i)
            z = torch.baddbmm(b[:, None, :], h, W)
            if i < last:
                mask = z > 0
                if self.dropping:
                    mask = mask * (torch.rand(z.shape, device=z.device) < self.keep) / self.keep
                h = z * mask
                masks.append(mask)
                acts.append(h)
            else:
                h = z
        logp = torch.log_softmax(h, dim=2)
        self.loss_sum -= logp.gather(2, y[:, :, None]).sum((1, 2))
        self.correct += (h.argmax(2) == y).sum(1)
        g = logp.exp_()
        g.scatter_add_(2, y[:, :, None], torch.full((1, 1, 1), -1.0, device=g.device).expand(y.shape[0], n, 1))
        g.mul_(1 / n)
        for i in range(last, -1, -1):
            W, _ = self.view(self.params, i)
            gW, gb = self.view(self.grads, i)
            torch.bmm(acts[i].transpose(1, 2), g, out=gW)
            torch.sum(g, 1, out=gb)
            if i > 0:
                g = torch.bmm(g, W.transpose(1, 2)).mul_(masks[i - 1])
        self.grads.addcmul_(self.params, self.l2, value=1 / n)
        self.step_count += 1
        for opt, h, rows, state in self.groups:
            update(opt, h, self.params[rows], self.grads[rows], state, self.step_count)

    def evaluate(self, images, labels):
        """Mean loss and accuracy of every trial on the images; one product per batch for the
        first layer (the batch is the same for all trials)."""
        T = len(self.trials)
        loss = torch.zeros(T, device=self.device)
        correct = torch.zeros(T, device=self.device)
        for s in range(0, images.shape[0], EVAL_BATCH):
            x = images[s:s + EVAL_BATCH].float().mul_(1 / 255)
            y = labels[s:s + EVAL_BATCH]
            rows = x.shape[0]
            W, b = self.view(self.params, 0)
            h = (x @ W.transpose(0, 1).reshape(W.shape[1], -1)).view(rows, T, -1).transpose(0, 1) + b[:, None, :]
            h = torch.relu(h)
            for i in range(1, len(self.layers)):
                W, b = self.view(self.params, i)
                h = torch.baddbmm(b[:, None, :], h, W)
                if i < len(self.layers) - 1:
                    h = torch.relu(h)
            logp = torch.log_softmax(h, dim=2)
            loss -= logp.gather(2, y[None, :, None].expand(T, rows, 1)).sum((1, 2))
            correct += (h.argmax(2) == y[None, :]).sum(1)
        count = images.shape[0]
        return (loss / count).tolist(), (correct / count).tolist()


def update(opt, h, p, g, state, t):
    """The optimizer's rule over rows of the arenas (p, g, state updated in place); t is the
    step count as a float64 device tensor, so a captured graph sees every step's value."""
    def correction(beta):  # 1 - beta^t in float64, as the engine computes it on the host
        return (1 - torch.pow(beta, t)).float()
    if opt == 'sgd':
        (v,) = state
        v.mul_(h['momentum']).sub_(g, alpha=h['lr'])
        p.add_(v)
    elif opt == 'rmsprop':
        (ms,) = state
        ms.mul_(h['rho']).addcmul_(g, g, value=1 - h['rho'])
        p.addcdiv_(g, ms.sqrt().add_(h['eps']), value=-h['lr'])
    elif opt == 'adam':
        m, v = state
        m.mul_(h['beta1']).add_(g, alpha=1 - h['beta1'])
        v.mul_(h['beta2']).addcmul_(g, g, value=1 - h['beta2'])
        bc1, bc2 = correction(h['beta1']), correction(h['beta2'])
        p.sub_(m.div(bc1).mul_(h['lr']).div_(v.div(bc2).sqrt_().add_(h['eps'])))
    elif opt == 'custom':
        m, v, u = state
        m.mul_(h['beta1']).add_(g, alpha=1 - h['beta1'])
        v.mul_(h['beta2']).addcmul_(g, g, value=1 - h['beta2'])
        u.mul_(h['beta3']).add_(g * g * g, alpha=1 - h['beta3'])
        vh = v / correction(h['beta2'])
        uh = u / correction(h['beta3'])
        denom = vh.sign() * vh.abs().sqrt() + h['cube_weight'] * uh.sign() * uh.abs().pow(1 / 3) + h['eps']
        p.sub_(m.div(correction(h['beta1'])).mul_(h['lr']).div_(denom))


def batch_rows(count, batch):
    return [(s, min(batch, count - s)) for s in range(0, count, batch)]


def prepare_stack(args, data, trials, device, graphs):
    """A stack of the trials, warmed up (and its steps captured, with graphs), then set back
    to its initial state. Returns (stack, step(idx) for idx [T, n], setup seconds)."""
    torch.manual_seed(trials[0]['seed'])  # shuffles and dropout masks (the default generator: graph-safe)
    stack = Stack(trials, args.sizes, device)
    T = len(trials)
    tail = batch_rows(data.train_x.shape[0], args.batch)[-1][1]
    t0 = time.perf_counter()
    stack.initialize()
    if graphs:
        static = {n: torch.zeros(T, n, dtype=torch.long, device=device) for n in {args.batch, tail}}
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):  # warm-up before capture, as torch.cuda.graph asks
            for _ in range(3):
                for idx in static.values():
                    stack.step(data.train_x, data.train_y, idx)
        torch.cuda.current_stream(device).wait_stream(side)
        captured, pool = {}, None
        for n, idx in static.items():  # one graph per batch shape: full batches, the last one
            captured[n] = torch.cuda.CUDAGraph()
            with torch.cuda.graph(captured[n], pool=pool):
                stack.step(data.train_x, data.train_y, idx)
            pool = captured[n].pool()

        def step(idx):
            static[idx.shape[1]].copy_(idx)
            captured[idx.shape[1]].replay()
    else:
        def step(idx):
            stack.step(data.train_x, data.train_y, idx)
        for _ in range(3):
            step(torch.zeros(T, args.batch, dtype=torch.long, device=device))
    stack.evaluate(data.val_x[:EVAL_BATCH], data.val_y[:EVAL_BATCH])
    stack.initialize()  # the warm-up steps changed parameters and state: start afresh
    sync(device)
    return stack, step, time.perf_counter() - t0


def shuffles(T, n, device):
    """Every trial's own order of the n training samples for one epoch."""
    return torch.rand(T, n, device=device).argsort(dim=1)


def run_stacked(args, data, trials, device, graphs, threads):
    """Trains the trials together for args.epochs; returns (seconds, setup seconds, per-epoch
    validation accuracies, test losses, test accuracies, the threads chosen)."""
    stack, step, setup = prepare_stack(args, data, trials, device, graphs)
    n_train = data.train_x.shape[0]
    T = len(trials)
    t0 = time.perf_counter()
    chosen = threads.choose(stepper(step, shuffles(T, n_train, device), n_train, args.batch, device))
    stack.initialize()  # the threads' trial steps changed parameters and state: start afresh
    torch.manual_seed(trials[0]['seed'])
    setup += time.perf_counter() - t0
    t0 = time.perf_counter()
    val_acc = []
    for epoch in range(args.epochs):
        order = shuffles(T, n_train, device)
        stack.loss_sum.zero_()
        stack.correct.zero_()
        for s, n in batch_rows(n_train, args.batch):
            step(order[:, s:s + n])
        train_loss = (stack.loss_sum / n_train).tolist()
        train_acc = (stack.correct / n_train).tolist()
        if data.val_x.shape[0]:
            val_acc.append(stack.evaluate(data.val_x, data.val_y)[1])
        log(f'  epoch {epoch + 1}/{args.epochs}: mean train loss {sum(train_loss) / T:.4f}, mean train accuracy {sum(train_acc) / T:.4f}')
    test_loss, test_acc = stack.evaluate(data.test_x, data.test_y)
    sync(device)
    return time.perf_counter() - t0, setup, val_acc, test_loss, test_acc, chosen


def stepper(step, order, n_train, batch, device):
    """run(k): k training steps on the next full batches of `order` ([T, n] or [n] rows),
    then one sync: what timed_reps and Threads.choose time."""
    full = [s for s, n in batch_rows(n_train, batch) if n == batch]
    done = 0

    def run(k):
        nonlocal done
        for _ in range(k):
            s = full[done % len(full)]
            step(order[..., s:s + batch])
            done += 1
        sync(device)
    return run


def timed_reps(run, min_steps, seconds):
    """Median seconds per step of run(k) (k steps, then one sync), as bench:perf times the
    engine (medianStepSeconds in src/bench/measure/timing.ts): a calibration run doubling k
    from min_steps until a run lasts seconds / 10, then REPS repetitions of at least
    min_steps steps sized to last about seconds in all. Returns (median, the repetitions'
    seconds per step)."""
    k = min_steps
    while True:
        t0 = time.perf_counter()
        run(k)
        dt = time.perf_counter() - t0
        if dt >= seconds / 10 or k >= 1 << 20:
            break
        k *= 2
    per_rep = max(min_steps, round(k * seconds / REPS / max(dt, 1e-9)))
    reps = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        run(per_rep)
        reps.append((time.perf_counter() - t0) / per_rep)
    return statistics.median(reps), reps


def measure_throughput(args, data, trials, device, graphs, threads):
    """As bench:perf measures the engine: the median seconds per training step of all trials
    (timed_reps: at least args.steps steps a repetition, args.seconds in all, one sync per
    repetition), then one validation pass; with the threads that ran these steps fastest."""
    stack, step, setup = prepare_stack(args, data, trials, device, graphs)
    n_train = data.train_x.shape[0]
    run = stepper(step, shuffles(len(trials), n_train, device), n_train, args.batch, device)
    chosen = threads.choose(run)
    step_seconds, reps = timed_reps(run, args.steps, args.seconds)
    t0 = time.perf_counter()
    stack.evaluate(data.val_x, data.val_y)
    sync(device)
    eval_seconds = time.perf_counter() - t0
    epoch = len(batch_rows(n_train, args.batch)) * step_seconds + eval_seconds
    return {'stepMs': step_seconds * 1000, 'evalMs': eval_seconds * 1000, 'epochSeconds': epoch,
            'trialEpochsPerMinute': 60 * len(trials) / epoch, 'setupSeconds': setup,
            'repetitionMs': [r * 1000 for r in reps], 'threads': chosen}


# ---------------------------------------------------------------- one model at a time

class CustomOptimizer(torch.optim.Optimizer):
    """The study's custom rule (src/optim/specs/custom.ts): Adam with a signed cube-root third
    moment, denom = sign(v^) sqrt|v^| + cube_weight sign(u^) |u^|^(1/3) + eps."""

    def __init__(self, params, lr, beta1, beta2, beta3, eps, cube_weight):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, beta3=beta3, eps=eps, cube_weight=cube_weight))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st['t'] = 0
                    st['m'], st['v'], st['u'] = (torch.zeros_like(p) for _ in range(3))
                st['t'] += 1
                t, g = st['t'], p.grad
                st['m'].mul_(group['beta1']).add_(g, alpha=1 - group['beta1'])
                st['v'].mul_(group['beta2']).addcmul_(g, g, value=1 - group['beta2'])
                st['u'].mul_(group['beta3']).add_(g * g * g, alpha=1 - group['beta3'])
                vh = st['v'] / (1 - group['beta2'] ** t)
                uh = st['u'] / (1 - group['beta3'] ** t)
                denom = vh.sign() * vh.abs().sqrt() + group['cube_weight'] * uh.sign() * uh.abs().pow(1 / 3) + group['eps']
                p.addcdiv_(st['m'], denom, value=-group['lr'] / (1 - group['beta1'] ** t))


def torch_optimizer(opt, h, params):
    if opt == 'sgd':  # Keras' v = m v - lr g; p += v equals PyTorch's at a constant lr
        return torch.optim.SGD(params, lr=h['lr'], momentum=h['momentum'])
    if opt == 'adam':
        return torch.optim.Adam(params, lr=h['lr'], betas=(h['beta1'], h['beta2']), eps=h['eps'])
    if opt == 'rmsprop':
        return torch.optim.RMSprop(params, lr=h['lr'], alpha=h['rho'], eps=h['eps'])
    return CustomOptimizer(params, h['lr'], h['beta1'], h['beta2'], h['beta3'], h['eps'], h['cube_weight'])


def model_of(sizes, dropout, device):
    layers = []
    for i, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = torch.nn.Linear(fi, fo)
        torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
            if dropout > 0:
                layers.append(torch.nn.Dropout(dropout))
    return torch.nn.Sequential(*layers).to(device)


class Single:
    """One trial the usual way: a model, a loss, an optimizer, a loop over batches."""

    def __init__(self, trial, sizes, device):
        torch.manual_seed(trial['seed'])
        self.model = model_of(sizes, trial['dropout'], device)
        self.weights = [m.weight for m in self.model if isinstance(m, torch.nn.Linear)]
        self.l2 = trial['l2']
        self.optimizer = torch_optimizer(trial['optimizer'], trial['hyper'], self.model.parameters())
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device)

    def step(self, images, labels, idx):
        x = images[idx].float().mul_(1 / 255)
        y = labels[idx]
        logits = self.model(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        self.loss_sum += loss.detach() * idx.shape[0]
        self.correct += (logits.detach().argmax(1) == y).sum()
        if self.l2:
            loss = loss + self.l2 / (2 * idx.shape[0]) * sum((w * w).sum() for w in self.weights)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    @torch.no_grad()
    def evaluate(self, images, labels):
        self.model.eval()
        loss = torch.zeros((), device=images.device)
        correct = torch.zeros((), device=images.device)
        for s in range(0, images.shape[0], EVAL_BATCH):
            logits = self.model(images[s:s + EVAL_BATCH].float().mul_(1 / 255))
            y = labels[s:s + EVAL_BATCH]
            loss += torch.nn.functional.cross_entropy(logits, y, reduction='sum')
            correct += (logits.argmax(1) == y).sum()
        self.model.train()
        return loss.item() / images.shape[0], correct.item() / images.shape[0]


def run_loop(args, data, trials, device, threads):
    n_train = data.train_x.shape[0]
    t0 = time.perf_counter()
    probe = Single(trials[0], args.sizes, device)  # a throwaway model to choose the threads on
    chosen = threads.choose(stepper(lambda idx: probe.step(data.train_x, data.train_y, idx), torch.randperm(n_train, device=device), n_train, args.batch, device))
    for opt in dict.fromkeys(t['optimizer'] for t in trials):  # warm-up: kernels, allocator, lazy init
        w = Single(next(t for t in trials if t['optimizer'] == opt), args.sizes, device)
        idx = torch.arange(args.batch, device=device)
        for _ in range(3):
            w.step(data.train_x, data.train_y, idx)
        w.evaluate(data.val_x[:EVAL_BATCH], data.val_y[:EVAL_BATCH])
    sync(device)
    setup = time.perf_counter() - t0

    t0 = time.perf_counter()
    val_acc = [[] for _ in range(args.epochs)]
    test_loss, test_acc = [], []
    for k, trial in enumerate(trials):
        single = Single(trial, args.sizes, device)
        for epoch in range(args.epochs):
            order = torch.randperm(n_train, device=device)
            for s, n in batch_rows(n_train, args.batch):
                single.step(data.train_x, data.train_y, order[s:s + n])
            if data.val_x.shape[0]:
                val_acc[epoch].append(single.evaluate(data.val_x, data.val_y)[1])
        loss, acc = single.evaluate(data.test_x, data.test_y)
        test_loss.append(loss)
        test_acc.append(acc)
        log(f'  trial {k + 1}/{len(trials)} {trial["optimizer"]}/{trial["reg"]}/{trial["seed"]}: test accuracy {acc:.4f}')
    sync(device)
    return time.perf_counter() - t0, setup, [v for v in val_acc if v], test_loss, test_acc, chosen


def measure_steps(args, data, device, threads):
    """Steady-state steps/s of one model (the loop's code): warm-up, the threads that run
    these steps fastest, then timed_reps over about args.seconds."""
    h = args.hyper[args.optimizer]
    check_hyper(args.optimizer, h)
    trial = {'optimizer': args.optimizer, 'hyper': h, 'reg': 'default', 'seed': args.seeds[0], 'l2': 0.0, 'dropout': 0.0}
    single = Single(trial, args.sizes, device)
    n_train = data.train_x.shape[0]
    done = 0

    def step(idx):
        nonlocal done
        single.step(data.train_x, data.train_y, idx)
        done += 1
    run = stepper(step, torch.randperm(n_train, device=device), n_train, args.batch, device)

    t0 = time.perf_counter()
    run(5)
    warmup = time.perf_counter() - t0
    chosen = threads.choose(run)
    s, reps = timed_reps(run, 5, args.seconds)
    loss = (single.loss_sum / (done * args.batch)).item()
    return {'stepsPerSecond': 1 / s, 'msPerStep': s * 1000, 'warmupMs': warmup * 1000, 'steps': done,
            'repetitionMs': [r * 1000 for r in reps], 'meanTrainLoss': loss, 'threads': chosen}


# ---------------------------------------------------------------- threads

def core_count():
    return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()


class Threads:
    """torch's intra-op threads and the BLAS's own, chosen as a careful user would: each 1 or
    the core count, tried briefly on the task's own steps, the fastest kept. OpenBLAS starts
    a thread per core on top of torch's: with both at 2 on 2 cores, one model ran at 215
    steps/s against 700-736 with one BLAS thread. --threads and --blas-threads fix either
    instead."""

    def __init__(self, args, device, blas):
        self.args, self.device, self.blas = args, device, blas
        self.control = blas_info.BlasThreads(blas)
        if args.blas_threads != 'auto' and not self.control.how:
            raise ValueError(f'--blas-threads {args.blas_threads}: {self.control.why_not}')

    def candidates(self):
        cores = core_count()
        intra = sorted({1, cores}) if self.args.threads == 'auto' else [int(self.args.threads)]
        if self.args.blas_threads != 'auto':
            blas = [int(self.args.blas_threads)]
        else:
            blas = sorted({1, cores}) if self.control.how else [None]  # None: left as it is
        return [(i, b) for i in intra for b in blas]

    def apply(self, config):
        intra, blas = config
        if blas is not None:
            self.control.set(blas)
        torch.set_num_threads(intra)  # after the BLAS's: setting those must not undo these
        if torch.get_num_threads() != intra:
            raise RuntimeError(f'torch.set_num_threads({intra}) did not hold: torch runs {torch.get_num_threads()} threads')

    def report(self, choice, tried):
        return {'intraOp': torch.get_num_threads(), 'blas': self.control.get(), 'choice': choice, 'tried': tried,
                'blasControl': self.control.how or self.control.why_not, 'cores': core_count()}

    def choose(self, run):
        """Sets the fastest configuration for run(k) (k steps, then a sync) and returns what
        was chosen and what each configuration reached. On CUDA the host threads are left
        as they are (the work is on the GPU)."""
        if self.device.type == 'cuda':
            return self.report('not tuned: the work runs on CUDA', [])
        configs = self.candidates()
        if len(configs) == 1:
            self.apply(configs[0])
            return self.report('as given' if self.args.threads != 'auto' else 'the only configuration on this machine', [])
        per = self.args.probe_seconds if self.args.probe_seconds > 0 else max(0.25, self.args.seconds / 10)
        best, steps = {}, {}
        for rnd in range(2):  # interleaved rounds, each configuration's best: a shared machine drifts
            for c in configs[rnd:] + configs[:rnd]:
                self.apply(c)
                run(1)  # wakes the thread pools at this size
                if c not in steps:
                    t0 = time.perf_counter()
                    run(1)
                    steps[c] = max(1, round(per / max(time.perf_counter() - t0, 1e-6)))
                t0 = time.perf_counter()
                run(steps[c])
                best[c] = max(best.get(c, 0.0), steps[c] / (time.perf_counter() - t0))
        chosen = max(configs, key=lambda c: best[c])
        self.apply(chosen)
        tried = [{'intraOp': i, 'blas': b if b is not None else self.control.get(), 'stepsPerSecond': best[(i, b)]} for i, b in configs]
        log(f'  threads: torch {chosen[0]}, BLAS {tried[configs.index(chosen)]["blas"]} (fastest of {len(configs)} tried: '
            + ', '.join(f'{t["intraOp"]}x{t["blas"]} {t["stepsPerSecond"]:.1f} steps/s' for t in tried) + ')')
        return self.report(f'fastest of {len(configs)} tried', tried)


# ---------------------------------------------------------------- command line

def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--task', choices=['info', 'steps', 'throughput', 'study'], default='study')
    p.add_argument('--mode', choices=['batched', 'graphs', 'loop'], default='batched', help='how --task study or throughput trains (throughput: batched or graphs)')
    p.add_argument('--data', action='append', default=[], metavar='NAME=DIR', help='directory of a data set\'s four IDX files (raw or .gz); repeatable')
    p.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto')
    p.add_argument('--optimizers', default='sgd,adam,rmsprop,custom')
    p.add_argument('--regs', default='default,L2,dropout')
    p.add_argument('--seeds', default='36549,13790,41463,52126,1272,60548,14578,86558,96271,57229')
    p.add_argument('--hyper', default='{}', help='JSON: optimizer -> hyperparameters (the study\'s, from torch.ts)')
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--train-samples', type=int, default=50000, help='the first N training images train')
    p.add_argument('--validation', type=int, default=10000, help='the N after them validate')
    p.add_argument('--test-samples', type=int, default=0, help='evaluate on the first N test images (0: all)')
    p.add_argument('--l2', type=float, default=0.7)
    p.add_argument('--dropout', type=float, default=0.3)
    p.add_argument('--sizes', default='784,128,128,10')
    p.add_argument('--optimizer', default='adam', help='--task steps: the optimizer')
    p.add_argument('--seconds', type=float, default=5, help='--task steps and throughput: timed seconds, about')
    p.add_argument('--steps', type=int, default=10, help='--task throughput: the fewest steps in a timed repetition')
    p.add_argument('--threads', default='auto', help="torch's intra-op threads; auto: try 1 and the core count, keep the fastest")
    p.add_argument('--blas-threads', default='auto', help="the BLAS library's threads; auto: try 1 and the core count, keep the fastest")
    p.add_argument('--no-blas-warning', action='store_true', help='no warning on the reference BLAS (bench:perf prints its own, once)')
    p.add_argument('--probe-seconds', type=float, default=0, help='seconds each thread configuration is tried, per round (0: --seconds / 10, at least 0.25)')
    args = p.parse_args(argv)
    for name in ('threads', 'blas_threads'):
        v = getattr(args, name)
        if v != 'auto' and not (v.isdigit() and int(v) > 0):
            p.error(f"--{name.replace('_', '-')} must be auto or a positive integer, got '{v}'")
    args.optimizers = args.optimizers.split(',')
    args.regs = args.regs.split(',')
    args.seeds = [int(s) for s in args.seeds.split(',')]
    args.sizes = [int(s) for s in args.sizes.split(',')]
    defaults = {'sgd': {'lr': 0.1, 'momentum': 0.9}, 'adam': {'lr': 1e-3, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8},
                'rmsprop': {'lr': 1e-3, 'rho': 0.9, 'eps': 1e-7},
                'custom': {'lr': 1e-3, 'beta1': 0.9, 'beta2': 0.999, 'beta3': 0.999987, 'eps': 1e-8, 'cube_weight': 1e-8}}
    given = json.loads(args.hyper)
    args.hyper = {k: {**defaults.get(k, {}), **given.get(k, {})} for k in set(defaults) | set(given)}
    args.data = dict(d.split('=', 1) for d in args.data)
    return args


def device_of(choice):
    if choice == 'cuda' or (choice == 'auto' and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ValueError('--device cuda: torch.cuda.is_available() is false')
        return torch.device('cuda')
    return torch.device('cpu')


def describe(device):
    if device.type == 'cuda':
        return f'cuda: {torch.cuda.get_device_name(device)}'
    return f'cpu: {core_count()} cores'


def blas_of(device):
    """The BLAS torch's matmuls call (after one has run, so the library is loaded)."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    built_in = re.search(r'BLAS_INFO=(\w+)', torch.__config__.show())
    return blas_info.of_this_process(built_in.group(1) if built_in else None, device.type)


def main(argv):
    args = parse(argv)
    device = device_of(args.device)
    blas = blas_of(device)
    threads = Threads(args, device, blas)
    base = {'torch': torch.__version__, 'python': sys.version.split()[0], 'device': describe(device), 'cuda': device.type == 'cuda', 'blas': blas}
    if args.task == 'info':
        emit({'task': 'info', **base, 'threads': threads.report('the defaults of this process', [])})
        return
    if blas['reference'] and not args.no_blas_warning:
        log(f'torch_peer: warning: torch calls the reference BLAS ({blas["path"]}): its speed is not representative; {blas_info.INSTALL}')
    if not args.data:
        raise ValueError('no --data NAME=DIR given')
    for name, directory in args.data.items():
        data = Data(directory, args.train_samples, args.validation, device)
        if args.test_samples:
            data.test_x, data.test_y = data.test_x[:args.test_samples], data.test_y[:args.test_samples]
        if args.task == 'steps':
            log(f'torch {args.optimizer} steps on {name} ({base["device"]}) ...')
            emit({'task': 'steps', 'mode': 'loop', 'dataset': name, 'optimizer': args.optimizer, 'trials': 1,
                  'batch': args.batch, 'loadSeconds': data.load_seconds, **base, **measure_steps(args, data, device, threads)})
            continue
        if args.mode == 'graphs' and device.type != 'cuda':
            raise ValueError('--mode graphs needs CUDA')
        trials = plan(args)
        if args.task == 'throughput':
            if args.mode == 'loop':
                raise ValueError('--task throughput measures stacked trials: --mode batched or graphs')
            log(f'torch {args.mode} throughput: {name}, {len(trials)} trials ({base["device"]}) ...')
            emit({'task': 'throughput', 'mode': args.mode, 'dataset': name, 'trials': len(trials), 'batch': args.batch,
                  'loadSeconds': data.load_seconds, **base, **measure_throughput(args, data, trials, device, args.mode == 'graphs', threads)})
            continue
        log(f'torch {args.mode}: {name}, {len(trials)} trials x {args.epochs} epochs ({base["device"]}) ...')
        if args.mode == 'loop':
            seconds, setup, val_acc, test_loss, test_acc, chosen = run_loop(args, data, trials, device, threads)
        else:
            seconds, setup, val_acc, test_loss, test_acc, chosen = run_stacked(args, data, trials, device, args.mode == 'graphs', threads)
        emit({'task': 'study', 'mode': args.mode, 'dataset': name, 'trials': len(trials), 'epochs': args.epochs,
              'trainSamples': data.train_x.shape[0], 'testSamples': data.test_x.shape[0], 'batch': args.batch,
              'seconds': seconds, 'setupSeconds': setup, 'loadSeconds': data.load_seconds, **base, 'threads': chosen,
              'ids': [f'{name}/{t["optimizer"]}/{t["reg"]}/{t["seed"]}' for t in trials],
              'validationAccuracy': val_acc, 'testLoss': test_loss, 'testAccuracy': test_acc})


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except (ValueError, FileNotFoundError) as e:
        sys.stderr.write(f'torch_peer: {e}\n')
        sys.exit(2)
