#pragma once
// Model folders the UI tests build on the fly: copies of the shared fixtures (writable), a broken
// model (config.json + truncated safetensors) and a small but complete GGUF file.
#include <filesystem>
#include <string>

namespace awq::test {

// Copies ../shared/models/<fixture> to `to` (made writable).
void copyFixtureModel(const char* fixture, const std::filesystem::path& to);

// A model folder whose config is fine but whose model.safetensors is cut to `bytes` bytes.
void writeTruncatedModel(const std::filesystem::path& folder, std::uintmax_t bytes = 1000);

// A GGUF v3 file: general.architecture "llama", general.name `name`, llama.block_count 2,
// llama.context_length 256, llama.embedding_length 8, tokenizer.ggml.model "gpt2", a token array,
// and two F32 tensors (token_embd.weight [8, 16], output_norm.weight [8]) with their data.
void writeSmallGguf(const std::filesystem::path& file, const std::string& name);

}  // namespace awq::test
