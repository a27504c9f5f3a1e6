#pragma once
// The streamed W4A16 decode kernel (awq_repacked_stream.cu), for awqRepackedGemm's plan. nvcc only.
#include "kernels/cuda/awq_repacked_decode.cuh"

#include <cstddef>

namespace awq::kernels::decode_detail {

// Dynamic shared memory the streamed kernel needs for M rows of K inputs with group size G, 0 where
// it does not apply: sm_90 device and sm_90 code in the build, G 64 or 128, M <= 8, and two blocks
// fit a multiprocessor; AWQBENCH_DECODE_STREAM=0 makes it 0 everywhere (for measuring).
std::size_t streamedDecodeSharedBytes(int M, int K, int G);

// Launches it (programmatic dependent launch) with args.partial and args.splitCounters unused and
// args.groupsPerSplit = K / G; sharedBytes from streamedDecodeSharedBytes. Returns the launch error.
template <typename T>
cudaError_t launchStreamedDecode(const RepackedArgs<T>& args, std::size_t sharedBytes, cudaStream_t stream);

}  // namespace awq::kernels::decode_detail
