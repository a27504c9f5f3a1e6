// A GGUF file (llama.cpp): magic, version, counts, typed metadata values (nested arrays), the
// tensor table. The library lists these files, so any byte sequence must read or be refused.
#include "core/model/gguf.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = awq::fuzz::scratchDir() / "model.gguf";
    awq::fuzz::writeFile(file, awq::fuzz::asText(data, size));
    try {
        const auto info = awq::readGguf(file);
        for (const auto& kv : info.metadata) (void)kv.displayValue();
        for (const auto& t : info.tensors)
            if (t.offset > info.fileSize || t.byteSize > info.fileSize) __builtin_trap();
        (void)info.find("general.architecture");
    } catch (const awq::Error&) {
    }
    return 0;
}
