#!/usr/bin/env bash
# Configures and builds into ./build (extra arguments go to CMake's configure step). Uses ccache
# when it is installed (rebuilds of other checkouts then take minutes, not a quarter of an hour).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@"
cmake --build build -j"$(nproc)"
