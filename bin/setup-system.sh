#!/usr/bin/env bash
# Installs the Debian packages this project needs from the system. Idempotent: packages already
# installed are skipped, and nothing is fetched when everything is there.
#
#   python3-torch python3-sklearn   reference implementations for parity tests and `cvgl bench`
#   python3-scipy python3-h5py      MATLAB v5 / v7.3 (HDF5) files written by scipy and h5py for the
#                                   CVACT reader tests
#   python3-torchvision python3-pil the reference for the augmentation tests
#   g++ libdnnl-dev                 oneDNN and a compiler for the `native` backend's addon
#   libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libvulkan1
#                                   Mesa: the software WebGPU adapter (llvmpipe via OpenGL ES);
#                                   the Vulkan loader for real GPUs
#   chromium                        headless browser that prints reports to PDF
#   fonts-dejavu-core               fonts for the rendered reports
#   poppler-utils                   pdftoppm: the report tests render a PDF page to PNG
#   python3-nbformat jupyter-nbconvert
#                                   validate executed notebooks; convert them as Jupyter would
#   jupyter-notebook                the classic Notebook UI researchers open; the browser test
#                                   runs the quick start in it
#
# Run as root (or with sudo available). Set CVGL_SKIP_SYSTEM=1 to skip it entirely.
set -euo pipefail

if [ "${CVGL_SKIP_SYSTEM:-}" = "1" ]; then
  echo "setup-system: CVGL_SKIP_SYSTEM=1, skipping system packages"
  exit 0
fi

PACKAGES=(
  python3 python3-torch python3-sklearn python3-scipy python3-h5py python3-torchvision python3-pil
  g++ libdnnl-dev
  libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libvulkan1
  chromium fonts-dejavu-core poppler-utils python3-nbformat jupyter-nbconvert jupyter-notebook
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: this is not a Debian/Ubuntu system (no apt-get)."
  echo "  Install by hand: ${PACKAGES[*]}"
  echo "  (PyTorch for the parity tests, Mesa EGL/GLES for the software GPU path, Chromium for PDF)"
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all system packages present (${#PACKAGES[@]})"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-system: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup-system: done"
