"""PyTorch side of the "inference" benchmark (keys match benchmarks/MtlSharp.Benchmarks/Cases/InferenceCase.cs):
PyTorch eval mode (model.eval(), torch.inference_mode()) on the work of MtlSharp's Predictor.PredictAll and
TaggerPredictor.Predict, seconds per batch, batch 1 and 64. The keys are the C# predictor's, so --compare gives
PyTorch time / MtlSharp's.

infer/mnist4/predictor/b{1,64}: the mnist4 preset's Gumbel-Matrix network (freshly initialised): three routed conv
layers of 4 components (4 filters each; 5x5, 3x3, 3x3, valid, ReLU), 2x2 average pooling after the first two, flatten
(36 features), dropout 0.5 (identity in eval mode), a Linear(36, 10) head per task. The allocation is the one
MtlSharp's freshly initialised model uses at evaluation: the maximum-likelihood row of each router, z[t, c] = 1 iff
logit a >= logit b, with the logits initialised to (log pInit, log(1 - pInit)) = (log 0.5, log 0.5) in float32 - a
tie, so every component of every layer is active for every task (computed below from the logits, not assumed).
Each task's path is evaluated separately, as a straightforward implementation does and as Predictor.PredictAll did
before session 12 (4 forward passes; a component shared by tasks is computed once per task, not once in all; since
session 12 PredictAll evaluates a layer's components once for all tasks on the same input, and here, where every task
has every component, the 4 tasks share the whole trunk), each layer as one convolution over the task's active components' filters
(the full weight when all are active, as MtlSharp's ConvComponents; else the active filters indexed out per call),
ReLU, the mean over the active components. Input: uniform [0, 1) images [B, 1, 28, 28] made once (MtlSharp's call
copies its float[] input into a tensor; this side takes the tensor as it is). Output: the 4 tasks' logits [B, 10].

infer/tagger/predictor/b{1,64}: the ewt-domains hard-sharing tagger at full size (TaggerConfig's defaults, the same
model as bench_tagger.py, imported from it): word embeddings (training vocabulary x 64), a character BiLSTM (100-d embeddings, hidden
100, final states of both directions concatenated) over the real tokens only, 3 BiLSTM layers of 100 per direction over
packed sequences, per task Linear(200, 100)-ReLU-Linear(100, tags), DEPREL (base relation) first, then UPOS. The
vocabularies are built as the C# run builds them: words and characters (Unicode scalar values) of the answers genre's
training sentences, <pad> = 0, <unk> = 1, most frequent first, case kept; tag counts = distinct values over all training
sentences + <unk>. Sentences are the words of real EWT test sentences of the answers genre (genre = sent_id before the
first '-'; multiword-token lines and empty nodes skipped, as ConllUReader): batch 1 = the first 17-token sentence,
batch 64 = the first 64 sentences. Each call starts from the words (lists of str) and does the word and character
look-ups in Python dicts (unknown -> <unk>, at most 30 characters per word), builds the padded tensors, packs
(pack_padded_sequence, enforce_sorted=False), runs the model, runs the heads over the padded [B*T] rows (as
MtlSharp's tagger does) and keeps the real tokens' rows: per task [tokens, tags], the first sentence's tokens first.
Weights are PyTorch's default initialisation (seed 7); values do not change the work.

Data: MTLSHARP_DATA (relative paths from the current directory; run.sh passes it absolute), else ../shared/datasets
from the repository root. Without ud-english-ewt/ the tagger part is skipped (as the C# case skips it); mnist4 needs
no data on this side.

Usage: /usr/bin/python3 benchmarks/torch/bench_inference.py [--threads 1,2] [--out file.json] [--quick]
"""
import argparse
import gzip
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_tagger import Tagger  # noqa: E402
from common import emit, measure_with_best  # noqa: E402


def _timed(call, timing):
    """seconds (median window) and best_seconds (fastest window) per call."""
    sec, best = measure_with_best(call, **timing)
    return {"seconds": sec, "best_seconds": best}

TASKS, COMPONENTS, FILTERS, P_INIT = 4, 4, 4, 0.5
MAX_WORD_CHARS = 30
PAD, UNK = 0, 1


def data_dir():
    env = os.environ.get("MTLSHARP_DATA")
    if env:
        return os.path.abspath(env)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.normpath(os.path.join(root, "..", "shared", "datasets"))


# ---------------------------------------------------------------------------------------------------------------
# mnist4


def max_likelihood_allocation(tasks, comps, p_init):
    """Active components per task of a freshly initialised Gumbel-Matrix router (GumbelMatrixRouter +
    StraightThroughGumbel.MaximumLikelihood): logits (log p, log(1 - p)) in float32, z = 1 iff a >= b."""
    a = torch.full((tasks, comps), math.log(p_init), dtype=torch.float32)
    b = torch.full((tasks, comps), math.log(1 - p_init), dtype=torch.float32)
    z = a >= b
    return [[c for c in range(comps) if z[t, c]] for t in range(tasks)]


class Mnist4(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(1, COMPONENTS * FILTERS, 5), nn.Conv2d(FILTERS, COMPONENTS * FILTERS, 3),
                                    nn.Conv2d(FILTERS, COMPONENTS * FILTERS, 3)])
        self.heads = nn.ModuleList([nn.Linear(FILTERS * 3 * 3, 10) for _ in range(TASKS)])
        self.drop = nn.Dropout(0.5)
        # [layer][task] -> active component indices (and the matching filter rows when not all are active).
        self.active = [max_likelihood_allocation(TASKS, COMPONENTS, P_INIT) for _ in self.convs]
        self.rows = [[None if len(a) == COMPONENTS else torch.tensor([c * FILTERS + f for c in a for f in range(FILTERS)])
                      for a in layer] for layer in self.active]

    def forward_task(self, x, t):
        for l, conv in enumerate(self.convs):
            active, rows = self.active[l][t], self.rows[l][t]
            k = conv.kernel_size[0]
            if not active:  # no active component: zero output, as RoutedLayer
                x = x.new_zeros(x.shape[0], FILTERS, x.shape[2] - k + 1, x.shape[3] - k + 1)
            else:
                w, b = (conv.weight, conv.bias) if rows is None else (conv.weight[rows], conv.bias[rows])
                h = F.relu(F.conv2d(x, w, b))
                n, _, ho, wo = h.shape
                x = h.view(n, len(active), FILTERS, ho, wo).mean(1)
            if l < 2:
                x = F.avg_pool2d(x, 2)
        return self.heads[t](self.drop(x.flatten(1)))

    def forward(self, x):
        return [self.forward_task(x, t) for t in range(TASKS)]


def mnist4(threads, timing):
    torch.manual_seed(0)
    model = Mnist4().eval()
    gen = torch.Generator().manual_seed(1)
    results = []
    for batch in (1, 64):
        x = torch.rand(batch, 1, 28, 28, generator=gen)

        def call():
            with torch.inference_mode():
                return model(x)

        results.append({"key": f"infer/mnist4/predictor/b{batch}", "threads": threads, **_timed(call, timing)})
    return results


# ---------------------------------------------------------------------------------------------------------------
# tagger


def read_conllu(path):
    """[(genre, words, columns{'UPOS': [...], 'DEPREL_BASE': [...]})] of a CoNLL-U file (gzip or plain)."""
    opener = gzip.open if path.endswith(".gz") else open
    sentences, words, upos, deprel, sent_id = [], [], [], [], None

    def flush():
        nonlocal words, upos, deprel, sent_id
        if words:
            dash = sent_id.find("-") if sent_id else -1
            genre = sent_id[:dash] if dash > 0 else None
            sentences.append((genre, words, {"UPOS": upos, "DEPREL_BASE": deprel}))
        words, upos, deprel, sent_id = [], [], [], None

    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                flush()
                continue
            if line[0] == "#":
                body = line[1:].lstrip()
                eq = body.find("=")
                if eq >= 0 and body[:eq].strip() == "sent_id":
                    sent_id = body[eq + 1:].strip()
                continue
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:
                continue  # multiword token or empty node
            words.append(cols[1])
            upos.append(cols[3])
            deprel.append(cols[7].split(":", 1)[0])
    flush()
    return sentences


def split_path(ewt, split):
    plain = os.path.join(ewt, f"en_ewt-ud-{split}.conllu")
    return plain + ".gz" if os.path.exists(plain + ".gz") else plain


def vocabulary(counts):
    """<pad> = 0, <unk> = 1, then by descending count, ties in ordinal (UTF-16 code unit) order, as Vocabulary.Select."""
    keys = sorted((k for k in counts if k not in ("<pad>", "<unk>")), key=lambda k: (-counts[k], k.encode("utf-16-be")))
    return {k: i + 2 for i, k in enumerate(keys)}


def encode(sentences, word_vocab, char_vocab):
    """The per-call look-up and padding: word ids [B, T], lengths [B], character ids of the real tokens [N, Lc]
    (at most 30 per word), their lengths [N] and their positions in the padded [B*T] rows."""
    lengths = [len(s) for s in sentences]
    t_max = max(lengths)
    wget, cget = word_vocab.get, char_vocab.get
    word_ids, char_rows, positions = [], [], []
    for b, s in enumerate(sentences):
        word_ids.extend(wget(w, UNK) for w in s)
        word_ids.extend([PAD] * (t_max - len(s)))
        for j, w in enumerate(s):
            char_rows.append([cget(c, UNK) for c in w[:MAX_WORD_CHARS]])
            positions.append(b * t_max + j)
    char_lengths = [len(r) for r in char_rows]
    lc = max(char_lengths)
    flat = []
    for r in char_rows:
        flat.extend(r)
        flat.extend([PAD] * (lc - len(r)))
    return (torch.tensor(word_ids).view(len(sentences), t_max), torch.tensor(lengths),
            torch.tensor(flat).view(len(char_rows), lc), torch.tensor(char_lengths), torch.tensor(positions))


class TaggerData:
    def __init__(self, ewt):
        train = read_conllu(split_path(ewt, "train"))
        test = [s for s in read_conllu(split_path(ewt, "test")) if s[0] == "answers"]
        words, chars = {}, {}
        for genre, ws, _ in train:
            if genre != "answers":
                continue
            for w in ws:
                words[w] = words.get(w, 0) + 1
                for c in w:
                    chars[c] = chars.get(c, 0) + 1
        self.words, self.chars = vocabulary(words), vocabulary(chars)
        self.tags = [len({v for _, _, cols in train for v in cols[c]}) + 1 for c in ("DEPREL_BASE", "UPOS")]
        self.batches = {1: [next(ws for _, ws, _ in test if len(ws) == 17)], 64: [ws for _, ws, _ in test[:64]]}
        print(f"tagger: {len(self.words) + 2} words, {len(self.chars) + 2} characters, tags {self.tags}, "
              f"batch 64 = {sum(len(s) for s in self.batches[64])} tokens", file=sys.stderr)


def tagger(data, threads, timing):
    torch.manual_seed(7)
    model = Tagger(len(data.words) + 2, len(data.chars) + 2, data.tags).eval()
    results = []
    for batch, sentences in data.batches.items():
        def call():
            with torch.inference_mode():
                word_ids, lengths, char_ids, char_lengths, positions = encode(sentences, data.words, data.chars)
                scores = model(word_ids, lengths, char_ids, char_lengths, positions)
                return [s.index_select(0, positions) for s in scores]

        results.append({"key": f"infer/tagger/predictor/b{batch}", "threads": threads, **_timed(call, timing)})
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    timing = dict(warmup=0.2, window=0.3, windows=3) if args.quick else {}
    ewt = os.path.join(data_dir(), "ud-english-ewt")
    data = None
    if os.path.isdir(ewt):
        data = TaggerData(ewt)
    else:
        print(f"inference: no ud-english-ewt/ under {data_dir()}; tagger skipped (set MTLSHARP_DATA)", file=sys.stderr)
    results = []
    for t in [int(v) for v in args.threads.split(",")]:
        torch.set_num_threads(t)
        results.extend(mnist4(t, timing))
        if data is not None:
            results.extend(tagger(data, t, timing))
    emit(results, args.out)


if __name__ == "__main__":
    main()
