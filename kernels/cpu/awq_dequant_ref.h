#pragma once
// CPU reference for the AWQ GEMM layout: unpack and dequantize, and pack. The CUDA kernels are
// checked against these, and the quantizer writes its output with packAwqGemm.
#include <cstdint>

namespace awq::kernels {

// out[k * N + n] = (q[k][n] - z[k / G][n]) * s[k / G][n] as float. scales are IEEE fp16 bits.
void dequantizeAwqGemmRef(const std::int32_t* qweight, const std::int32_t* qzeros, const std::uint16_t* scales,
                          int K, int N, int groupSize, float* out);

// Packs 4-bit integer values q[K][N] (0..15, row-major) into int32 [K][N/8] in the AWQ order.
// Also used for zeros: z[K/G][N] -> qzeros [K/G][N/8].
void packAwqGemm(const std::uint8_t* values, int rows, int N, std::int32_t* packed);

}  // namespace awq::kernels
