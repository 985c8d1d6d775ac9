"""Inference profiles: CreateInferenceProfile, GetInferenceProfile, ListInferenceProfiles,
DeleteInferenceProfile, and tags on profile ARNs, added to moto's Bedrock service.

State lives on moto's BedrockBackend instance for the account and region, so moto's reset
clears it and accounts and regions are kept apart exactly as moto keeps them.

The same profiles and their tags are read in bulk through the Resource Groups Tagging API
(GetResources, resource type `bedrock:application-inference-profile`); see the section
"Resource Groups Tagging API" below, which also corrects moto's GetResources for CloudWatch
Logs log groups and S3 buckets.
"""

import base64
import contextvars
import json
import secrets
import string
import threading
import time
from datetime import datetime, timezone
from urllib.parse import unquote

from moto.bedrock.models import BedrockBackend, bedrock_backends
from moto.bedrock.responses import BedrockResponse
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.logs.models import LogsBackend
from moto.moto_api._internal import mock_random
from moto.resourcegroupstaggingapi import models as tagging_models
from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
from moto.s3.models import S3Backend
from moto.utilities.tagging_service import TaggingService

from . import catalog
from .errors import (
    ConflictException,
    ResourceNotFoundException,
    TooManyTagsException,
    ValidationException,
)

# Requests reach these handlers only once they satisfy the service model (validation.py):
# what is checked here is what AWS checks beyond it.
MAX_TAGS = 50
JSON = {"Content-Type": "application/json"}

_lock = threading.Lock()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _state(backend: BedrockBackend) -> dict:
    # The account's profiles take part in the Resource Groups Tagging API from now on.
    profile_tagging[backend.account_id]
    if not hasattr(backend, "_inference_profiles"):
        backend._inference_profiles = {}  # id -> profile dict, in creation order
        backend._profile_tokens = {}  # clientRequestToken -> profile ARN
    return backend._inference_profiles


def _check_tags(tags, existing: int = 0):
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
    if source.count(":") < 5:
        # The model's pattern lets a few non-ARNs through; AWS finds no such source.
        raise ResourceNotFoundException(f"The model source {source} was not found.")
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
    return [{"modelArn": arn} for arn in catalog.profile_model_arns(system, self.region)]


def create_inference_profile(self):
    params = json.loads(self.body or "{}")
    name = params.get("inferenceProfileName")
    description = params.get("description")
    token = params.get("clientRequestToken")
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
        _forget_tags(backend.tagger, profile["inferenceProfileArn"])
    return "{}", dict(JSON)


def _query(self, name):
    value = self.querystring.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def list_inference_profiles(self):
    profile_type = _query(self, "type") or "SYSTEM_DEFINED"
    max_results = int(_query(self, "maxResults") or 1000)
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
    """The profile or guardrail `arn` names (the taggable resources of this extension), None
    for another kind of ARN (moto's own), ResourceNotFoundException for one that is gone."""
    if isinstance(arn, str) and ":guardrail/" in arn:
        from . import guardrails

        found = guardrails.find(self, arn)
        if found is None:
            raise ResourceNotFoundException(f"The guardrail {arn} was not found.")
        return found
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


# --- Resource Groups Tagging API ------------------------------------------------------------
#
# GetResources (service `tagging`) as the botocore model resourcegroupstaggingapi/2017-01-26
# documents it, built on moto's own implementation: moto asks every backend that mixes in
# TaggableResourcesMixin for its resources, and this section
#
# - adds application inference profiles (resource type bedrock:application-inference-profile)
#   through a small backend of that kind over the profiles kept on moto's BedrockBackend;
# - corrects moto's log groups (moto names their type logs:loggroup; the model's rule is "the
#   same as that embedded in a resource's ARN": logs:log-group) and buckets (moto returns the
#   buckets of every region; GetResources returns the resources "located in the specified
#   Region");
# - returns resources that were tagged and no longer are, with "Tags": [] (the model: "all
#   resources that are currently tagged or ever had a tag"), and forgets the tags of a deleted
#   log group or bucket, so that one created again under the same name starts untagged;
# - pages a snapshot taken by the first request, and answers the last page with an empty
#   PaginationToken as AWS does (the model's text says null; AWS sends "", as reported in
#   boto/boto3#2513 and aws/aws-sdk-go#4121);
# - refuses ResourceARNList together with ResourceTypeFilters, TagFilters or a pagination
#   parameter (InvalidParameterException, as the model's documentation of ResourceARNList
#   says), and returns all of its resources in one response.

TAGGING_TOKEN_SECONDS = 15 * 60  # "A PaginationToken is valid for a maximum of 15 minutes."
_tagging_lock = threading.Lock()


_original_tagging_tag_resource = TaggingService.tag_resource


def _record_tagging(self, arn, tags):
    """TaggingService.tag_resource, remembering which resources ever had a tag."""
    _original_tagging_tag_resource(self, arn, tags)
    if tags:
        self.__dict__.setdefault("_ever_tagged", set()).add(arn)


def _previously_tagged(tagger: TaggingService, arn: str) -> bool:
    return arn in tagger.__dict__.get("_ever_tagged", ())


def _forget_tags(tagger: TaggingService, arn: str) -> None:
    """The resource is gone: its tags, and that it ever had any, go with it."""
    tagger.delete_all_tags_for_resource(arn)
    tagger.__dict__.get("_ever_tagged", set()).discard(arn)


class InferenceProfileTagging(BaseBackend, TaggableResourcesMixin):
    """The application inference profiles of one account and region, as moto's tagging API
    sees the resources of a service. The profiles stay on moto's BedrockBackend."""

    SERVICE_NAMESPACE = "bedrock"

    def _bedrock(self) -> BedrockBackend:
        return bedrock_backends[self.account_id][self.region_name]

    def _profile_arn(self, arn: str):
        backend = self._bedrock()
        with _lock:
            profiles = list(getattr(backend, "_inference_profiles", {}).values())
        return next((p["inferenceProfileArn"] for p in profiles if p["inferenceProfileArn"] == arn), None)

    def owns_arn(self, arn: str) -> bool:
        return arn.startswith(
            f"arn:{self.partition}:bedrock:{self.region_name}:{self.account_id}:application-inference-profile/"
        )

    def iter_tagged_resources(self):
        backend = self._bedrock()
        with _lock:
            profiles = list(getattr(backend, "_inference_profiles", {}).values())
        for profile in profiles:
            arn = profile["inferenceProfileArn"]
            yield TaggedResource(
                arn=arn,
                tags=backend.tagger.get_tag_dict_for_resource(arn),
                resource_type="bedrock:application-inference-profile",
                extra={"include_untagged": _previously_tagged(backend.tagger, arn)},
            )

    def tag_resource(self, arn: str, tags: dict) -> None:
        # TagResources of the tagging API: as Bedrock's TagResource would. An unknown profile
        # is reported in FailedResourcesMap by moto.
        if self._profile_arn(arn) is None:
            raise NotImplementedError(arn)
        backend = self._bedrock()
        with _lock:
            current = set(backend.tagger.get_tag_dict_for_resource(arn))
            _check_tags([{"key": k, "value": v} for k, v in tags.items()], existing=len(current - set(tags)))
            backend.tagger.tag_resource(arn, [{"Key": k, "Value": v} for k, v in tags.items()])

    def untag_resource(self, arn: str, tag_keys: list) -> None:
        if self._profile_arn(arn) is None:
            raise NotImplementedError(arn)
        with _lock:
            self._bedrock().tagger.untag_resource_using_names(arn, tag_keys)


# Registered with moto like any service's backends: an account takes part once it has used
# inference profiles (see _state), and moto's reset forgets it.
profile_tagging = BackendDict(InferenceProfileTagging, "bedrock")


_original_logs_iter = LogsBackend.iter_tagged_resources
_original_logs_delete_group = LogsBackend.delete_log_group
_original_s3_iter = S3Backend.iter_tagged_resources
_original_s3_delete_bucket = S3Backend.delete_bucket


def _logs_iter_tagged_resources(self):
    for resource in list(_original_logs_iter(self)):
        resource.resource_type = "logs:log-group"
        resource.extra["include_untagged"] = _previously_tagged(self.tagger, resource.arn)
        yield resource


def _logs_delete_log_group(self, log_group_name: str) -> None:
    group = self.groups.get(log_group_name)
    _original_logs_delete_group(self, log_group_name)
    if group is not None:
        _forget_tags(self.tagger, group.arn)


def _s3_iter_tagged_resources(self):
    for resource in list(_original_s3_iter(self)):
        bucket = self.buckets.get(resource.arn.split(":::", 1)[-1])
        if bucket is None:
            continue
        # S3's backend serves every region; GetResources answers for the caller's.
        resource.extra["region"] = bucket.region_name
        resource.extra["include_untagged"] = _previously_tagged(self.tagger, resource.arn)
        yield resource


def _s3_delete_bucket(self, bucket_name: str):
    deleted = _original_s3_delete_bucket(self, bucket_name)
    if deleted is not None:
        _forget_tags(self.tagger, deleted.arn)
    return deleted


def _in_region(self, resource) -> bool:
    region = resource.extra.get("region")
    return region is None or region == self.region_name


_original_resources_generator = ResourceGroupsTaggingAPIBackend._get_resources_generator


def _resources_generator(self, tag_filters=None, resource_type_filters=None, resource_arn_list=None):
    for resource in _original_resources_generator(
        self,
        tag_filters=tag_filters,
        resource_type_filters=resource_type_filters,
        resource_arn_list=resource_arn_list,
    ):
        if _in_region(self, resource):
            yield resource


def _tag_keys_generator(self):
    seen = set()
    for backend in tagging_models.iter_taggable_backends(self.account_id, self.region_name):
        for resource in list(backend.iter_tagged_resources()):
            if not _in_region(self, resource):
                continue
            for key in resource.tags:
                if key not in seen:
                    seen.add(key)
                    yield key


def _tag_values_generator(self, tag_key: str):
    seen = set()
    for backend in tagging_models.iter_taggable_backends(self.account_id, self.region_name):
        for resource in list(backend.iter_tagged_resources()):
            if not _in_region(self, resource) or tag_key not in resource.tags:
                continue
            value = resource.tags[tag_key]
            if value not in seen:
                seen.add(value)
                yield value


def _tagging_get_resources(
    self,
    pagination_token=None,
    resources_per_page: int = 50,
    tags_per_page: int = 100,
    tag_filters=None,
    resource_type_filters=None,
    resource_arn_list=None,
):
    """moto's GetResources over a snapshot: the first request lists every matching resource,
    and each token names the rest of that list (reusable for 15 minutes, so a retried request
    gets the same page)."""
    now = time.monotonic()
    with _tagging_lock:
        pages = self.__dict__.setdefault("_resource_pages", {})
        for token in [t for t, page in pages.items() if now - page["created"] > TAGGING_TOKEN_SECONDS]:
            del pages[token]
        if pagination_token:
            page = pages.get(pagination_token)
            if page is None:
                raise ResourceGroupsTaggingAPIError(
                    "PaginationTokenExpiredException",
                    "The pagination token is not valid or has expired; start again without a PaginationToken.",
                )
            items, start = page["items"], page["offset"]
    if not pagination_token:
        items = [
            TaggedResource(arn=r.arn, tags=dict(r.tags), resource_type=r.resource_type, extra=dict(r.extra))
            for r in self._get_resources_generator(
                tag_filters=tag_filters,
                resource_type_filters=resource_type_filters,
                resource_arn_list=resource_arn_list,
            )
        ]
        start = 0
    if resource_arn_list:
        # No pagination with ResourceARNList: its (at most 100) resources come in one response.
        resources_per_page, tags_per_page = max(len(items), 1), float("inf")
    elif not _tags_limit_pages.get():
        tags_per_page = float("inf")
    page, tags, end = [], 0, start
    while end < len(items) and len(page) < resources_per_page:
        # "A resource with no tags is counted as having one tag"; a resource and its tags are
        # never split across pages.
        count = max(1, len(items[end].tags))
        if page and tags + count > tags_per_page:
            break
        page.append(items[end])
        tags += count
        end += 1
    next_token = ""
    if end < len(items):
        next_token = str(mock_random.uuid4())
        with _tagging_lock:
            self.__dict__.setdefault("_resource_pages", {})[next_token] = {
                "items": items,
                "offset": end,
                "created": now,
            }
    return next_token, page


_original_get_resources_response = ResourceGroupsTaggingAPIResponse.get_resources

# Whether this request's pages are limited by tags too. The model documents no default for
# TagsPerPage and recommends ResourcesPerPage instead: a request that gives ResourcesPerPage
# alone gets pages of that many resources, whatever their tags. moto caps every page at 100
# tags; that cap stays only when TagsPerPage is given, or neither size is (moto's defaults).
_tags_limit_pages = contextvars.ContextVar("tags_limit_pages", default=True)


def _invalid(message: str):
    return ResourceGroupsTaggingAPIError("InvalidParameterException", message)


def _get_resources_response(self):
    """Checks of the request that the model documents and moto does not make; then moto's."""
    arns = self._get_param("ResourceARNList")
    type_filters = self._get_param("ResourceTypeFilters")
    tag_filters = self._get_param("TagFilters")
    if arns is not None:
        if not isinstance(arns, list) or not (1 <= len(arns) <= 100):
            count = len(arns) if isinstance(arns, list) else arns
            raise ResourceGroupsTaggingAPIError(
                "ValidationException",
                f"1 validation error detected: Value '{count}' at 'resourceARNList' failed to satisfy constraint: "
                "Member must have length less than or equal to 100 and greater than or equal to 1",
            )
        if type_filters:
            raise _invalid("You can't specify both ResourceARNList and ResourceTypeFilters in the same request.")
        if tag_filters:
            raise _invalid("You can't specify both ResourceARNList and TagFilters in the same request.")
        for name in ("ResourcesPerPage", "TagsPerPage", "PaginationToken"):
            if self._get_param(name) not in (None, ""):
                raise _invalid(f"You can't specify both ResourceARNList and {name} in the same request.")
    if type_filters is not None and len(type_filters) > 100:
        raise _invalid("ResourceTypeFilters can include up to 100 resource types.")
    if tag_filters is not None:
        if len(tag_filters) > 50:
            raise ResourceGroupsTaggingAPIError(
                "ValidationException",
                f"1 validation error detected: Value '{len(tag_filters)}' at 'tagFilters' failed to satisfy constraint: "
                "Member must have length less than or equal to 50",
            )
        for f in tag_filters:
            key = (f or {}).get("Key")
            if not isinstance(key, str) or not (1 <= len(key) <= 128):
                raise _invalid("Each TagFilter must contain a Key of 1 to 128 characters.")
            if len(f.get("Values") or []) > 20:
                raise ResourceGroupsTaggingAPIError(
                    "ValidationException",
                    f"1 validation error detected: Value '{len(f['Values'])}' at 'tagFilters.member.values' failed to "
                    "satisfy constraint: Member must have length less than or equal to 20",
                )
    _tags_limit_pages.set(
        self._get_param("TagsPerPage") is not None or self._get_param("ResourcesPerPage") is None
    )
    return _original_get_resources_response(self)


def install_resource_groups_tagging():
    TaggingService.tag_resource = _record_tagging
    LogsBackend.iter_tagged_resources = _logs_iter_tagged_resources
    LogsBackend.delete_log_group = _logs_delete_log_group
    S3Backend.iter_tagged_resources = _s3_iter_tagged_resources
    S3Backend.delete_bucket = _s3_delete_bucket
    ResourceGroupsTaggingAPIBackend._get_resources_generator = _resources_generator
    ResourceGroupsTaggingAPIBackend._get_tag_keys_generator = _tag_keys_generator
    ResourceGroupsTaggingAPIBackend._get_tag_values_generator = _tag_values_generator
    ResourceGroupsTaggingAPIBackend.get_resources = _tagging_get_resources
    ResourceGroupsTaggingAPIResponse.get_resources = _get_resources_response
