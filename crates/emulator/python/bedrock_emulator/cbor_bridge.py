"""The Smithy RPC v2 CBOR protocol, which the AWS SDKs of today speak to CloudWatch (botocore's
model lists it first: smithy-rpc-v2-cbor, then json, then query), over moto's JSON-protocol
CloudWatch, which moto serves but for CBOR.

A request `POST /service/GraniteServiceVersion20100801/operation/<Op>` with the header
`smithy-protocol: rpc-v2-cbor` and a CBOR body is carried to moto as the JSON protocol's
`X-Amz-Target: GraniteServiceVersion20100801.<Op>`, and its JSON answer back as CBOR, shape
by shape from the service model: timestamps as CBOR tag 1 (epoch seconds), blobs as byte
strings. Errors keep their code (`__type`, and the `x-amzn-query-error` header of an
awsQueryCompatible service).
"""

import base64
import datetime
import io
import json
import re

import cbor2

from . import validation

PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)$")
# Services served this way: the service's name in the path -> its botocore model.
SERVICES = {"GraniteServiceVersion20100801": "cloudwatch", "ResourceGroupsTaggingAPI_20170126": "resourcegroupstaggingapi"}


def is_cbor(environ) -> bool:
    return environ.get("HTTP_SMITHY_PROTOCOL", "").lower() == "rpc-v2-cbor" and bool(
        PATH.match(environ.get("PATH_INFO", ""))
    )


def _to_json(value):
    """A decoded CBOR value as JSON takes it: timestamps as epoch seconds, bytes as base64."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, cbor2.CBORTag):
        return _to_json(value.value)
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _to_cbor(value, shape_name, shapes):
    """A JSON value of a model shape as CBOR values: timestamps tagged, blobs as bytes."""
    if value is None or shape_name is None:
        return value
    shape = shapes[shape_name]
    kind = shape["type"]
    if kind == "structure" and isinstance(value, dict):
        members = shape.get("members", {})
        return {k: _to_cbor(v, members[k]["shape"] if k in members else None, shapes) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_to_cbor(v, shape["member"]["shape"], shapes) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _to_cbor(v, shape["value"]["shape"], shapes) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, str):
            try:
                value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return value
        return cbor2.CBORTag(1, value)
    if kind == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    if kind in ("double", "float") and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def serve(dispatch, environ, start_response, body: bytes):
    """Carry a CBOR request to `dispatch(environ, start_response, body)` as JSON, and its
    answer back as CBOR."""
    match = PATH.match(environ["PATH_INFO"])
    service_name, operation = match.group("service"), match.group("operation")
    model_name = SERVICES.get(service_name)
    if model_name is None:
        return _answer(start_response, 404, {"__type": "UnknownOperationException"}, {})
    model = validation.model(model_name)
    try:
        request = _to_json(cbor2.loads(body)) if body else {}
    except Exception:
        return _answer(start_response, 400, {"__type": "SerializationException", "message": "The request body is not CBOR."}, {})
    data = json.dumps(request or {}).encode()
    inner = dict(environ)
    inner.update({
        "PATH_INFO": "/",
        "RAW_URI": "/",
        "REQUEST_URI": "/",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-amz-json-1.0",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_X_AMZ_TARGET": f"{service_name}.{operation}",
        "wsgi.input": io.BytesIO(data),
    })
    inner.pop("HTTP_SMITHY_PROTOCOL", None)
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = headers
        return lambda _: None

    chunks = dispatch(inner, capture, data)
    try:
        text = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    if "status" not in captured:
        return []  # the request was dropped (an injected fault)
    status = captured["status"]
    headers = {k.lower(): v for k, v in captured.get("headers", [])}
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        answer = {"__type": "InternalFailure", "message": text.decode("utf-8", "replace")[:500]}
    extra = {k: v for k, v in headers.items() if k in ("x-amzn-query-error", "x-amzn-requestid")}
    if status >= 300:
        code = answer.get("__type") or headers.get("x-amzn-errortype", "InternalFailure")
        error = {"__type": code.split(":", 1)[0].rsplit("#", 1)[-1]}
        message = answer.get("message") or answer.get("Message")
        if message:
            error["message"] = message
        if "x-amzn-query-error" not in extra:
            extra["x-amzn-query-error"] = f"{error['__type']};Sender"
        return _answer(start_response, status, error, extra)
    op = model["operations"].get(operation, {})
    output = op.get("output", {}).get("shape")
    return _answer(start_response, status, _to_cbor(answer, output, model["shapes"]), extra)


def _answer(start_response, status, value, headers):
    data = cbor2.dumps(value)
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Error")
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"), ("Content-Length", str(len(data)))]
        + list(headers.items()),
    )
    return [data]
