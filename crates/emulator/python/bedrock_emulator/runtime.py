"""A minimal bedrock-runtime: Converse, ConverseStream and InvokeModel on an application
profile ARN, a system-defined profile id or ARN, or a foundation model id or ARN. The answer
is canned; what matters is what Bedrock does around it: the model identifier is resolved as
Bedrock resolves it, and when model invocation logging is configured in the region a record
in Bedrock's format goes to the configured log group (stream aws/bedrock/modelinvocations),
with payloads over 100 KiB delivered to the large-data bucket instead, as Bedrock does.
"""

import gzip
import json
import re
import struct
import threading
import uuid
import zlib
from datetime import datetime, timezone
from urllib.parse import unquote

from moto.bedrock.models import bedrock_backends
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends

from . import catalog, iam_eval, logging_config
from .errors import AccessDeniedException, ResourceNotFoundException, ValidationException

ANSWER = "Hello from the embedded AWS emulator. This is a canned answer."
LARGE_DATA_BYTES = 100 * 1024
STREAM = "aws/bedrock/modelinvocations"
_lock = threading.Lock()


def _routes(self, model_id: str):
    """(requested resource ARN, foundation model ARNs, inference region) for a model
    identifier, as Bedrock resolves it. The model ARNs are a profile's `models` (what IAM
    authorizes along the route), or the one foundation model called directly."""
    region, account = self.region, self.current_account
    if model_id.startswith("arn:"):
        parts = model_id.split(":", 5)
        if len(parts) != 6:
            raise ValidationException("The provided model identifier is invalid.")
        _, _, _, arn_region, arn_account, resource = parts
        kind, _, rest = resource.partition("/")
        if arn_region and arn_region != region:
            raise ValidationException(f"The model {model_id} is in {arn_region}; this endpoint is in {region}.")
        if kind == "application-inference-profile":
            profiles = getattr(bedrock_backends[account][region], "_inference_profiles", {})
            profile = profiles.get(rest)
            if profile is None or arn_account != account:
                raise ResourceNotFoundException(f"The inference profile {model_id} was not found.")
            models = [m["modelArn"] for m in profile["models"]]
        elif kind == "inference-profile":
            system = catalog.system_profile(rest, region)
            if system is None:
                raise ResourceNotFoundException(f"The inference profile {rest} was not found in {region}.")
            models = catalog.profile_model_arns(system, region)
        elif kind == "foundation-model":
            if region not in catalog.foundation_model_regions(rest):
                raise ValidationException("The provided model identifier is invalid.")
            models = [model_id]
        else:
            raise ValidationException("The provided model identifier is invalid.")
        requested = model_id
    else:
        partition = catalog.partition_of(region)
        system = catalog.system_profile(model_id, region)
        requested = f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{model_id}"
        if system is not None:
            models = catalog.profile_model_arns(system, region)
        elif region in catalog.foundation_model_regions(model_id):
            if not any(m["id"] == model_id for m in catalog.FOUNDATION_ONLY) and model_id.startswith("anthropic.claude-") and "3-haiku" not in model_id and "3-5-sonnet-20240620" not in model_id:
                # Newer models serve on-demand traffic only through an inference profile.
                raise ValidationException(
                    f"Invocation of model ID {model_id} with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model."
                )
            models = [catalog.foundation_model_arn(region, model_id)]
            requested = models[0]
        else:
            raise ValidationException("The provided model identifier is invalid.")
    # Cross-region profiles route each request to one of their regions.
    regions = catalog.serving_regions(models)
    return requested, models, regions[int(uuid.uuid4().int % len(regions))]


def _caller(self):
    """The role session the request is signed by, or None for any other credentials (the
    emulator's own, which act as the account's administrator)."""
    match = re.search(r"Credential=([^/,\s]+)/", self.headers.get("Authorization") or "")
    if not match:
        return None
    sts = sts_backends[self.current_account][catalog.partition_of(self.region)]
    return sts.get_assumed_role_from_access_key(match.group(1))


def _authorize(self, action: str, requested: str, models: list):
    """IAM's decision for a caller in an assumed role, as AWS documents it for inference
    profiles: the requested resource (profile or foundation model) must be allowed, and for a
    profile every foundation model ARN of its `models` too, evaluated with
    bedrock:InferenceProfileArn set to the profile's ARN (and aws:RequestedRegion
    "unspecified" for the Region-less global ARN). The role's inline and attached policies
    are evaluated, conditions included (iam_eval)."""
    session = _caller(self)
    if session is None:
        return
    iam = iam_backends[self.current_account][catalog.partition_of(self.region)]
    role = next((r for r in iam.roles.values() if r.arn == session.role_arn), None)
    documents = logging_config.role_documents(role) if role is not None else []
    checks = [(requested, {"aws:requestedregion": self.region})]
    if requested != models[0] or len(models) > 1:
        for arn in models:
            checks.append((arn, {
                "aws:requestedregion": arn.split(":")[3] or "unspecified",
                "bedrock:inferenceprofilearn": requested,
            }))
    for resource, context in checks:
        if not iam_eval.allows(documents, action, resource, context):
            raise AccessDeniedException(
                f"User: {session.arn} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action"
            )


def _tokens(value) -> int:
    text = json.dumps(value)
    return max(1, len(text.split()) // 2)


def _identity(self) -> str:
    """The caller's ARN as the record names it: its role session, or the emulator's own."""
    session = _caller(self)
    if session is not None:
        return session.arn
    return f"arn:aws:sts::{self.current_account}:assumed-role/LibreChat/emulator"


def _record(self, operation, model_id, inference_region, request_body, response_body, input_tokens, output_tokens, request_id):
    """Write Bedrock's invocation log record, if logging is configured here."""
    backend = bedrock_backends[self.current_account][self.region]
    holder = backend.model_invocation_logging_configuration
    config = holder.logging_config if holder else None
    if not config:
        return
    now = datetime.now(timezone.utc)
    text = config.get("textDataDeliveryEnabled", False)
    record = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": self.current_account,
        "identity": {"arn": _identity(self)},
        "region": self.region,
        "requestId": request_id,
        "operation": operation,
        "modelId": model_id,
        "input": {"inputContentType": "application/json", "inputTokenCount": input_tokens},
        "output": {"outputContentType": "application/json", "outputTokenCount": output_tokens},
        "inferenceRegion": inference_region,
    }
    cloudwatch = config.get("cloudWatchConfig") or {}
    if cloudwatch and not logging_config.can_deliver_cloudwatch(self, cloudwatch):
        return
    large = cloudwatch.get("largeDataDeliveryS3Config") or {}
    if text:
        for side, body in (("input", request_body), ("output", response_body)):
            data = json.dumps(body)
            if len(data) > LARGE_DATA_BYTES and large.get("bucketName"):
                prefix = (large.get("keyPrefix") or "").strip("/")
                key = "/".join(p for p in [prefix, "AWSLogs", self.current_account, "BedrockModelInvocationLogs", self.region, now.strftime("%Y/%m/%d/%H"), "data", f"{request_id}_{side}.json.gz"] if p)
                bucket = s3_backends[self.current_account]["aws"].get_bucket(large["bucketName"])
                s3_backends[self.current_account]["aws"].put_object(bucket.name, key, gzip.compress(data.encode()))
                record[side][f"{side}BodyS3Path"] = f"s3://{bucket.name}/{key}"
            else:
                record[side][f"{side}BodyJson"] = body
    group_name = cloudwatch.get("logGroupName")
    if not group_name:
        return
    logs = logs_backends[self.current_account][self.region]
    with _lock:
        group = logs.groups.get(group_name)
        if group is None:
            return
        if STREAM not in group.streams:
            group.create_log_stream(STREAM)
        group.put_log_events(STREAM, [{"timestamp": int(now.timestamp() * 1000), "message": json.dumps(record)}])


def _model_id(self) -> str:
    raw = self.uri_match.get("modelId") if self.uri_match else None
    if not raw:
        raw = self.path.split("/model/", 1)[1].rsplit("/", 1)[0]
    return unquote(raw)


def _converse_result(self, operation):
    model_id = _model_id(self)
    request = json.loads(self.body or "{}")
    if not request.get("messages"):
        raise ValidationException("1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null")
    requested, models, inference_region = _routes(self, model_id)
    action = "bedrock:InvokeModelWithResponseStream" if operation == "ConverseStream" else "bedrock:InvokeModel"
    _authorize(self, action, requested, models)
    request_id = str(uuid.uuid4())
    answer = {"role": "assistant", "content": [{"text": ANSWER}]}
    input_tokens, output_tokens = _tokens(request["messages"]), _tokens(ANSWER)
    usage = {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens}
    response = {"output": {"message": answer}, "stopReason": "end_turn", "usage": usage, "metrics": {"latencyMs": 42}}
    _record(self, operation, model_id, inference_region, request, response, input_tokens, output_tokens, request_id)
    return response, request_id


def converse(self):
    response, request_id = _converse_result(self, "Converse")
    return json.dumps(response), {"Content-Type": "application/json", "x-amzn-RequestId": request_id}


def _header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return struct.pack("B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v


def event_message(event_type: str, payload: dict) -> bytes:
    """One message of AWS's event stream encoding: prelude, prelude CRC, headers, payload, CRC."""
    headers = _header(":event-type", event_type) + _header(":content-type", "application/json") + _header(":message-type", "event")
    body = json.dumps(payload).encode()
    prelude = struct.pack(">II", 12 + len(headers) + len(body) + 4, len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF) + headers + body
    return message + struct.pack(">I", zlib.crc32(message) & 0xFFFFFFFF)


def converse_stream(self):
    response, request_id = _converse_result(self, "ConverseStream")
    words = ANSWER.split(" ")
    events = [event_message("messageStart", {"role": "assistant"})]
    for i, word in enumerate(words):
        events.append(event_message("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": word + (" " if i < len(words) - 1 else "")}}))
    events.append(event_message("contentBlockStop", {"contentBlockIndex": 0}))
    events.append(event_message("messageStop", {"stopReason": "end_turn"}))
    events.append(event_message("metadata", {"usage": response["usage"], "metrics": response["metrics"]}))
    return b"".join(events), {"Content-Type": "application/vnd.amazon.eventstream", "x-amzn-RequestId": request_id}


def invoke_model(self):
    model_id = _model_id(self)
    try:
        request = json.loads(self.body or "{}")
    except ValueError:
        raise ValidationException("The request body is not valid JSON.")
    requested, models, inference_region = _routes(self, model_id)
    _authorize(self, "bedrock:InvokeModel", requested, models)
    request_id = str(uuid.uuid4())
    input_tokens, output_tokens = _tokens(request), _tokens(ANSWER)
    # The body speaks the routed model's native format (an ARN names no provider).
    if "foundation-model/anthropic." in models[0]:
        response = {
            "id": f"msg_{request_id.replace('-', '')[:24]}",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": ANSWER}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
    else:
        response = {"output": {"message": {"role": "assistant", "content": [{"text": ANSWER}]}}, "stopReason": "end_turn", "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens}}
    _record(self, "InvokeModel", model_id, inference_region, request, response, input_tokens, output_tokens, request_id)
    return json.dumps(response), {"Content-Type": "application/json", "x-amzn-RequestId": request_id}


def install():
    BedrockRuntimeResponse.converse = converse
    BedrockRuntimeResponse.converse_stream = converse_stream
    BedrockRuntimeResponse.invoke_model = invoke_model


