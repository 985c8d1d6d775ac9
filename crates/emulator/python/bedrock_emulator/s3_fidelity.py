"""Where moto's S3 differs from AWS in ways this tool meets:

- CreateBucket with `CreateBucketConfiguration/Tags`: AWS tags the bucket as it creates it
  (one call, so a bucket is never seen without its tags); moto 5.2.5 ignores the tags.
- Bucket policy statements with a Condition: AWS applies a statement only when its condition
  holds; moto 5.2.5 answers DENIED whenever a condition does not hold, so a policy that
  denies requests without TLS (`"Bool": {"aws:SecureTransport": "false"}`) denies every
  request. The emulator stands in for AWS's HTTPS endpoint: requests count as secure
  transport, and a statement whose condition does not hold does not apply.
"""

import xmltodict
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.responses import S3Response

_original_put = S3Response._bucket_response_put
_original_permitted = IAMPolicyStatement.is_action_permitted


def _creation_tags(body):
    try:
        config = xmltodict.parse(body)["CreateBucketConfiguration"]
    except Exception:  # no body, or not a CreateBucketConfiguration
        return None
    tags = (config or {}).get("Tags") or {}
    items = tags.get("Tag") or []
    if isinstance(items, dict):
        items = [items]
    return {t["Key"]: t.get("Value") or "" for t in items}


def _bucket_response_put(self, request, bucket_name, querystring):
    result = _original_put(self, request, bucket_name, querystring)
    # A PUT on the bucket with no sub-resource in the query is CreateBucket.
    if not querystring and self.body:
        tags = _creation_tags(self.body)
        if tags:
            self.backend.put_bucket_tagging(bucket_name, tags)
    return result


def _condition_holds(condition, values) -> bool:
    """IAM's condition semantics, for what moto gets wrong: `Bool` (which moto does not
    evaluate) on aws:SecureTransport, true here; the other operators as moto evaluates them."""
    condition = dict(condition or {})
    for key, expected in (condition.pop("Bool", None) or {}).items():
        expected = expected if isinstance(expected, list) else [expected]
        actual = values.get(key, values.get(key.lower()))
        if actual is None:
            return False
        if str(actual).lower() not in [str(e).lower() for e in expected]:
            return False
    if condition and not IAMPolicyStatement({"Condition": condition})._check_conditions(values):
        return False
    return True


def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    values = dict(incoming_condition_values or {})
    values.setdefault("aws:SecureTransport", "true")
    condition = self._statement.get("Condition")
    if not condition:
        return _original_permitted(self, action, resource, principal, values)
    if not _condition_holds(condition, values):
        # A statement whose condition does not hold does not apply.
        return PermissionResult.NEUTRAL
    unconditional = IAMPolicyStatement({k: v for k, v in self._statement.items() if k != "Condition"})
    return _original_permitted(unconditional, action, resource, principal, values)


def install():
    S3Response._bucket_response_put = _bucket_response_put
    IAMPolicyStatement.is_action_permitted = is_action_permitted
