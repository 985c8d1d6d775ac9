"""Request validation by botocore's service models for every service the tool calls, each
answered in its own protocol, as AWS validates before any operation runs.

A request is told apart by the service its signature names (the credential scope of its
Authorization header), then by its protocol:

- rest-json (Bedrock, Bedrock Runtime): method and URI template (validation.py);
- JSON 1.0/1.1 (CloudWatch Logs, Cost Explorer, the Resource Groups Tagging API,
  Organizations, Service Quotas, AWS Budgets, CloudWatch's JSON protocol): `X-Amz-Target:
  <prefix>.<Operation>`, a JSON body; Smithy RPC v2 CBOR (CloudWatch, the Tagging API) reaches here carried as JSON by
  cbor_bridge.py;
- query (IAM, STS, SNS, CloudWatch's query protocol): `Action=<Operation>` in a form body or
  the query string, members flattened as `Tags.member.1.Key`;
- rest-xml (S3): method, URI template and the query-string keys that tell S3's operations
  apart (`PUT /{Bucket}?tagging`), members in labels, headers, query and an XML payload.

Every constraint of the model is checked (validation._Checker: required members, lengths,
sizes, patterns, enums, ranges, types, unions). Members are named in the messages as AWS's
validators name them: lowerCamelCase, list members as `tags.1.member.key`.

The answer is the service's own error, in the protocol the client speaks (SERVICES below):

    query:     HTTP 400 <ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>
               <Message>1 validation error detected: Value null at 'alarmName' failed to
               satisfy constraint: Member must not be null</Message></Error>...</ErrorResponse>
    JSON:      HTTP 400 {"__type": "InvalidParameterException", "message": "1 validation ..."}
               (an awsQueryCompatible service adds `x-amzn-query-error: ValidationError;Sender`)
    rest-xml:  HTTP 400 <Error><Code>MalformedXML</Code>...</Error> (an XML payload) or
               InvalidArgument (a header or query member)

Organizations answers its own InvalidInputException with a Reason (INPUT_REQUIRED,
INVALID_PATTERN, MIN_LENGTH_EXCEEDED, ...), as its model's InvalidInputExceptionReason lists.
"""

import functools
import json
import re
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

from . import validation


@dataclass(frozen=True)
class Service:
    model: str  # botocore's name for the service model
    protocol: str  # "query", "json", "rest-xml" or "rest-json"
    validation_code: str  # the error code of a request that breaks the model
    throttle_code: str  # the error code of a throttled request
    throttle_status: int
    internal_code: str  # the error code of an internal failure
    xmlns: str = ""  # the query protocol's response namespace
    query_compatible: bool = False  # JSON answers carry x-amzn-query-error
    json_version: str = "1.1"
    internal_status: int = 500
    throttle_message: str = "Rate exceeded"
    redact: bool = False  # values left out of validation messages (IAM's, since 2024)
    json_validation_type: str = ""  # the JSON `__type` of a validation error, when not the code


# By the signing name of the request's credential scope. Sources: each service's model
# (error shapes and their codes, protocol metadata) and the error codes AWS documents.
SERVICES = {
    "iam": Service("iam", "query", "ValidationError", "Throttling", 400, "ServiceFailure", xmlns="https://iam.amazonaws.com/doc/2010-05-08/", redact=True),
    "sts": Service("sts", "query", "ValidationError", "Throttling", 400, "InternalFailure", xmlns="https://sts.amazonaws.com/doc/2011-06-15/"),
    # SNS's API-rate throttle is `Throttling` (400); its model's `Throttled` (429) is Publish's.
    "sns": Service("sns", "query", "ValidationError", "Throttling", 400, "InternalError", xmlns="http://sns.amazonaws.com/doc/2010-03-31/"),
    "monitoring": Service("cloudwatch", "query", "ValidationError", "Throttling", 400, "InternalServiceError", xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/", query_compatible=True, json_version="1.0", json_validation_type="com.amazon.coral.validate#ValidationException"),
    "logs": Service("logs", "json", "InvalidParameterException", "ThrottlingException", 400, "ServiceUnavailableException"),
    "ce": Service("ce", "json", "ValidationException", "LimitExceededException", 400, "InternalServerError", throttle_message="Rate limit exceeded"),
    # The Tagging API's model-constraint errors reach the SDKs as an unmodelled code:
    # Coral's ValidationException (prometheus/cloudwatch_exporter#440 shows the message).
    "tagging": Service("resourcegroupstaggingapi", "json", "ValidationException", "ThrottledException", 400, "InternalServiceException"),
    "organizations": Service("organizations", "json", "InvalidInputException", "TooManyRequestsException", 400, "ServiceException"),
    # Service Quotas models no validation error: a model violation reaches the SDKs as Coral's
    # ValidationException, as for the Tagging API; its internal error is ServiceException.
    "servicequotas": Service("service-quotas", "json", "ValidationException", "TooManyRequestsException", 400, "ServiceException"),
    # AWS Budgets models InvalidParameterException as its client error ("Typically, the cause
    # is an invalid input value"): a model violation is answered with it, as CloudWatch Logs
    # answers its own. Every error of the Budgets API reference is HTTP 400.
    "budgets": Service("budgets", "json", "InvalidParameterException", "ThrottlingException", 400, "InternalErrorException"),
    "s3": Service("s3", "rest-xml", "InvalidArgument", "SlowDown", 503, "InternalError"),
}


@dataclass
class Request:
    signing: str
    service: Service
    protocol: str  # the protocol of this request (CloudWatch speaks JSON or query)
    operation: str
    values: dict = field(default_factory=dict)


def signing_name(environ) -> str:
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    credential = (query.get("X-Amz-Credential") or [""])[0]
    parts = credential.split("/")
    return parts[3] if len(parts) >= 4 else ""


def _form(environ, body: bytes) -> dict:
    """A query-protocol request's parameters: the form body, else the query string."""
    if body and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    return {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}


def identify(environ, body: bytes):
    """The request's service and operation, or None for a request of no modelled operation
    of a service validated here (Bedrock is validated by validation.check)."""
    signing = signing_name(environ)
    service = SERVICES.get(signing)
    if service is None:
        return None
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        operation = target.rsplit(".", 1)[-1]
        if operation not in validation.model(service.model)["operations"]:
            return None
        return Request(signing, service, "json", operation)
    if service.protocol == "query":
        operation = _form(environ, body).get("Action")
        if operation not in validation.model(service.model)["operations"]:
            return None
        return Request(signing, service, "query", operation)
    if service.protocol == "rest-xml":
        found = _rest_xml_operation(environ)
        if found is None:
            return None
        operation, labels = found
        request = Request(signing, service, "rest-xml", operation)
        request.values = {"__labels": labels}
        return request
    return None


def fallback(environ, signing: str):
    """A request of a known service whose operation is not known: enough to answer an error
    in its protocol."""
    service = SERVICES.get(signing)
    if service is None:
        return None
    protocol = "json" if environ.get("HTTP_X_AMZ_TARGET") else service.protocol
    return Request(signing, service, protocol, "")


# ---------------------------------------------------------------------------------------
# Reading a request's input as the model locates each member.


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class Checker(validation._Checker):
    """Members named as AWS's validators name them: lowerCamelCase. With `redact`, as IAM
    answers today: no value quoted ("Value at 'roleName' failed ..."), and an enum's set not
    listed ("Member must satisfy enum value set")."""

    def __init__(self, shapes, redact=False):
        super().__init__(shapes)
        self.redact = redact

    def fail(self, path, value, constraint, sensitive=False):
        if self.redact and constraint.startswith("Member must satisfy enum value set"):
            constraint = "Member must satisfy enum value set"
        super().fail(path, value, constraint, sensitive or self.redact)

    @staticmethod
    def join(path, name):
        name = _lower_camel(name)
        return f"{path}.{name}" if path else name


def _query_value(shapes, shape, params, prefix):
    """A member of a query-protocol request, rebuilt from its flattened parameters (None when
    absent): `Tags.member.1.Key`, `Attributes.entry.1.key`, `Names.1` when flattened."""
    kind = shape["type"]
    if kind == "structure":
        out = {}
        for name, member in shape.get("members", {}).items():
            wire = member.get("locationName", name)
            key = f"{prefix}.{wire}" if prefix else wire
            value = _query_value(shapes, shapes[member["shape"]], params, key)
            if value is not None:
                out[name] = value
        if prefix and not out and not any(k.startswith(prefix + ".") for k in params):
            return None
        return out
    if kind == "list":
        if prefix in params and params[prefix] == "":
            return []  # an empty list is sent as `Name=`
        member = shape["member"]
        element = f"{prefix}." if shape.get("flattened") else f"{prefix}.{member.get('locationName', 'member')}."
        items = []
        index = 1
        while any(k == f"{element}{index}" or k.startswith(f"{element}{index}.") for k in params):
            items.append(_query_value(shapes, shapes[member["shape"]], params, f"{element}{index}"))
            index += 1
        if not items:
            return None
        return items
    if kind == "map":
        if prefix in params and params[prefix] == "":
            return {}
        entry = f"{prefix}." if shape.get("flattened") else f"{prefix}.entry."
        key_name = shape["key"].get("locationName", "key")
        value_name = shape["value"].get("locationName", "value")
        out = {}
        index = 1
        while f"{entry}{index}.{key_name}" in params:
            key = params[f"{entry}{index}.{key_name}"]
            out[key] = _query_value(shapes, shapes[shape["value"]["shape"]], params, f"{entry}{index}.{value_name}")
            index += 1
        return out if out else None
    if prefix not in params:
        return None
    return _typed(params[prefix], shape)


def _typed(text, shape):
    """A value sent as text (query string, header, XML), typed as its shape."""
    kind = shape["type"]
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        raise validation.Invalid("__malformed__", f"Could not read '{text}' as a number.")
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise validation.Invalid("__malformed__", f"Could not read '{text}' as a boolean.")
        return text.lower() == "true"
    return text


def _xml_value(shapes, shape, element):
    """A member of an XML payload, typed as the model says."""
    kind = shape["type"]
    if kind == "structure":
        out = {}
        children = list(element)
        for name, member in shape.get("members", {}).items():
            if member.get("location"):
                continue
            wire = member.get("locationName", name)
            target = shapes[member["shape"]]
            found = [c for c in children if _local(c.tag) == wire]
            if not found:
                continue
            if target["type"] == "list" and (target.get("flattened") or member.get("flattened")):
                out[name] = [_xml_value(shapes, shapes[target["member"]["shape"]], c) for c in found]
            else:
                out[name] = _xml_value(shapes, target, found[0])
        return out
    if kind == "list":
        item = shape["member"].get("locationName", "member")
        return [_xml_value(shapes, shapes[shape["member"]["shape"]], c) for c in element if _local(c.tag) == item]
    if kind == "map":
        return {}
    return _typed(element.text or "", shape)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@functools.lru_cache(maxsize=None)
def _rest_xml_routes():
    """S3's operations: (method, path regex, labels, query keys the URI names, operation),
    the most specific first (more query keys, then more literal path)."""
    routes = []
    for name, op in validation.model("s3")["operations"].items():
        uri = op["http"]["requestUri"]
        path, _, query = uri.partition("?")
        keys = tuple(sorted(part.split("=", 1)[0] for part in query.split("&") if part))
        compiled, labels, literal = validation._template_regex(path)
        if not path.endswith("+}"):
            # The SDKs write a bucket's own URI as `/{Bucket}/` as often as `/{Bucket}`.
            compiled = re.compile(compiled.pattern[:-1] + "/?$")
        routes.append((op["http"]["method"], compiled, labels, keys, literal, name, bool(op.get("deprecated"))))
    # A deprecated operation on the same URI (PutBucketLifecycle) after its successor.
    routes.sort(key=lambda r: (-len(r[3]), -r[4], r[6]))
    return routes


def _rest_xml_operation(environ):
    """(operation, URI labels) of a path-style S3 request, or None: a virtual-hosted request
    (its bucket is in the Host header), or one whose operation the URI does not settle
    (PutObject and CopyObject share theirs; the SDKs' `x-id` query parameter, when sent,
    names it) is left to moto."""
    method = environ.get("REQUEST_METHOD", "GET")
    path = validation._raw_path(environ)
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if not path.startswith("/"):
        return None
    host = environ.get("HTTP_HOST", "").split(":", 1)[0]
    labels = host.split(".")
    if len(labels) > 1 and not re.fullmatch(r"[\d.]+", host) and (labels[1] == "s3" or labels[1].startswith("s3-") or labels[1:] == ["localhost"]):
        return None
    named = (query.get("x-id") or [None])[0]
    found = []
    for verb, compiled, labels, keys, literal, name, deprecated in _rest_xml_routes():
        if verb != method or not all(k in query for k in keys):
            continue
        if named is not None and name != named:
            continue
        match = compiled.match(path)
        if match:
            found.append((keys, literal, deprecated, name, {labels[i]: unquote(v) for i, v in enumerate(match.groups())}))
    if not found:
        return None
    best = found[0]
    rivals = [f for f in found[1:] if f[0] == best[0] and f[1] == best[1] and not f[2]]
    if rivals and named is None:
        return None
    return best[3], best[4]


def _read(request: Request, environ, body: bytes):
    """The operation's input as the model locates each member, and its shape."""
    model = validation.model(request.service.model)
    op = model["operations"][request.operation]
    shapes = model["shapes"]
    if "input" not in op:
        return {}, None
    shape = shapes[op["input"]["shape"]]
    if request.protocol == "json":
        document = validation._json(body) if body.strip() else {}
        if not isinstance(document, dict):
            raise validation.Invalid("SerializationException", "Start of structure or map found where not expected.")
        return document, shape
    if request.protocol == "query":
        params = _form(environ, body)
        return _query_value(shapes, shape, params, "") or {}, shape
    # rest-xml
    labels = request.values.get("__labels", {})
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    values = {}
    payload = shape.get("payload")
    for name, member in shape.get("members", {}).items():
        location = member.get("location")
        wire = member.get("locationName", name)
        target = shapes[member["shape"]]
        if location == "uri" and wire in labels:
            values[name] = labels[wire]
        elif location == "querystring" and wire in query:
            values[name] = [_typed(t, shapes[target["member"]["shape"]]) for t in query[wire]] if target["type"] == "list" else _typed(query[wire][0], target)
        elif location == "header" and wire.lower() in headers and target["type"] != "list":
            values[name] = _typed(headers[wire.lower()], target)
        elif name == payload and target["type"] == "structure" and body.strip():
            try:
                root = ElementTree.fromstring(body)
            except ElementTree.ParseError:
                raise validation.Invalid("MalformedXML", MALFORMED_XML)
            values[name] = _xml_value(shapes, target, root)
        elif name == payload and target["type"] == "string" and body:
            values[name] = body.decode("utf-8", "replace")
        elif name == payload and target["type"] == "blob" and body:
            values[name] = body
    return values, shape


MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"

_ORGANIZATIONS_REASONS = (
    ("must not be null", "INPUT_REQUIRED"),
    ("regular expression pattern", "INVALID_PATTERN"),
    ("length greater than or equal", "MIN_LENGTH_EXCEEDED"),
    ("length less than or equal", "MAX_LENGTH_EXCEEDED"),
    ("value greater than or equal", "MIN_VALUE_EXCEEDED"),
    ("value less than or equal", "MAX_VALUE_EXCEEDED"),
    ("enum value set", "INVALID_ENUM"),
)


# Organizations' own words for each reason (its model's InvalidInputException documentation).
_ORGANIZATIONS_MESSAGES = {
    "INPUT_REQUIRED": "You must include a value for all required parameters.",
    "INVALID_PATTERN": "You provided a value that does not match the required pattern.",
    "MIN_LENGTH_EXCEEDED": "You provided a string parameter that is shorter than allowed.",
    "MAX_LENGTH_EXCEEDED": "You provided a string parameter that is longer than allowed.",
    "MIN_VALUE_EXCEEDED": "You provided a numeric parameter that has a smaller value than allowed.",
    "MAX_VALUE_EXCEEDED": "You provided a numeric parameter that has a larger value than allowed.",
    "INVALID_ENUM": "You specified an invalid value.",
}


def _sns_top_level(errors, shape):
    """SNS answers a broken top-level member in its own words, InvalidParameter "Invalid
    parameter: TopicArn Reason: no value for required parameter" (Coral's ValidationError is
    kept for nested members: "Value null at 'messageAttributes.a.member.dataType'")."""
    names = {_lower_camel(n): n for n in shape.get("members", {})}
    for entry in errors:
        match = re.search(r"at '([^'.]+)' failed to satisfy constraint: (.*)$", entry)
        if not match or match.group(1) not in names:
            continue
        name = names[match.group(1)]
        if match.group(2) == "Member must not be null":
            return f"Invalid parameter: {name} Reason: no value for required parameter"
        return f"Invalid parameter: {name}"
    return None


def check(request: Request, environ, body: bytes) -> None:
    """Raise validation.Invalid (with the service's code) for a request that breaks the
    service's model."""
    try:
        values, shape = _read(request, environ, body)
    except validation.Invalid as error:
        raise _as_service_error(request, error)
    if shape is None:
        return
    checker = Checker(validation.model(request.service.model)["shapes"], request.service.redact)
    try:
        checker.structure(shape, values, "")
    except validation.Invalid as error:
        raise _as_service_error(request, error)
    if not checker.errors:
        return
    if request.service.model == "organizations":
        reason = next((r for text, r in _ORGANIZATIONS_REASONS if text in checker.errors[0]), "INVALID_INPUT")
        error = validation.Invalid("InvalidInputException", _ORGANIZATIONS_MESSAGES.get(reason, "You provided an invalid value."))
        error.extra = {"Reason": reason}
        raise error
    if request.service.model == "sns":
        top = _sns_top_level(checker.errors, shape)
        if top is not None:
            raise validation.Invalid("InvalidParameter", top)
    if request.protocol == "rest-xml":
        in_payload = any("failed" in e and "'" + _lower_camel(shape.get("payload") or "-") in e for e in checker.errors)
        if in_payload:
            raise validation.Invalid("MalformedXML", MALFORMED_XML)
        error = validation.Invalid("InvalidArgument", validation.message(checker.errors))
        match = re.search(r"Value '([^']*)' at '([^']+)'", checker.errors[0])
        if match:
            error.extra = {"ArgumentName": _wire_name(shape, match.group(2)), "ArgumentValue": match.group(1)}
        raise error
    raise validation.Invalid(request.service.validation_code, validation.message(checker.errors))


def _wire_name(shape, path):
    """The header or query name of a top-level member, as S3's ArgumentName gives it."""
    for name, member in shape.get("members", {}).items():
        if _lower_camel(name) == path:
            return member.get("locationName", name)
    return path


def _as_service_error(request: Request, error):
    """A body or value that cannot be read, in the protocol's words."""
    if request.protocol == "json":
        return validation.Invalid("SerializationException", error.message)
    if request.protocol == "rest-xml":
        return validation.Invalid(error.code if error.code == "MalformedXML" else "InvalidArgument", error.message)
    # query: a value of the wrong type is a malformed parameter.
    return validation.Invalid(request.service.validation_code if request.service.model != "cloudwatch" else "InvalidParameterValue", error.message)


# ---------------------------------------------------------------------------------------
# Answers in the client's protocol.


def content_type(request: Request) -> str:
    if request.protocol == "json":
        return f"application/x-amz-json-{request.service.json_version}"
    return "text/xml" if request.protocol == "query" else "application/xml"


def error(request: Request, code: str, message: str, status: int = 400, extra=None):
    """(status, headers, body) of an error in the request's protocol."""
    request_id = str(uuid.uuid4())
    if request.protocol == "json":
        shown = request.service.json_validation_type if code == request.service.validation_code and request.service.json_validation_type else code
        value = {"__type": shown, "message": message}
        value.update(extra or {})
        headers = [("Content-Type", content_type(request)), ("x-amzn-RequestId", request_id)]
        if request.service.query_compatible:
            headers.append(("x-amzn-query-error", f"{code};{'Receiver' if status >= 500 else 'Sender'}"))
        return status, headers, json.dumps(value)
    if request.protocol == "query":
        xmlns = f' xmlns="{request.service.xmlns}"' if request.service.xmlns else ""
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse{xmlns}><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    more = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in (extra or {}).items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>{more}<RequestId>{request_id}</RequestId></Error>"
    )
    return status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body


def throttle(request: Request):
    s = request.service
    return error(request, s.throttle_code, s.throttle_message, s.throttle_status)


def internal(request: Request, message: str = "Internal failure (injected by the emulator)."):
    s = request.service
    return error(request, s.internal_code, message, s.internal_status)
