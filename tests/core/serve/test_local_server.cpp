// The HTTP server's lifecycle (core/serve/local_server): a stop() right after start() ends it,
// however the listener thread was scheduled.
#include "core/serve/local_server.h"

#include <QtTest>

#include <atomic>
#include <string>

using namespace awq::serve;

class LocalServerTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // cpp-httplib ignores a stop() that comes before its listen loop has started; a model folder
    // that fails to load at once made `serve` stop that early on a busy machine (CI: the
    // cli_serve test's missing-model leg hung for its whole 60 s timeout). CTest's timeout
    // catches a hang here.
    void stopRightAfterStartEndsTheServer() {
        for (int i = 0; i < 200; ++i) {
            ServeOptions o;
            o.models = {"/nonexistent/awqbench-model"};
            o.port = 0;
            std::atomic<bool> loaded{false};
            std::string error;
            LocalServer server(o, {}, [&](const std::string& e) {
                error = e;
                loaded = true;
            });
            server.start();
            QVERIFY(server.port() > 0);
            QVERIFY(server.running());
            server.stop();  // waits for the load, which failed
            QVERIFY(loaded);
            QVERIFY2(error.find("not a folder") != std::string::npos, error.c_str());
            QVERIFY(!server.running());
        }
    }
};

QTEST_GUILESS_MAIN(LocalServerTest)
#include "test_local_server.moc"
