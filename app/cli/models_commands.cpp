#include "app/cli/models_commands.h"

#include "app/cli/cli_support.h"
#include "core/library/catalog.h"
#include "core/library/catalog_json.h"
#include "core/model/quantization_record.h"
#include "core/system/gpu_probe.h"
#include "core/system/memory_plan.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace awq::cli {
namespace fs = std::filesystem;

namespace {

// 4 for 4.0, 1.5 for 1.5 (std::to_string prints 4.000000).
std::string shortNumber(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

// The listing's quant column: quantizationLabel ("rtn w4 g128 (awq layout)"), "-" when unquantized.
std::string modelQuantLabel(const ModelInfo& m) {
    if (m.config.quantization.method == QuantMethod::None) return "-";
    return quantizationLabel(m.config.quantization, m.quantizationRecord ? &*m.quantizationRecord : nullptr);
}

// What our record says of how the model was made (awqbench_quantization.json); nothing without one.
void printQuantizationRecord(const ModelInfo& m) {
    if (!m.quantizationRecord) return;
    const auto& r = *m.quantizationRecord;
    std::cout << "checkpoint:   " << quantMethodName(m.config.quantization.method) << " (config.json: the format vLLM loads)\n"
              << "made from:    " << (r.sourceName.empty() ? std::string("-") : r.sourceName)
              << (r.sourcePath.empty() ? std::string() : " (" + r.sourcePath + ")") << "\n"
              << "settings:     " << (r.settings.empty() ? std::string("-") : r.settings) << "\n"
              << "calibration:  " << (calibrationSummary(r).empty() ? std::string("-") : calibrationSummary(r)) << "\n"
              << "layer error:  " << (layerErrorSummary(r).empty() ? std::string("-") : layerErrorSummary(r)) << "\n"
              << "quantized:    " << (r.finished.empty() ? std::string("-") : r.finished)
              << (r.toolVersion.empty() ? std::string() : " by awqbench " + r.toolVersion) << " (awqbench_quantization.json)\n";
}

fs::path executableDir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

// No folders named: AWQBENCH_LIBRARY (colon-separated) or the bundled demo library.
std::vector<fs::path> defaultRoots() {
    std::vector<fs::path> roots;
    if (const char* env = std::getenv("AWQBENCH_LIBRARY"); env && *env) {
        std::stringstream ss(env);
        for (std::string part; std::getline(ss, part, ':');)
            if (!part.empty()) roots.emplace_back(part);
        return roots;
    }
    if (auto demo = findDemoLibrary(executableDir()); !demo.empty()) roots.push_back(demo);
    return roots;
}

// "ok" only for a model with nothing to warn about: the first warning (a model without
// tokenizer.json said "ok" here and could not generate), and how many more (`models show` lists them).
std::string warningsLabel(const std::vector<std::string>& warnings) {
    std::string label = "warning: " + warnings.front();
    if (warnings.size() > 1) label += " (+" + std::to_string(warnings.size() - 1) + " more: models show)";
    return label;
}

void printList(const std::vector<CatalogEntry>& entries) {
    TextTable table({"name", "origin", "arch", "params", "dtype", "quant", "size", "status"},
                    {false, false, false, true, false, false, true, false});
    for (const auto& e : entries) {
        const std::string origin = e.origin == ModelOrigin::WarmPool ? "pool" : "library";
        if (e.info) {
            const auto& m = *e.info;
            table.addRow({e.name, origin, std::string(architectureName(m.config.architecture)), format::count(m.parameterCount),
                          m.storageDtype, modelQuantLabel(m), format::bytes(m.bytesOnDisk),
                          !m.unsupported.empty()      ? "unsupported: config.json " + m.unsupported
                          : !m.tokenizerError.empty() ? "warning: the tokenizer cannot be loaded"
                          : m.warnings.empty()        ? "ok"
                                                      : warningsLabel(m.warnings)});
        } else if (e.gguf) {
            table.addRow({e.name, origin, e.gguf->architecture + " (gguf)", format::count(e.gguf->parameterCount), "-", "-",
                          format::bytes(e.gguf->fileSize), "unsupported: GGUF (listed for its metadata; models show says why)"});
        } else {
            table.addRow({e.name, origin, "?", "-", "-", "-", "-", "broken: " + e.error});
        }
    }
    std::cout << table.render();
    std::size_t broken = 0;
    for (const auto& e : entries) broken += e.ok() ? 0 : 1;
    std::cout << format::counted(entries.size(), "model") << ", " << broken << " broken\n";
}

void printMemoryPlans(const ModelInfo& m, int context) {
    std::vector<std::pair<std::string, std::uint64_t>> cards;
    const auto probe = probeGpus();
    for (const auto& g : probe.gpus) cards.emplace_back("GPU " + std::to_string(g.index) + " " + g.name, g.totalBytes);
    for (int gib : commonGpuSizesGiB()) cards.emplace_back(commonGpuLabel(gib), std::uint64_t(gib) << 30);

    MemoryPlanInput in;
    in.contextLength = context;
    // The last column is the KV cache's capacity, not serving concurrency (it read "sequences that
    // fit", taken for how many a server runs at once); the note under the table says vLLM's limit.
    TextTable table({"gpu", "weights", "kv/token", "kv/sequence", "context", "kv cache holds (sequences)"},
                    {false, true, true, true, true, true});
    for (const auto& [label, bytes] : cards) {
        in.gpuMemoryBytes = bytes;
        const auto p = planMemory(m, in);
        // format::bytes, not gib: a small model's weights read "0.01 GiB" whether 14 MiB or 5 MiB.
        table.addRow({label, format::bytes(p.weightBytes), format::bytes(p.kvBytesPerToken), format::bytes(p.kvBytesPerSequence),
                      std::to_string(p.contextLength), p.weightsFit ? std::to_string(p.sequencesThatFit) : "weights do not fit"});
    }
    std::cout << "\nMemory plan (90% of the card, 1 GiB runtime overhead, fp16 KV cache):\n" << table.render()
              << "kv cache holds: sequences of the context length whose KV cache fits at once, not how many vLLM runs together: at most "
              << kVllmDefaultMaxNumSeqs << " by default, " << kVllmDefaultMaxNumSeqsLargeCard
              << " on a card of 70 GiB or more other than the A100 (--max-num-seqs)\n";
    if (const int modelContext = vllmDerivedMaxModelLen(m.config); context > modelContext)
        std::cout << "note: --context " << context << " is past the model's " << modelContext
                  << " tokens (as vLLM derives them): vLLM refuses a longer max-model-len\n";
    if (!probe.available) std::cout << "(" << probe.reason << ")\n";
}

void printShow(const CatalogEntry& e, int context) {
    std::cout << "name:         " << e.name << "\npath:         " << e.path.string() << "\n";
    if (!e.ok()) {
        std::cout << "status:       broken: " << e.error << "\n";
        return;
    }
    if (e.gguf) {
        const auto& g = *e.gguf;
        std::cout << "format:       GGUF v" << g.version << "\narchitecture: " << g.architecture
                  << "\nparameters:   " << format::count(g.parameterCount) << " (" << g.parameterCount << ")"
                  << "\nsize:         " << format::bytes(g.fileSize) << "\nstatus:       unsupported: " << kGgufNotRunnable << " (" << kGgufNotRunnableFix << ")\n\nMetadata:\n";
        for (const auto& kv : g.metadata) std::cout << "  " << kv.key << " (" << kv.type << ") = " << kv.displayValue() << "\n";
        TextTable table({"tensor", "type", "shape", "bytes"}, {false, false, false, true});
        for (const auto& t : g.tensors) {
            std::string shape;
            for (auto d : t.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
            table.addRow({t.name, t.type, shape, std::to_string(t.byteSize)});
        }
        std::cout << "\n" << table.render();
        return;
    }
    const auto& m = *e.info;
    const auto& c = m.config;
    if (!m.unsupported.empty())
        std::cout << "status:       unsupported by the built-in engine (generate, eval, compare, serve, quantize): " << (m.folder / "config.json").string()
                  << ": " << m.unsupported << " (" << m.unsupportedFix << ")\n";
    std::cout << "format:       Hugging Face safetensors (" << format::counted(m.shardCount, "shard") << ")\n"
              << "architecture: " << architectureName(c.architecture) << " (" << c.architectureClass << ")\n"
              << "parameters:   " << format::count(m.parameterCount) << " (" << m.parameterCount << ")\n"
              // dtype is the storage type of most parameters, as in `models list` and --json's `dtype`.
              << "dtype:        " << m.storageDtype
              << (m.storageDtype != m.floatDtype ? " (most parameters: the quantized linears; other tensors " + m.floatDtype + ";" : " (")
              << " config: " << (c.dtype.empty() ? "-" : c.dtype) << ")\n"
              << "quantization: " << modelQuantLabel(m)
              << (c.quantization.method == QuantMethod::Awq ? std::string(c.quantization.zeroPoint ? " zero-point" : " symmetric") + " " + c.quantization.version : "")
              << "\n";
    printQuantizationRecord(m);
    std::cout << "size:         " << format::bytes(m.bytesOnDisk) << " on disk, " << format::bytes(m.weightBytes) << " of weights\n"
              << "layers:       " << c.numLayers << "\nhidden:       " << c.hiddenSize << " (intermediate " << c.intermediateSize << ")\n"
              << "heads:        " << c.numHeads << " q / " << c.numKvHeads << " kv, head dim " << c.headDim << "\n"
              << "activation:   " << c.hiddenAct << "\n"
              << "vocab:        " << c.vocabSize << "\ncontext:      " << c.maxPositions
              << (c.maxPositionsDefaulted ? " (config.json has no max_position_embeddings: the " + c.architectureClass + " default)" : "") << "\n"
              << "rope:         theta " << c.rope.theta << ", " << c.rope.type
              << (c.rope.factor != 1.0 ? ", factor " + shortNumber(c.rope.factor) : "")
              << (c.rope.originalMaxPositions > 0 ? ", original context " + std::to_string(c.rope.originalMaxPositions) : "")
              << " (vLLM context " << vllmDerivedMaxModelLen(c) << ")\n"
              << "sliding win:  " << (c.slidingWindow ? slidingWindowSummary(c) : std::string("-")) << "\n"
              << "tied embed:   " << (c.tieWordEmbeddings ? (m.tiedEmbeddingsStoredAsLmHead ? "yes (stored as lm_head.weight)" : "yes") : "no")
              << (c.tieWordEmbeddingsDefaulted ? " (config.json has no tie_word_embeddings: the " + std::string(transformersConfigClass(c.architecture)) + " default)" : "")
              << "\n"
              << "tokenizer:    " << (!m.hasTokenizer ? "missing" : m.tokenizerError.empty() ? "tokenizer.json" : "tokenizer.json, broken (see the warning)") << "\n"
              << "chat template:" << (m.hasChatTemplate ? " " + m.chatTemplateSource : " none") << "\n"
              << "gen. config:  " << (m.hasGenerationConfig ? "yes" : "no") << "\n"
              << "fingerprint:  " << m.fingerprint << "\n";
    for (const auto& w : m.warnings) std::cout << "warning:      " << w << "\n";
    printMemoryPlans(m, context);

    TextTable table({"tensor", "dtype", "shape", "bytes"}, {false, false, false, true});
    for (const auto& t : m.tensors) {
        std::string shape;
        for (auto d : t.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
        table.addRow({t.name, t.dtype, shape, std::to_string(t.bytes)});
    }
    std::cout << "\nTensors (" << m.tensors.size() << "):\n" << table.render();
}

}  // namespace

void addModelsCommands(CLI::App& app) {
    auto* models = app.add_subcommand("models", "browse the model library");
    models->require_subcommand(1);

    struct ListOptions {
        std::vector<std::string> dirs;
        std::string warmPool;
        bool json = false;
    };
    auto list = std::make_shared<ListOptions>();
    auto* listCmd = models->add_subcommand("list", "list the models under library folders (default: AWQBENCH_LIBRARY or the demo library)");
    listCmd->add_option("dirs", list->dirs, "library folders (or model folders / .gguf files)");
    listCmd->add_option("--warm-pool", list->warmPool, "the warm-pool folder");
    listCmd->add_flag("--json", list->json, "print JSON (keys in README.md)");
    listCmd->callback([list] {
        runOrExit([&] {
            LibraryRoots roots;
            for (const auto& d : list->dirs) roots.folders.emplace_back(d);
            // --warm-pool replaces the warm pool only (as the GUI's flag does): without folders
            // named, the default library is listed beside it (it was dropped).
            if (roots.folders.empty()) {
                // A configured library (AWQBENCH_LIBRARY) with one folder gone (an unmounted disk)
                // lists the rest, as the GUI does; a folder named on the command line must exist.
                roots.folders = defaultRoots();
                std::erase_if(roots.folders, [](const fs::path& r) {
                    if (std::error_code ec; fs::exists(r, ec)) return false;
                    std::cerr << "warning: " << r.string() << " (AWQBENCH_LIBRARY): no such folder, skipped\n";
                    return true;
                });
            }
            roots.warmPool = list->warmPool;
            if (!roots.warmPool.empty()) {
                // A mistyped pool listed nothing from it, with exit 0.
                std::error_code ec;
                if (!fs::exists(roots.warmPool, ec)) throw Error("no such folder (--warm-pool)", roots.warmPool, "check the path");
                if (!fs::is_directory(roots.warmPool, ec))
                    throw Error("is a file, not a folder (--warm-pool)", roots.warmPool, "name the warm-pool folder");
            }
            for (const auto& r : roots.folders) {
                if (!fs::exists(r)) throw Error("no such file or folder", r, "check the path");
                // A file other than a .gguf listed nothing, with exit 0 (config.json for its folder, say).
                if (!fs::is_directory(r) && !isGgufPath(r))
                    throw Error("is a file, not a library or model folder", r,
                                "name the folder (" + (r.has_parent_path() ? r.parent_path().string() : std::string(".")) + ") or a .gguf file");
            }
            ScanProgress last;
            const auto entries = scanLibrary(roots, {}, [&](const ScanProgress& p) { last = p; }).value;
            if (last.foldersNotSearched)
                std::cerr << "note: " << format::counted(last.foldersNotSearched, "folder") << " " << kLibraryScanDepth
                          << " levels below a library folder were not searched for models, the first " << last.firstNotSearched.string()
                          << " (name the deeper folder: awqbench-cli models list DIR)\n";
            if (list->json)
                std::cout << catalogToJson(entries) << "\n";
            else
                printList(entries);
            return 0;
        });
    });

    struct ShowOptions {
        std::string path;
        bool json = false;
        int context = 0;
    };
    auto show = std::make_shared<ShowOptions>();
    auto* showCmd = models->add_subcommand("show", "show everything about one model folder or .gguf file");
    showCmd->add_option("path", show->path, "model folder or .gguf file")->required();
    showCmd->add_flag("--json", show->json, "print JSON (keys in README.md)");
    // Bounded as config.json's max_position_embeddings is (and eval's --ctx): the message names the
    // bound instead of "a whole number of 1 or more" for 99999999999.
    showCmd->add_option("--context", show->context, "context length for the memory plan (default: the model's)")
        ->check(wholeNumberIn(1, kMaxPositionEmbeddings));
    showCmd->callback([show] {
        runOrExit([&] {
            if (!fs::exists(show->path)) throw Error("no such file or folder", show->path, "check the path");
            const auto entry = describeCandidate(show->path, ModelOrigin::Library);
            if (show->json)
                std::cout << catalogEntryToJson(entry, true) << "\n";
            else
                printShow(entry, show->context);
            if (!entry.ok()) {
                std::cerr << "error: " << entry.error << "\n";
                return kExitBadInput;
            }
            return 0;
        });
    });
}

}  // namespace awq::cli
