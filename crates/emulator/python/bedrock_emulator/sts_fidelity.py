"""STS AssumeRole as AWS answers it. moto 5.2.5 lets any AssumeRole succeed, even for a role
that does not exist ("The ARN can point to another account"); AWS issues credentials only
when the role exists and its trust policy lets the caller assume it.

- Every STS request is first checked against botocore's service model (the copy in this
  virtualenv), as AWS validates before any operation runs: required members, lengths,
  patterns, ranges (RoleArn 20-2048, RoleSessionName 2-64 `[\\w+=,.@-]*`, ExternalId 2-1224
  `[\\w+=,.@:\\/-]*`, DurationSeconds 900-43200, ...). The answer is STS's own: HTTP 400,
  ValidationError, "1 validation error detected: Value 'a b' at 'roleSessionName' failed to
  satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*" (the query
  protocol names members in lowerCamelCase).
- A RoleArn that is not an ARN at all (not six colon-separated parts, or no partition,
  service or resource) is "ValidationError: <arn> is invalid", HTTP 400.
- Otherwise the role must exist in the account its ARN names, and its trust policy must let
  the caller call sts:AssumeRole: a statement with Effect Allow whose Action (or NotAction)
  covers sts:AssumeRole, wildcards as IAM matches them, and whose Principal names the caller:
  `*` or {"AWS": "*"}, the caller's account (`arn:aws:iam::ACCOUNT:root` or the bare 12-digit
  id: both delegate to the whole account, IAM user guide, "AWS account principals"), the
  caller's own ARN (an IAM user, or one assumed-role session), or, for a role session, its
  role's ARN. No wildcard matches part of a principal ARN ("You cannot use a wildcard to match
  part of a principal name or ARN"). An explicit Deny that applies wins. Of the conditions,
  sts:ExternalId is evaluated against the request's ExternalId (StringEquals, StringLike and
  the other String operators, with their Not and IfExists forms, and Null; a request without
  ExternalId fails a positive operator on it, as in IAM); every other condition key (MFA,
  source IP, aws:PrincipalOrgID, ...) cannot be known here and is assumed to hold, for a
  Deny statement as for an Allow one.
- Refused: HTTP 403, AccessDenied (type Sender), "User: <caller ARN> is not authorized to
  perform: sts:AssumeRole on resource: <role ARN>", the caller's ARN as GetCallerIdentity
  names it. A role that does not exist is refused the same way: AWS does not tell a missing
  role from one that does not trust the caller.
- Once allowed, the session duration: a role session assuming another role (role chaining)
  gets at most one hour, and no session outlives the role's MaxSessionDuration, each a
  ValidationError in AWS's words.
- Organizations member accounts: AWS creates OrganizationAccountAccessRole in every account
  created through Organizations, trusting the management account and with the AWS managed
  policy AdministratorAccess attached (Organizations user guide, "Creating
  OrganizationAccountAccessRole for an invited account": "This essentially duplicates the
  role automatically set up for created accounts"). The emulator models every 12-digit account
  but its default one (123456789012) as such a member of an organization the default account
  manages: the first AssumeRole of arn:aws:iam::<member>:role/OrganizationAccountAccessRole
  creates the role there, then evaluates as above.

The credentials issued stay bound to the role's account, as moto binds them (it keeps
accounts apart by access key): a session of OrganizationAccountAccessRole in 111111111111
works in that account's backends.
"""

import json
import re
import threading
import warnings

from moto.core.exceptions import ServiceException
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult, BaseResponse
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSValidationError
from moto.sts.responses import TokenResponse

from . import iam_eval, runtime, validation

ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
ROLE_CHAINING_LIMIT = 3600
# IAM's default MaxSessionDuration, for a role created without one.
DEFAULT_MAX_SESSION = 3600
_lock = threading.Lock()

_original_assume_role = TokenResponse.assume_role


class AccessDenied(ServiceException):
    """STS's AccessDenied: not an error shape of the service model (so moto's serializer
    would answer 400); answered with HTTP 403 by `assume_role`."""

    code = "AccessDenied"
    status = 403


class _QueryChecker(validation._Checker):
    """The model checks of validation.py, naming members as the query protocol's validation
    messages do: lowerCamelCase (`roleSessionName`, `tags.1.member.key`)."""

    @staticmethod
    def join(path, name):
        name = name[:1].lower() + name[1:]
        return f"{path}.{name}" if path else name


def _validate(self) -> None:
    """Raise STSValidationError for a request that breaks the STS service model."""
    model = validation.model("sts")
    op = model["operations"].get(self._get_action() or "")
    if op is None or "input" not in op:
        return
    shapes = model["shapes"]
    checker = _QueryChecker(shapes)
    try:
        checker.structure(shapes[op["input"]["shape"]], dict(getattr(self, "params", None) or {}), "")
    except validation.Invalid as error:
        raise STSValidationError(error.message)
    if checker.errors:
        raise STSValidationError(validation.message(checker.errors))


def call_action(self):
    try:
        _validate(self)
    except STSValidationError as error:
        status, headers, body = self.serialized(ActionResult(error))
        headers["status"] = status
        headers, body = self._enrich_response(headers, body)
        return status, headers, body
    return BaseResponse.call_action(self)


def _role(self, role_arn: str):
    """The role the ARN names, or None. The emulator's member accounts get their
    OrganizationAccountAccessRole on first use."""
    _, partition, service, region, account, resource = role_arn.split(":", 5)
    if service != "iam" or region or partition != self.partition or not re.fullmatch(r"\d{12}", account):
        return None
    if not resource.startswith("role/"):
        return None
    iam = iam_backends[account][self.partition]
    with _lock:
        role = next((r for r in list(iam.roles.values()) if r.arn == role_arn), None)
        if role is None and account != DEFAULT_ACCOUNT_ID and resource == f"role/{ORGANIZATION_ROLE}":
            role = _create_organization_role(iam, partition)
    return role


def _create_organization_role(iam, partition: str):
    """OrganizationAccountAccessRole as Organizations sets it up in an account it creates:
    trusting the management account, with AdministratorAccess attached."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{DEFAULT_ACCOUNT_ID}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(
        role_name=ORGANIZATION_ROLE,
        assume_role_policy_document=json.dumps(trust),
        path="/",
        permissions_boundary=None,
        description=None,
        tags=[],
        max_session_duration="3600",
    )
    try:
        iam.attach_role_policy(f"arn:{partition}:iam::aws:policy/AdministratorAccess", ORGANIZATION_ROLE)
    except NotFoundException:
        # moto loads the AWS managed policies only with MOTO_IAM_LOAD_MANAGED_POLICIES=true,
        # which the emulator is always started with (process.rs).
        pass
    return role


def _caller(self) -> dict:
    """Who is calling: the ARN GetCallerIdentity names, its account, and for a role session
    the role's ARN."""
    arn = runtime._identity(self)
    parts = arn.split(":", 5)
    session = runtime._caller(self)
    return {
        "arn": arn,
        "account": parts[4] if len(parts) == 6 else self.current_account,
        "role_arn": session.role_arn if session is not None else None,
        "session": session,
    }


def _names_caller(principal, caller: dict) -> bool:
    """Whether a Principal element names the caller (exactly: IAM matches no wildcard inside
    a principal ARN; `*` alone means everyone)."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in iam_eval._listify(principal.get("AWS")):
        value = str(value)
        if value == "*":
            return True
        if re.fullmatch(r"\d{12}", value):
            if value == caller["account"]:
                return True
            continue
        root = re.fullmatch(r"arn:[^:]+:iam::(\d{12}):root", value)
        if root:
            if root.group(1) == caller["account"]:
                return True
            continue
        if value == caller["arn"] or (caller["role_arn"] and value == caller["role_arn"]):
            return True
    return False


def _external_id_holds(condition, external_id) -> bool:
    """Whether a statement's conditions on sts:ExternalId hold for the request's ExternalId.
    Every other condition key is assumed to hold: the emulator cannot know MFA, source IP or
    organization membership, and takes them to be as the policy asks."""
    if not isinstance(condition, dict):
        return True
    on_external_id = {}
    for operator, pairs in condition.items():
        if not isinstance(pairs, dict):
            continue
        kept = {key: value for key, value in pairs.items() if key.lower() == "sts:externalid"}
        if kept:
            on_external_id[operator] = kept
    context = {} if external_id is None else {"sts:externalid": external_id}
    return iam_eval._conditions_hold(on_external_id, context)


def trusts(trust_document, caller: dict, external_id) -> bool:
    """Whether the trust policy lets the caller call sts:AssumeRole: an applicable Allow and
    no applicable Deny."""
    allowed = False
    for statement in iam_eval._statements(trust_document):
        if "Principal" in statement:
            applies = _names_caller(statement["Principal"], caller)
        elif "NotPrincipal" in statement:
            applies = not _names_caller(statement["NotPrincipal"], caller)
        else:
            applies = False
        if not applies:
            continue
        if not iam_eval._matches(statement, "Action", "NotAction", "sts:AssumeRole", False):
            continue
        if not _external_id_holds(statement.get("Condition"), external_id):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return False
        if effect == "Allow":
            allowed = True
    return allowed


def _check(self) -> None:
    """Raise what AWS answers an AssumeRole it refuses; return when it issues credentials."""
    role_arn = self._get_param("RoleArn")
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        raise STSValidationError(f"{role_arn} is invalid")
    caller = _caller(self)
    role = _role(self, role_arn)
    if role is None or not trusts(role.assume_role_policy_document, caller, self._get_param("ExternalId")):
        raise AccessDenied(f"User: {caller['arn']} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
    duration = self._get_param("DurationSeconds")
    if duration is None:
        return
    if caller["session"] is not None and int(duration) > ROLE_CHAINING_LIMIT:
        raise STSValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
    if int(duration) > int(role.max_session_duration or DEFAULT_MAX_SESSION):
        raise STSValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")


def assume_role(self):
    try:
        _check(self)
    except AccessDenied as error:
        status, headers, body = self.serialized(ActionResult(error))
        headers["status"] = error.status
        return body, headers
    return _original_assume_role(self)


# Which account an access key belongs to, as moto finds it: a search through every account's
# keys in every partition, on every request, which grows with the accounts a run assumes roles
# in (a hundred accounts' plans spent most of the emulator's time there). A key never moves
# between accounts, so a key found once is looked up directly; the entry is checked on each use,
# so a key deleted (or a reset) is searched for again.
_key_accounts: dict = {}
_search_key = None


def _account_of_key(access_key: str) -> str:
    from moto.utilities.utils import PARTITION_NAMES

    account = _key_accounts.get(access_key)
    if account is not None and account in iam_backends:
        backends = iam_backends[account]
        if any(access_key in backends[p].access_keys for p in PARTITION_NAMES if p in backends):
            return account
    found = _search_key(access_key)
    if found != DEFAULT_ACCOUNT_ID:
        _key_accounts[access_key] = found
    return found


def install():
    import moto.iam.models as iam_models

    global _search_key
    _search_key = iam_models.get_account_id_from
    iam_models.get_account_id_from = _account_of_key
    TokenResponse.call_action = call_action
    TokenResponse.assume_role = assume_role
    # moto warns of an error code its service model lacks; AccessDenied is STS's common error.
    warnings.filterwarnings("ignore", message=r"Exception\(AccessDenied\) with code AccessDenied")
