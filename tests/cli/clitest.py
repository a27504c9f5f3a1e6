"""What the CLI test scripts in this folder share: failures collected per check (every check runs,
each failure printed as it happens), a free local port, and `awqbench-cli serve` running until the
block ends. Imported by name: Python puts the running script's folder first on sys.path."""
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request


class Checks:
    """check(cond, what) records a failure without stopping; finish() exits 1 if any were recorded."""

    def __init__(self, name):
        self.name = name
        self.failures = []

    def __call__(self, cond, what):
        if not cond:
            self.failures.append(what)
            print(f"{self.name}: FAIL: {what}", flush=True)

    def finish(self, ok_line=None):
        if self.failures:
            sys.exit(f"{self.name}: {len(self.failures)} failure(s)")
        print(ok_line or f"{self.name}: ok")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(cli, *args, name, timeout=90):
    """`cli serve ARGS --port P` on a free port, once /health answers 200; yields (P, the process),
    terminates it at the end. Exits the test if the server exits or never gets ready."""
    port = free_port()
    server = subprocess.Popen([cli, "serve", *args, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + timeout
        while True:
            if server.poll() is not None:
                sys.exit(f"{name}: FAIL: the server exited: " + server.stderr.read())
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                sys.exit(f"{name}: FAIL: the server was not ready after {timeout} s")
            time.sleep(0.2)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=60)
