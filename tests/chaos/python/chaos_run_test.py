"""The real Chaos Toolkit engine (`chaos validate`, `chaos run`) on chaos/*.json. Runs only where
chaostoolkit, chaostoolkit-lib and chaostoolkit-kubernetes import; skipped (exit 77) otherwise."""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import support  # noqa: E402

MISSING = [m for m in ("chaostoolkit", "chaoslib", "chaosk8s") if importlib.util.find_spec(m) is None]
CHAOS_DIR = os.path.join(support.SOURCE_DIR, "chaos")


def chaos(*args, env=None):
    pythonpath = os.pathsep.join(filter(None, [os.path.join(CHAOS_DIR, "python"), os.environ.get("PYTHONPATH")]))
    full_env = dict(os.environ, PYTHONPATH=pythonpath, **(env or {}))
    return subprocess.run([sys.executable, "-m", "chaostoolkit", "--no-log-file", *args], env=full_env,
                          capture_output=True, text=True, timeout=240)


class RealEngine(unittest.TestCase):
    def test_every_file_validates(self):
        for name in sorted(f for f in os.listdir(CHAOS_DIR) if f.endswith(".json")):
            with self.subTest(file=name):
                r = chaos("validate", os.path.join(CHAOS_DIR, name))
                self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
                self.assertIn("experiment syntax and semantic look valid", r.stderr + r.stdout)

    def test_wrong_token_deviates(self):
        # A fault action refused with 401 is not a passed experiment: exit 1, deviated.
        with support.Backend("tok") as b, tempfile.TemporaryDirectory() as d:
            client_port = support.free_port()
            client = subprocess.Popen([support.BINARY, "client", "--url", b.url + "/work", "--host", "127.0.0.1", "--port",
                                       str(client_port), "--seed", "1", "--trace", os.path.join(d, "t.jsonl")],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                journal = os.path.join(d, "journal.json")
                r = chaos("run", "--journal-path", journal, os.path.join(CHAOS_DIR, "partition.json"),
                          env={"CHAOSLAB_BACKEND_URL": b.url, "CHAOSLAB_ADMIN_TOKEN": "wrong",
                               "CHAOSLAB_CLIENT_URL": f"http://127.0.0.1:{client_port}"})
                self.assertEqual(r.returncode, 1, r.stderr)
                with open(journal) as f:
                    j = json.load(f)
                self.assertTrue(j["deviated"])
                self.assertEqual(j["run"][0]["status"], "failed")
                self.assertIn("answered 401", "".join(j["run"][0]["exception"]))
            finally:
                client.terminate()
                client.wait()


if __name__ == "__main__":
    if MISSING:
        print("skipped: Chaos Toolkit is not installed here (missing: " + ", ".join(MISSING) + ")")
        sys.exit(77)
    unittest.main(verbosity=2)
