"""Conformance of the emulator's request validation to AWS's service model.

For every operation the emulator implements, start from a valid request, then break one
constraint of botocore's service model at a time (a required member left out, a string or
list too short or too long, a pattern or an enum not satisfied, a number out of range, a
value of the wrong JSON type, a union with no member) and send the request with botocore
itself, client-side validation off, so that botocore's own serializer puts each member where
AWS expects it (URI, query string, header, JSON body) and the emulator has to find it there.
Each answer must be AWS's: HTTP 400, the error code, and the message naming the member's
path and the constraint in AWS's words.

    python walk.py --endpoint http://127.0.0.1:4566

Prints one line per failed check and a summary; exits 1 when any check fails. Run by
tests/conformance.rs with the emulator's own virtualenv (botocore and its models).
"""

import argparse
import copy
import json
import sys
import uuid

import boto3
import botocore
import regex
from botocore.config import Config

ACCOUNT = "123456789012"
REGION = "us-east-1"
SYSTEM_PROFILE = "us.anthropic.claude-3-haiku-20240307-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "Hello"}]}]
CLAUDE_BODY = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [{"role": "user", "content": "Hello"}]})

# The operations the emulator implements, each with a valid request. A value of the form
# "{profile}" is filled in with an application profile made for the walk.
OPERATIONS = {
    "bedrock": {
        "CreateInferenceProfile": {
            "inferenceProfileName": "walk-created",
            "description": "made by the conformance walk",
            "clientRequestToken": "walk-token-1",
            "modelSource": {"copyFrom": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{SYSTEM_PROFILE}"},
            "tags": [{"key": "stack", "value": "walk"}],
        },
        "GetInferenceProfile": {"inferenceProfileIdentifier": "{profile}"},
        "ListInferenceProfiles": {"maxResults": 10, "typeEquals": "APPLICATION"},
        "DeleteInferenceProfile": {"inferenceProfileIdentifier": "{profile}"},
        "TagResource": {"resourceARN": "{profile}", "tags": [{"key": "team", "value": "walk"}]},
        "UntagResource": {"resourceARN": "{profile}", "tagKeys": ["team"]},
        "ListTagsForResource": {"resourceARN": "{profile}"},
        "PutModelInvocationLoggingConfiguration": {
            "loggingConfig": {
                "s3Config": {"bucketName": "walk-logs", "keyPrefix": "walk"},
                "textDataDeliveryEnabled": True,
                "imageDataDeliveryEnabled": False,
                "embeddingDataDeliveryEnabled": False,
                "videoDataDeliveryEnabled": False,
            }
        },
        "GetModelInvocationLoggingConfiguration": {},
        "DeleteModelInvocationLoggingConfiguration": {},
        "GetFoundationModel": {"modelIdentifier": "anthropic.claude-3-haiku-20240307-v1:0"},
        "CreateGuardrail": {
            "name": "walk-guardrail",
            "description": "made by the conformance walk",
            "blockedInputMessaging": "Blocked.",
            "blockedOutputsMessaging": "Blocked.",
            "contentPolicyConfig": {"filtersConfig": [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]},
            "topicPolicyConfig": {"topicsConfig": [{"name": "Investing", "definition": "Advice on investing.", "examples": ["Which stock?"], "type": "DENY"}]},
            "wordPolicyConfig": {"wordsConfig": [{"text": "zeus"}], "managedWordListsConfig": [{"type": "PROFANITY"}]},
            "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
            "contextualGroundingPolicyConfig": {"filtersConfig": [{"type": "GROUNDING", "threshold": 0.5}]},
            "tags": [{"key": "stack", "value": "walk"}],
        },
        "UpdateGuardrail": {
            "guardrailIdentifier": "{guardrail}",
            "name": "walk-updated",
            "blockedInputMessaging": "Blocked.",
            "blockedOutputsMessaging": "Blocked.",
            "wordPolicyConfig": {"wordsConfig": [{"text": "apollo"}]},
        },
        "CreateGuardrailVersion": {"guardrailIdentifier": "{guardrail}", "description": "a version"},
        "GetGuardrail": {"guardrailIdentifier": "{guardrail}", "guardrailVersion": "DRAFT"},
        "ListGuardrails": {"maxResults": 10},
        "DeleteGuardrail": {"guardrailIdentifier": "{guardrail}"},
        "GetFoundationModelAvailability": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"},
        "ListFoundationModelAgreementOffers": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "offerType": "PUBLIC"},
        "CreateFoundationModelAgreement": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "offerToken": "token"},
        "PutUseCaseForModelAccess": {"formData": json.dumps({"companyName": "Walk", "companyWebsite": "https://example.com", "intendedUsers": "0", "industryOption": "Technology", "otherIndustryOption": "", "useCases": "Tests"}).encode()},
        "GetUseCaseForModelAccess": {},
        "ListFoundationModels": {"byProvider": "Anthropic", "byOutputModality": "TEXT", "byInferenceType": "ON_DEMAND"},
    },
    "bedrock-runtime": {
        "Converse": {
            "modelId": "{profile}",
            "messages": MESSAGES,
            "system": [{"text": "Be brief."}],
            "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
            "additionalModelResponseFieldPaths": ["/stop_sequence"],
            "requestMetadata": {"team": "walk"},
        },
        "ConverseStream": {
            "modelId": "{profile}",
            "messages": MESSAGES,
            "inferenceConfig": {"maxTokens": 100},
        },
        "InvokeModel": {
            "modelId": "{profile}",
            "body": CLAUDE_BODY,
            "contentType": "application/json",
            "accept": "application/json",
            "trace": "DISABLED",
            "performanceConfigLatency": "standard",
        },
        "InvokeModelWithResponseStream": {
            "modelId": "{profile}",
            "body": CLAUDE_BODY,
            "contentType": "application/json",
            "accept": "application/json",
        },
    },
}


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
    def __init__(self, endpoint):
        config = Config(parameter_validation=False, retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30)
        kw = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test", config=config)
        self.clients = {"bedrock": boto3.client("bedrock", **kw), "bedrock-runtime": boto3.client("bedrock-runtime", **kw)}
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
            return 200, None, None
        except botocore.exceptions.ClientError as e:
            return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"].get("Message", "")
        finally:
            if patch is not None:
                client.meta.events.unregister(event, unique_id="walk-patch")

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
        if "{profile}" in text:
            text = text.replace("{profile}", self.profile())
        if "{guardrail}" in text:
            text = text.replace("{guardrail}", self.guardrail())
        return dict(json.loads(text), **blobs)

    def expect(self, service, operation, params, code, entry, label, patch=None):
        self.checks += 1
        status, got_code, message = self.call(service, operation, self.fill(params), patch)
        if code == "ValidationException":
            value_part, constraint = entry
            ok = status == 400 and got_code == code and message.split(": ", 1)[0].endswith("detected") and f"{value_part} {constraint}" in message
        else:
            ok = status == 400 and got_code == code
        if not ok:
            self.failures.append(f"{operation} {label}: expected 400 {code} {' '.join(entry) if entry else ''}; got {status} {got_code} {message}")

    def valid(self, service, operation, params):
        self.checks += 1
        status, code, message = self.call(service, operation, self.fill(params))
        if code == "SerializationException" or (code == "ValidationException" and " detected: " in (message or "")):
            self.failures.append(f"{operation} with a valid request: got {status} {code} {message}")

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
                self.expect(service, operation, broken, "ValidationException", _entry(_join(path, name), None, "Member must not be null"), f"without {_join(path, name)}")
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
                self.expect(service, operation, _set(base, keys, "NOT_IN_ENUM"), "ValidationException", _entry(path, "NOT_IN_ENUM", "Member must satisfy enum value set: [" + ", ".join(shape.enum) + "]", sensitive), label("enum"))
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
            if low and low > 1 or (low == 1 and located != "uri"):
                short = "a" * (low - 1)
                self.expect(service, operation, _set(base, keys, short), "ValidationException", _entry(path, short, f"Member must have length greater than or equal to {low}", sensitive), label("too short"))
            if high is not None and high < 3000 and located != "header":
                long = "a" * (high + 1)
                self.expect(service, operation, _set(base, keys, long), "ValidationException", _entry(path, long, f"Member must have length less than or equal to {high}", sensitive), label("too long"))
            if "pattern" in shape.metadata:
                bad = _failing_pattern_value(shape.metadata)
                if bad is not None and not (located == "uri" and "/" in bad):
                    self.expect(service, operation, _set(base, keys, bad), "ValidationException", _entry(path, bad, f"Member must satisfy regular expression pattern: {shape.metadata['pattern']}", sensitive), label("pattern"))
            if located is None:
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, 7), label=label("a number for a string"))
        elif kind in ("integer", "long", "float", "double"):
            if "min" in shape.metadata:
                low = shape.metadata["min"]
                under = low - 1 if kind in ("integer", "long") else low - 0.5
                self.expect(service, operation, _set(base, keys, under), "ValidationException", _entry(path, _number(under), f"Member must have value greater than or equal to {_number(low)}", sensitive), label("under range"))
            if "max" in shape.metadata:
                high = shape.metadata["max"]
                over = high + 1 if kind in ("integer", "long") else high + 0.5
                self.expect(service, operation, _set(base, keys, over), "ValidationException", _entry(path, _number(over), f"Member must have value less than or equal to {_number(high)}", sensitive), label("over range"))
            if located is None:
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, "many"), label=label("a string for a number"))
        elif kind == "boolean":
            if located is None:
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, "yes"), label=label("a string for a boolean"))
        elif kind == "list":
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
            if low:
                self.expect(service, operation, _set(base, keys, value[: low - 1]), "ValidationException", _entry(path, [], f"Member must have length greater than or equal to {low}", sensitive), label("too few"))
            if high is not None and high <= 1000 and value:
                self.expect(service, operation, _set(base, keys, [value[0]] * (high + 1)), "ValidationException", _entry(path, [], f"Member must have length less than or equal to {high}", sensitive), label("too many"))
            if located is None:
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, {"not": "a list"}), label=label("an object for a list"))
            if value:
                member = shape.member
                self.member(service, operation, base, member, keys + [0], f"{path}.1.member", sensitive or member.metadata.get("sensitive", False))
        elif kind == "map":
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
            if high is not None and high <= 1000 and value:
                key, item = next(iter(value.items()))
                many = {f"{key}{i}": item for i in range(high + 1)}
                self.expect(service, operation, _set(base, keys, many), "ValidationException", _entry(path, {}, f"Member must have length less than or equal to {high}", sensitive), label("too many"))
        elif kind == "structure":
            if shape.metadata.get("document"):
                return
            if shape.metadata.get("union"):
                self.expect(service, operation, _set(base, keys, {}), "ValidationException", (f"Value at '{path}'", "failed to satisfy constraint: Member must have exactly one of its members set"), label("union with no member"))
            if located is None:
                self.expect(service, operation, base, "SerializationException", None, patch=(keys, ["not", "an", "object"]), label=label("a list for a structure"))
            self.structure(service, operation, base, shape, keys, path, sensitive)


def _join(path, name):
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
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    walk = Walk(args.endpoint)
    for service, operations in OPERATIONS.items():
        for operation, base in operations.items():
            walk.walk(service, operation, base)
    for failure in walk.failures:
        # Values of thousands of characters are cut: the constraint says what they were.
        print(regex.sub(r"'([^']{60})[^']{20,}'", r"'\1...'", failure))
    print(f"{walk.checks} checks, {len(walk.failures)} failed")
    sys.exit(1 if walk.failures else 0)


if __name__ == "__main__":
    main()
