#!/usr/bin/env python3
"""Independent numbers for dneck-plot's SNR phases (a reference, not part of the product).

For each split and layer of the committed run, SNR = gradmean / gradstd per logged epoch, in
numeric epoch order, with numpy; epochs whose SNR is NaN are skipped. The transition is found by
brute force, unlike the product's single forward scan: every split k = 0 … E of the E defined
epochs is scored by the epochs on its wrong side (SNR < 1 before it, SNR >= 1 after it); the
lowest score wins, the largest k on a tie; k = E means none, else the transition is epoch k.

Writes snr_phases_expected.csv: `split,layer,epoch` (epoch empty for a layer without one).
"""
import os

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
run = os.path.join(here, "..", "..", "examples", "harmonics_tanh_small.h5")

with h5py.File(run, "r") as f, open(os.path.join(here, "snr_phases_expected.csv"), "w") as out:
    out.write("split,layer,epoch\n")
    for split in ("train", "test"):
        epochs = sorted(int(e) for e in f[split].keys() if e.isdigit())
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = np.array([np.asarray(f[split][str(e)]["gradmean"], dtype=np.float64)
                            / np.asarray(f[split][str(e)]["gradstd"], dtype=np.float64) for e in epochs])
        for layer in range(snr.shape[1]):
            defined = [(e, s) for e, s in zip(epochs, snr[:, layer]) if not np.isnan(s)]
            scores = [sum(s < 1 for _, s in defined[:k]) + sum(s >= 1 for _, s in defined[k:]) for k in range(len(defined) + 1)]
            k = max(k for k, score in enumerate(scores) if score == min(scores))
            found = defined[k][0] if k < len(defined) else None
            out.write(f"{split},{layer},{'' if found is None else found}\n")
