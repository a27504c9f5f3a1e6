#pragma once
// The AutoAWQ "GEMM" packing that vLLM and transformers load. For a Linear with K inputs and N
// outputs: qweight int32 [K, N/8], qzeros int32 [K/G, N/8], scales fp16 [K/G, N]. Each int32 holds
// eight 4-bit values along N; nibble i (bits 4i..4i+3) holds column kAwqPackOrder[i] of its block of
// eight. w = (q - z) * s. Shared by the CPU reference, the CUDA kernels and the quantizer's writer.
#include <cstdint>

namespace awq::kernels {

inline constexpr int kAwqPackOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

#if defined(__CUDACC__)
#define AWQ_HOST_DEVICE __host__ __device__
#else
#define AWQ_HOST_DEVICE
#endif

// Column c (0..7) of a block sits in nibble (c / 2) + 4 * (c % 2), the inverse of kAwqPackOrder.
// Arithmetic rather than a table: device code must not index host constant arrays.
AWQ_HOST_DEVICE inline constexpr int awqNibbleOfColumn(int column) { return (column >> 1) + ((column & 1) << 2); }

AWQ_HOST_DEVICE inline constexpr std::uint32_t awqNibble(std::uint32_t packed, int column) {
    return (packed >> (4 * awqNibbleOfColumn(column))) & 0xFu;
}

}  // namespace awq::kernels
