"""AWS's request-rate quotas, enforced on demand (a fault mode, off by default).

    POST /_emulator/rates   {"enforce": true}   refuse what goes beyond the rates
    GET  /_emulator/rates                       whether they are enforced, how many requests
                                                were admitted, and which were refused

The rates are AWS's documented ones, per account, region and operation (per account only for
the global services), from `rates.toml`: the same table, with its sources, that the tool
paces its calls by. AWS meters a quota as a token bucket: a burst of requests at once, then
one more each 1/rate seconds; a request with no token left is refused with the service's
throttling error (Bedrock's 429 ThrottlingException, IAM's and STS's `Throttling`, ...), in
the request's own protocol. Bedrock Runtime's calls are metered by tokens per minute, not by
this table, and are never refused here.
"""

import os
import re
import threading
import time
import tomllib

# Installed beside this module; in the repository, the tool's own copy (crates/aws).
_PATH = next(
    (p for p in (os.path.join(os.path.dirname(__file__), "rates.toml"), os.path.join(os.path.dirname(__file__), "..", "..", "..", "aws", "rates.toml")) if os.path.exists(p)),
    os.path.join(os.path.dirname(__file__), "rates.toml"),
)
_lock = threading.Lock()

# The signing name a request carries -> the table's (botocore's) service name.
_SERVICE = {"monitoring": "cloudwatch", "tagging": "resourcegroupstaggingapi"}
# Bedrock Runtime signs as bedrock; its quotas are tokens and requests per model.
_RUNTIME = {"Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream", "ApplyGuardrail", "CountTokens"}

state = {"enforce": False, "refused": 0, "admitted": 0, "refused_by_operation": {}}
_buckets: dict = {}  # (account, region, service, operation) -> [tokens, at]


def _load():
    with open(_PATH, "rb") as f:
        return tomllib.load(f)


_table = _load()


def rate(service: str, operation: str):
    """(rate per second, burst) of an operation, or None when the table has none."""
    entries = _table.get(service)
    if not entries or operation is None:
        return None
    entry = entries.get(operation) or entries.get("default")
    if not isinstance(entry, dict):
        return None
    return float(entry["rate"]), max(1.0, float(entry["burst"]))


def _account(environ) -> str:
    match = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return ""
    from moto.iam.models import get_account_id_from

    try:
        return get_account_id_from(match.group(1))
    except Exception:  # an unknown key is its own account here
        return match.group(1)


def _region(environ) -> str:
    match = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else ""


def admit(environ, signing_name: str, operation) -> bool:
    """Whether a request fits its quota; it takes a token when it does."""
    if not state["enforce"] or operation in _RUNTIME:
        return True
    service = _SERVICE.get(signing_name, signing_name)
    limits = rate(service, operation)
    if limits is None:
        return True
    per_second, burst = limits
    region = "" if _table.get(service, {}).get("scope") == "account" else _region(environ)
    key = (_account(environ), region, service, operation)
    now = time.monotonic()
    with _lock:
        tokens, at = _buckets.get(key, (burst, now))
        tokens = min(burst, tokens + (now - at) * per_second)
        if tokens < 1.0:
            _buckets[key] = (tokens, now)
            state["refused"] += 1
            by = state["refused_by_operation"]
            by[f"{service}:{operation}"] = by.get(f"{service}:{operation}", 0) + 1
            return False
        _buckets[key] = (tokens - 1.0, now)
        state["admitted"] += 1
        return True


def reset() -> None:
    with _lock:
        state.update(enforce=False, refused=0, admitted=0, refused_by_operation={})
        _buckets.clear()


def _snapshot():
    return dict(state, refused_by_operation=dict(state["refused_by_operation"]))


def control_get(_data):
    with _lock:
        return 200, _snapshot()


def control_set(data):
    if not isinstance(data.get("enforce"), bool):
        return 400, {"error": "enforce must be true or false"}
    with _lock:
        state.update(enforce=data["enforce"], refused=0, admitted=0, refused_by_operation={})
        _buckets.clear()
        return 200, _snapshot()


def install():
    from . import controls

    controls.routes[("GET", "/_emulator/rates")] = control_get
    controls.routes[("POST", "/_emulator/rates")] = control_set
