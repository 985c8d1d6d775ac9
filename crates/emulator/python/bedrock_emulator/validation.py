"""Request validation for Bedrock and Bedrock Runtime, driven by botocore's service models
(the copy installed in this virtualenv), as AWS validates before any operation runs.

A request is matched to its operation by method and URI template (both services sign as
`bedrock`), its input is read back from where the model puts each member (URI label, query
string, header, JSON body or payload), and every constraint of the model is checked:
required members, string and blob lengths, list and map sizes, patterns, enums, numeric
ranges, types, and one member of a union. The answer is AWS's own:

    HTTP 400, x-amzn-ErrorType: ValidationException
    {"message": "2 validation errors detected: Value '...' at 'loggingConfig.s3Config.keyPrefix'
     failed to satisfy constraint: Member must have length less than or equal to 1024; ..."}

A body that is not JSON, or a member of the wrong JSON type, is a SerializationException, as
AWS's JSON protocol answers it.
"""

import base64
import functools
import json
import re
from urllib.parse import parse_qs, unquote

import regex
from botocore.loaders import Loader

SERVICES = ("bedrock", "bedrock-runtime")


class Invalid(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@functools.lru_cache(maxsize=None)
def model(service: str) -> dict:
    return Loader().load_service_model(service, "service-2")


def _template_regex(uri: str):
    path = uri.split("?", 1)[0]
    labels = []

    def label(match):
        name, greedy = match.group(1), match.group(2)
        labels.append(name)
        return f"(?P<l{len(labels) - 1}>.+)" if greedy else f"(?P<l{len(labels) - 1}>[^/]+)"

    pattern = re.sub(r"\\\{([A-Za-z0-9_]+)(\\\+)?\\\}", label, re.escape(path))
    return re.compile(f"^{pattern}$"), labels, len(re.sub(r"\{[^}]*\}", "", path))


@functools.lru_cache(maxsize=None)
def _routes():
    routes = []
    for service in SERVICES:
        for name, op in model(service)["operations"].items():
            compiled, labels, literal = _template_regex(op["http"]["requestUri"])
            routes.append((op["http"]["method"], compiled, labels, literal, service, name))
    # The most specific template first: /inference-profiles/{id} before /{anything+}.
    routes.sort(key=lambda r: -r[3])
    return routes


def operation_of(method: str, raw_path: str):
    """(service, operation name, URI labels) for a request, or None."""
    for verb, compiled, labels, _, service, name in _routes():
        if verb != method:
            continue
        match = compiled.match(raw_path)
        if match:
            return service, name, {labels[i]: unquote(v) for i, v in enumerate(match.groups())}
    return None


def _read_input(service, operation, labels, query, headers, body: bytes):
    """The operation's input as the model locates each member: {member: value}."""
    shapes = model(service)["shapes"]
    op = model(service)["operations"][operation]
    if "input" not in op:
        return {}, None
    shape = shapes[op["input"]["shape"]]
    values = {}
    payload = shape.get("payload")
    json_members = {}
    for name, member in shape.get("members", {}).items():
        location = member.get("location")
        wire = member.get("locationName", name)
        if location == "uri":
            if wire in labels:
                values[name] = labels[wire]
        elif location == "querystring":
            target = shapes[member["shape"]]
            if wire in query:
                values[name] = query[wire] if target["type"] == "list" else query[wire][0]
                values[name] = _from_text(values[name], target, shapes)
        elif location == "header":
            found = headers.get(wire.lower())
            if found is not None:
                values[name] = _from_text(found, shapes[member["shape"]], shapes)
        elif location == "headers":
            continue
        elif name == payload:
            target = shapes[member["shape"]]
            if target["type"] in ("blob", "string"):
                if body:
                    values[name] = body
            elif body:
                values[name] = _json(body)
        else:
            json_members[member.get("locationName", name)] = name
    if json_members and payload is None:
        document = _json(body) if body else {}
        if not isinstance(document, dict):
            raise Invalid("SerializationException", "Start of structure or map found where not expected.")
        for wire, name in json_members.items():
            if wire in document:
                values[name] = document[wire]
    return values, shape


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        raise Invalid("SerializationException", "The request body is not valid JSON.")


def _from_text(text, shape, shapes):
    """A query-string or header value, typed as its shape (numbers and booleans are text on
    the wire); a value that cannot be read is a SerializationException."""
    if isinstance(text, list):
        return [_from_text(t, shapes[shape["member"]["shape"]], shapes) for t in text]
    kind = shape["type"]
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        raise Invalid("SerializationException", f"Could not read '{text}' as a number.")
    if kind == "boolean":
        if text not in ("true", "false"):
            raise Invalid("SerializationException", f"Could not read '{text}' as a boolean.")
        return text == "true"
    return text


def _render(value):
    """A value as AWS quotes it in a validation message; None where AWS shows no value
    (lists, structures, maps and binary data: "Value at 'toolConfig.tools' failed ...")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, list, dict)):
        return None
    return str(value)


class _Checker:
    def __init__(self, shapes):
        self.shapes = shapes
        self.errors = []  # (path, message)

    def fail(self, path, value, constraint, sensitive=False):
        if value is None:
            shown = "Value null at"
        else:
            text = None if sensitive else _render(value)
            shown = "Value at" if text is None else f"Value '{text}' at"
        self.errors.append(f"{shown} '{path}' failed to satisfy constraint: {constraint}")

    def wrong_type(self, path, expected):
        raise Invalid("SerializationException", f"Unexpected value type at '{path}': expected {expected}.")

    def structure(self, shape, values, path, sensitive=False):
        for name in shape.get("required", []):
            if values.get(name) is None:
                self.fail(self.join(path, name), None, "Member must not be null")
        if shape.get("union"):
            present = [k for k in shape["members"] if values.get(k) is not None]
            if len(present) != 1:
                self.errors.append(
                    f"Value at '{path or 'input'}' failed to satisfy constraint: Member must have exactly one of its members set, found {len(present)}"
                )
        for name, member in shape.get("members", {}).items():
            if name in values and values[name] is not None:
                self.value(self.shapes[member["shape"]], values[name], self.join(path, name), sensitive)

    @staticmethod
    def join(path, name):
        return f"{path}.{name}" if path else name

    def value(self, shape, value, path, sensitive=False):
        """Check one value; a sensitive shape's values (and everything in them) are never
        quoted back, as AWS redacts them."""
        kind = shape["type"]
        sensitive = sensitive or bool(shape.get("sensitive"))
        if shape.get("document"):
            return  # any JSON value (additionalModelRequestFields and the like)
        if kind == "structure":
            if not isinstance(value, dict):
                self.wrong_type(path, "an object")
            self.structure(shape, value, path, sensitive)
        elif kind == "list":
            if not isinstance(value, list):
                self.wrong_type(path, "an array")
            self.size(shape, value, path, len(value), sensitive)
            member = self.shapes[shape["member"]["shape"]]
            for i, item in enumerate(value, start=1):
                if item is None:
                    continue
                self.value(member, item, f"{path}.{i}.member", sensitive)
        elif kind == "map":
            if not isinstance(value, dict):
                self.wrong_type(path, "an object")
            self.size(shape, value, path, len(value), sensitive)
            key_shape = self.shapes[shape["key"]["shape"]]
            value_shape = self.shapes[shape["value"]["shape"]]
            for key, item in value.items():
                self.value(key_shape, key, f"{path}.key", sensitive)
                if item is not None:
                    self.value(value_shape, item, f"{path}.{key}.member", sensitive)
        elif kind == "string":
            if not isinstance(value, str):
                self.wrong_type(path, "a string")
            # AWS lists the pattern before the length ("... pattern: [a-zA-Z0-9_-]+; Value at
            # ... Member must have length greater than or equal to 1").
            if "enum" in shape and value not in shape["enum"]:
                self.fail(path, value, "Member must satisfy enum value set: [" + ", ".join(shape["enum"]) + "]", sensitive)
            if "pattern" in shape and not _pattern(shape["pattern"]).fullmatch(value):
                self.fail(path, value, f"Member must satisfy regular expression pattern: {shape['pattern']}", sensitive)
            self.size(shape, value, path, len(value), sensitive)
        elif kind == "blob":
            if isinstance(value, str):
                try:
                    value = base64.b64decode(value, validate=True)
                except ValueError:
                    self.wrong_type(path, "base64-encoded bytes")
            self.size(shape, value, path, len(value), sensitive)
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.wrong_type(path, "an integer")
            self.range(shape, value, path, sensitive)
        elif kind in ("float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.wrong_type(path, "a number")
            self.range(shape, value, path, sensitive)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.wrong_type(path, "a boolean")
        elif kind == "timestamp":
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                self.wrong_type(path, "a timestamp")

    def size(self, shape, value, path, n, sensitive=False):
        if "min" in shape and n < shape["min"]:
            self.fail(path, value, f"Member must have length greater than or equal to {shape['min']}", sensitive)
        if "max" in shape and n > shape["max"]:
            self.fail(path, value, f"Member must have length less than or equal to {shape['max']}", sensitive)

    def range(self, shape, value, path, sensitive=False):
        if "min" in shape and value < shape["min"]:
            self.fail(path, value, f"Member must have value greater than or equal to {_number(shape['min'])}", sensitive)
        if "max" in shape and value > shape["max"]:
            self.fail(path, value, f"Member must have value less than or equal to {_number(shape['max'])}", sensitive)


def _number(n):
    return int(n) if float(n).is_integer() else n


@functools.lru_cache(maxsize=None)
def _pattern(text: str):
    # The whole value must match, as AWS's validators match (Java's Matcher.matches()): the
    # models' patterns are written for it (TaggableResourcesArn begins ".*(^...$)|", which
    # only a whole-value match needs; PaginationToken "\S*" would otherwise allow anything).
    return regex.compile(text)


def message(errors: list) -> str:
    count = len(errors)
    return f"{count} validation error{'s' if count != 1 else ''} detected: " + "; ".join(errors)


def _raw_path(environ) -> str:
    raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    raw_path = raw_path.split("?", 1)[0]
    if raw_path.startswith(("http://", "https://")):
        raw_path = "/" + raw_path.split("/", 3)[3] if raw_path.count("/") >= 3 else "/"
    return raw_path


def check_path(environ) -> bool:
    """Whether the request is one of a Bedrock or Bedrock Runtime operation."""
    return operation_of(environ.get("REQUEST_METHOD", "GET"), _raw_path(environ)) is not None


def check(environ, body: bytes):
    """Raise Invalid for a Bedrock request that breaks its service model; return the
    (service, operation, input) otherwise, or None for a request of no modelled operation."""
    found = operation_of(environ.get("REQUEST_METHOD", "GET"), _raw_path(environ))
    if found is None:
        return None
    service, operation, labels = found
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    values, shape = _read_input(service, operation, labels, query, headers, body)
    if shape is None:
        return service, operation, values
    checker = _Checker(model(service)["shapes"])
    checker.structure(shape, values, "")
    if checker.errors:
        raise Invalid("ValidationException", message(checker.errors))
    return service, operation, values
