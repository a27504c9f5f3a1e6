#pragma once
// The contract every long core job follows (quantize, warm-pool add/verify, library scan, the
// compare runs: battery, quality, sweep, timeline, the whole comparison):
//
//     Result runSomething(const Settings&, const ProgressFn& onProgress = {}, std::stop_token stop = {});
//
// - settings in by const reference (the job copies what it keeps);
// - progress through a plain callback, called on the job's own thread (ui/util/job_runner.h
//   queues it to the GUI thread);
// - cancellation through the std::stop_token, checked between small steps (a token, a file chunk,
//   a window, a scale candidate), so a stop lands quickly;
// - a stop is not an error and never throws: the job returns normally with what it finished and
//   `cancelled` set in its result. Result types that have no such field of their own come back as
//   JobResult<T>. Errors (bad input, disk full, ...) throw awq::Error.
#include <stop_token>

namespace awq {

template <typename T>
struct JobResult {
    T value;                  // what finished (partial when cancelled)
    bool cancelled = false;   // stopped on request
};

}  // namespace awq
