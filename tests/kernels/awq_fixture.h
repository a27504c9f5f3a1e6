#pragma once
// Reads the quantized linears of an AWQ fixture folder as plain host arrays for kernel tests.
#include "core/model/safetensors.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace awq::test {

struct HostAwqLinear {
    std::string prefix;  // e.g. "model.layers.0.self_attn.q_proj"
    int K = 0, N = 0, groupSize = 0;
    std::vector<std::int32_t> qweight, qzeros;
    std::vector<std::uint16_t> scales;  // fp16 bits
};

template <typename T>
std::vector<T> copyTensor(const TensorStore& store, const TensorInfo& t) {
    std::vector<T> v(t.byteSize / sizeof(T));
    std::memcpy(v.data(), store.data(t).data(), t.byteSize);
    return v;
}

inline std::vector<HostAwqLinear> loadAwqLinears(const TensorStore& store, int groupSize) {
    std::vector<HostAwqLinear> out;
    const std::string suffix = ".qweight";
    for (const auto& t : store.tensors()) {
        if (t.name.size() <= suffix.size() || t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        HostAwqLinear l;
        l.prefix = t.name.substr(0, t.name.size() - suffix.size());
        l.K = int(t.shape[0]);
        l.N = int(t.shape[1]) * 8;
        l.groupSize = groupSize;
        l.qweight = copyTensor<std::int32_t>(store, t);
        l.qzeros = copyTensor<std::int32_t>(store, *store.find(l.prefix + ".qzeros"));
        l.scales = copyTensor<std::uint16_t>(store, *store.find(l.prefix + ".scales"));
        out.push_back(std::move(l));
    }
    return out;
}

}  // namespace awq::test
