#pragma once
// The index maps of the repacked decode layout (kernels/cuda/awq_repacked.h), on the host and the
// device: where repacking puts each 4-bit code, and the order in which the tensor-core products of
// the prefill GEMM must see the inputs of a 64-input k-block. Kept in one place so that the repack
// kernel, the wgmma prefill kernel and the CPU test (tests/kernels/test_awq_layout.cpp) agree.
#include "kernels/awq_layout.h"  // AWQ_HOST_DEVICE

namespace awq::kernels {

// Input (row of W, 0..K-1) of nibble i (0..7) of word j (0..3) of lane group t = lane % 4, k-block b:
// 64b + 16t + 4j + 2((i >> 1) & 1) + (i >> 2). Lane t's 16 inputs of a k-block are contiguous.
AWQ_HOST_DEVICE inline constexpr int repackedInput(int kBlock, int word, int laneT, int nibble) {
    return 64 * kBlock + 16 * laneT + 4 * word + 2 * ((nibble >> 1) & 1) + (nibble >> 2);
}

// Output column of nibble i for lane g = lane / 4 of 16-column tile c: 16c + g + 8 (i & 1).
AWQ_HOST_DEVICE inline constexpr int repackedColumn(int tile, int laneG, int nibble) { return 16 * tile + laneG + 8 * (nibble & 1); }

// The input a tensor-core product reads at position p (0..63) of a k-block when word j of each lane
// is product j's A fragment: product j = p / 16 pairs mma k position kk = p % 16 (PTX's m16n8k16 /
// wgmma A layout: lane t holds kk = 2t, 2t + 1 in registers 0-1 and 2t + 8, 2t + 9 in 2-3) with input
// 16 (kk % 8 / 2) + 4j + kk % 2 + 2 (kk / 8). The wgmma prefill kernel stages x in this order.
AWQ_HOST_DEVICE inline constexpr int productOrderInput(int p) {
    const int kk = p % 16;
    return 16 * ((kk % 8) / 2) + 4 * (p / 16) + kk % 2 + 2 * (kk / 8);
}

}  // namespace awq::kernels
