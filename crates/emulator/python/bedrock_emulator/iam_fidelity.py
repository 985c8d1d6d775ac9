"""IAM as AWS answers it where moto does not:

- ListInstanceProfileTags (InstanceProfileName, Marker, MaxItems 1-1000, default 100):
  {Tags, IsTruncated, Marker}, as IAM's service model (botocore's iam/2010-05-08) defines
  it; NoSuchEntity for an instance profile that does not exist. moto keeps the tags
  (CreateInstanceProfile, TagInstanceProfile) but does not list them.
- A trust policy (CreateRole, UpdateAssumeRolePolicy) that names an IAM role or user of the
  role's own account that does not exist is refused, as IAM refuses it:
  MalformedPolicyDocument "Invalid principal in policy: "AWS":"<arn>"". moto stores any.
  Principals in other accounts, account roots, services and federated providers are not
  checked (the emulator cannot know another account's IAM as AWS does).
"""

import json
import re
from urllib.parse import unquote

from moto.core.responses import ActionResult
from moto.iam.exceptions import MalformedPolicyDocument
from moto.iam.models import IAMBackend
from moto.iam.responses import IamResponse

_IDENTITY = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(role|user)/(?:[^/]+/)*([^/]+)$")


def list_instance_profile_tags(self) -> ActionResult:
    name = self._get_param("InstanceProfileName")
    marker = self._get_param("Marker")
    max_items = int(self._get_param("MaxItems") or 100)
    # NoSuchEntity, in IAM's words, from moto's own lookup.
    profile = self.backend.get_instance_profile(profile_name=name)
    tags = list(profile.tags)
    start = int(marker) if marker and marker.isdigit() else 0
    page = tags[start : start + max_items]
    result = {"Tags": page, "IsTruncated": start + max_items < len(tags)}
    if result["IsTruncated"]:
        result["Marker"] = str(start + max_items)
    return ActionResult(result)


def _document(text):
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        try:
            return json.loads(unquote(text))
        except (TypeError, ValueError):
            return {}


def check_principals(backend, document) -> None:
    """Refuse a trust policy naming a role or user of `backend`'s account that does not
    exist, in IAM's words."""
    statements = _document(document).get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if not isinstance(principal, dict):
            continue
        names = principal.get("AWS") or []
        for arn in names if isinstance(names, list) else [names]:
            match = _IDENTITY.match(str(arn))
            if not match or match.group(1) != backend.account_id:
                continue
            kind, name = match.group(2), match.group(3)
            known = backend.roles.values() if kind == "role" else backend.users.values()
            if not any(entity.name == name for entity in known):
                raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{arn}"')


def install():
    IamResponse.list_instance_profile_tags = list_instance_profile_tags

    create_role = IAMBackend.create_role
    update_trust = IAMBackend.update_assume_role_policy

    def checked_create_role(self, role_name, assume_role_policy_document, *args, **kwargs):
        check_principals(self, assume_role_policy_document)
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    def checked_update_trust(self, role_name, policy_document):
        check_principals(self, policy_document)
        return update_trust(self, role_name, policy_document)

    IAMBackend.create_role = checked_create_role
    IAMBackend.update_assume_role_policy = checked_update_trust
