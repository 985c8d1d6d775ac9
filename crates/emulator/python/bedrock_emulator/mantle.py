"""bedrock-mantle, Bedrock's OpenAI-compatible endpoint, as far as LibreChat calls it: its
`packages/api/src/endpoints/bedrock/mantle.ts` sends every `openai.*` model but gpt-oss to
`https://bedrock-mantle.<region>.api.aws/openai/v1` with OpenAI's Responses API (`POST
/responses`, streamed), and a Bedrock API key as the bearer token: the long-term key of
BEDROCK_AWS_BEARER_TOKEN, or a short-term one it makes from its AWS credentials with
@aws/bedrock-token-generator (`bedrock-api-key-` and the base64 of a SigV4-presigned URL of
`Action=CallWithBearerToken`). AWS publishes no service model for it; the request and the
answer are OpenAI's Responses API, which AWS says bedrock-mantle provides.

- `POST /openai/v1/responses` (and `/v1/responses`): `model` and `input` (a string or a list
  of messages), `stream` true or false. The answer is the emulator's canned text, as a
  Response object (`output` with one `message` of `output_text`, `usage`), or, streamed,
  as OpenAI's server-sent events (`response.created`, `response.output_item.added`,
  `response.content_part.added`, `response.output_text.delta` per word,
  `response.output_text.done`, `response.content_part.done`, `response.output_item.done`,
  `response.completed`).
- `GET /openai/v1/models` (and `/v1/models`): the models below.
- Authorization, in the Service Authorization Reference's terms ("Amazon Bedrock Powered
  by AWS Mantle"): the key's identity (a long-term key's IAM user, or the role session or
  user whose credentials signed a short-term key) needs `bedrock-mantle:CallWithBearerToken`
  (with `bedrock-mantle:BearerTokenType` LONG_TERM or SHORT_TERM) and
  `bedrock-mantle:CreateInference` on `arn:aws:bedrock-mantle:<region>:<account>:project/default`
  with `bedrock-mantle:Model`; the emulator's own credentials may do anything. Refusals are
  OpenAI-style errors (401 for a key that is not one, 403 for a missing permission, 404 for
  an unknown model): AWS does not document bedrock-mantle's error bodies.
- MODELS: the OpenAI models LibreChat's own tests send there (`openai.gpt-5.4`,
  `openai.gpt-5.4-codex`) and `openai.gpt-5.5` (public reports of bedrock-mantle); AWS lists
  the real ones with GET /v1/models, by Region, which the emulator does not know.
"""

import base64
import datetime
import json
import re
import time
import uuid
from urllib.parse import parse_qs, urlparse

from moto.iam.models import get_account_id_from, iam_backends
from moto.sts.models import sts_backends

from . import api_keys, catalog, iam_eval, logging_config

MODELS = ["openai.gpt-5.4", "openai.gpt-5.4-codex", "openai.gpt-5.5"]
ANSWER = "Hello from the embedded AWS emulator. This is a canned answer."
PATHS = re.compile(r"^(/openai)?/v1/(responses|models)$")


def handles(environ) -> bool:
    return bool(PATHS.match(environ.get("PATH_INFO", "")))


def _respond(start_response, status: int, body, headers=None):
    text = body if isinstance(body, (bytes, str)) else json.dumps(body)
    data = text.encode() if isinstance(text, str) else text
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(status, "Error")
    all_headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), ("x-request-id", str(uuid.uuid4()))]
    all_headers += headers or []
    start_response(f"{status} {reason}", all_headers)
    return [data]


def _error(start_response, status: int, kind: str, message: str, code=None):
    return _respond(start_response, status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


class Refused(Exception):
    def __init__(self, status, kind, message, code=None):
        super().__init__(message)
        self.status, self.kind, self.code = status, kind, code


def _identity(token: str, region: str):
    """(account, caller ARN, policy documents or None for the administrator, bearer type)."""
    partition = catalog.partition_of(region)
    if token.startswith("ABSK"):
        try:
            user, _ = api_keys.bearer(token, partition)
        except api_keys.BearerRefused as refused:
            raise Refused(401, "invalid_request_error", str(refused), "invalid_api_key")
        return user.account_id, user.arn, logging_config.role_documents(user), "LONG_TERM"
    if token.startswith("bedrock-api-key-"):
        try:
            url = base64.b64decode(token[len("bedrock-api-key-"):] + "==").decode()
        except (ValueError, UnicodeDecodeError):
            raise Refused(401, "invalid_request_error", "Authentication failed: Please make sure your API Key is valid.", "invalid_api_key")
        query = parse_qs(urlparse(url if "://" in url else "https://" + url).query)
        credential = (query.get("X-Amz-Credential") or [""])[0]
        access_key = credential.split("/", 1)[0]
        signed = (query.get("X-Amz-Date") or [""])[0]
        expires = int((query.get("X-Amz-Expires") or ["0"])[0] or 0)
        if (query.get("Action") or [""])[0] != "CallWithBearerToken" or not access_key:
            raise Refused(401, "invalid_request_error", "Authentication failed: Please make sure your API Key is valid.", "invalid_api_key")
        try:
            at = datetime.datetime.strptime(signed, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise Refused(401, "invalid_request_error", "Authentication failed: Please make sure your API Key is valid.", "invalid_api_key")
        if at + datetime.timedelta(seconds=expires) < datetime.datetime.now(datetime.timezone.utc):
            raise Refused(401, "invalid_request_error", "Bearer Token has expired", "invalid_api_key")
        account = get_account_id_from(access_key)
        session = sts_backends[account][partition].get_assumed_role_from_access_key(access_key)
        if session is not None:
            iam = iam_backends[account][partition]
            role = next((r for r in iam.roles.values() if r.arn == session.role_arn), None)
            return account, session.arn, (logging_config.role_documents(role) if role is not None else []), "SHORT_TERM"
        user = iam_backends[account][partition].get_user_from_access_key_id(access_key)
        if user is not None:
            return account, user.arn, logging_config.role_documents(user), "SHORT_TERM"
        return account, f"arn:{partition}:iam::{account}:root", None, "SHORT_TERM"
    raise Refused(401, "invalid_request_error", "Invalid API Key format: Must start with pre-defined prefix", "invalid_api_key")


def _authorize(caller, documents, kind, project, model, region):
    if documents is None:
        return
    checks = [
        ("bedrock-mantle:CallWithBearerToken", "*", {"bedrock-mantle:bearertokentype": kind, "aws:requestedregion": region}),
    ]
    if model is not None:
        checks.append(("bedrock-mantle:CreateInference", project, {"bedrock-mantle:model": model, "aws:requestedregion": region}))
    for action, resource, context in checks:
        decision = iam_eval.decide(documents, action, resource, context)
        if decision != "Allow":
            why = "with an explicit deny in an identity-based policy" if decision == "Deny" else f"because no identity-based policy allows the {action} action"
            raise Refused(403, "permission_denied", f"User: {caller} is not authorized to perform: {action} on resource: {resource} {why}", "access_denied")


def _text_of(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_text_of(v.get("content") if isinstance(v, dict) and "content" in v else (v.get("text") if isinstance(v, dict) else v)) for v in value)
    return ""


def _response(rid, mid, model, text, status, input_tokens):
    words = len(text.split())
    content = [{"type": "output_text", "text": text, "annotations": []}] if text else []
    return {
        "id": rid, "object": "response", "created_at": int(time.time()), "status": status, "model": model,
        "output": [{"type": "message", "id": mid, "status": status, "role": "assistant", "content": content}] if text else [],
        "usage": {"input_tokens": input_tokens, "output_tokens": words if text else 0, "total_tokens": input_tokens + (words if text else 0),
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
        "error": None, "incomplete_details": None, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
    }


def _events(model, input_tokens):
    rid, mid = f"resp_{uuid.uuid4().hex}", f"msg_{uuid.uuid4().hex}"
    seq = iter(range(1_000_000))

    def event(kind, **fields):
        payload = {"type": kind, "sequence_number": next(seq), **fields}
        return f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode()

    yield event("response.created", response=_response(rid, mid, model, "", "in_progress", input_tokens))
    item = {"type": "message", "id": mid, "status": "in_progress", "role": "assistant", "content": []}
    yield event("response.output_item.added", output_index=0, item=item)
    yield event("response.content_part.added", item_id=mid, output_index=0, content_index=0, part={"type": "output_text", "text": "", "annotations": []})
    words = ANSWER.split(" ")
    for i, word in enumerate(words):
        yield event("response.output_text.delta", item_id=mid, output_index=0, content_index=0, delta=word if i == 0 else " " + word)
    yield event("response.output_text.done", item_id=mid, output_index=0, content_index=0, text=ANSWER)
    part = {"type": "output_text", "text": ANSWER, "annotations": []}
    yield event("response.content_part.done", item_id=mid, output_index=0, content_index=0, part=part)
    yield event("response.output_item.done", output_index=0, item={**item, "status": "completed", "content": [part]})
    yield event("response.completed", response=_response(rid, mid, model, ANSWER, "completed", input_tokens))


def serve(environ, start_response, body: bytes):
    from .controls import region_of_host

    region = region_of_host(environ.get("HTTP_HOST", ""))
    auth = environ.get("HTTP_AUTHORIZATION", "")
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if not auth.startswith("Bearer "):
            raise Refused(401, "invalid_request_error", "Missing bearer authentication in header", "invalid_api_key")
        account, caller, documents, kind = _identity(auth[len("Bearer "):].strip(), region)
        project = f"arn:{catalog.partition_of(region)}:bedrock-mantle:{region}:{account}:project/default"
        if path.endswith("/models") and method == "GET":
            _authorize(caller, documents, kind, project, None, region)
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "openai"} for m in MODELS]
            return _respond(start_response, 200, {"object": "list", "data": data})
        if not path.endswith("/responses") or method != "POST":
            raise Refused(404, "invalid_request_error", f"Unknown request URL: {method} {path}", "unknown_url")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise Refused(400, "invalid_request_error", "We could not parse the JSON body of your request.", None)
        model = request.get("model") if isinstance(request, dict) else None
        if not isinstance(model, str) or not model:
            raise Refused(400, "invalid_request_error", "Missing required parameter: 'model'.", "missing_required_parameter")
        _authorize(caller, documents, kind, project, model, region)
        if model not in MODELS:
            raise Refused(404, "invalid_request_error", f"The model `{model}` does not exist or you do not have access to it.", "model_not_found")
        input_tokens = max(1, len(_text_of(request.get("input")).split()))
        if request.get("stream"):
            chunks = list(_events(model, input_tokens))
            start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("Content-Length", str(sum(len(c) for c in chunks)))])
            return chunks
        rid, mid = f"resp_{uuid.uuid4().hex}", f"msg_{uuid.uuid4().hex}"
        return _respond(start_response, 200, _response(rid, mid, model, ANSWER, "completed", input_tokens))
    except Refused as refused:
        return _error(start_response, refused.status, refused.kind, str(refused), refused.code)
