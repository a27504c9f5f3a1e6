#!/usr/bin/env bash
# One device session: configure and build with the UI off (libtorch from the installed PyTorch),
# run the GPU checks, then the kernel and engine benchmarks, logging everything under $OUT (or
# ./gpu-out). Usage: benchmarks/run_gpu_checks.sh [build|tests|gemm|engine|gptq|ab|knockout|ncu|all]...
# `ab` (not part of `all`): the switches written but not yet measured, each against what ships, in
# one run (interleaved rounds: lent cards differ by up to ~10%; AB_ROUNDS="1 2" by default, one
# round a call where a call's 10 minutes hold only one).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-out}
mkdir -p "$out"
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(all)
has() { for s in "${steps[@]}"; do [ "$s" = "$1" ] || [ "$s" = all ] && return 0; done; return 1; }
nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem --format=csv | tee "$out/gpu.txt"
if has build; then
  # The fixtures travel in ./gpu-shared where ../shared is not beside the checkout (the device tool).
  shared=../shared; [ -d gpu-shared/models ] && shared=$PWD/gpu-shared
  # CLI11's headers copied along (gpu-shared/cli11/CLI/CLI.hpp) where the machine lacks libcli11-dev.
  cli11=(); [ -f gpu-shared/cli11/CLI/CLI.hpp ] && cli11=(-DAWQBENCH_CLI11_INCLUDE_DIR="$PWD/gpu-shared/cli11")
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DAWQBENCH_BUILD_UI=OFF -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DAWQBENCH_SHARED_DIR="$shared" "${cli11[@]}" \
    -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')" > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
  cmake --build build-gpu -j"$(nproc)" > "$out/build.log" 2>&1 || { grep -E "error|Error" "$out/build.log" | head -40; exit 1; }
  echo "build: ok"
fi
if has tests; then
  ctest --test-dir build-gpu -R "cuda" --output-on-failure -j1 > "$out/gpu-tests.log" 2>&1
  grep -E "tests passed|Passed|Failed|\*\*\*|  (batched|weights|tinystories|qwen2|mistral)" "$out/gpu-tests.log" | tail -40
fi
if has gemm; then
  build-gpu/benchmarks/awq_gemm_bench > "$out/awq_gemm_bench.txt" 2>&1; tail -50 "$out/awq_gemm_bench.txt"
fi
if has engine; then
  build-gpu/benchmarks/engine_bench --peer benchmarks/hf_peer_bench.py --dir /tmp/awqbench-engine-bench --keep > "$out/engine_bench.txt" 2>&1
  tail -40 "$out/engine_bench.txt"
fi
if [[ " ${steps[*]} " == *" ab "* ]]; then
  # Session 30/31 (no GPU lent then): counted K splits in the wgmma prefill kernels
  # (AWQBENCH_PREFILL_COUNTED=1) and 128 x 128 wgmma blocks (variant 9) for 65-128 rows; the
  # session-28 picks against the ones before them (AWQBENCH_PREFILL_VARIANTS=0,3,4,5).
  for round in ${AB_ROUNDS:-1 2}; do
    for counted in 1 0; do
      AWQBENCH_PREFILL_COUNTED=$counted build-gpu/benchmarks/awq_gemm_bench --m 1 --prefill-m 16,32,48,64,96,128 \
        > "$out/ab-gemm-counted$counted-round$round.txt" 2>&1
      echo "== awq_gemm_bench, AWQBENCH_PREFILL_COUNTED=$counted, round $round"; grep -E "prefill|rows|^ *[0-9]" "$out/ab-gemm-counted$counted-round$round.txt" | tail -40
    done
    for setting in "picks=" "picks=0,3,4,5" "picks=8,6,9,5" "counted=1"; do
      name=${setting%%=*}; value=${setting#*=}; tag=${name}-${value:-default}; tag=${tag//,/-}  # $OUT brings back no names with commas
      env_args=(); [ "$name" = picks ] && [ -n "$value" ] && env_args=(AWQBENCH_PREFILL_VARIANTS="$value")
      [ "$name" = counted ] && env_args=(AWQBENCH_PREFILL_COUNTED="$value")
      env "${env_args[@]}" build-gpu/benchmarks/engine_bench --only awq --dir /tmp/awqbench-engine-bench --keep --batches 1,16,32 \
        --prompts 32,128 --new-tokens 32 --repeat 2 > "$out/ab-engine-$tag-round$round.txt" 2>&1
      echo "== engine_bench --only awq, $tag, round $round"; tail -12 "$out/ab-engine-$tag-round$round.txt"
    done
  done
fi
if [[ " ${steps[*]} " == *" knockout "* ]]; then
  # What each launch of a layer's decode step costs on the critical path (not part of `all`):
  # AWQBENCH_MEASURE_KNOCKOUT leaves launches out of every layer (outputs wrong, timing only);
  # interleaved rounds, batch 1 prompt 128, AWQ. Set against the launch's bytes at the read
  # bandwidth, the rest is its fixed cost, what fusing launches could save.
  for round in ${AB_ROUNDS:-1 2}; do
    for knock in none attention qkv o gateup down o-down qkv-attention-o-gateup-down; do
      value=${knock//-/,}; [ "$knock" = none ] && value=
      AWQBENCH_MEASURE_KNOCKOUT=$value build-gpu/benchmarks/engine_bench --only awq --dir /tmp/awqbench-engine-bench --keep --batches 1 \
        --prompts 128 --new-tokens 64 --repeat 3 > "$out/knockout-$knock-round$round.txt" 2>&1
      echo "== knockout $knock, round $round: $(grep -E '^AWQ-g128 +128 +1 ' "$out/knockout-$knock-round$round.txt")"
    done
  done
fi
if [[ " ${steps[*]} " == *" ncu "* ]]; then
  # Nsight Compute on the streamed decode GEMV at one row (not part of `all`): where its time goes
  # on the shapes furthest from the read bandwidth. --clock-control none: the card's own clocks.
  for shape in "gate+up" "down" "q/o_proj"; do
    tag=${shape//[^a-z]/-}
    ncu --clock-control none -k regex:awqRepackedStreamKernel --launch-skip 8 --launch-count 1 --section SpeedOfLight \
      --section MemoryWorkloadAnalysis --section WarpStateStats --section SchedulerStats --section Occupancy --section LaunchStats \
      build-gpu/benchmarks/awq_gemm_bench --m 1 --prefill-m 16 --shape "$shape" --reps 3 > "$out/ncu-$tag.txt" 2>&1
    echo "== ncu $shape: rc $?"; grep -E "Duration|Memory Throughput|DRAM Throughput|Issue Slots|Achieved Occupancy|No Eligible|Stall" "$out/ncu-$tag.txt" | head -20
  done
fi
if has gptq; then
  # The GPTQ checkpoint of the demo model (plain, act-order, sym), read back with GPTQModel / AutoGPTQ's
  # reference semantics and, where transformers imports, scored by KLD / top-1 vs the source.
  shared=../shared; [ -d gpu-shared/models ] && shared=$PWD/gpu-shared
  demo=$shared/models/tinystories-qwen3-7m
  for flag in "" --act-order --sym; do
    tag=${flag#--}; tag=${tag:+-$tag}; dir=/tmp/awqbench-gptq-check$tag; rm -rf "$dir"
    build-gpu/app/cli/awqbench-cli quantize --model "$demo" --out "$dir" --method gptq $flag --samples 32 \
      --calib "$shared/data/calib-stories.txt" > "$out/gptq-quantize$tag.log" 2>&1 || { tail -20 "$out/gptq-quantize$tag.log"; continue; }
    python3 benchmarks/gptq_reference_check.py "$dir" "$demo" --logits "$shared/data/eval-stories.txt" --tokens 4096 \
      --device "$(python3 -c 'import torch;print("cuda" if torch.cuda.is_available() else "cpu")')" \
      --json "$out/gptq-check$tag.json" > "$out/gptq-check$tag.txt" 2>&1
    echo "gptq check ${flag:-(plain)}: rc $?"; grep -vE '^  ok' "$out/gptq-check$tag.txt" | tail -25
  done
fi
