"""Chaos Toolkit actions for the faults of chaoslab's backend (module ``chaoslab.faults``).

Each function POSTs one action to the backend's ``/admin/faults`` and returns the fault state
the backend answers (``crash`` returns ``{"applied", "crashing", "exit_code"}``). The arguments
are checked here as the backend checks them (chaos/src/faults.cpp), and any answer other than
2xx, an unreachable backend or a bad argument raises ``ActivityFailed``: a fault that did not
happen never reads as one that did.

Where the backend is (first found wins):
  URL:   configuration ``backend_url``, then the environment's ``CHAOSLAB_BACKEND_URL``
  token: secrets ``admin_token``, configuration ``admin_token``, then ``CHAOSLAB_ADMIN_TOKEN``
The environment matters because ``chaos run --var`` drops keys the experiment does not declare.
``CHAOSLAB_TIMEOUT_S`` (default 10) bounds each request.

Standard library only, so it installs with ``pip install chaos/python`` or PYTHONPATH alone.
"""

import json
import math
import os
import urllib.error
import urllib.request

try:  # the engine's own exception when chaoslib is there; the same name otherwise
    from chaoslib.exceptions import ActivityFailed
except ImportError:  # pragma: no cover - exercised without chaoslib

    class ActivityFailed(Exception):
        """A chaoslab.faults action that did not take effect."""


__all__ = ["inject_latency", "inject_errors", "hang", "crash", "partition", "clear"]

_MAX_SECONDS = 86400.0 * 365  # as the backend: keeps its clock arithmetic far from overflow


def inject_latency(latency_ms, probability=1.0, duration_s=0, configuration=None, secrets=None):
    """Delays each backend request by ``latency_ms`` with the given probability, for
    ``duration_s`` seconds (0: until cleared)."""
    args = {
        "latency_ms": _number("latency_ms", latency_ms, 0, _MAX_SECONDS * 1000, "a number of milliseconds >= 0"),
        "probability": _number("probability", probability, 0, 1, "a number between 0 and 1"),
        "duration_s": _until_cleared(duration_s),
    }
    return _apply("inject_latency", args, configuration, secrets)


def inject_errors(rate, status=500, duration_s=0, configuration=None, secrets=None):
    """Answers a backend request at once with ``status`` with probability ``rate``, for
    ``duration_s`` seconds (0: until cleared)."""
    args = {
        "rate": _number("rate", rate, 0, 1, "a number between 0 and 1"),
        "status": _integer("status", status, 100, 599, "an integer HTTP status between 100 and 599"),
        "duration_s": _until_cleared(duration_s),
    }
    return _apply("inject_errors", args, configuration, secrets)


def hang(duration_s, configuration=None, secrets=None):
    """The backend stops answering for ``duration_s`` seconds (requests are held, then served)."""
    return _apply("hang", {"duration_s": _positive_seconds(duration_s)}, configuration, secrets)


def crash(exit_code=1, configuration=None, secrets=None):
    """The backend process exits with ``exit_code``; Kubernetes restarts its container."""
    code = _integer("exit_code", exit_code, 0, 255, "an integer between 0 and 255")
    return _apply("crash", {"exit_code": code}, configuration, secrets)


def partition(duration_s, configuration=None, secrets=None):
    """Client requests to the backend are never answered for ``duration_s`` seconds."""
    return _apply("partition", {"duration_s": _positive_seconds(duration_s)}, configuration, secrets)


def clear(configuration=None, secrets=None):
    """Removes every active fault."""
    return _apply("clear", {}, configuration, secrets)


# ---- arguments, checked as the backend checks them ----


def _number(name, value, low, high, rule, low_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ActivityFailed(f"chaoslab.faults: argument '{name}' must be {rule}, got {value!r}")
    if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
        raise ActivityFailed(f"chaoslab.faults: argument '{name}' must be {rule}, got {value!r}")
    return value


def _integer(name, value, low, high, rule):
    if isinstance(value, bool) or not isinstance(value, int) or value < low or value > high:
        raise ActivityFailed(f"chaoslab.faults: argument '{name}' must be {rule}, got {value!r}")
    return value


def _until_cleared(value):
    return _number("duration_s", value, 0, _MAX_SECONDS, "a number of seconds >= 0 (0 = until cleared)")


def _positive_seconds(value):
    return _number("duration_s", value, 0, _MAX_SECONDS, "a number of seconds > 0", low_open=True)


# ---- the request ----


def _setting(key, env, configuration, secrets=None):
    for source in (secrets, configuration):
        if isinstance(source, dict) and source.get(key) not in (None, ""):
            return str(source[key])
    return os.environ.get(env) or None


def _apply(action, arguments, configuration, secrets):
    url = _setting("backend_url", "CHAOSLAB_BACKEND_URL", configuration)
    if not url:
        raise ActivityFailed(
            "chaoslab.faults: no backend URL: set configuration 'backend_url' or CHAOSLAB_BACKEND_URL"
        )
    token = _setting("admin_token", "CHAOSLAB_ADMIN_TOKEN", configuration, secrets)
    if not token:
        raise ActivityFailed(
            "chaoslab.faults: no admin token: set secrets or configuration 'admin_token', or CHAOSLAB_ADMIN_TOKEN"
        )
    try:
        timeout = float(os.environ.get("CHAOSLAB_TIMEOUT_S", "10"))
    except ValueError:
        raise ActivityFailed("chaoslab.faults: CHAOSLAB_TIMEOUT_S must be a number of seconds") from None
    endpoint = url.rstrip("/") + "/admin/faults"
    body = json.dumps({"action": action, "arguments": arguments}).encode()
    request = urllib.request.Request(
        endpoint,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:  # any answer other than 2xx
        detail = e.read().decode("utf-8", "replace").strip()
        try:
            detail = json.loads(detail).get("error", detail)
        except (ValueError, AttributeError):
            pass
        raise ActivityFailed(f"chaoslab.faults.{action}: {endpoint} answered {e.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ActivityFailed(f"chaoslab.faults.{action}: cannot reach {endpoint}: {reason}") from None
    try:
        state = json.loads(answer)
    except ValueError:
        raise ActivityFailed(f"chaoslab.faults.{action}: {endpoint} answered something other than JSON") from None
    return state.get("faults", state) if isinstance(state, dict) else state
