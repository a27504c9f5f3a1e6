// One safetensors file, as bytes on disk: the 8-byte header length, the JSON header (dtypes,
// shapes, offsets, __metadata__) and the data section. Every tensor the reader accepts must lie
// inside the file: its bytes are read (ASan checks the span against the mapping).
#include "core/model/safetensors.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = awq::fuzz::scratchDir() / "model.safetensors";
    awq::fuzz::writeFile(file, awq::fuzz::asText(data, size));
    try {
        const awq::SafetensorsFile st(file);
        unsigned sum = 0;
        for (const auto& t : st.tensors()) {
            const auto bytes = st.data(t);
            if (bytes.size() != t.byteSize) __builtin_trap();
            if (!bytes.empty()) sum += static_cast<unsigned>(bytes.front()) + static_cast<unsigned>(bytes.back());
            (void)t.elementCount();
        }
        (void)sum;
    } catch (const awq::Error&) {
    }
    return 0;
}
