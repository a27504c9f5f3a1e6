#!/usr/bin/env bash
# Installs the Debian 12 packages AWQ Workbench builds and tests with (as root, or through sudo).
# Each one is used: the toolchain; Qt 6 + QCustomPlot (ui); spdlog/{fmt}, nlohmann-json, CLI11,
# cpp-httplib (core, app); GoogleTest (GPU test programs); libtorch with the pthread OpenBLAS it
# links (engine, quantizer); PCRE2 + ICU (core/text); cairo (PDF reports) and pdftotext (their
# tests); clang + its runtime (tests/fuzz); python3 (scripted tests); file, lintian, appstream,
# desktop-file-utils (tools/check-package.sh: cpack's dpkg-shlibdeps and the package checks).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev libcpp-httplib-dev
  libgtest-dev
  libtorch-dev libopenblas0-pthread
  libpcre2-dev libicu-dev
  libcairo2-dev poppler-utils
  clang libclang-rt-14-dev python3
  file lintian appstream desktop-file-utils
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
