#include "kernels/cpu/awq_dequant_ref.h"

#include "kernels/awq_layout.h"
#include "kernels/cpu/half.h"

namespace awq::kernels {

void dequantizeAwqGemmRef(const std::int32_t* qweight, const std::int32_t* qzeros, const std::uint16_t* scales,
                          int K, int N, int groupSize, float* out) {
    const int packedN = N / 8;
    for (int k = 0; k < K; ++k) {
        const int g = k / groupSize;
        for (int b = 0; b < packedN; ++b) {
            const auto q = static_cast<std::uint32_t>(qweight[k * packedN + b]);
            const auto z = static_cast<std::uint32_t>(qzeros[g * packedN + b]);
            for (int c = 0; c < 8; ++c) {
                const int n = b * 8 + c;
                const float s = halfToFloat(scales[g * N + n]);
                out[std::int64_t(k) * N + n] = (float(awqNibble(q, c)) - float(awqNibble(z, c))) * s;
            }
        }
    }
}

void packAwqGemm(const std::uint8_t* values, int rows, int N, std::int32_t* packed) {
    const int packedN = N / 8;
    for (int r = 0; r < rows; ++r)
        for (int b = 0; b < packedN; ++b) {
            std::uint32_t word = 0;
            for (int i = 0; i < 8; ++i) word |= std::uint32_t(values[std::int64_t(r) * N + b * 8 + kAwqPackOrder[i]] & 0xF) << (4 * i);
            packed[r * packedN + b] = static_cast<std::int32_t>(word);
        }
}

}  // namespace awq::kernels
