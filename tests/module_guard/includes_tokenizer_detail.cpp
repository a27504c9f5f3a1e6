// Must NOT compile: awq_guard_probe_detail links awq_tokenizer, whose detail/ is still private.
#include "core/tokenizer/detail/pipeline.h"
