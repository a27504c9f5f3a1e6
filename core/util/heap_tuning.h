#pragma once
// Keeps large freed blocks in the process for reuse instead of handing them back to the kernel.
//
// Why: glibc serves every allocation above its mmap threshold (adaptive, at most 32 MB) with a
// fresh mapping and unmaps it on free, so the next tensor of that size is faulted in and zeroed
// page by page again. The CPU paths allocate chunk-sized tensors over and over (calibration
// activations, attention scores of tens of MB, once per scale candidate): measured with perf on the
// demo model (quantize, 32 x 512 calibration, 2 cores), 24 of 68 CPU seconds were page faults and
// unmapping; with this, 3 of 46, and the same output bytes.
// Cost: freed memory stays with the process (RSS stays near its peak until exit).
// Process-wide and idempotent; glibc only (a no-op elsewhere).
namespace awq {

void retainLargeAllocations();

}  // namespace awq
