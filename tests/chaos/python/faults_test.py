"""chaoslab.faults (chaos/python) against a real `chaoslab backend` on loopback: each function
takes effect, and a wrong token, an unreachable backend or a bad argument raises ActivityFailed."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import support  # noqa: E402  (puts chaos/python on the path)

from chaoslab import faults  # noqa: E402


class FaultFunctions(unittest.TestCase):
    def setUp(self):
        self.backend = support.Backend("tok")
        self.addCleanup(self.backend.__exit__)
        self.config = {"backend_url": self.backend.url, "admin_token": "tok"}

    def test_each_function_takes_effect(self):
        out = faults.inject_latency(latency_ms=250, probability=0.5, duration_s=30, configuration=self.config)
        self.assertEqual(out["latency"]["latency_ms"], 250.0)
        self.assertEqual(self.backend.state()["faults"]["latency"]["probability"], 0.5)

        faults.inject_errors(rate=1, status=503, configuration=self.config)
        self.assertEqual(self.backend.state()["faults"]["errors"], {"rate": 1.0, "status": 503, "remaining_s": None})
        status, _ = self.backend.get("/work")
        self.assertEqual(status, 503)

        out = faults.partition(duration_s=20, configuration=self.config)
        self.assertEqual(out["partition"]["remaining_s"], 20.0)
        out = faults.hang(duration_s=0.5, configuration=self.config)
        self.assertIsNotNone(out["hang"])

        out = faults.clear(configuration=self.config)
        self.assertEqual(out, {"latency": None, "errors": None, "hang": None, "partition": None})
        self.assertEqual(self.backend.get("/work")[0], 200)
        self.assertEqual(self.backend.get("/admin/faults/rejected"), (200, '{"rejected":0}\n'))

    def test_crash_exits_the_backend(self):
        out = faults.crash(exit_code=3, configuration=self.config)
        self.assertEqual(out, {"applied": "crash", "crashing": True, "exit_code": 3})
        self.assertEqual(self.backend.wait_exit(), 3)

    def test_secrets_and_environment(self):
        # secrets win over configuration; the environment fills what neither has.
        faults.inject_errors(rate=0.5, configuration={"backend_url": self.backend.url, "admin_token": "bad"},
                             secrets={"admin_token": "tok"})
        env = {"CHAOSLAB_BACKEND_URL": self.backend.url, "CHAOSLAB_ADMIN_TOKEN": "tok"}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            self.assertIsNotNone(faults.inject_errors(rate=0.25)["errors"])
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.assertEqual(self.backend.state()["faults"]["errors"]["rate"], 0.25)

    def test_wrong_token_raises_and_is_counted(self):
        with self.assertRaises(faults.ActivityFailed) as e:
            faults.inject_errors(rate=1, configuration={"backend_url": self.backend.url, "admin_token": "nope"})
        self.assertIn("answered 401: missing or wrong bearer token", str(e.exception))
        self.assertIsNone(self.backend.state()["faults"]["errors"])
        status, body = self.backend.get("/admin/faults/rejected")
        self.assertEqual(status, 409)
        self.assertIn("401 missing or wrong bearer token", body)

    def test_bad_arguments_raise_before_any_request(self):
        cases = [
            (faults.inject_errors, {"rate": 2}, "argument 'rate' must be a number between 0 and 1"),
            (faults.inject_errors, {"rate": 0.5, "status": 99}, "argument 'status' must be an integer HTTP status"),
            (faults.inject_latency, {"latency_ms": -1}, "argument 'latency_ms' must be a number of milliseconds >= 0"),
            (faults.inject_latency, {"latency_ms": "5"}, "argument 'latency_ms'"),
            (faults.hang, {"duration_s": 0}, "argument 'duration_s' must be a number of seconds > 0"),
            (faults.partition, {"duration_s": True}, "argument 'duration_s'"),
            (faults.crash, {"exit_code": 256}, "argument 'exit_code' must be an integer between 0 and 255"),
        ]
        for func, args, message in cases:
            with self.subTest(func=func.__name__, args=args):
                with self.assertRaises(faults.ActivityFailed) as e:
                    func(configuration=self.config, **args)
                self.assertIn(message, str(e.exception))
        self.assertEqual(self.backend.get("/admin/faults/rejected")[0], 200)
        # Python itself refuses unknown or missing arguments, as chaoslib's validation does.
        with self.assertRaises(TypeError):
            faults.hang(configuration=self.config)

    def test_missing_settings(self):
        for key in ("CHAOSLAB_BACKEND_URL", "CHAOSLAB_ADMIN_TOKEN"):
            os.environ.pop(key, None)
        with self.assertRaises(faults.ActivityFailed) as e:
            faults.clear(configuration={"admin_token": "tok"})
        self.assertIn("no backend URL", str(e.exception))
        with self.assertRaises(faults.ActivityFailed) as e:
            faults.clear(configuration={"backend_url": self.backend.url})
        self.assertIn("no admin token", str(e.exception))


class Unreachable(unittest.TestCase):
    def test_unreachable_backend_raises(self):
        url = f"http://127.0.0.1:{support.free_port()}"
        with self.assertRaises(faults.ActivityFailed) as e:
            faults.partition(duration_s=5, configuration={"backend_url": url, "admin_token": "tok"})
        self.assertIn("cannot reach " + url + "/admin/faults", str(e.exception))

    def test_disabled_admin_api_raises(self):
        with support.Backend(None) as b:
            with self.assertRaises(faults.ActivityFailed) as e:
                faults.clear(configuration={"backend_url": b.url, "admin_token": "tok"})
            self.assertIn("answered 404: fault injection is disabled", str(e.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
