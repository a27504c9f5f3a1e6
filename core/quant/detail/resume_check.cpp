#include "core/quant/detail/resume_check.h"

#include "core/quant/detail/job_journal.h"
#include "core/quant/detail/job_settings.h"
#include "core/util/error.h"
#include "core/util/json_read.h"

#include <system_error>

namespace awq::quant {
namespace fs = std::filesystem;

RecordedJob recordedJob(const QuantizedModelWriter& writer) {
    const fs::path recordFile = writer.recordFile();
    std::error_code ec;
    if (fs::is_regular_file(recordFile, ec)) {
        // The record is written last, after every model file: its presence means the job finished.
        const auto record = readJsonFile({recordFile, "delete the .partial folder and start over"});
        if (!record.is_object() || !record.contains("settings"))
            throw Error("the record of the finished job is incomplete", recordFile, "delete the .partial folder and start over");
        return {record["settings"], "the finished job"};
    }
    JobJournal journal(writer.journalFile());
    journal.load();
    return {journal.settings(), "the interrupted job"};
}

std::vector<std::string> checkResumeOfWorkFolder(const QuantizedModelWriter& writer, const nlohmann::json& now) {
    if (!writer.hasWorkFolder() || writer.workFolderHoldsNothingToResume()) return {};
    const auto recorded = recordedJob(writer);
    return checkResumeSettings(recorded.settings, now, writer.workFolder(), recorded.what);
}

}  // namespace awq::quant
