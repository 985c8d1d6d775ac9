"""Cost Explorer's cost allocation tags (moto has none): ListCostAllocationTags and
UpdateCostAllocationTagsStatus, as the service model defines them and AWS answers.

Billing knows a user-defined tag key once a resource of the account carries it (AWS: up to
a day after; here at once), as Inactive until activated. Updating a key Billing does not know
answers an Errors entry "TagKeysNotFoundException". A member account of an AWS Organization
may not manage cost allocation tags: AccessDeniedException "... Linked account doesn't have
access to cost allocation tags." (AWS's documentation: only the management account or a
standalone account may).
"""

import json
import threading
from datetime import datetime, timezone

from moto.bedrock.models import bedrock_backends
from moto.ce.responses import CostExplorerResponse
from moto.core.exceptions import JsonRESTError
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.organizations.models import organizations_backends
from moto.s3.models import s3_backends

_lock = threading.Lock()
_status: dict = {}  # account -> {key: ("Active" | "Inactive", last updated)}


class AccessDenied(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("AccessDeniedException", message)


class InvalidNextToken(JsonRESTError):
    """Cost Explorer's InvalidNextTokenException: a token it did not hand out."""

    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidNextTokenException", message)


def reset() -> None:
    with _lock:
        _status.clear()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def management_account_of(account: str):
    """The management account of the Organization `account` is a member of (not managing)."""
    for backends in list(organizations_backends.values()):
        backend = backends.get("aws") if hasattr(backends, "get") else None
        org = getattr(backend, "org", None)
        if org is None or org.master_account_id == account:
            continue
        if any(a.id == account for a in backend.accounts):
            return org.master_account_id
    return None


def _known_keys(account: str) -> set:
    """Every tag key a resource of the account carries, in any region."""
    keys = set()
    for backends in (bedrock_backends, logs_backends, s3_backends):
        if account not in backends:
            continue
        for backend in list(backends[account].values()):
            tagger = getattr(backend, "tagger", None)
            for tags in list(getattr(tagger, "tags", {}).values()):
                keys.update(tags.keys())
    if account in iam_backends:
        for backend in list(iam_backends[account].values()):
            for role in list(backend.roles.values()):
                tags = role.tags
                # moto keeps a role's tags as a dict by key, or as a list of {Key, Value}.
                keys.update(t["Key"] for t in tags) if isinstance(tags, list) else keys.update(tags.keys())
    return keys


def _check_access(self, verb: str) -> None:
    if management_account_of(self.current_account) is not None:
        raise AccessDenied(f"Failed to {verb} Cost Allocation Tag{'s' if verb == 'list' else ''}: Linked account doesn't have access to cost allocation tags.")


def list_cost_allocation_tags(self):
    _check_access(self, "list")
    params = json.loads(self.body or "{}")
    account = self.current_account
    with _lock:
        status = dict(_status.get(account, {}))
    tags = []
    for key in sorted(_known_keys(account)):
        state, updated = status.get(key, ("Inactive", None))
        entry = {"TagKey": key, "Type": "UserDefined", "Status": state, "LastUsedDate": _now()}
        if updated:
            entry["LastUpdatedDate"] = updated
        tags.append(entry)
    if params.get("TagKeys"):
        tags = [t for t in tags if t["TagKey"] in params["TagKeys"]]
    if params.get("Status"):
        tags = [t for t in tags if t["Status"] == params["Status"]]
    if params.get("Type"):
        tags = [t for t in tags if t["Type"] == params["Type"]]
    try:
        start = int(params.get("NextToken") or 0)
    except ValueError:
        raise InvalidNextToken("The NextToken provided is invalid.")
    size = int(params.get("MaxResults") or 100)
    page = {"CostAllocationTags": tags[start : start + size]}
    if start + size < len(tags):
        page["NextToken"] = str(start + size)
    return json.dumps(page)


def update_cost_allocation_tags_status(self):
    _check_access(self, "update")
    params = json.loads(self.body or "{}")
    account = self.current_account
    known = _known_keys(account)
    errors = []
    with _lock:
        status = _status.setdefault(account, {})
        for entry in params["CostAllocationTagsStatus"]:
            key = entry["TagKey"]
            if key not in known:
                errors.append({"TagKey": key, "Code": "TagKeysNotFoundException", "Message": f"Failed to update Cost Allocation Tag: {key}"})
                continue
            status[key] = (entry["Status"], _now())
    return json.dumps({"Errors": errors})


def install():
    CostExplorerResponse.list_cost_allocation_tags = list_cost_allocation_tags
    CostExplorerResponse.update_cost_allocation_tags_status = update_cost_allocation_tags_status
