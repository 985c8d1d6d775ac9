"""Bedrock Runtime: Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream
on an application profile ARN, a system-defined profile id or ARN, or a foundation model id
or ARN, and ApplyGuardrail (a guardrail on its own, guardrails.apply_to_content). The answer
is canned; what matters is what Bedrock does around it:

- the request has passed the service model's validation (validation.py); what AWS checks
  beyond the model is checked here: the Converse conversation rules, and an Anthropic body's
  own schema (anthropic_version, max_tokens, messages), in AWS's words;
- the model identifier is resolved as Bedrock resolves it, and a caller in an assumed role is
  authorized by the role's policies (iam_eval);
- prompt caching: a cachePoint (Converse) or cache_control (Anthropic body) writes the prefix
  before it to a cache for five minutes, and the same prefix again reads it; the usage and
  the invocation record carry the cache token counts;
- when model invocation logging is configured in the region, a record in Bedrock's format
  goes to the configured log group (stream aws/bedrock/modelinvocations), with payloads over
  100 KiB delivered to the large-data bucket instead; a call that fails once its model is
  known gets a record with its errorCode, as Bedrock writes one;
- every answer carries one x-amzn-RequestId, the requestId of its record.
"""

import base64
import gzip
import hashlib
import json
import re
import struct
import threading
import time
import uuid
import zlib
from datetime import datetime, timezone
from urllib.parse import unquote

from moto.bedrock.models import bedrock_backends
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends

from . import access, api_keys, catalog, guardrails, iam_eval, logging_config
from .errors import AccessDeniedException, BedrockError, ResourceNotFoundException, ValidationException
from .invocation_log import _publish, _record

ANSWER = "Hello from the embedded AWS emulator. This is a canned answer."
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
            if not catalog.on_demand(model_id, region):
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


def _principal(self):
    """(ARN, policy documents, whether by API key) of the caller: an assumed role's session,
    or an API key's user; None for the emulator's own credentials (the administrator's)."""
    user = api_keys.user_of(self)
    if user is not None:
        return user.arn, logging_config.role_documents(user), True
    session = _caller(self)
    if session is None:
        return None
    iam = iam_backends[self.current_account][catalog.partition_of(self.region)]
    role = next((r for r in iam.roles.values() if r.arn == session.role_arn), None)
    return session.arn, (logging_config.role_documents(role) if role is not None else []), False


def guardrail_condition(self, identifier, version) -> str | None:
    """The value of the bedrock:GuardrailIdentifier condition key for a request that names a
    guardrail, as AWS documents it (Bedrock user guide, "Enforce the use of specific
    guardrails in model inference requests"): the guardrail's ARN, followed by ":" and the
    version for a numeric version, and alone for DRAFT. An id is the ARN in the caller's
    account and region. None when the request names no guardrail (the key is then absent,
    which fails StringEquals and satisfies StringNotEquals, as in IAM)."""
    if not identifier:
        return None
    identifier = str(identifier)
    arn = identifier if identifier.startswith("arn:") else (
        f"arn:{catalog.partition_of(self.region)}:bedrock:{self.region}:{self.current_account}:guardrail/{identifier}"
    )
    version = str(version or "")
    return arn if version in ("", "DRAFT") else f"{arn}:{version}"


def _request_guardrail(self, operation: str, request) -> str | None:
    """The guardrail a runtime request names: Converse's guardrailConfig, or InvokeModel's
    X-Amzn-Bedrock-GuardrailIdentifier and -GuardrailVersion headers."""
    if operation.startswith("Converse"):
        config = request.get("guardrailConfig") if isinstance(request, dict) else None
        if not isinstance(config, dict):
            return None
        return guardrail_condition(self, config.get("guardrailIdentifier"), config.get("guardrailVersion"))
    return guardrail_condition(
        self,
        self.headers.get("X-Amzn-Bedrock-GuardrailIdentifier"),
        self.headers.get("X-Amzn-Bedrock-GuardrailVersion"),
    )


def _authorize(self, action: str, requested: str, models: list, guardrail: str | None = None):
    """IAM's decision for a caller in an assumed role, as AWS documents it for inference
    profiles: the requested resource (profile or foundation model) must be allowed, and for a
    profile every foundation model ARN of its `models` too, evaluated with
    bedrock:InferenceProfileArn set to the profile's ARN (and aws:RequestedRegion
    "unspecified" for the Region-less global ARN). The role's inline and attached policies
    are evaluated, conditions included (iam_eval). A request that names a guardrail sets
    bedrock:GuardrailIdentifier (guardrail_condition) in every check's context."""
    principal = _principal(self)
    if principal is None:
        return
    caller, documents, by_key = principal
    if by_key:
        # A call made with an API key is bedrock:CallWithBearerToken too, with
        # bedrock:bearerTokenType (Bedrock user guide, "Control permissions for generating
        # and using Amazon Bedrock API keys").
        context = {"aws:requestedregion": self.region, "bedrock:bearertokentype": "LONG_TERM"}
        decision = iam_eval.decide(documents, "bedrock:CallWithBearerToken", "*", context)
        if decision != "Allow":
            why = "with an explicit deny in an identity-based policy" if decision == "Deny" else "because no identity-based policy allows the bedrock:CallWithBearerToken action"
            raise AccessDeniedException(f"User: {caller} is not authorized to perform: bedrock:CallWithBearerToken on resource: * {why}")
    checks = [(requested, {"aws:requestedregion": self.region})]
    if requested != models[0] or len(models) > 1:
        for arn in models:
            checks.append((arn, {
                "aws:requestedregion": arn.split(":")[3] or "unspecified",
                "bedrock:inferenceprofilearn": requested,
            }))
    for resource, context in checks:
        if guardrail is not None:
            context["bedrock:guardrailidentifier"] = guardrail
        decision = iam_eval.decide(documents, action, resource, context)
        if decision == "Deny":
            # IAM's words for an explicit deny (IAM user guide, "Troubleshoot access denied
            # error messages").
            raise AccessDeniedException(
                f"User: {caller} is not authorized to perform: {action} on resource: {resource} with an explicit deny in an identity-based policy"
            )
        if decision != "Allow":
            raise AccessDeniedException(
                f"User: {caller} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action"
            )


CACHE_SECONDS = 300
_cache: dict = {}  # (account, region, model, prefix digest) -> expiry


def reset_cache() -> None:
    """Forget every cached prompt prefix (a reset starts from nothing cached)."""
    with _lock:
        _cache.clear()


def _tokens(value) -> int:
    text = json.dumps(value)
    return max(1, len(text.split()) // 2)


def _identity(self) -> str:
    """The caller's ARN as STS names it: the role session of assumed-role credentials, the
    IAM user of a user's access key or Bedrock API key, or moto's default identity for any
    other key."""
    token = api_keys.token_of(self)
    if token is not None:
        try:
            return api_keys.bearer(token, catalog.partition_of(self.region))[0].arn
        except api_keys.BearerRefused:
            return ""
    match = re.search(r"Credential=([^/,\s]+)/", self.headers.get("Authorization") or "")
    sts = sts_backends[self.current_account][catalog.partition_of(self.region)]
    return sts.get_caller_identity(match.group(1) if match else "", self.region)[1]


def _cache_tokens(self, model: str, prefixes: list) -> tuple:
    """(read, write) cache token counts for a request whose cache points close `prefixes`
    (the content before each point, longest last): the longest prefix cached within five
    minutes is read, and what lies beyond it up to the last point is written."""
    if not prefixes:
        return 0, 0
    now = time.monotonic()
    read = write = 0
    with _lock:
        for key in [k for k, expiry in _cache.items() if expiry < now]:
            del _cache[key]
        cached = 0
        for prefix in prefixes:
            key = (self.current_account, self.region, model, hashlib.sha256(json.dumps(prefix, sort_keys=True).encode()).hexdigest())
            if key in _cache:
                cached = _tokens(prefix)
            _cache[key] = now + CACHE_SECONDS
        read = cached
        write = max(0, _tokens(prefixes[-1]) - cached)
    return read, write


def _converse_prefixes(request: dict) -> list:
    """The request's content up to each cachePoint, in order (system, then messages)."""
    prefixes, seen = [], []
    for block in request.get("system") or []:
        if "cachePoint" in block:
            prefixes.append(list(seen))
        else:
            seen.append(block)
    for message in request.get("messages") or []:
        for block in message.get("content") or []:
            if "cachePoint" in block:
                prefixes.append(list(seen))
            else:
                seen.append(block)
    return [p for p in prefixes if p]


def _claude_prefixes(body: dict) -> list:
    """An Anthropic body's content up to and including each block with cache_control."""
    prefixes, seen = [], []
    system = body.get("system")
    blocks = system if isinstance(system, list) else []
    for block in blocks:
        seen.append(block)
        if isinstance(block, dict) and block.get("cache_control"):
            prefixes.append(list(seen))
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            seen.append(block)
            if isinstance(block, dict) and block.get("cache_control"):
                prefixes.append(list(seen))
    return prefixes


def check_conversation(request: dict):
    """The Converse rules AWS enforces beyond the service model, in its words (0-based
    positions, as AWS gives them)."""
    messages = request.get("messages") or []
    if not messages or messages[0].get("role") != "user":
        raise ValidationException("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
    for i, message in enumerate(messages):
        if i and message.get("role") == messages[i - 1].get("role"):
            raise ValidationException(
                "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again."
            )
        if not message.get("content"):
            raise ValidationException(
                f"The content field in the Message object at messages.{i} is empty. Add a ContentBlock object to the content field and try again."
            )
        for j, block in enumerate(message["content"]):
            if "text" in block and not str(block["text"]).strip():
                raise ValidationException(
                    f"The text field in the ContentBlock object at messages.{i}.content.{j} is blank. Add text to the text field, and try again."
                )
    for j, block in enumerate(request.get("system") or []):
        if "text" in block and not str(block["text"]).strip():
            raise ValidationException(
                f"The text field in the SystemContentBlock object at system.{j} is blank. Add text to the text field, and try again."
            )


ANTHROPIC_VERSION = "bedrock-2023-05-31"


def check_claude_body(body):
    """The Anthropic Messages body as Bedrock checks it: a JSON schema whose violations come
    back as "Malformed input request: #: ...#: ..., please reformat your input and try
    again.", and the API version."""
    if not isinstance(body, dict):
        raise ValidationException("Malformed input request: #: expected type: JSONObject, found: " + type(body).__name__ + ", please reformat your input and try again.")
    problems = []
    if "messages" not in body and "prompt" not in body:
        problems.append('#: subject must not be valid against schema {"required":["messages"]}')
    if "max_tokens" not in body and "max_tokens_to_sample" not in body:
        problems.append("#: required key [max_tokens] not found")
    if "anthropic_version" not in body:
        problems.append("#: required key [anthropic_version] not found")
    if problems:
        raise ValidationException("Malformed input request: " + "".join(problems) + ", please reformat your input and try again.")
    if body["anthropic_version"] != ANTHROPIC_VERSION:
        raise ValidationException(f"Invalid API version: {body['anthropic_version']}")
    if isinstance(body.get("messages"), list) and not body["messages"]:
        raise ValidationException("Malformed input request: #/messages: expected minimum item count: 1, found: 0, please reformat your input and try again.")


def _model_id(self) -> str:
    raw = self.uri_match.get("modelId") if self.uri_match else None
    if not raw:
        raw = self.path.split("/model/", 1)[1].rsplit("/", 1)[0]
    return unquote(raw)


def _serve(self, operation: str, action: str, run):
    """One runtime call: its request id, its route and authorization, then `run(call)` for
    (body, headers, response for the record, input, output and cache tokens). A failure once
    the model is known is recorded with its errorCode, and answered with the same id."""
    call = {"operation": operation, "request_id": str(uuid.uuid4()), "model_id": _model_id(self)}
    # A Bedrock API key names its account (its alias): the call is that account's.
    token = api_keys.token_of(self)
    if token is not None and api_keys.account_of(token):
        self.current_account = api_keys.account_of(token)
    try:
        call["request"] = json.loads(self.body or b"{}")
    except ValueError:
        call["request"] = None
    try:
        if call["request"] is None:
            raise ValidationException("Malformed input request: #: expected type: JSONObject, please reformat your input and try again.")
        requested, models, call["inference_region"] = _routes(self, call["model_id"])
        call["models"] = models
        _authorize(self, action, requested, models, _request_guardrail(self, operation, call["request"]))
        access.check_invocation(self, _caller(self), models)
        body, headers, logged, tokens_in, tokens_out, cache = run(call)
    except BedrockError as error:
        if call["request"] is not None:
            _record(self, call, error=error.error_type)
        kind = "InvocationThrottles" if error.error_type == "ThrottlingException" else (
            "InvocationServerErrors" if getattr(error, "code", 400) >= 500 else "InvocationClientErrors")
        _publish(self, {"Invocations": 1, kind: 1}, call["model_id"])
        error.request_id = call["request_id"]
        raise
    _record(self, call, logged, tokens_in, tokens_out, cache)
    metrics = {"Invocations": 1, "InvocationLatency": 42, "InputTokenCount": tokens_in, "OutputTokenCount": tokens_out}
    if cache[0]:
        metrics["CacheReadInputTokens"] = cache[0]
    if cache[1]:
        metrics["CacheWriteInputTokens"] = cache[1]
    _publish(self, metrics, call["model_id"])
    headers["x-amzn-RequestId"] = call["request_id"]
    return body, headers


def _text_of(blocks) -> list:
    """The text of Converse content blocks, or of an Anthropic message's content."""
    if isinstance(blocks, str):
        return [blocks]
    out = []
    for b in blocks or []:
        if isinstance(b, dict):
            if isinstance(b.get("text"), str):
                out.append(b["text"])
            elif isinstance(b.get("guardContent"), dict):
                out.extend(_text_of([b["guardContent"]]))
    return out


def _prompt_texts(request: dict) -> list:
    texts = _text_of(request.get("system")) if isinstance(request.get("system"), (list, str)) else []
    for message in request.get("messages") or []:
        if isinstance(message, dict):
            texts.extend(_text_of(message.get("content")))
    return texts


def _authorize_guardrail(self, g: dict):
    """A role session needs bedrock:ApplyGuardrail on the guardrail's ARN, as AWS requires
    for a guardrail applied on its own or by an inference call."""
    principal = _principal(self)
    if principal is None:
        return
    caller, documents, _ = principal
    if not iam_eval.allows(documents, "bedrock:ApplyGuardrail", g["arn"], {"aws:requestedregion": self.region}):
        raise AccessDeniedException(
            f"User: {caller} is not authorized to perform: bedrock:ApplyGuardrail on resource: {g['arn']} because no identity-based policy allows the bedrock:ApplyGuardrail action"
        )


def _apply_guardrail(self, config: dict, prompt: list):
    """A guardrail the request names: (answer text, intervened, trace) for the canned answer,
    the guardrail's blocked message when it intervenes on the prompt or the answer. A role
    session needs bedrock:ApplyGuardrail on the guardrail, as AWS requires."""
    g, snapshot = guardrails.resolve(self, config.get("guardrailIdentifier"), str(config.get("guardrailVersion") or ""))
    _authorize_guardrail(self, g)
    blocked, input_assessment = guardrails.assess(snapshot, prompt, "INPUT")
    trace = {"inputAssessment": {g["id"]: input_assessment}}
    if blocked:
        return snapshot["blockedInputMessaging"], True, trace
    blocked, output_assessment = guardrails.assess(snapshot, [ANSWER], "OUTPUT")
    trace["outputAssessments"] = {g["id"]: [output_assessment]}
    if blocked:
        return snapshot["blockedOutputsMessaging"], True, trace
    return ANSWER, False, trace


def _converse(self, call):
    request = call["request"]
    check_conversation(request)
    answer, intervened, trace = ANSWER, False, None
    if request.get("guardrailConfig"):
        answer, intervened, trace = _apply_guardrail(self, request["guardrailConfig"], _prompt_texts(request))
    cache_read, cache_write = _cache_tokens(self, call["models"][0], _converse_prefixes(request))
    input_tokens = max(1, _tokens(request.get("messages")) + _tokens(request.get("system") or []) - cache_read - cache_write)
    output_tokens = 0 if intervened else _tokens(answer)
    usage = {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens + cache_read + cache_write}
    if cache_read or cache_write:
        usage["cacheReadInputTokens"] = cache_read
        usage["cacheWriteInputTokens"] = cache_write
    stop = "guardrail_intervened" if intervened else "end_turn"
    response = {"output": {"message": {"role": "assistant", "content": [{"text": answer}]}}, "stopReason": stop, "usage": usage, "metrics": {"latencyMs": 42}}
    if trace is not None and (request.get("guardrailConfig") or {}).get("trace") in ("enabled", "enabled_full"):
        response["trace"] = {"guardrail": trace}
    return response, input_tokens, output_tokens, (cache_read, cache_write)


def converse(self):
    def run(call):
        response, tokens_in, tokens_out, cache = _converse(self, call)
        return json.dumps(response), {"Content-Type": "application/json"}, response, tokens_in, tokens_out, cache

    return _serve(self, "Converse", "bedrock:InvokeModel", run)


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


def _words(text: str = ANSWER):
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def converse_stream(self):
    def run(call):
        response, tokens_in, tokens_out, cache = _converse(self, call)
        events = [event_message("messageStart", {"role": "assistant"})]
        for word in _words(response["output"]["message"]["content"][0]["text"]):
            events.append(event_message("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": word}}))
        events.append(event_message("contentBlockStop", {"contentBlockIndex": 0}))
        events.append(event_message("messageStop", {"stopReason": response["stopReason"]}))
        metadata = {"usage": response["usage"], "metrics": response["metrics"]}
        if "trace" in response:
            metadata["trace"] = response["trace"]
        events.append(event_message("metadata", metadata))
        return b"".join(events), {"Content-Type": "application/vnd.amazon.eventstream"}, response, tokens_in, tokens_out, cache

    return _serve(self, "ConverseStream", "bedrock:InvokeModelWithResponseStream", run)


GUARDRAIL_CONFIG = "amazon-bedrock-guardrailConfig"


def _check_guardrail_request(self, body, identifier):
    """The refusals the InvokeModel and InvokeModelWithResponseStream reference documents for
    the guardrail headers (X-Amzn-Bedrock-GuardrailIdentifier: "An error will be thrown ...
    You don't provide a guardrail identifier but you specify the amazon-bedrock-guardrailConfig
    field in the request body. You enable the guardrail but the contentType isn't
    application/json. You provide a guardrail identifier, but guardrailVersion isn't
    specified."), each a ValidationException (HTTP 400), in AWS's words:

    - without the header, no guardrail takes `amazon-bedrock-guardrailConfig` out of the
      body, so the model's own schema meets a key it does not know, and Bedrock answers as
      for any such key: "Malformed input request: #: extraneous key [amazon-bedrock-
      guardrailConfig] is not permitted, please reformat your input and try again." (the
      answer Bedrock gives for any key a model's schema does not know, as users quote it,
      e.g. "#: extraneous key [top_k] is not permitted" for a Cohere body);
    - with the header, a body that is not declared application/json, or no version, is input
      the guardrail cannot take: "Guardrail was enabled but input is in incorrect format.",
      Bedrock's answer to a guardrail call whose input it cannot use, as reported in
      aws/aws-sdk-js-v3#6482 (Converse) and anthropics/claude-agent-sdk-python#999
      (InvokeModel with the guardrail headers); boto/boto3#4292 reports an invoke_model
      with guardrailIdentifier and no guardrailVersion failing until the version is given.
      No public report quotes the words for a non-JSON content type; these are assumed."""
    if not identifier:
        if isinstance(body, dict) and GUARDRAIL_CONFIG in body:
            raise ValidationException(f"Malformed input request: #: extraneous key [{GUARDRAIL_CONFIG}] is not permitted, please reformat your input and try again.")
        return
    content_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type != "application/json" or not self.headers.get("X-Amzn-Bedrock-GuardrailVersion"):
        raise ValidationException("Guardrail was enabled but input is in incorrect format.")


def _native(self, call):
    """(response, input tokens, output tokens, cache) in the routed model's own format: an
    ARN names no provider, the route does."""
    body = call["request"]
    anthropic = "foundation-model/anthropic." in call["models"][0]
    if anthropic:
        check_claude_body(body)
        cache_read, cache_write = _cache_tokens(self, call["models"][0], _claude_prefixes(body))
    else:
        cache_read = cache_write = 0
    answer, intervened, action = ANSWER, False, None
    identifier = self.headers.get("X-Amzn-Bedrock-GuardrailIdentifier")
    _check_guardrail_request(self, body, identifier)
    if identifier:
        config = {"guardrailIdentifier": identifier, "guardrailVersion": self.headers.get("X-Amzn-Bedrock-GuardrailVersion")}
        answer, intervened, _ = _apply_guardrail(self, config, _prompt_texts(body) if isinstance(body, dict) else [])
        action = "INTERVENED" if intervened else "NONE"
    input_tokens = max(1, _tokens(body) - cache_read - cache_write)
    output_tokens = 0 if intervened else _tokens(answer)
    if anthropic:
        response = {
            "id": f"msg_bdrk_{call['request_id'].replace('-', '')[:24]}",
            "type": "message",
            "role": "assistant",
            "model": call["models"][0].rsplit("/", 1)[1],
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens, "cache_creation_input_tokens": cache_write, "cache_read_input_tokens": cache_read},
        }
    else:
        response = {"output": {"message": {"role": "assistant", "content": [{"text": answer}]}}, "stopReason": "guardrail_intervened" if intervened else "end_turn", "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens}}
    if action is not None:
        # As Bedrock marks a body a guardrail assessed.
        response["amazon-bedrock-guardrailAction"] = action
    return response, input_tokens, output_tokens, (cache_read, cache_write), anthropic


def invoke_model(self):
    def run(call):
        response, tokens_in, tokens_out, cache, _ = _native(self, call)
        return json.dumps(response), {"Content-Type": "application/json"}, response, tokens_in, tokens_out, cache

    return _serve(self, "InvokeModel", "bedrock:InvokeModel", run)


def _chunk(payload: dict) -> bytes:
    """A `chunk` event: the model's JSON, base64-encoded in `bytes`, with `p` padding whose
    length varies, as Bedrock pads chunks so that their sizes tell nothing."""
    data = base64.b64encode(json.dumps(payload).encode()).decode()
    padding = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[: 1 + uuid.uuid4().int % 40]
    return event_message("chunk", {"bytes": data, "p": padding})


def invoke_model_with_response_stream(self):
    def run(call):
        response, tokens_in, tokens_out, cache, anthropic = _native(self, call)
        metrics = {"inputTokenCount": tokens_in, "outputTokenCount": tokens_out, "invocationLatency": 42, "firstByteLatency": 21}
        if cache[0] or cache[1]:
            metrics["cacheReadInputTokenCount"] = cache[0]
            metrics["cacheWriteInputTokenCount"] = cache[1]
        if anthropic:
            action = response.pop("amazon-bedrock-guardrailAction", None)
            if action is not None:
                metrics = dict(metrics)
            start = dict(response, content=[], stop_reason=None, usage={"input_tokens": tokens_in, "output_tokens": 1, "cache_creation_input_tokens": cache[1], "cache_read_input_tokens": cache[0]})
            chunks = [{"type": "message_start", "message": start}, {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}]
            text = response["content"][0]["text"]
            chunks += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}} for w in _words(text)]
            chunks += [
                {"type": "content_block_stop", "index": 0},
                {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": tokens_out}},
                {"type": "message_stop", "amazon-bedrock-invocationMetrics": metrics},
            ]
            if action is not None:
                chunks[-1]["amazon-bedrock-guardrailAction"] = action
        else:
            chunks = [{"messageStart": {"role": "assistant"}}]
            text = response["output"]["message"]["content"][0]["text"]
            chunks += [{"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": w}}} for w in _words(text)]
            chunks += [
                {"contentBlockStop": {"contentBlockIndex": 0}},
                {"messageStop": {"stopReason": "end_turn"}},
                {"metadata": {"usage": response["usage"]}, "amazon-bedrock-invocationMetrics": metrics},
            ]
        stream = b"".join(_chunk(c) for c in chunks)
        headers = {"Content-Type": "application/vnd.amazon.eventstream", "X-Amzn-Bedrock-Content-Type": "application/json"}
        # The record's output is the decoded chunks, in order.
        return stream, headers, chunks, tokens_in, tokens_out, cache

    return _serve(self, "InvokeModelWithResponseStream", "bedrock:InvokeModelWithResponseStream", run)


_APPLY_PATH = re.compile(r"^/guardrail/(?P<identifier>.+)/version/(?P<version>[^/]+)/apply$")


def apply_guardrail(self):
    """ApplyGuardrail (POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply):
    the request's content assessed by a guardrail version (DRAFT or a published number)
    without a model, answered as guardrails.apply_to_content shapes it. A guardrail or
    version that does not exist in this account and region is a ResourceNotFoundException
    (HTTP 404, among the operation's errors in the service model); a role session needs
    bedrock:ApplyGuardrail on the guardrail's ARN. The request has passed validation.py (the
    service model's patterns, enums and required members)."""
    match = _APPLY_PATH.match(self.path.split("?", 1)[0])
    identifier = unquote(match.group("identifier")) if match else ""
    version = unquote(match.group("version")) if match else ""
    try:
        request = json.loads(self.body or b"{}")
    except ValueError:
        raise ValidationException("The request body is not valid JSON.")
    g = guardrails.find(self, identifier)
    if g is None or (version != "DRAFT" and version not in g["versions"]):
        raise ResourceNotFoundException("The guardrail identifier or version provided in the request does not exist.")
    snapshot = g["draft"] if version == "DRAFT" else g["versions"][version]
    _authorize_guardrail(self, g)
    return json.dumps(guardrails.apply_to_content(g, version, snapshot, request)), {"Content-Type": "application/json"}


def _enrich_response(original):
    """moto adds a request id of its own to every answer; a runtime answer already has one,
    the one its invocation record carries."""

    def enrich(headers, body):
        if any(k.lower() == "x-amzn-requestid" for k in headers):
            return headers, body
        return original(headers, body)

    return staticmethod(enrich)


def install():
    BedrockRuntimeResponse.converse = converse
    BedrockRuntimeResponse.converse_stream = converse_stream
    BedrockRuntimeResponse.invoke_model = invoke_model
    BedrockRuntimeResponse.invoke_model_with_response_stream = invoke_model_with_response_stream
    BedrockRuntimeResponse.apply_guardrail = apply_guardrail
    BedrockRuntimeResponse._enrich_response = _enrich_response(BedrockRuntimeResponse._enrich_response)
