// Must compile: the public headers of what the probe links (awq_tokenizer and, through it, model).
#include "core/model/dtype.h"
#include "core/tokenizer/tokenizer.h"
