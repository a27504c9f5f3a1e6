#pragma once
// The AutoAWQ "GEMM" packing that vLLM and transformers load. For a Linear with K inputs and N
// outputs: qweight int32 [K, N/8], qzeros int32 [K/G, N/8], scales fp16 [K/G, N]. Each int32 holds
// eight 4-bit values along N; nibble i (bits 4i..4i+3) holds column kAwqPackOrder[i] of its block of
// eight. w = (q - z) * s. Shared by the CPU reference, the CUDA kernels and the quantizer's writer.
#include <cstdint>

namespace awq::kernels {

inline constexpr int kAwqPackOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

// Column c (0..7) of a block sits in nibble kAwqNibbleOfColumn[c].
inline constexpr int kAwqNibbleOfColumn[8] = {0, 4, 1, 5, 2, 6, 3, 7};

inline constexpr std::uint32_t awqNibble(std::uint32_t packed, int column) {
    return (packed >> (4 * kAwqNibbleOfColumn[column])) & 0xFu;
}

}  // namespace awq::kernels
