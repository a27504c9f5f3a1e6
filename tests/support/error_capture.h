#pragma once
// Runs a callable that should fail and returns awq::Error's message ("" when nothing was thrown),
// so tests can assert on what the user would read.
#include "core/util/error.h"

#include <QString>

namespace awq::test {

template <typename F>
QString errorMessageOf(F&& f) {
    try {
        f();
    } catch (const awq::Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace awq::test
