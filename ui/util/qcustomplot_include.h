#pragma once
// QCustomPlot's header uses Qt's lower-case keywords (signals, slots, emit, foreach); awq_ui builds
// with QT_NO_KEYWORDS so that headers defining those names (torch among them) can be mixed in.
// Include QCustomPlot only through this header.
#if defined(QT_NO_KEYWORDS)
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
#else
#include <qcustomplot.h>
#endif
