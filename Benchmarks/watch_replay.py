#!/usr/bin/env python3
"""Replays a version 1 dneck run as a training process would log it: each logged epoch written
into a version 2 run by the dneck package (python/), one every PACE seconds; prints
"commit EPOCH UNIX_TIME" right after each commit, then "closed UNIX_TIME". The writer side of
`dneck-bench watch`.

    PYTHONPATH=python python3 Benchmarks/watch_replay.py run_v1.h5 live.h5 --pace 1
"""
import argparse
import sys
import time

from dneck import convert

parser = argparse.ArgumentParser()
parser.add_argument("source")
parser.add_argument("out")
parser.add_argument("--pace", type=float, default=1.0)
parser.add_argument("--epochs", type=int, default=0, help="replay only the first EPOCHS logged epochs (0: all)")
args = parser.parse_args()

source = convert.read_dneck_v1(args.source)
if args.epochs:
    source.epochs.numbers = source.epochs.numbers[:args.epochs]


def said(epoch):
    print(f"commit {epoch} {time.time():.6f}", flush=True)


convert.write_run(source, args.out, pace=args.pace, on_commit=said)
print(f"closed {time.time():.6f}", flush=True)
sys.exit(0)
