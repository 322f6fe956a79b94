"""Every chaos/*.json, time-compressed (pauses and fault windows x0.1), runs in the simulator
(`chaoslab run`) and in local live mode (`chaoslab live`): its fault shows in both traces, and the
two journals agree on the run's status and on every activity's status."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import support  # noqa: E402

CHAOS_DIR = os.path.join(support.SOURCE_DIR, "chaos")
FIXTURE = os.path.join(support.SOURCE_DIR, "tests", "app", "fixtures", "live-kill.json")
SCALE = 0.1


def load(path):
    with open(path) as f:
        return json.load(f)


def compressed(experiment):
    """The experiment with its pauses and fault windows scaled down; everything else as written."""
    for activity in experiment["method"] + experiment.get("rollbacks", []):
        for k, v in activity.get("pauses", {}).items():
            activity["pauses"][k] = v * SCALE
        provider = activity["provider"]
        args = provider.get("arguments", {})
        inner = args.get("arguments", args) if isinstance(args, dict) else {}
        if isinstance(inner, dict) and "duration_s" in inner:
            inner["duration_s"] = inner["duration_s"] * SCALE
    return experiment


def scenario(name, directory):
    sc = load(FIXTURE)
    sc["manifests"] = [os.path.join(support.SOURCE_DIR, "k8s", "kustomization.yaml")]
    sc["name"] = "chaos-" + name
    # Restarts (CrashLoopBackOff, then start-up) compressed too, so each crash still lands on a
    # running container, as 10 s of back-off before a 15 s pause does at full scale.
    sc["kubernetes"].update({"crash_backoff_initial_s": 0.2, "crash_backoff_max_s": 0.4,
                             "container_start_s": 0.1, "app_start_s": 0.3})
    experiment = compressed(load(os.path.join(CHAOS_DIR, name + ".json")))
    pauses = sum(v for a in experiment["method"] for v in a.get("pauses", {}).values())
    sc["duration_s"] = 1 + pauses + 4
    sc["chaos"] = {"start_s": 1, "experiment": experiment}
    path = os.path.join(directory, name + ".json")
    with open(path, "w") as f:
        json.dump(sc, f)
    return path


def run(args, timeout):
    r = subprocess.run([support.BINARY, *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"chaoslab {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r


def statuses(journal):
    """(where, activity, status) of every activity, and the run's status and deviation."""
    out = [("status", journal["status"], journal["deviated"])]
    for where in ("before", "after"):
        state = journal["steady_states"].get(where) or {"probes": []}
        out += [(where, p["activity"]["name"], p["status"], p.get("tolerance_met")) for p in state["probes"]]
    out += [("run", r["activity"]["name"], r["status"]) for r in journal["run"]]
    out += [("rollback", r["activity"]["name"], r["status"]) for r in journal["rollbacks"]]
    return out


def attempts(trace_path):
    with open(trace_path) as f:
        return [e for e in map(json.loads, f) if e["event"] == "attempt"]


def fault_shows(name, journal, trace):
    """The file's fault, as the client and the journal see it."""
    outcomes = [a["outcome"] for a in trace]
    run = {r["activity"]["name"]: r for r in journal["run"]}
    if name == "error-burst":
        return any(a.get("status") == 503 for a in trace) and run["faults-after-action"]["output"]["body"]["faults"]["errors"]["status"] == 503
    if name == "latency-injection":
        return "timeout" in outcomes and run["faults-after-action"]["output"]["body"]["faults"]["latency"]["latency_ms"] == 2500
    if name == "partition":
        return "timeout" in outcomes and run["faults-after-action"]["output"]["body"]["faults"]["partition"] is not None
    if name == "crash-loop":
        return "refused" in outcomes or "reset" in outcomes
    if name == "kill-backend-pod":
        return len(run["terminate-a-backend-pod"]["output"]) == 1 and ("refused" in outcomes or "reset" in outcomes)
    raise AssertionError("no check for " + name)


class SimAndLive(unittest.TestCase):
    def test_every_file(self):
        files = sorted(f[:-5] for f in os.listdir(CHAOS_DIR) if f.endswith(".json"))
        self.assertEqual(len(files), 5)
        if os.environ.get("CHAOSLAB_CHAOS_FILES"):  # a subset, when working on one file
            files = [f for f in files if f in os.environ["CHAOSLAB_CHAOS_FILES"].split(",")]
        with tempfile.TemporaryDirectory() as d:
            for name in files:
                with self.subTest(file=name):
                    sc = scenario(name, d)
                    sim_journal = os.path.join(d, name + "-sim-journal.json")
                    sim_trace = os.path.join(d, name + "-sim-trace.jsonl")
                    run(["run", sc, "--journal", sim_journal, "--trace", sim_trace, "--json"], 120)
                    live_dir = os.path.join(d, name + "-live")
                    run(["live", sc, "--out", live_dir, "--json"], 120)
                    sim = load(sim_journal)
                    live = load(os.path.join(live_dir, "journal.json"))
                    self.assertEqual(statuses(sim), statuses(live))
                    self.assertEqual(sim["status"], "completed", statuses(sim))
                    self.assertTrue(fault_shows(name, sim, attempts(sim_trace)), name + " in the simulator")
                    self.assertTrue(fault_shows(name, live, attempts(os.path.join(live_dir, "trace.jsonl"))),
                                    name + " in local live mode")

    def test_a_refused_fault_deviates_in_the_simulator(self):
        # The simulated backend answers the admin API as the live one: a wrong token is a 401,
        # the fault is not applied and the hypothesis after reads the refusal.
        with tempfile.TemporaryDirectory() as d:
            sc = scenario("error-burst", d)
            journal = os.path.join(d, "journal.json")
            trace = os.path.join(d, "trace.jsonl")
            run(["run", sc, "--set", "/backend/admin_token=other", "--journal", journal, "--trace", trace], 60)
            j = load(journal)
            self.assertTrue(j["deviated"])
            self.assertEqual(j["run"][0]["output"]["status"], 401)
            self.assertEqual(list(j["run"][0]["output"]), ["status", "headers", "body"])
            self.assertEqual(j["steady_states"]["after"]["probes"][-1]["output"]["status"], 409)
            self.assertFalse(any(a.get("status") == 503 for a in attempts(trace)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
