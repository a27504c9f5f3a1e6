#pragma once
// Random but sane weights for synthetic benchmark models, filled on all cores; tensors of one shape
// take windows of a few shared buffers, so multi-GB models need little host memory.
#include "core/util/error.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

namespace awq::bench {

// Fills in parallel: f(i, rng) gives element i.
template <typename T, typename F>
inline void parallelFill(std::vector<T>& v, std::uint64_t seed, F f) {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    const std::size_t per = (v.size() + threads - 1) / threads;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + t + 1;
            auto next = [&s] {  // xorshift64*
                s ^= s >> 12;
                s ^= s << 25;
                s ^= s >> 27;
                return static_cast<std::uint32_t>((s * 0x2545F4914F6CDD1Dull) >> 32);
            };
            const std::size_t b = t * per, e = std::min(v.size(), b + per);
            for (std::size_t i = b; i < e; ++i) v[i] = f(next);
        });
    for (auto& th : pool) th.join();
}

template <typename T>
inline std::span<const std::byte> bytesOf(const std::vector<T>& v, std::size_t offset, std::size_t count) {
    if (offset + count > v.size()) throw awq::Error("synthetic buffer too small (a bug in the benchmark)");
    return std::as_bytes(std::span<const T>(v.data() + offset, count));
}

}  // namespace awq::bench
