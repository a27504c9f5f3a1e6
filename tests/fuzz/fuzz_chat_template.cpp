// A chat template parsed and rendered by the sandboxed Jinja interpreter. The input is up to three
// parts separated by NUL bytes: the template, the messages (a JSON list), extra variables (a JSON
// object such as {"tools": [...], "enable_thinking": false}).
#include "core/tokenizer/chat_template.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = awq::fuzz::splitAtNul(awq::fuzz::asText(data, size), 3);
    try {
        awq::ChatTemplate tmpl{std::string(parts[0]), "chat_template.jinja"};
        tmpl.setVariable("bos_token", "<s>");
        tmpl.setVariable("eos_token", "</s>");
        const std::string_view messages =
            parts.size() > 1 ? parts[1] : std::string_view(R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}])");
        const std::string_view extra = parts.size() > 2 ? parts[2] : std::string_view{};
        (void)tmpl.renderJson(messages, true, extra);
    } catch (const awq::Error&) {
    }
    return 0;
}
