#!/usr/bin/env bash
# Installs the Debian 12 packages AWQ Workbench builds and tests with (as root, or through sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev libqt6opengl6-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl1-mesa-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libcpp-httplib-dev
  libgtest-dev libbenchmark-dev
  libtorch-dev libopenblas0-pthread
  libpcre2-dev libicu-dev libutf8proc-dev
  xvfb xauth
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
