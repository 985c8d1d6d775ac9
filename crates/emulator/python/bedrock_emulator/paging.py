"""The JSON services this extension answers (Service Quotas, Budgets): a request's parameters
(`params`), and paged listings: a page of `MaxResults` items with a `NextToken` when more
follow. A token names the listing it
belongs to (its fingerprint: the operation, the account and whatever else the caller says)
and where it goes on; a token of another listing, or one made up, is refused with the
service's own error."""

import base64
import hashlib
import json


def params(response) -> dict:
    """The request's JSON body as a dict (an empty one when it is not an object)."""
    try:
        value = json.loads(response.body or "{}")
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def page(params: dict, scope: list, items: list, key: str, default: int, invalid) -> str:
    """One page of `items` under `key`; `invalid()` is the service's error for a bad token."""
    fingerprint = hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:16]
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            fp, _, offset = base64.b64decode(token, validate=True).decode().partition(":")
            start = int(offset)
        except (ValueError, UnicodeDecodeError):
            fp, start = "", -1
        if fp != fingerprint or not 0 <= start <= len(items):
            raise invalid()
    end = start + (params.get("MaxResults") or default)
    out = {key: items[start:end]}
    if end < len(items):
        out["NextToken"] = base64.b64encode(f"{fingerprint}:{end}".encode()).decode()
    return json.dumps(out)
