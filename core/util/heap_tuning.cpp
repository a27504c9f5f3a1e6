#include "core/util/heap_tuning.h"

#include <cstdlib>  // defines __GLIBC__ where it applies
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace awq {

void retainLargeAllocations() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 1 << 30);           // blocks up to 1 GiB come from the heap
        mallopt(M_TRIM_THRESHOLD, 1 << 30);           // and the heap's free top is kept up to 1 GiB
        mallopt(M_TOP_PAD, 256 << 20);                // grown 256 MiB at a time
    });
#endif
}

}  // namespace awq
