"""Helpers for the Python tests of chaos/python: a real `chaoslab backend` on loopback."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

SOURCE_DIR = os.environ.get("CHAOSLAB_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BINARY = os.environ.get("CHAOSLAB_BINARY", os.path.join(SOURCE_DIR, "build", "chaoslab"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "chaos", "python"))


class Backend:
    """`chaoslab backend` on 127.0.0.1, any free port; stopped on exit."""

    def __init__(self, token="tok", *extra):
        args = [BINARY, "backend", "--host", "127.0.0.1", "--port", "0", "--seed", "1",
                "--failure-rate", "0", "--slow-rate", "0"]
        if token:
            args += ["--admin-token", token]
        self.proc = subprocess.Popen(args + list(extra), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        port = None
        deadline = time.monotonic() + 20
        while port is None:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("chaoslab backend exited: " + "".join(self.lines))
            self.lines.append(line)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
            if time.monotonic() > deadline:
                raise RuntimeError("chaoslab backend did not start")
        # Keep reading the log so the pipe never fills.
        threading.Thread(target=lambda: self.lines.extend(self.proc.stderr), daemon=True).start()
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path, token=None):
        req = urllib.request.Request(self.url + path)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def state(self, token="tok"):
        status, body = self.get("/admin/faults", token)
        assert status == 200, (status, body)
        return json.loads(body)

    def wait_exit(self, timeout=10):
        return self.proc.wait(timeout=timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


def free_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
