#pragma once
// The workbench's places, in sidebar order (Ctrl+1 .. Ctrl+5).
#include <QCoreApplication>
#include <QString>

namespace awq::ui {

enum class Place { Models, Quantize, Compare, Deploy, Reports };
inline constexpr int kPlaceCount = 5;

inline QString placeTitle(Place p) {
    switch (p) {
    case Place::Models: return QCoreApplication::translate("Place", "Models");
    case Place::Quantize: return QCoreApplication::translate("Place", "Quantize");
    case Place::Compare: return QCoreApplication::translate("Place", "Compare");
    case Place::Deploy: return QCoreApplication::translate("Place", "Deploy");
    case Place::Reports: return QCoreApplication::translate("Place", "Reports");
    }
    return {};
}

inline QString placeIconName(Place p) {
    switch (p) {
    case Place::Models: return QStringLiteral("models");
    case Place::Quantize: return QStringLiteral("quantize");
    case Place::Compare: return QStringLiteral("compare");
    case Place::Deploy: return QStringLiteral("deploy");
    case Place::Reports: return QStringLiteral("reports");
    }
    return {};
}

}  // namespace awq::ui
