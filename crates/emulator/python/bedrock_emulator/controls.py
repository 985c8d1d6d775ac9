"""The control layer in front of moto's WSGI application: a round-trip latency, fault
injection, and the control API under /_emulator/.

    GET    /_emulator/state    the settings and the pending faults
    POST   /_emulator/config   {"latency_ms": 50, "propagation_delay_seconds": 10,
                                "agreement_delay_seconds": 30}
    POST   /_emulator/faults   {"operation": "CreateInferenceProfile", "count": 2, "error": "throttle"}
    DELETE /_emulator/faults   clear every pending fault
    POST   /_emulator/reset    moto's reset, plus the settings and faults of this layer;
                               {"new_account": true}: a brand-new account (access.py)

A fault matches by any of "service" (the signing name: bedrock, iam, s3, logs, sts, tagging),
"operation" (the API operation name), "method" and "path" (a regular expression); the next
`count` matching requests fail with "throttle" (the service's throttling error: HTTP 429
ThrottlingException for Bedrock), "server" (HTTP 500), "drop" (the connection is closed
with no response) or "drop_after" (the request is carried out, then the connection is
closed before the response: the client cannot know it succeeded).

The latency is a sleep in the request's own thread: the server is threaded, so concurrent
requests wait in parallel, as round trips to AWS do.
"""

import io
import json
import re
import socket
import threading
import time
import uuid
from urllib.parse import parse_qs

from . import access, cbor_bridge, cost, logging_config, validation

_lock = threading.Lock()
settings = {"latency_ms": 0.0}
# What this server serves besides its plain endpoint (tls_endpoint, ca_file), set at start.
info: dict = {}
faults: list = []

def _bedrock_operation(environ):
    """The Bedrock operation of a REST request, found the way moto's own server routes it."""
    from moto.bedrock.responses import BedrockResponse
    from moto.core.request import Request

    try:
        return BedrockResponse()._get_action_from_method_and_request_uri(Request(environ.copy()))
    except Exception:  # an unknown path is simply no operation
        return None


def _service(environ) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
    return match.group(1) if match else ""


def _operation(environ, service: str, body: bytes):
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if body and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    if service == "bedrock":
        return _bedrock_operation(environ)
    return None


def _take_fault(service, operation, method, path):
    with _lock:
        for fault in faults:
            if fault.get("service") and fault["service"] != service:
                continue
            if fault.get("operation") and fault["operation"] != operation:
                continue
            if fault.get("method") and fault["method"].upper() != method:
                continue
            if fault.get("path") and not re.search(fault["path"], path):
                continue
            fault["count"] -= 1
            if fault["count"] <= 0:
                faults.remove(fault)
            return fault
    return None


def _error_response(service: str, kind: str):
    """(status, headers, body) of the service's own throttling or internal error."""
    if service == "bedrock":
        code, status = ("ThrottlingException", 429) if kind == "throttle" else ("InternalServerException", 500)
        body = json.dumps({"message": "Too many requests, please wait before trying again." if kind == "throttle" else "Internal server error (injected by the emulator)."})
        return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body
    if service == "logs":
        code, status = ("ThrottlingException", 400) if kind == "throttle" else ("ServiceUnavailableException", 500)
        body = json.dumps({"__type": code, "message": "Rate exceeded" if kind == "throttle" else "Service unavailable (injected by the emulator)."})
        return status, [("Content-Type", "application/x-amz-json-1.1")], body
    if service == "tagging":
        # The Resource Groups Tagging API (JSON 1.1): its modelled ThrottledException and
        # InternalServiceException.
        code, status = ("ThrottledException", 400) if kind == "throttle" else ("InternalServiceException", 500)
        body = json.dumps({"__type": code, "Message": "Rate exceeded" if kind == "throttle" else "Internal service error (injected by the emulator)."})
        return status, [("Content-Type", "application/x-amz-json-1.1")], body
    if service == "s3":
        code, status = ("SlowDown", 503) if kind == "throttle" else ("InternalError", 500)
        body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>Injected by the emulator.</Message></Error>"
        return status, [("Content-Type", "application/xml")], body
    # Query protocol: IAM, STS.
    code, status = ("Throttling", 400) if kind == "throttle" else ("ServiceFailure", 500)
    body = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{'Rate exceeded' if kind == 'throttle' else 'Injected by the emulator.'}</Message>"
        "</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return status, [("Content-Type", "text/xml")], body


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _respond(start_response, status: int, headers, body: str):
    data = body.encode("utf-8")
    start_response(f"{status} {_REASONS.get(status, 'Error')}", list(headers) + [("Content-Length", str(len(data)))])
    return [data]


def _json(start_response, status: int, value):
    return _respond(start_response, status, [("Content-Type", "application/json")], json.dumps(value))


class Controls:
    def __init__(self, app):
        self.app = app

    def _state(self):
        with _lock:
            return {
                "latency_ms": settings["latency_ms"],
                "propagation_delay_seconds": logging_config.settings["propagation_delay_seconds"],
                "agreement_delay_seconds": access.settings["agreement_delay_seconds"],
                "new_account": access.settings["new_account"],
                "faults": [dict(f) for f in faults],
                **info,
            }

    def control(self, environ, start_response, body: bytes):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            data = json.loads(body.decode("utf-8")) if body else {}
        except ValueError:
            return _json(start_response, 400, {"error": "the body is not JSON"})
        if path == "/_emulator/state" and method == "GET":
            return _json(start_response, 200, self._state())
        if not isinstance(data, dict):
            return _json(start_response, 400, {"error": "the body is not a JSON object"})
        if path == "/_emulator/config" and method == "POST":
            known = ("latency_ms", "propagation_delay_seconds", "agreement_delay_seconds")
            unknown = [k for k in data if k not in known]
            if unknown:
                return _json(start_response, 400, {"error": f"unknown settings {unknown}: the settings are {list(known)}"})
            for key in data:
                value = data[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    return _json(start_response, 400, {"error": f"{key} must be a number of 0 or more, not {value!r}"})
            with _lock:
                if "latency_ms" in data:
                    settings["latency_ms"] = float(data["latency_ms"])
                if "propagation_delay_seconds" in data:
                    logging_config.settings["propagation_delay_seconds"] = float(data["propagation_delay_seconds"])
                if "agreement_delay_seconds" in data:
                    access.settings["agreement_delay_seconds"] = float(data["agreement_delay_seconds"])
            return _json(start_response, 200, self._state())
        if path == "/_emulator/faults" and method == "POST":
            if data.get("error") not in ("throttle", "server", "drop", "drop_after"):
                return _json(start_response, 400, {"error": "error must be throttle, server, drop or drop_after"})
            if data.get("path"):
                try:
                    re.compile(data["path"])
                except (re.error, TypeError) as error:
                    return _json(start_response, 400, {"error": f"path is not a regular expression: {error}"})
            try:
                count = int(data.get("count", 1))
            except (TypeError, ValueError):
                return _json(start_response, 400, {"error": "count must be a whole number"})
            fault = {k: data[k] for k in ("service", "operation", "method", "path") if data.get(k)}
            fault["error"] = data["error"]
            fault["count"] = max(1, count)
            with _lock:
                faults.append(fault)
            return _json(start_response, 200, self._state())
        if path == "/_emulator/faults" and method == "DELETE":
            with _lock:
                faults.clear()
            return _json(start_response, 200, self._state())
        if path == "/_emulator/reset" and method == "POST":
            from moto.moto_api._internal.models import moto_api_backend

            moto_api_backend.reset()
            access.reset(bool(data.get("new_account")))
            cost.reset()
            with _lock:
                faults.clear()
                settings["latency_ms"] = 0.0
                logging_config.settings["propagation_delay_seconds"] = 0.0
            return _json(start_response, 200, self._state())
        return _json(start_response, 404, {"error": f"no control endpoint {method} {path}"})

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_emulator/"):
            return self.control(environ, start_response, body)
        latency = settings["latency_ms"]
        if latency > 0:
            time.sleep(latency / 1000.0)
        if faults:
            service = _service(environ)
            operation = _operation(environ, service, body)
            fault = _take_fault(service, operation, environ.get("REQUEST_METHOD", ""), path)
            if fault is not None:
                if fault["error"] == "drop_after":
                    # Carry the request out, then lose the answer.
                    for _ in self.app(environ, lambda *args, **kwargs: (lambda data: None)):
                        pass
                    fault = dict(fault, error="drop")
                if fault["error"] == "drop":
                    sock = environ.get("werkzeug.socket")
                    if sock is not None:
                        try:
                            sock.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        sock.close()
                    return []
                status, headers, text = _error_response(service, fault["error"])
                return _respond(start_response, status, headers, text)
        if cbor_bridge.is_cbor(environ):
            return cbor_bridge.serve(self.app, environ, start_response, body)
        if not environ.get("HTTP_AUTHORIZATION") and "X-Amz-Signature" not in environ.get("QUERY_STRING", ""):
            if validation.check_path(environ):
                # AWS's answer to a request with no signature at all.
                headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "MissingAuthenticationTokenException"), ("x-amzn-RequestId", str(uuid.uuid4()))]
                return _respond(start_response, 403, headers, json.dumps({"message": "Missing Authentication Token"}))
        if _service(environ) == "bedrock":
            # Bedrock and Bedrock Runtime (both sign as bedrock) validate by their models.
            try:
                validation.check(environ, body)
            except validation.Invalid as error:
                headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code), ("x-amzn-RequestId", str(uuid.uuid4()))]
                return _respond(start_response, error.status, headers, json.dumps({"message": error.message}))
        return self.app(environ, start_response)
