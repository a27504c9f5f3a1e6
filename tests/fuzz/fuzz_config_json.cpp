// config.json, and everything computed from it without tensors: the rope parameters, vLLM's
// derived context, the rope limit, sliding layers and the KV-cache / memory plan (issue 17 item 2:
// sizes from config numbers must be overflow-checked, never wrap or divide by zero); and the same
// bytes as a LoRA adapter_config.json.
#include "core/model/hf_config.h"
#include "core/model/lora_adapter.h"
#include "core/system/memory_plan.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {  // the same bytes as a LoRA adapter_config.json (core/model/lora_adapter.h)
        (void)awq::parseLoraConfig(awq::fuzz::asText(data, size), "adapter_config.json");
    } catch (const awq::Error&) {
    }
    try {
        const auto config = awq::parseModelConfig(awq::fuzz::asText(data, size), "config.json");
        (void)awq::ropeAttentionFactor(config.rope);
        (void)awq::vllmDerivedMaxModelLen(config);
        (void)awq::ropeSequenceLimit(config);
        (void)awq::kvCacheBytesPerToken(config);
        (void)config.everyLayerSlides();
        for (int layer = 0; layer < config.numLayers && layer < 256; ++layer) (void)config.windowOfLayer(layer);
        awq::checkRopeCovers(config, 4096, "config.json");

        awq::ModelInfo model;
        model.config = config;
        model.weightBytes = 1ull << 30;
        for (const int gib : awq::commonGpuSizesGiB()) {
            awq::MemoryPlanInput in;
            in.gpuMemoryBytes = static_cast<std::uint64_t>(gib) << 30;
            (void)awq::planMemory(model, in);
            in.contextLength = 1;
            (void)awq::planMemory(model, in);
        }
    } catch (const awq::Error&) {
    }
    return 0;
}
