// Must NOT compile: awq_guard_probe_unlinked links awq_util only, and core/model is not in util.
#include "core/model/dtype.h"
