"""Just enough IAM policy evaluation to answer "does this role allow that action on that
resource" and "does this trust policy let Bedrock assume the role", the way AWS would for
the policies this tool and its users write.

Identity policies: explicit Deny wins, then any Allow; Action/NotAction and
Resource/NotResource with `*` and `?` wildcards. Given the request's context (the runtime's
authorization of a role session), their conditions are evaluated: the String and Arn
operators (with Not, IgnoreCase and IfExists forms) and Null; a key the context lacks fails
a positive operator and satisfies a negated one, as in IAM. Other operators (Numeric, Date,
Bool, IpAddress, ForAnyValue/ForAllValues) are not evaluated: they are assumed to hold.
Without a context (the logging checks) no condition of an identity policy is evaluated.

Trust policies: the Principal must name the service, and the same operators are evaluated
on aws:SourceAccount and aws:SourceArn; other condition keys are assumed to hold.
"""

import json
import re
from urllib.parse import unquote


def parse_document(doc):
    """A policy document as moto stores it: a dict, JSON text, or URL-encoded JSON text."""
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, bytes):
        doc = doc.decode("utf-8")
    try:
        return json.loads(doc)
    except (TypeError, ValueError):
        try:
            return json.loads(unquote(doc))
        except (TypeError, ValueError):
            return {}


def _listify(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _statements(doc):
    return [s for s in _listify(parse_document(doc).get("Statement")) if isinstance(s, dict)]


def wildcard(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    regex = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern
    )
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(regex, value, flags | re.DOTALL) is not None


def _matches(statement, key, not_key, value, case_sensitive):
    if key in statement:
        return any(wildcard(p, value, case_sensitive) for p in _listify(statement[key]))
    if not_key in statement:
        return not any(wildcard(p, value, case_sensitive) for p in _listify(statement[not_key]))
    return False


_OPERATORS = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": lambda p, v: wildcard(p, v),
    "ArnEquals": lambda p, v: p == v,
    "ArnLike": lambda p, v: wildcard(p, v),
    # A key a context carries as "true"/"false" (aws:SecureTransport); absent, it fails a
    # positive operator like any other.
    "Bool": lambda p, v: p.lower() == v.lower(),
}


def _conditions_hold(condition, context, absent_keys_hold: bool = False) -> bool:
    """Whether a statement's conditions hold in `context` (keys lower-cased). A key the
    context lacks fails a positive operator, as in IAM; with `absent_keys_hold` (the trust
    checks, whose context has only the source keys) it is assumed to hold."""
    if not isinstance(condition, dict):
        return True
    for operator, pairs in condition.items():
        if not isinstance(pairs, dict):
            continue
        if_exists = operator.endswith("IfExists")
        base = operator[: -len("IfExists")] if if_exists else operator
        if base == "Null":
            for key, wanted in pairs.items():
                absent = key.lower() not in context
                if absent != (str(wanted).lower() == "true"):
                    return False
            continue
        negated = "Not" in base
        test = _OPERATORS.get(base.replace("Not", "", 1))
        if test is None:
            continue  # not evaluated here: assumed to hold
        for key, patterns in pairs.items():
            value = context.get(key.lower())
            if value is None:
                if if_exists or negated or absent_keys_hold:
                    continue
                return False
            matched = any(test(str(p), value) for p in _listify(patterns))
            if matched == negated:
                return False
    return True


def allows(documents, action: str, resource: str, context=None) -> bool:
    """Whether the documents allow `action` on `resource`; with `context` (condition keys,
    lower-cased), their conditions are evaluated against it."""
    return decide(documents, action, resource, context) == "Allow"


def decide(documents, action: str, resource: str, context=None) -> str:
    """IAM's decision: "Deny" (an explicit Deny), "Allow", or "ImplicitDeny" (nothing
    allows)."""
    allowed = False
    for doc in documents:
        for st in _statements(doc):
            if not _matches(st, "Action", "NotAction", action, False):
                continue
            if not _matches(st, "Resource", "NotResource", resource, True):
                continue
            if context is not None and not _conditions_hold(st.get("Condition"), context):
                continue
            effect = st.get("Effect")
            if effect == "Deny":
                return "Deny"
            if effect == "Allow":
                allowed = True
    return "Allow" if allowed else "ImplicitDeny"


def allows_service(document, service: str, action: str, context: dict, resource=None, any_aws=True) -> bool:
    """Whether a policy lets the service principal `service` call `action` (on `resource`,
    when given) with this context (keys lower-cased: aws:sourceaccount, aws:sourcearn): a
    statement whose Principal is `*` or names the service (or, with `any_aws`, `{"AWS": "*"}`);
    explicit Deny wins; the conditions on the keys in `context` are evaluated, others are
    taken to hold."""
    allowed = False
    for st in _statements(document):
        principal = st.get("Principal")
        if principal == "*":
            names_service = True
        elif isinstance(principal, dict):
            names_service = service in _listify(principal.get("Service")) or (any_aws and "*" in _listify(principal.get("AWS")))
        else:
            names_service = False
        if not names_service:
            continue
        if not _matches(st, "Action", "NotAction", action, False):
            continue
        if resource is not None and ("Resource" in st or "NotResource" in st) and not _matches(st, "Resource", "NotResource", resource, True):
            continue
        if not _conditions_hold(st.get("Condition"), context, absent_keys_hold=True):
            continue
        if st.get("Effect") == "Deny":
            return False
        if st.get("Effect") == "Allow":
            allowed = True
    return allowed


def trusts_service(trust_document, service: str, context: dict) -> bool:
    """Whether the trust policy lets `service` call sts:AssumeRole with this context."""
    return allows_service(trust_document, service, "sts:AssumeRole", context)
