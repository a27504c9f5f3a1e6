#include "core/engine/kernel_timeline.h"
#include "core/util/json_write.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>

namespace awq {

const char* kernelCategoryName(KernelCategory c) {
    switch (c) {
        case KernelCategory::GemmGemv: return "GEMM/GEMV";
        case KernelCategory::Attention: return "attention";
        case KernelCategory::Norm: return "norms";
        case KernelCategory::Other: break;
    }
    return "other";
}

KernelCategory categorizeKernel(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
    auto has = [&](const char* s) { return lower.find(s) != std::string::npos; };
    if (has("attention") || has("flash") || has("fmha") || has("sdpa") || has("softmax")) return KernelCategory::Attention;
    if (has("gemm") || has("gemv") || has("xmma") || has("nvjet") || has("cutlass") || has("awqrepacked") || has("matmul") || has("split_k") ||
        has("aten::linear") || has("aten::mm") || has("aten::addmm") || has("aten::bmm") || has("awq::linear"))
        return KernelCategory::GemmGemv;
    if (has("norm")) return KernelCategory::Norm;
    return KernelCategory::Other;
}

TimelineSummary summarizeTimeline(const std::vector<KernelRecord>& records) {
    TimelineSummary s;
    if (records.empty()) return s;
    std::map<std::string, KernelTotal> byName;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    for (const auto& r : records) {
        auto& t = byName[r.name];
        t.name = r.name;
        t.category = categorizeKernel(r.name);
        t.calls += 1;
        const double us = double(r.endNs - r.startNs) / 1000.0;
        t.totalUs += us;
        s.categoryUs[int(t.category)] += us;
        spans.emplace_back(r.startNs, r.endNs);
    }
    std::sort(spans.begin(), spans.end());
    std::uint64_t busy = 0, curStart = spans[0].first, curEnd = spans[0].second, last = 0;
    for (const auto& [b, e] : spans) {
        if (b > curEnd) {
            busy += curEnd - curStart;
            curStart = b;
            curEnd = e;
        } else {
            curEnd = std::max(curEnd, e);
        }
        last = std::max(last, e);
    }
    busy += curEnd - curStart;
    s.busyUs = double(busy) / 1000.0;
    s.spanUs = double(last - spans[0].first) / 1000.0;
    for (auto& [name, t] : byName) s.kernels.push_back(std::move(t));
    std::sort(s.kernels.begin(), s.kernels.end(), [](const KernelTotal& a, const KernelTotal& b) { return a.totalUs > b.totalUs; });
    return s;
}

std::string chromeTraceJson(const std::vector<KernelRecord>& records, std::string_view processName) {
    nlohmann::json events = nlohmann::json::array();
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"args", {{"name", std::string(processName)}}}});
    const std::uint64_t origin = records.empty() ? 0 : std::min_element(records.begin(), records.end(), [](const auto& a, const auto& b) {
                                                          return a.startNs < b.startNs;
                                                      })->startNs;
    for (const auto& r : records)
        events.push_back({{"name", r.name},
                          {"cat", kernelCategoryName(categorizeKernel(r.name))},
                          {"ph", "X"},
                          {"pid", 0},
                          {"tid", r.streamId},
                          {"ts", double(r.startNs - origin) / 1000.0},
                          {"dur", double(r.endNs - r.startNs) / 1000.0}});
    return jsonText(nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ns"}});
}

}  // namespace awq
