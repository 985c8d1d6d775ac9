"""Inference profiles: CreateInferenceProfile, GetInferenceProfile, ListInferenceProfiles,
DeleteInferenceProfile, and tags on profile ARNs, added to moto's Bedrock service.

State lives on moto's BedrockBackend instance for the account and region, so moto's reset
clears it and accounts and regions are kept apart exactly as moto keeps them.
"""

import base64
import json
import re
import secrets
import string
import threading
from datetime import datetime, timezone
from urllib.parse import unquote

from moto.bedrock.models import BedrockBackend
from moto.bedrock.responses import BedrockResponse

from . import catalog
from .errors import (
    ConflictException,
    ResourceNotFoundException,
    TooManyTagsException,
    ValidationException,
    constraint,
)

NAME = re.compile(r"([0-9a-zA-Z][ _-]?)+")
DESCRIPTION = re.compile(r"([0-9a-zA-Z:.][ _-]?)+")
TAG = re.compile(r"[a-zA-Z0-9\s._:/=+@-]*")
TOKEN = re.compile(r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?")
SOURCE_ARN = re.compile(
    r"arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):(inference-profile|foundation-model)/[a-zA-Z0-9-:.]+"
)
IDENTIFIER = re.compile(
    r"(arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):(inference-profile|application-inference-profile)/)?[a-zA-Z0-9-:.]+"
)
MAX_TAGS = 50
JSON = {"Content-Type": "application/json"}

_lock = threading.Lock()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _state(backend: BedrockBackend) -> dict:
    if not hasattr(backend, "_inference_profiles"):
        backend._inference_profiles = {}  # id -> profile dict, in creation order
        backend._profile_tokens = {}  # clientRequestToken -> profile ARN
    return backend._inference_profiles


def _check_tags(tags, existing: int = 0):
    if not isinstance(tags, list):
        raise constraint(tags, "tags", "Member must be a list")
    for i, tag in enumerate(tags):
        key, value = tag.get("key"), tag.get("value")
        if not isinstance(key, str) or not (1 <= len(key) <= 128) or not TAG.fullmatch(key):
            raise constraint(key, f"tags.{i + 1}.member.key", "Member must satisfy regular expression pattern: [a-zA-Z0-9\\s._:/=+@-]* and have length between 1 and 128")
        if not isinstance(value, str) or len(value) > 256 or not TAG.fullmatch(value):
            raise constraint(value, f"tags.{i + 1}.member.value", "Member must satisfy regular expression pattern: [a-zA-Z0-9\\s._:/=+@-]* and have length less than or equal to 256")
    keys = {t["key"] for t in tags}
    if existing + len(keys) > MAX_TAGS:
        raise TooManyTagsException(
            f"The request would give the resource {existing + len(keys)} tags; a resource can have at most {MAX_TAGS}."
        )


def _tag_list(backend, arn):
    return [{"key": t["Key"], "value": t["Value"]} for t in backend.tagger.list_tags_for_resource(arn)["Tags"]]


def _resolve(self, identifier: str):
    """(kind, profile) for an id or ARN, application or system-defined; raises when unknown."""
    identifier = unquote(identifier or "")
    if not (1 <= len(identifier) <= 2048) or not IDENTIFIER.fullmatch(identifier):
        raise constraint(identifier, "inferenceProfileIdentifier", "Member must satisfy regular expression pattern: " + IDENTIFIER.pattern)
    profiles = _state(self.bedrock_backend)
    for p in profiles.values():
        if identifier in (p["inferenceProfileId"], p["inferenceProfileArn"]):
            return "APPLICATION", p
    profile_id = identifier.split("/", 1)[1] if identifier.startswith("arn:") else identifier
    if identifier.startswith("arn:"):
        parts = identifier.split(":")
        if parts[3] != self.region or parts[4] not in ("", self.current_account) or ":inference-profile/" not in identifier:
            profile_id = None
    system = catalog.system_profile(profile_id, self.region) if profile_id else None
    if system:
        return "SYSTEM_DEFINED", catalog.system_profile_view(system, self.region, self.current_account)
    raise ResourceNotFoundException(f"The inference profile {identifier} was not found in {self.region}.")


def _models_of_source(self, source: str) -> list:
    """The foundation-model ARNs a copyFrom source routes to; raises for an unknown source."""
    if not isinstance(source, str) or not SOURCE_ARN.fullmatch(source):
        raise constraint(source, "modelSource.copyFrom", "Member must satisfy regular expression pattern: " + SOURCE_ARN.pattern)
    _, partition, _, region, account, resource = source.split(":", 5)
    kind, _, source_id = resource.partition("/")
    if region and region != self.region:
        raise ValidationException(
            f"The model source {source} is in {region}; an inference profile in {self.region} must copy from a source in {self.region}."
        )
    if kind == "foundation-model":
        if self.region not in catalog.foundation_model_regions(source_id):
            raise ResourceNotFoundException(f"The foundation model {source_id} is not available in {self.region}.")
        return [{"modelArn": catalog.foundation_model_arn(self.region, source_id)}]
    if account and account != self.current_account:
        raise ValidationException(f"The inference profile {source} belongs to another account.")
    system = catalog.system_profile(source_id, self.region)
    if system is None:
        raise ResourceNotFoundException(
            f"The system-defined inference profile {source_id} was not found in {self.region}."
        )
    return [{"modelArn": catalog.foundation_model_arn(r, system["model"])} for r in system["regions"]]


def create_inference_profile(self):
    params = json.loads(self.body or "{}")
    name = params.get("inferenceProfileName")
    if not isinstance(name, str) or not (1 <= len(name) <= 64) or not NAME.fullmatch(name):
        raise constraint(name, "inferenceProfileName", "Member must satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+ and have length between 1 and 64")
    description = params.get("description")
    if description is not None and (not isinstance(description, str) or not (1 <= len(description) <= 200) or not DESCRIPTION.fullmatch(description)):
        raise constraint(description, "description", "Member must satisfy regular expression pattern: ([0-9a-zA-Z:.][ _-]?)+ and have length between 1 and 200")
    token = params.get("clientRequestToken")
    if token is not None and (not isinstance(token, str) or not TOKEN.fullmatch(token)):
        raise constraint(token, "clientRequestToken", "Member must satisfy regular expression pattern: " + TOKEN.pattern)
    source = (params.get("modelSource") or {}).get("copyFrom")
    tags = params.get("tags") or []
    _check_tags(tags)
    backend = self.bedrock_backend
    with _lock:
        profiles = _state(backend)
        if token and token in backend._profile_tokens:
            # The same request again: AWS ignores it and answers as the first time.
            arn = backend._profile_tokens[token]
            return json.dumps({"inferenceProfileArn": arn, "status": "ACTIVE"}), {"status": 201, "Content-Type": "application/json"}
        models = _models_of_source(self, source)
        if any(p["inferenceProfileName"] == name for p in profiles.values()):
            raise ConflictException(f"An inference profile named {name} already exists in this account and Region.")
        alphabet = string.ascii_lowercase + string.digits
        profile_id = "".join(secrets.choice(alphabet) for _ in range(12))
        arn = f"arn:{catalog.partition_of(self.region)}:bedrock:{self.region}:{self.current_account}:application-inference-profile/{profile_id}"
        now = _now()
        profile = {
            "inferenceProfileName": name,
            "createdAt": now,
            "updatedAt": now,
            "inferenceProfileArn": arn,
            "models": models,
            "inferenceProfileId": profile_id,
            "status": "ACTIVE",
            "type": "APPLICATION",
        }
        if description is not None:
            profile["description"] = description
        profiles[profile_id] = profile
        if token:
            backend._profile_tokens[token] = arn
        if tags:
            backend.tagger.tag_resource(arn, [{"Key": t["key"], "Value": t["value"]} for t in tags])
    return json.dumps({"inferenceProfileArn": arn, "status": "ACTIVE"}), {"status": 201, "Content-Type": "application/json"}


def get_inference_profile(self):
    _, profile = _resolve(self, self.uri_match.get("inferenceProfileIdentifier") or self.path.rsplit("/", 1)[-1])
    return json.dumps(profile), dict(JSON)


def delete_inference_profile(self):
    kind, profile = _resolve(self, self.uri_match.get("inferenceProfileIdentifier") or self.path.rsplit("/", 1)[-1])
    if kind != "APPLICATION":
        raise ValidationException(
            f"{profile['inferenceProfileId']} is a system-defined inference profile; only application inference profiles can be deleted."
        )
    backend = self.bedrock_backend
    with _lock:
        _state(backend).pop(profile["inferenceProfileId"], None)
        backend.tagger.delete_all_tags_for_resource(profile["inferenceProfileArn"])
    return "{}", dict(JSON)


def _query(self, name):
    value = self.querystring.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def list_inference_profiles(self):
    profile_type = _query(self, "type") or "SYSTEM_DEFINED"
    if profile_type not in ("SYSTEM_DEFINED", "APPLICATION"):
        raise constraint(profile_type, "typeEquals", "Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]")
    max_results = _query(self, "maxResults")
    if max_results is None:
        max_results = 1000
    else:
        try:
            max_results = int(max_results)
        except ValueError:
            raise constraint(max_results, "maxResults", "Member must be a number")
        if not (1 <= max_results <= 1000):
            raise constraint(max_results, "maxResults", "Member must have value between 1 and 1000")
    if profile_type == "APPLICATION":
        with _lock:
            items = list(_state(self.bedrock_backend).values())
    else:
        items = [
            catalog.system_profile_view(p, self.region, self.current_account)
            for p in catalog.system_profiles_in(self.region)
        ]
    start = 0
    token = _query(self, "nextToken")
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            start, token_type = int(decoded["offset"]), decoded["type"]
        except (ValueError, KeyError, TypeError):
            raise ValidationException("The nextToken is not valid: pass the nextToken of the previous page unchanged.")
        if token_type != profile_type:
            raise ValidationException("The nextToken belongs to a listing of another type.")
    page = items[start : start + max_results]
    body = {"inferenceProfileSummaries": page}
    if start + max_results < len(items):
        body["nextToken"] = base64.urlsafe_b64encode(
            json.dumps({"offset": start + max_results, "type": profile_type}).encode()
        ).decode()
    return json.dumps(body), dict(JSON)


def _application_profile(self, arn: str):
    if not isinstance(arn, str) or ":application-inference-profile/" not in arn:
        return None
    profiles = _state(self.bedrock_backend)
    for p in profiles.values():
        if p["inferenceProfileArn"] == arn:
            return p
    raise ResourceNotFoundException(f"The inference profile {arn} was not found.")


_original_tag = BedrockResponse.tag_resource
_original_untag = BedrockResponse.untag_resource
_original_list_tags = BedrockResponse.list_tags_for_resource


def tag_resource(self):
    params = json.loads(self.body or "{}")
    arn = params.get("resourceARN")
    if _application_profile(self, arn) is None:
        return _original_tag(self)
    tags = params.get("tags") or []
    backend = self.bedrock_backend
    with _lock:
        current = {t["key"] for t in _tag_list(backend, arn)}
        _check_tags(tags, existing=len(current - {t.get("key") for t in tags}))
        backend.tagger.tag_resource(arn, [{"Key": t["key"], "Value": t["value"]} for t in tags])
    return "{}", dict(JSON)


def untag_resource(self):
    params = json.loads(self.body or "{}")
    arn = params.get("resourceARN")
    if _application_profile(self, arn) is None:
        return _original_untag(self)
    with _lock:
        self.bedrock_backend.tagger.untag_resource_using_names(arn, params.get("tagKeys") or [])
    return "{}", dict(JSON)


def list_tags_for_resource(self):
    params = json.loads(self.body or "{}")
    arn = params.get("resourceARN")
    if _application_profile(self, arn) is None:
        return _original_list_tags(self)
    return json.dumps({"tags": _tag_list(self.bedrock_backend, arn)}), dict(JSON)


def install():
    BedrockResponse.create_inference_profile = create_inference_profile
    BedrockResponse.get_inference_profile = get_inference_profile
    BedrockResponse.delete_inference_profile = delete_inference_profile
    BedrockResponse.list_inference_profiles = list_inference_profiles
    BedrockResponse.tag_resource = tag_resource
    BedrockResponse.untag_resource = untag_resource
    BedrockResponse.list_tags_for_resource = list_tags_for_resource
    install_foundation_models()


def get_foundation_model(self):
    identifier = unquote(self.uri_match.get("modelIdentifier") or self.path.rsplit("/", 1)[-1])
    model_id = identifier.rsplit("/", 1)[-1] if identifier.startswith("arn:") else identifier
    view = catalog.foundation_model_view(model_id, self.region)
    if view is None:
        raise ResourceNotFoundException(f"The foundation model {identifier} is not available in {self.region}.")
    return json.dumps({"modelDetails": view}), dict(JSON)


def list_foundation_models(self):
    models = catalog.foundation_models_in(self.region)
    provider = _query(self, "byProvider")
    if provider:
        models = [m for m in models if m["providerName"].lower() == provider.lower()]
    return json.dumps({"modelSummaries": models}), dict(JSON)


def install_foundation_models():
    BedrockResponse.get_foundation_model = get_foundation_model
    BedrockResponse.list_foundation_models = list_foundation_models
