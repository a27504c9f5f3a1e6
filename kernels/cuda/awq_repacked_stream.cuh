#pragma once
// The streamed W4A16 decode kernel (awq_repacked_stream.cu), for awqRepackedGemm's plan. nvcc only.
#include "kernels/cuda/awq_repacked_decode.cuh"

#include <cstddef>

namespace awq::kernels::decode_detail {

// How the streamed kernel runs a shape (two blocks a multiprocessor): ring stages (4, or 2 where 4
// do not fit and the blocks walk many column tiles) and dynamic shared memory a block.
// sharedBytes == 0: the kernel does not apply (it needs an sm_90 device and sm_90 code in the
// build, G 64 or 128, M <= 8, and its blocks to fit a multiprocessor); AWQBENCH_DECODE_STREAM=0
// makes it not apply anywhere, AWQBENCH_STREAM_PLAN=fixed keeps four stages (for measuring).
// pairedTiles: for the SiLU epilogue (AwqDecodeOutput::siluMul; N % 32 == 0).
struct StreamedDecodePlan {
    std::size_t sharedBytes = 0;
    int stages = 0;
};
StreamedDecodePlan planStreamedDecode(int M, int K, int N, int G, bool pairedTiles = false);

// Launches it (programmatic dependent launch) with args.partial and args.splitCounters unused and
// args.groupsPerSplit = K / G; plan from planStreamedDecode. Returns the launch error.
template <typename T>
cudaError_t launchStreamedDecode(const RepackedArgs<T>& args, const StreamedDecodePlan& plan, cudaStream_t stream);

}  // namespace awq::kernels::decode_detail
