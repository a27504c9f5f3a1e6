#pragma once
// std::filesystem::path <-> QString without losing non-ASCII file names (core speaks std types,
// the widgets speak QString).
#include <QFile>
#include <QString>
#include <QStringList>

#include <filesystem>
#include <vector>

namespace awq::ui {

inline QString toQString(const std::filesystem::path& p) {
#ifdef _WIN32
    return QString::fromStdWString(p.native());
#else
    return QFile::decodeName(QByteArray::fromStdString(p.native()));
#endif
}

inline std::filesystem::path toPath(const QString& s) {
#ifdef _WIN32
    return std::filesystem::path(s.toStdWString());
#else
    return std::filesystem::path(QFile::encodeName(s).toStdString());
#endif
}

inline std::vector<std::filesystem::path> toPaths(const QStringList& list) {
    std::vector<std::filesystem::path> out;
    out.reserve(static_cast<std::size_t>(list.size()));
    for (const QString& s : list) out.push_back(toPath(s));
    return out;
}

inline QString toQString(const std::string& utf8) { return QString::fromStdString(utf8); }

}  // namespace awq::ui
