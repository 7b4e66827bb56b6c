"""Command line: ``python -m dneck convert SRC -o run.h5`` and ``python -m dneck repair FILE``."""
from __future__ import annotations

import argparse
import sys

from . import convert
from .superblock import clear_status_flags


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dneck", description="dneck run files (format_version 2)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert", help="convert ibsgd pickles, .npz activations, deep-bottleneck dumps or version 1 runs")
    c.add_argument("src", help="ibsgd folder (epoch%%08d pickles), .npz file or folder, or a deep-bottleneck "
                               "dump (<stem>_train.h5 / <stem>_test.h5, or <stem>), or a version 1 dneck run file")
    c.add_argument("-o", "--output", required=True, help="the version 2 run file to write")
    c.add_argument("--format", default="auto", choices=["auto", "ibsgd", "npz", "deep-bottleneck", "dneck-v1"])
    c.add_argument("--train-labels", help="1-D integer (or one-hot) .npy labels of the train split")
    c.add_argument("--test-labels", help="labels of the test split (ibsgd: of activity_tst's rows)")
    c.add_argument("--ib-data", help="ibsgd: its IB_data_<id>.npz (X_train, y_train, X_test, y_test)")
    c.add_argument("--pace", type=float, default=0.0, metavar="SECONDS",
                   help="wait SECONDS after each epoch, replaying the run as if it trained (to try dneck-plot watch)")
    c.add_argument("--dtype", default="float32", choices=["float16", "float32", "float64"],
                   help="storage type of the activations")
    r = sub.add_parser("repair", help="clear the 'open for write' flags a killed writer left (as h5clear -s)")
    r.add_argument("files", nargs="+")
    return p


def run_convert(args) -> None:
    fmt = convert.detect(args.src) if args.format == "auto" else args.format
    labels = {s: f for s, f in (("train", args.train_labels), ("test", args.test_labels)) if f}
    if fmt == "ibsgd":
        source = convert.read_ibsgd(args.src, labels=labels.get("test"), ib_data=args.ib_data)
    elif fmt == "npz":
        source = convert.read_npz(args.src, labels=labels)
    elif fmt == "dneck-v1":
        source = convert.read_dneck_v1(args.src)
    else:
        source = convert.read_deep_bottleneck(args.src, labels=labels)
    if args.pace < 0:
        raise ValueError(f"--pace must be at least 0, not {args.pace}")
    convert.write_run(source, args.output, dtype=args.dtype, pace=args.pace)
    print(f"{args.output}: {fmt}, {len(source.epochs)} epochs, splits {', '.join(source.labels)}")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "convert":
            run_convert(args)
        else:
            for path in args.files:
                print(f"{path}: {'flags cleared' if clear_status_flags(path) else 'already clean'}")
    except (ValueError, KeyError, OSError) as e:
        print(f"dneck: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
