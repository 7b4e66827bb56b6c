#!/usr/bin/env bash
# Installs what dneck-plot needs on Debian 12 (Swift 6.3 already on PATH), builds it in
# release and writes the artifacts of the bundled example run into output/.
set -euo pipefail
cd "$(dirname "$0")"

packages=(pkg-config libhdf5-dev libcairo2-dev zlib1g-dev libavcodec-dev libavformat-dev
          libavutil-dev libswscale-dev libopenblas-dev libssl-dev fonts-dejavu-core)
# For the tests only (the shared trainer, the numpy reference scripts, pdftotext for word boxes), never the tool's:
packages+=(python3-numpy python3-scipy python3-h5py python3-venv slurm-wlm munge chromium poppler-utils)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

swift build -c release --product dneck-plot
bin="$(swift build -c release --show-bin-path)/dneck-plot"
run=examples/harmonics_tanh_small.h5
mkdir -p output
# Every artifact of both splits, a manifest, a summary and a report to open in a browser.
"$bin" all "$run" -o output
"$bin" infoplane "$run" -o output/infoplane_train.svg
"$bin" infoplane "$run" -o output/infoplane_train.pdf
echo "Artifacts written to output/:"
ls -l output
