#!/usr/bin/env python3
"""How much of a tagger batch the per-word encoding saves (README, session 20).

The tagger encodes each distinct word of a batch once (src/MtlSharp.MultiTask/Models/Tagging/WordTypes.cs). This
prints, for batches of shuffled UD English-EWT training sentences (all genres; seed 0; words cut at 30 characters as
the tagger does), the mean share of the tokens and of the characters that fall in distinct words, and the same for
the benchmark's synthetic batches (benchmarks/MtlSharp.Benchmarks/Cases/TaggerCase.cs).

Usage: python3 benchmarks/tagging/word_repeats.py [DATA_DIR]   (default ../shared/datasets)
"""
import gzip
import os
import random
import statistics
import sys


def ewt_sentences(data_dir):
    path = os.path.join(data_dir, "ud-english-ewt", "en_ewt-ud-train.conllu.gz")
    sentences, current = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if current:
                    sentences.append(current)
                    current = []
                continue
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if "-" in fields[0] or "." in fields[0]:
                continue
            current.append(fields[1][:30])
    if current:
        sentences.append(current)
    return sentences


def synthetic(batch):
    words = []
    for b in range(batch):
        for t in range(5 + (13 * b % 21)):
            chars = 1 + ((7 * b + 3 * t) % 9)
            words.append("".join(chr(ord("a") + (b + t + j) % 26) for j in range(chars)))
    return words


def shares(tokens):
    distinct = set(tokens)
    return len(distinct) / len(tokens), sum(map(len, distinct)) / sum(map(len, tokens)), len(tokens), len(distinct)


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "datasets")
    for batch in (8, 32):
        t, c, n, u = shares(synthetic(batch))
        print(f"synthetic batch {batch}: {u} distinct words of {n} tokens ({t:.1%}), {c:.1%} of the characters")
    sentences = ewt_sentences(data_dir)
    random.Random(0).shuffle(sentences)
    for batch in (8, 32, 64):
        rows = [shares([w for s in sentences[i:i + batch] for w in s]) for i in range(0, len(sentences) - batch + 1, batch)]
        print(f"EWT train, batches of {batch} shuffled sentences ({len(rows)}): distinct words "
              f"{statistics.mean(r[0] for r in rows):.1%} of the tokens, {statistics.mean(r[1] for r in rows):.1%} of the characters")


if __name__ == "__main__":
    main()
