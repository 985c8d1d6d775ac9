"""The control layer in front of moto's WSGI application: a round-trip latency, fault
injection, and the control API under /_emulator/.

    GET    /_emulator/state    the settings and the pending faults
    POST   /_emulator/config   {"latency_ms": 50, "propagation_delay_seconds": 10,
                                "agreement_delay_seconds": 30}
    POST   /_emulator/faults   {"operation": "CreateInferenceProfile", "count": 2, "error": "throttle"}
    DELETE /_emulator/faults   clear every pending fault
    POST   /_emulator/reset    moto's reset, plus the settings and faults of this layer;
                               {"new_account": true}: a brand-new account (access.py)
    POST   /_emulator/rates    {"enforce": true}: AWS's request-rate quotas (rates.py)
    POST   /_emulator/api-keys/age  {"days": 30}: Bedrock API keys as N days older (api_keys.py)
    POST   /_emulator/quotas/decide {"RequestId": "...", "Status": "APPROVED"}: decide a Service
                               Quotas increase request, as AWS would (service_quotas.py)

A fault matches by any of "service" (the signing name: bedrock, iam, sts, s3, logs,
monitoring, sns, ce, tagging, organizations, servicequotas, budgets), "operation" (the API operation
name), "method" and "path" (a regular expression); the next `count` matching requests fail
with "throttle"
(the service's throttling error: HTTP 429 ThrottlingException for Bedrock, Throttling for
IAM, STS and CloudWatch, ...), "server" (the service's internal error, HTTP 500), "drop" (the
connection is closed with no response) or "drop_after" (the request is carried out, then the
connection is closed before the response: the client cannot know it succeeded). Errors are
answered in the protocol the request speaks (protocols.py): a CBOR request gets CBOR.

Every request of a service the tool calls is checked against its botocore model first
(validation.py for Bedrock, protocols.py for the others), and moto's own failures are caught
at this boundary: an exception or an HTML error page becomes the service's internal error.

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

from . import access, cbor_bridge, cost, logging_config, protocols, rates, validation

_lock = threading.Lock()
settings = {"latency_ms": 0.0}
# What this server serves besides its plain endpoint (tls_endpoint, ca_file), set at start.
info: dict = {}
faults: list = []


class Gate:
    """Requests share the emulator; a reset has it alone: it waits for the requests in
    flight, and the requests that arrive meanwhile wait for it, so none sees half-reset
    backends."""

    def __init__(self):
        self._cond = threading.Condition()
        self._active = 0
        self._exclusive = False

    def shared(self):
        gate = self

        class _Shared:
            def __enter__(self):
                with gate._cond:
                    while gate._exclusive:
                        gate._cond.wait()
                    gate._active += 1

            def __exit__(self, *exc):
                with gate._cond:
                    gate._active -= 1
                    gate._cond.notify_all()

        return _Shared()

    def exclusive(self):
        gate = self

        class _Exclusive:
            def __enter__(self):
                with gate._cond:
                    while gate._exclusive:
                        gate._cond.wait()
                    gate._exclusive = True
                    while gate._active:
                        gate._cond.wait()

            def __exit__(self, *exc):
                with gate._cond:
                    gate._exclusive = False
                    gate._cond.notify_all()

        return _Exclusive()


gate = Gate()

# Control endpoints other modules add: (method, path) -> handler(data) -> (status, JSON value).
routes: dict = {}

def _bedrock_operation(environ):
    """The Bedrock operation of a REST request, found the way moto's own server routes it."""
    from moto.bedrock.responses import BedrockResponse
    from moto.core.request import Request

    try:
        return BedrockResponse()._get_action_from_method_and_request_uri(Request(environ.copy()))
    except Exception:  # an unknown path is simply no operation
        return None


# The Region a request with a Bedrock API key is answered in when its host names none (an
# endpoint like http://127.0.0.1:PORT): an API key carries no Region, and a signed request
# names its Region in its signature.
BEARER_REGION = "us-east-1"
# Where a request's Bedrock API key is kept once routed (a header no client can send: any
# such header a request brings is dropped first).
BEARER_HEADER = "X-Bedrock-Emulator-Api-Key"
BEARER_ENVIRON = "HTTP_X_BEDROCK_EMULATOR_API_KEY"
_REGION_IN_HOST = re.compile(r"\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.")


def region_of_host(host: str) -> str:
    """The Region a request's host names (`bedrock-runtime.us-west-2.amazonaws.com`,
    `bedrock-mantle.us-west-2.api.aws`), or BEARER_REGION when it names none."""
    match = _REGION_IN_HOST.search("." + host + ".")
    return match.group(1) if match else BEARER_REGION


def _route_bearer(environ) -> None:
    """A request with a Bedrock API key (`Authorization: Bearer`) is Bedrock's or Bedrock
    Runtime's, the only services that take one, in the Region its host names or
    BEARER_REGION. moto routes a request by its signature's scope: the request gets a scope
    for that, and the key moves to BEARER_HEADER, where runtime.py reads it."""
    region = region_of_host(environ.get("HTTP_HOST", ""))
    environ[BEARER_ENVIRON] = environ["HTTP_AUTHORIZATION"][len("Bearer ") :].strip()
    environ["HTTP_AUTHORIZATION"] = f"AWS4-HMAC-SHA256 Credential=BEDROCKAPIKEY/20000101/{region}/bedrock/aws4_request, SignedHeaders=host, Signature=none"


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
    request = protocols.identify(environ, body)
    return request.operation if request is not None else None


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


def _error_response(environ, service: str, kind: str, body: bytes):
    """(status, headers, body) of the service's own throttling or internal error, in the
    protocol the request speaks (a CBOR request gets it as CBOR through cbor_bridge)."""
    if service == "bedrock":
        code, status = ("ThrottlingException", 429) if kind == "throttle" else ("InternalServerException", 500)
        body = json.dumps({"message": "Too many requests, please wait before trying again." if kind == "throttle" else "Internal server error (injected by the emulator)."})
        return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body
    request = protocols.identify(environ, body) or protocols.fallback(environ, service)
    if request is None:
        return 500, [("Content-Type", "text/plain")], "Internal error (injected by the emulator)."
    return protocols.throttle(request) if kind == "throttle" else protocols.internal(request)


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _respond(start_response, status: int, headers, body: str):
    data = body.encode("utf-8")
    start_response(f"{status} {_REASONS.get(status, 'Error')}", list(headers) + [("Content-Length", str(len(data)))])
    return [data]


def _json(start_response, status: int, value):
    return _respond(start_response, status, [("Content-Type", "application/json")], json.dumps(value))


def warm_up() -> None:
    """Make the default account's backends that every run uses, as a first request would:
    IAM's (which loads AWS's managed policies), S3's, STS's, CloudWatch's and the rest. At
    start and after each reset, so that no request pays for it."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.backends import get_backend

    for name in ("iam", "sts", "s3", "logs", "cloudwatch", "sns", "bedrock", "ce", "organizations", "resourcegroupstaggingapi"):
        try:
            backends = get_backend(name)
            regions = ("global", "aws") if name in ("iam", "s3", "organizations", "ce") else ("us-east-1",)
            for region in regions:
                try:
                    backends[DEFAULT_ACCOUNT_ID][region]
                except KeyError:
                    continue
        except Exception:
            continue


def install_fast_iam() -> None:
    """IAM's AWS-managed policies (about 1,600) made from one parse of moto's data, copied
    for each account and region, instead of parsed and built again each time: moto builds
    them for every IAM backend, one per account and region a request names, 0.2 s each, so a
    reset after a session of ten accounts took 14 s. A copy has its own attachment count and
    tags; AWS-managed policies cannot be changed otherwise."""
    import copy

    from moto.iam.models import AWSManagedPolicy, IAMBackend, aws_managed_policies_data
    from moto.settings import load_iam_aws_managed_policies

    templates: dict = {}

    def _init_aws_policies(self):
        if not load_iam_aws_managed_policies():
            return []
        key = self.partition
        with _lock:
            if key not in templates:
                parsed = json.loads(aws_managed_policies_data)
                templates[key] = [AWSManagedPolicy.from_data(name, self.account_id, self.region_name, d) for name, d in parsed.items()]
        policies = []
        for template in templates[key]:
            policy = copy.copy(template)
            policy.account_id = self.account_id
            policy.attachment_count = 0
            policy.tags = {}
            policies.append(policy)
        return policies

    IAMBackend._init_aws_policies = _init_aws_policies


def reset(new_account: bool) -> None:
    """moto's reset and this layer's: every account's state, the settings and the faults;
    then the warm-up, so that the reset is done when this returns."""
    from moto.moto_api._internal.models import moto_api_backend

    # moto's reset rebuilds each backend in place (whatever holds one sees it empty). What
    # made it slow, IAM's AWS-managed policies parsed again for every account and region, is
    # done once (install_fast_iam below).
    moto_api_backend.reset()
    access.reset(new_account)
    cost.reset()
    from . import service_quotas

    service_quotas.reset()
    from . import runtime

    runtime.reset_cache()
    with _lock:
        faults.clear()
        rates.reset()
        settings["latency_ms"] = 0.0
        logging_config.settings["propagation_delay_seconds"] = 0.0
    warm_up()


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
            with gate.exclusive():
                reset(bool(data.get("new_account")))
            return _json(start_response, 200, self._state())
        handler = routes.get((method, path))
        if handler is not None:
            status, value = handler(data)
            return _json(start_response, status, value)
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
        with gate.shared():
            if cbor_bridge.is_cbor(environ):
                return cbor_bridge.serve(self.dispatch, environ, start_response, body)
            return self.dispatch(environ, start_response, body)

    def dispatch(self, environ, start_response, body: bytes):
        """One request of a JSON, query, REST or (carried by cbor_bridge) CBOR client: its
        injected fault, its validation by the service model, then moto's answer."""
        environ["wsgi.input"] = io.BytesIO(body)
        if rates.state["enforce"]:
            service = _service(environ)
            if not rates.admit(environ, service, _operation(environ, service, body)):
                status, headers, text = _error_response(environ, service, "throttle", body)
                return _respond(start_response, status, headers, text)
        if faults:
            service = _service(environ)
            operation = _operation(environ, service, body)
            fault = _take_fault(service, operation, environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
            if fault is not None:
                if fault["error"] == "drop_after":
                    # Carry the request out, then lose the answer.
                    self.answer(environ, lambda *args, **kwargs: (lambda data: None), body)
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
                status, headers, text = _error_response(environ, service, fault["error"], body)
                return _respond(start_response, status, headers, text)
        if not environ.get("HTTP_AUTHORIZATION") and "X-Amz-Signature" not in environ.get("QUERY_STRING", ""):
            if validation.check_path(environ):
                # AWS's answer to a request with no signature at all.
                headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "MissingAuthenticationTokenException"), ("x-amzn-RequestId", str(uuid.uuid4()))]
                return _respond(start_response, 403, headers, json.dumps({"message": "Missing Authentication Token"}))
        environ.pop(BEARER_ENVIRON, None)
        from . import mantle

        if mantle.handles(environ):
            return mantle.serve(environ, start_response, body)
        if environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
            _route_bearer(environ)
        service = _service(environ)
        if service == "bedrock":
            # Bedrock and Bedrock Runtime (both sign as bedrock) validate by their models.
            try:
                validation.check(environ, body)
            except validation.Invalid as error:
                headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code), ("x-amzn-RequestId", str(uuid.uuid4()))]
                return _respond(start_response, error.status, headers, json.dumps({"message": error.message}))
            return self.answer(environ, start_response, body, None)
        request = protocols.identify(environ, body)
        if request is not None:
            try:
                protocols.check(request, environ, body)
            except validation.Invalid as error:
                status, headers, text = protocols.error(request, error.code, error.message, error.status, getattr(error, "extra", None))
                return _respond(start_response, status, headers, text)
        return self.answer(environ, start_response, body, request)

    def answer(self, environ, start_response, body: bytes, request=None):
        """moto's answer, with its own failures caught here: an exception, or the HTML page of
        an internal error, becomes the service's internal error in the request's protocol;
        a JSON answer carries its protocol's Content-Type, as AWS sends it."""
        environ["wsgi.input"] = io.BytesIO(body)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = list(headers)
            return lambda data: captured.setdefault("early", []).append(data)

        try:
            result = self.app(environ, capture)
            try:
                data = b"".join(captured.get("early", []) + [bytes(chunk) for chunk in result])
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception as failure:  # moto failed: never a traceback or an HTML page
            import traceback

            traceback.print_exc()  # into the emulator's log, never to the client
            return self.failed(environ, start_response, body, request, f"{type(failure).__name__}: {failure}")
        if "status" not in captured:
            return []  # dropped
        headers = captured["headers"]
        types = [v for k, v in headers if k.lower() == "content-type"]
        status_code = int(captured["status"].split(" ", 1)[0])
        if status_code >= 500 and any("text/html" in t for t in types):
            return self.failed(environ, start_response, body, request, "moto answered an internal error")
        if request is not None and request.protocol == "json":
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers.append(("Content-Type", protocols.content_type(request)))
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(data)))]
        start_response(captured["status"], headers)
        return [data]

    def failed(self, environ, start_response, body, request, what: str):
        import sys

        print(f"emulator: internal error on {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}: {what}", file=sys.stderr)
        if request is None and _service(environ) != "bedrock":
            request = protocols.identify(environ, body) or protocols.fallback(environ, _service(environ))
        if request is None:
            headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InternalServerException"), ("x-amzn-RequestId", str(uuid.uuid4()))]
            return _respond(start_response, 500, headers, json.dumps({"message": "Internal server error."}))
        status, headers, text = protocols.internal(request, "An internal error occurred in the emulator.")
        return _respond(start_response, status, headers, text)
