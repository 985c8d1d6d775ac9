"""Conformance of the emulator's request validation to AWS's service model.

For every operation of operations.py (every operation the tool calls on Bedrock, IAM, STS,
SNS, CloudWatch, CloudWatch Logs, Cost Explorer, the Tagging API, Organizations and S3, and
every Bedrock operation the emulator implements), start from a valid request, then break one
constraint of botocore's service model at a time (a required member left out, a string or
list too short or too long, a pattern or an enum not satisfied, a number out of range, a
value of the wrong JSON type, a union with no member) and send the request with botocore
itself, client-side validation off, so that botocore's own serializer puts each member where
AWS expects it (URI, query string, header, JSON body) and the emulator has to find it there.
Each answer must be AWS's, in the service's own protocol and words (EXPECTED below, from
AWS's recorded answers): HTTP 400, the error code, and the message naming the member's path
(lowerCamelCase) and the constraint.

    python walk.py --endpoint http://127.0.0.1:4566 [--record emulator.jsonl]
    python walk.py --aws --region us-east-1 --record aws.jsonl   # a real account (below)

With `--record FILE`, every answer (status, code, message) is written to FILE, one JSON
line per check, in the walk's order: the walk run against a real sandbox account (`--aws`:
credentials from the standard chain, resources named walk-* made and deleted, the account
id put in place of the emulator's in every ARN) and against the emulator give two files
that `diff` compares answer by answer (docs/tests.md, "Acceptance mode"). Against AWS
the checks are recorded, not judged: the recording is what the emulator is measured by.

Prints one line per failed check and a summary; exits 1 when any check fails. Run by
tests/conformance.rs with the emulator's own virtualenv (botocore and its models).
"""

import argparse
import copy
import json
import os
import sys
import uuid

import boto3
import botocore
import regex
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from operations import ACCOUNT, OPERATIONS, REGION, SYSTEM_PROFILE  # noqa: E402

# How each service answers a request that breaks its model (AWS's recorded answers; see
# docs/emulator.md, "How the emulator differs from AWS", for the sources):
# - the Coral form "N validation errors detected: Value '...' at 'path' failed to satisfy
#   constraint: ..." under the code given here (IAM leaves the value and an enum's set out);
# - SNS names a broken top-level member in its own words: InvalidParameter "Invalid
#   parameter: TopicArn[ Reason: no value for required parameter]";
# - Organizations: InvalidInputException with a Reason (INPUT_REQUIRED, INVALID_PATTERN, ...);
# - S3: MalformedXML for its XML body, InvalidArgument for a header or query member.
EXPECTED = {
    "bedrock": "ValidationException",
    "bedrock-runtime": "ValidationException",
    "iam": "ValidationError",
    "sts": "ValidationError",
    "sns": "ValidationError",
    "cloudwatch": "ValidationError",
    "logs": "InvalidParameterException",
    "ce": "ValidationException",
    "resourcegroupstaggingapi": "ValidationException",
    "organizations": "InvalidInputException",
    "service-quotas": "ValidationException",
    "budgets": "InvalidParameterException",
    "s3": "MalformedXML",
}
REDACTED = {"iam"}
JSON_PROTOCOLS = ("json", "rest-json", "smithy-rpc-v2-cbor")

ORGANIZATIONS_REASONS = (
    ("must not be null", "INPUT_REQUIRED"),
    ("regular expression pattern", "INVALID_PATTERN"),
    ("length greater than or equal", "MIN_LENGTH_EXCEEDED"),
    ("length less than or equal", "MAX_LENGTH_EXCEEDED"),
    ("value greater than or equal", "MIN_VALUE_EXCEEDED"),
    ("value less than or equal", "MAX_VALUE_EXCEEDED"),
    ("enum value set", "INVALID_ENUM"),
)


def _number(n):
    return int(n) if float(n).is_integer() else n


def _shown(value):
    """How AWS quotes a value in a validation message (none for lists and structures)."""
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    if isinstance(value, (list, dict, bytes)):
        return None
    return f"'{value}'"


def _entry(path, value, constraint, sensitive=False):
    shown = "null" if value is None else (None if sensitive else _shown(value))
    return f"Value {shown} at '{path}'" if shown else f"Value at '{path}'", f"failed to satisfy constraint: {constraint}"


def _failing_pattern_value(shape):
    """A string within the shape's lengths that its pattern rejects, or None."""
    pattern = regex.compile(shape["pattern"])
    low, high = shape.get("min", 0), shape.get("max", 4096)
    for seed in ["!", "~", " ", "\u00e9", "@#", "a b", "-", ".", "_", "/", "Z", "0"]:
        text = (seed * max(1, low))[: max(low, min(high, len(seed) * max(1, low)))]
        # AWS matches the whole value against the pattern.
        if low <= len(text) <= high and not pattern.fullmatch(text):
            return text
    return None


class Walk:
    def __init__(self, endpoint, region=REGION, record=None):
        config = Config(parameter_validation=False, retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30)
        if endpoint:
            kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test", config=config)
        else:  # a real account: the standard credential chain
            kw = dict(region_name=region, config=config)
        self.clients = {service: boto3.client(service, **kw) for service in OPERATIONS}
        self.account = ACCOUNT if endpoint else self.clients["sts"].get_caller_identity()["Account"]
        self.region = region
        self.record = open(record, "w") if record else None
        self.label = None
        self.checks = 0
        self.failures = []
        self.run = uuid.uuid4().hex[:8]

    def profile(self):
        """A fresh application profile (some operations delete it)."""
        self.made = getattr(self, "made", 0) + 1
        out = self.clients["bedrock"].create_inference_profile(
            inferenceProfileName=f"walk-{self.run}-{self.made}",
            modelSource={"copyFrom": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{SYSTEM_PROFILE}"},
        )
        return out["inferenceProfileArn"]

    def call(self, service, operation, params, patch=None):
        """Send with botocore; `patch` (keys, value) rewrites the serialized JSON body, for a
        value of a type botocore's serializer would not write."""
        client = self.clients[service]
        method = getattr(client, botocore.xform_name(operation))
        event = f"before-sign.{client.meta.service_model.service_name.lower().replace(' ', '-')}.{operation}"

        def rewrite(request, **_):
            body = json.loads(request.body or b"{}")
            _set_in(body, patch[0], patch[1])
            request.data = json.dumps(body).encode()
            request.headers["Content-Length"] = str(len(request.data))

        if patch is not None:
            client.meta.events.register_first(event, rewrite, unique_id="walk-patch")
        try:
            out = method(**params)
            if "body" in out and hasattr(out["body"], "__iter__") and not hasattr(out["body"], "read"):
                for _ in out["body"]:
                    pass
            return self.recorded(service, operation, (200, None, None))
        except botocore.exceptions.ClientError as e:
            self.last_reason = e.response.get("Reason")
            answer = (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"].get("Message", ""))
            return self.recorded(service, operation, answer)
        finally:
            if patch is not None:
                client.meta.events.unregister(event, unique_id="walk-patch")

    def recorded(self, service, operation, answer):
        """The answer, written to the recording (when there is one) under the check's label."""
        if self.record is not None and self.label is not None:
            status, code, message = answer
            line = {"service": service, "operation": operation, "check": self.label, "status": status, "code": code, "message": message}
            self.record.write(json.dumps(line) + "\n")
        return answer

    def guardrail(self):
        """A fresh guardrail (some operations delete it)."""
        self.made = getattr(self, "made", 0) + 1
        out = self.clients["bedrock"].create_guardrail(
            name=f"walk-{self.run}-{self.made}",
            blockedInputMessaging="Blocked.",
            blockedOutputsMessaging="Blocked.",
            wordPolicyConfig={"wordsConfig": [{"text": "zeus"}]},
        )
        return out["guardrailArn"]

    def fill(self, params):
        blobs = {k: v for k, v in params.items() if isinstance(v, bytes)}
        text = json.dumps({k: v for k, v in params.items() if k not in blobs})
        text = text.replace(ACCOUNT, self.account).replace(f":{REGION}:", f":{self.region}:")
        if "{profile}" in text:
            text = text.replace("{profile}", self.profile())
        if "{guardrail}" in text:
            text = text.replace("{guardrail}", self.guardrail())
        return dict(json.loads(text), **blobs)

    def expect(self, service, operation, params, code, entry, label, patch=None, keys=None):
        self.checks += 1
        params = self.fill(params)
        self.label = label
        status, got_code, message = self.call(service, operation, params, patch)
        self.label = None
        if code == "ValidationException":
            code, ok = self.model_violation(service, operation, entry, keys or [], status, got_code, message)
        else:
            ok = status == 400 and got_code == code
        if not ok:
            self.failures.append(f"{operation} {label}: expected 400 {code} {' '.join(entry) if entry else ''}; got {status} {got_code} {message}")

    def model_violation(self, service, operation, entry, keys, status, got_code, message):
        """(the code expected, whether the answer is the service's own to this violation)."""
        value_part, constraint = entry
        top = self.clients[service].meta.service_model.operation_model(operation).input_shape.members.get(keys[0]) if keys else None
        if service == "sns" and len(keys) == 1:
            name = keys[0]
            expected = f"Invalid parameter: {name}" + (" Reason: no value for required parameter" if constraint.endswith("Member must not be null") else "")
            return "InvalidParameter", status == 400 and got_code == "InvalidParameter" and message == expected
        if service == "organizations":
            reason = next((r for text, r in ORGANIZATIONS_REASONS if text in constraint), None)
            return f"InvalidInputException ({reason})", status == 400 and got_code == "InvalidInputException" and self.last_reason == reason
        if service == "s3":
            located = top.serialization.get("location") if top is not None else None
            code = "InvalidArgument" if located in ("header", "querystring") else "MalformedXML"
            return code, status == 400 and got_code == code
        code = EXPECTED[service]
        if service in REDACTED:
            value_part = "Value null at" + value_part.split(" at", 1)[1] if value_part.startswith("Value null") else "Value at" + value_part.split(" at", 1)[1]
            if constraint.startswith("failed to satisfy constraint: Member must satisfy enum value set"):
                constraint = "failed to satisfy constraint: Member must satisfy enum value set"
                if "enum value set:" in message:
                    return code, False
        ok = status == 400 and got_code == code and message.split(": ", 1)[0].endswith("detected") and f"{value_part} {constraint}" in message
        return code, ok

    def valid(self, service, operation, params):
        self.checks += 1
        params = self.fill(params)
        self.label = "a valid request"
        status, code, message = self.call(service, operation, params)
        self.label = None
        refused = code in ("SerializationException", "MalformedXML", "InvalidArgument", "InvalidInputException") or " detected: " in (message or "")
        refused = refused or (code == "InvalidParameter" and "Reason: no value" in (message or ""))
        if refused or status >= 500:
            self.failures.append(f"{operation} with a valid request: got {status} {code} {message}")

    def json(self, service):
        """Whether the service's client speaks a protocol whose body has JSON types."""
        return self.clients[service].meta.service_model.protocol in JSON_PROTOCOLS

    def walk(self, service, operation, base):
        model = self.clients[service].meta.service_model
        op = model.operation_model(operation)
        self.valid(service, operation, base)
        if op.input_shape is None:
            return
        self.structure(service, operation, base, op.input_shape, [], "")

    def structure(self, service, operation, base, shape, keys, path, sensitive=False):
        current = _get(base, keys)
        for name in shape.required_members:
            # A URI label cannot be left out: the request would be another path.
            if current is not None and name in current and shape.members[name].serialization.get("location") != "uri":
                broken = _set(base, keys + [name], None)
                self.expect(service, operation, broken, "ValidationException", _entry(_join(path, name), None, "Member must not be null"), f"without {_join(path, name)}", keys=keys + [name])
        if shape.metadata.get("union") and current == {}:
            return
        for name, member in shape.members.items():
            if current is None or name not in current:
                continue
            self.member(service, operation, base, member, keys + [name], _join(path, name), sensitive or member.serialization.get("sensitive", False) or member.metadata.get("sensitive", False))

    def member(self, service, operation, base, shape, keys, path, sensitive):
        value = _get(base, keys)
        kind = shape.type_name
        label = lambda what: f"{path} {what}"
        located = shape.serialization.get("location")
        if kind == "string":
            if shape.enum:
                self.expect(service, operation, _set(base, keys, "NOT_IN_ENUM"), "ValidationException", _entry(path, "NOT_IN_ENUM", "Member must satisfy enum value set: [" + ", ".join(shape.enum) + "]", sensitive), label("enum"), keys=keys)
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
            if low and low > 1 or (low == 1 and located != "uri"):
                short = "a" * (low - 1)
                self.expect(service, operation, _set(base, keys, short), "ValidationException", _entry(path, short, f"Member must have length greater than or equal to {low}", sensitive), label("too short"), keys=keys)
            if high is not None and high < 3000 and located != "header":
                long = "a" * (high + 1)
                self.expect(service, operation, _set(base, keys, long), "ValidationException", _entry(path, long, f"Member must have length less than or equal to {high}", sensitive), label("too long"), keys=keys)
            if "pattern" in shape.metadata:
                bad = _failing_pattern_value(shape.metadata)
                if bad is not None and not (located == "uri" and "/" in bad):
                    self.expect(service, operation, _set(base, keys, bad), "ValidationException", _entry(path, bad, f"Member must satisfy regular expression pattern: {shape.metadata['pattern']}", sensitive), label("pattern"), keys=keys)
            if located is None and self.json(service):
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, 7), label=label("a number for a string"))
        elif kind in ("integer", "long", "float", "double"):
            if "min" in shape.metadata:
                low = shape.metadata["min"]
                under = low - 1 if kind in ("integer", "long") else low - 0.5
                self.expect(service, operation, _set(base, keys, under), "ValidationException", _entry(path, _number(under), f"Member must have value greater than or equal to {_number(low)}", sensitive), label("under range"), keys=keys)
            if "max" in shape.metadata:
                high = shape.metadata["max"]
                over = high + 1 if kind in ("integer", "long") else high + 0.5
                self.expect(service, operation, _set(base, keys, over), "ValidationException", _entry(path, _number(over), f"Member must have value less than or equal to {_number(high)}", sensitive), label("over range"), keys=keys)
            if located is None and self.json(service):
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, "many"), label=label("a string for a number"))
        elif kind == "boolean":
            if located is None and self.json(service):
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, "yes"), label=label("a string for a boolean"))
        elif kind == "list":
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
            if low:
                self.expect(service, operation, _set(base, keys, value[: low - 1]), "ValidationException", _entry(path, [], f"Member must have length greater than or equal to {low}", sensitive), label("too few"), keys=keys)
            if high is not None and high <= 1000 and value:
                self.expect(service, operation, _set(base, keys, [value[0]] * (high + 1)), "ValidationException", _entry(path, [], f"Member must have length less than or equal to {high}", sensitive), label("too many"), keys=keys)
            if located is None and self.json(service):
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, {"not": "a list"}), label=label("an object for a list"))
            if value:
                member = shape.member
                self.member(service, operation, base, member, keys + [0], f"{path}.1.member", sensitive or member.metadata.get("sensitive", False))
        elif kind == "map":
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
            if high is not None and high <= 1000 and value:
                key, item = next(iter(value.items()))
                many = {f"{key}{i}": item for i in range(high + 1)}
                self.expect(service, operation, _set(base, keys, many), "ValidationException", _entry(path, {}, f"Member must have length less than or equal to {high}", sensitive), label("too many"), keys=keys)
        elif kind == "structure":
            if shape.metadata.get("document"):
                return
            if shape.metadata.get("union"):
                self.expect(service, operation, _set(base, keys, {}), "ValidationException", (f"Value at '{path}'", "failed to satisfy constraint: Member must have exactly one of its members set"), label("union with no member"), keys=keys)
            if located is None and self.json(service):
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, ["not", "an", "object"]), label=label("a list for a structure"))
            self.structure(service, operation, base, shape, keys, path, sensitive)


def _join(path, name):
    """A member's path as AWS's validators name it: lowerCamelCase."""
    name = name[:1].lower() + name[1:]
    return f"{path}.{name}" if path else name


def _get(value, keys):
    for key in keys:
        if value is None:
            return None
        value = value[key] if isinstance(value, list) or key in value else None
    return value


def _set_in(document, keys, new):
    for key in keys[:-1]:
        document = document[key]
    document[keys[-1]] = new


def _set(base, keys, new):
    """A copy of `base` with the value at `keys` replaced (None: left out)."""
    out = copy.deepcopy(base)
    target = out
    for key in keys[:-1]:
        target = target[key]
    if new is None:
        if isinstance(target, dict):
            target.pop(keys[-1], None)
    else:
        target[keys[-1]] = new
    return out


def main():
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--endpoint", help="the emulator's endpoint")
    where.add_argument("--aws", action="store_true", help="a real (sandbox) account, by the standard credential chain")
    parser.add_argument("--region", default=REGION)
    parser.add_argument("--record", help="write every answer to this file, one JSON line each")
    args = parser.parse_args()
    if args.aws and not args.record:
        parser.error("--aws records AWS's answers: name the file with --record FILE")
    walk = Walk(args.endpoint, args.region, args.record)
    for service, operations in OPERATIONS.items():
        for operation, base in operations.items():
            walk.walk(service, operation, base)
    for failure in walk.failures:
        # Values of thousands of characters are cut: the constraint says what they were.
        print(regex.sub(r"'([^']{60})[^']{20,}'", r"'\1...'", failure))
    if walk.record is not None:
        walk.record.close()
    if args.aws:
        # AWS is the reference: its answers are recorded, not judged.
        print(f"{walk.checks} checks recorded in {args.record}")
        return
    print(f"{walk.checks} checks, {len(walk.failures)} failed")
    sys.exit(1 if walk.failures else 0)


if __name__ == "__main__":
    main()
