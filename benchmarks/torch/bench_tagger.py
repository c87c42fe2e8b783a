"""PyTorch side of the "tagger" benchmark (keys match benchmarks/MtlSharp.Benchmarks/Cases/TaggerCase.cs).

One training update of the sluice paper's BiLSTM tagger with hard sharing, built from nn.LSTM: word embeddings
(5000 x 64), a character BiLSTM (100-d embeddings of 100 characters, hidden 100, final states of both directions
concatenated), 3 BiLSTM layers of 100 per direction over packed sequences, per task Linear(200,100)-ReLU-Linear
(36 and 17 tags); loss = sum over tasks of the masked token cross-entropy summed per sentence and averaged over
the batch; clip_grad_norm_(5); SGD lr 0.1. Synthetic batch: sentence b has 5 + (13 b mod 21) tokens, token t of
sentence b has 1 + ((7 b + 3 t) mod 9) characters (the same shapes as the C# case). Only the real tokens go
through the character LSTM, as in the C# tagger. Tokens per second = tokens (in the key) / seconds.

Usage: /usr/bin/python3 benchmarks/torch/bench_tagger.py [--threads 1,2] [--out file.json] [--quick]
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, measure_with_best  # noqa: E402

WORDS, CHARS, TAGS = 5000, 100, (36, 17)


class Tagger(nn.Module):
    """The tagger (also the model of bench_inference.py, which passes the vocabulary and tag-set sizes of the real
    data); the heads score all B*T padded rows."""

    def __init__(self, words=WORDS, chars=CHARS, tags=TAGS):
        super().__init__()
        self.words = nn.Embedding(words, 64)
        self.chars = nn.Embedding(chars, 100)
        self.char_lstm = nn.LSTM(100, 100, batch_first=True, bidirectional=True)
        self.lstm = nn.LSTM(264, 100, num_layers=3, batch_first=True, bidirectional=True)
        self.heads = nn.ModuleList(
            [nn.Sequential(nn.Linear(200, 100), nn.ReLU(), nn.Linear(100, c)) for c in tags])

    def forward(self, word_ids, lengths, char_ids, char_lengths, positions):
        b, t = word_ids.shape
        packed = pack_padded_sequence(self.chars(char_ids), char_lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.char_lstm(packed)
        cf = torch.cat([h[0], h[1]], dim=-1)
        cfull = torch.zeros(b * t, 200).index_copy(0, positions, cf).view(b, t, 200)
        x = torch.cat([self.words(word_ids), cfull], dim=-1)
        y, _ = self.lstm(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        y, _ = pad_packed_sequence(y, batch_first=True, total_length=t)
        y = y.reshape(b * t, 200)
        return [head(y) for head in self.heads]


def batch_tensors(batch):
    lengths = [5 + (13 * b % 21) for b in range(batch)]
    t_max = max(lengths)
    word_ids = torch.zeros(batch, t_max, dtype=torch.long)
    mask = torch.zeros(batch * t_max)
    tags = [torch.zeros(batch * t_max, dtype=torch.long) for _ in TAGS]
    char_rows, char_lengths, positions = [], [], []
    for b in range(batch):
        for t in range(lengths[b]):
            n = 1 + ((7 * b + 3 * t) % 9)
            word_ids[b, t] = 2 + (b * 131 + t * 71) % (WORDS - 2)
            mask[b * t_max + t] = 1
            tags[0][b * t_max + t] = (b * 5 + t) % 36
            tags[1][b * t_max + t] = (b * 3 + t) % 17
            char_rows.append([2 + (b + t + j) % 26 for j in range(n)])
            char_lengths.append(n)
            positions.append(b * t_max + t)
    lc = max(char_lengths)
    char_ids = torch.zeros(len(char_rows), lc, dtype=torch.long)
    for i, row in enumerate(char_rows):
        char_ids[i, :len(row)] = torch.tensor(row)
    return (word_ids, torch.tensor(lengths), char_ids, torch.tensor(char_lengths), torch.tensor(positions)), mask, tags, sum(lengths)


def one(batch, threads, timing):
    torch.manual_seed(7)
    model = Tagger()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, mask, tags, tokens = batch_tensors(batch)

    def step():
        opt.zero_grad()
        logits = model(*inputs)
        loss = 0
        for lg, y in zip(logits, tags):
            loss = loss + (F.cross_entropy(lg, y, reduction="none") * mask).sum() / batch
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()

    sec, best = measure_with_best(step, **timing)
    return {"key": f"tagger/hard_b{batch}_tok{tokens}", "threads": threads, "seconds": sec, "best_seconds": best,
            "tokens_per_second": tokens / sec}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    timing = dict(warmup=0.2, window=0.3, windows=3) if args.quick else {}
    results = []
    for t in [int(v) for v in args.threads.split(",")]:
        torch.set_num_threads(t)
        for batch in (8, 32):
            results.append(one(batch, t, timing))
    emit(results, args.out)
    for r in results:
        print(f"{r['key']:<36} threads={r['threads']} {r['tokens_per_second']:10.0f} tokens/s", file=sys.stderr)


if __name__ == "__main__":
    main()
