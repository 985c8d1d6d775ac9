"""Service-specific credentials and Bedrock API keys, which moto lacks, as IAM's service
model (botocore's iam/2010-05-08) and the IAM and Bedrock user guides describe them:

- CreateServiceSpecificCredential (UserName, ServiceName, CredentialAgeDays 1-36600),
  ListServiceSpecificCredentials (UserName, ServiceName, AllUsers), Update (Status),
  Reset and Delete. NoSuchEntity for an unknown user or id; NotSupportedService (404) for a
  service without such credentials; LimitExceeded (409) beyond two per user and service
  ("Cannot exceed quota for ServiceSpecificCredentialsPerUser: 2", in the words IAM uses for
  access keys); CredentialAgeDays only for the services with long-term API keys (Bedrock,
  CloudWatch Logs). DeleteUser is refused while the user has such credentials
  (DeleteConflict), as IAM refuses it.
- A Bedrock API key: ServiceCredentialAlias `<user>-at-<account>`, and
  ServiceCredentialSecret, returned only by Create (and Reset), `ABSK` followed by the base64
  of `<alias>:<secret>`: the form of the keys AWS issues (the Bedrock user guide calls the
  value the API key; it is what LibreChat's BEDROCK_AWS_BEARER_TOKEN holds).
- bearer(): the key of an `Authorization: Bearer` header, for bedrock-runtime's
  authorization (runtime.py): the key's user, refused when unknown, inactive or expired.
- A control, for tests of rotation: POST /_emulator/api-keys/age {"days": N} moves every
  credential's creation and expiry N days into the past, as if N days had gone by.
"""

import base64
import datetime
import secrets
import string

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import DeleteConflictException, IAMException, LimitExceededException, NoSuchEntity, ValidationError
from moto.iam.models import IAMBackend, iam_backends
from moto.iam.responses import IamResponse

SERVICES = {"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com", "logs.amazonaws.com"}
LONG_TERM_KEYS = {"bedrock.amazonaws.com", "logs.amazonaws.com"}
PER_USER = 2


class NotSupportedService(IAMException):
    code = "NotSupportedService"

    def __init__(self, message):
        super().__init__(message)
        self.code = 404


def _store(backend) -> dict:
    """id -> credential, per account (kept on moto's IAM backend, reset with it)."""
    if not hasattr(backend, "_service_credentials"):
        backend._service_credentials = {}
    return backend._service_credentials


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "ACCA" + "".join(secrets.choice(alphabet) for _ in range(17))


def _metadata(c: dict) -> dict:
    out = {
        "UserName": c["UserName"],
        "Status": c["Status"],
        "ServiceUserName": c.get("ServiceUserName"),
        "CreateDate": c["CreateDate"],
        "ServiceSpecificCredentialId": c["ServiceSpecificCredentialId"],
        "ServiceName": c["ServiceName"],
    }
    if c.get("ServiceCredentialAlias"):
        out["ServiceCredentialAlias"] = c["ServiceCredentialAlias"]
    if c.get("ExpirationDate"):
        out["ExpirationDate"] = c["ExpirationDate"]
    return {k: v for k, v in out.items() if v is not None}


def _secret(c: dict) -> None:
    """A new secret for `c`: a key for the services with long-term keys, a password else."""
    if c["ServiceName"] in LONG_TERM_KEYS:
        raw = base64.b64encode(secrets.token_bytes(44)).decode()
        c["ServiceCredentialSecret"] = "ABSK" + base64.b64encode(f"{c['ServiceCredentialAlias']}:{raw}".encode()).decode()
    else:
        c["ServicePassword"] = base64.b64encode(secrets.token_bytes(33)).decode()


def _find(backend, user_name, credential_id) -> dict:
    c = _store(backend).get(credential_id)
    if c is None or (user_name and c["UserName"] != user_name):
        raise NoSuchEntity(f"No such credential {credential_id} exists")
    return c


def create(self) -> ActionResult:
    backend = self.backend
    user_name = self._get_param("UserName")
    service = self._get_param("ServiceName")
    days = self._get_param("CredentialAgeDays")
    user = backend.get_user(user_name)  # NoSuchEntity in IAM's words
    if service not in SERVICES:
        raise NotSupportedService(f"No such service {service} is supported for Service-Specific Credentials")
    if days is not None:
        days = int(days)
        if service not in LONG_TERM_KEYS:
            raise ValidationError(f"CredentialAgeDays is not supported for service {service}")
        if not 1 <= days <= 36600:
            raise ValidationError(f"1 validation error detected: Value '{days}' at 'credentialAgeDays' failed to satisfy constraint: Member must have value between 1 and 36600")
    held = [c for c in _store(backend).values() if c["UserName"] == user_name and c["ServiceName"] == service]
    if len(held) >= PER_USER:
        raise LimitExceededException(f"Cannot exceed quota for ServiceSpecificCredentialsPerUser: {PER_USER}")
    created = _now()
    c = {
        "UserName": user.name,
        "Status": "Active",
        "CreateDate": created,
        "ServiceSpecificCredentialId": _id(),
        "ServiceName": service,
    }
    if service in LONG_TERM_KEYS:
        c["ServiceCredentialAlias"] = f"{user.name}-at-{backend.account_id}"
        if days is not None:
            c["ExpirationDate"] = created + datetime.timedelta(days=days)
    else:
        c["ServiceUserName"] = f"{user.name}-at-{backend.account_id}"
    _secret(c)
    _store(backend)[c["ServiceSpecificCredentialId"]] = c
    return ActionResult({"ServiceSpecificCredential": _full(c)})


def _full(c: dict) -> dict:
    out = _metadata(c)
    for k in ("ServiceCredentialSecret", "ServicePassword"):
        if c.get(k):
            out[k] = c[k]
    return out


def list_credentials(self) -> ActionResult:
    backend = self.backend
    user_name = self._get_param("UserName")
    service = self._get_param("ServiceName")
    all_users = str(self._get_param("AllUsers") or "").lower() == "true"
    if user_name and all_users:
        raise ValidationError("AllUsers cannot be specified together with UserName")
    if user_name:
        backend.get_user(user_name)
    found = [
        _metadata(c)
        for c in _store(backend).values()
        if (all_users or c["UserName"] == user_name) and (not service or c["ServiceName"] == service)
    ]
    return ActionResult({"ServiceSpecificCredentials": found, "IsTruncated": False})


def update(self) -> EmptyResult:
    status = self._get_param("Status")
    if status not in ("Active", "Inactive"):
        raise ValidationError(f"1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
    _find(self.backend, self._get_param("UserName"), self._get_param("ServiceSpecificCredentialId"))["Status"] = status
    return EmptyResult()


def reset(self) -> ActionResult:
    c = _find(self.backend, self._get_param("UserName"), self._get_param("ServiceSpecificCredentialId"))
    _secret(c)
    return ActionResult({"ServiceSpecificCredential": _full(c)})


def delete(self) -> EmptyResult:
    c = _find(self.backend, self._get_param("UserName"), self._get_param("ServiceSpecificCredentialId"))
    del _store(self.backend)[c["ServiceSpecificCredentialId"]]
    return EmptyResult()


class BearerRefused(Exception):
    """An API key bedrock-runtime does not accept, with the message it answers."""


def account_of(token: str) -> str | None:
    """The account a Bedrock API key names (its alias ends `-at-<account>`)."""
    try:
        alias = base64.b64decode(token[4:], validate=True).decode().split(":", 1)[0]
    except (ValueError, UnicodeDecodeError):
        return None
    account = alias.rsplit("-at-", 1)[-1]
    return account if token.startswith("ABSK") and account.isdigit() and len(account) == 12 else None


def bearer(token: str, partition: str = "aws"):
    """(user, credential) for a Bedrock API key; BearerRefused when bedrock-runtime refuses
    it (unknown, inactive, or expired)."""
    account = account_of(token)
    if account is None:
        raise BearerRefused("Invalid API Key format: Must start with pre-defined prefix")
    backend = iam_backends[account][partition]
    c = next((c for c in _store(backend).values() if c.get("ServiceCredentialSecret") == token), None)
    if c is None or c["Status"] != "Active" or c["ServiceName"] != "bedrock.amazonaws.com":
        raise BearerRefused("Authentication failed: Please make sure your API Key is valid.")
    if c.get("ExpirationDate") and c["ExpirationDate"] <= _now():
        raise BearerRefused("Bearer Token has expired")
    return backend.get_user(c["UserName"]), c


def token_of(request) -> str | None:
    """The Bedrock API key a request came with (its `Authorization: Bearer`, kept by the
    control layer where no client can set it), or None for a signed request."""
    from .controls import BEARER_HEADER

    return request.headers.get(BEARER_HEADER) or None


def user_of(request):
    """The IAM user of a request's Bedrock API key, or None for a signed request. A key
    bedrock-runtime refuses (unknown, inactive, expired) is answered with 403."""
    from .catalog import partition_of
    from .errors import AccessDeniedException

    token = token_of(request)
    if token is None:
        return None
    try:
        user, _ = bearer(token, partition_of(request.region))
    except BearerRefused as refused:
        raise AccessDeniedException(str(refused))
    return user


def control_age(data):
    days = data.get("days")
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days < 0:
        return 400, {"error": f"days must be a number of 0 or more, not {days!r}"}
    shift = datetime.timedelta(days=days)
    aged = 0
    for account in list(iam_backends.keys()):
        for backend in iam_backends[account].values():
            for c in _store(backend).values():
                c["CreateDate"] -= shift
                if c.get("ExpirationDate"):
                    c["ExpirationDate"] -= shift
                aged += 1
    return 200, {"aged": aged}


def install():
    from . import controls

    controls.routes[("POST", "/_emulator/api-keys/age")] = control_age
    IamResponse.create_service_specific_credential = create
    IamResponse.list_service_specific_credentials = list_credentials
    IamResponse.update_service_specific_credential = update
    IamResponse.reset_service_specific_credential = reset
    IamResponse.delete_service_specific_credential = delete

    delete_user = IAMBackend.delete_user

    def checked_delete_user(self, user_name):
        if any(c["UserName"] == user_name for c in _store(self).values()):
            self.get_user(user_name)
            raise DeleteConflictException("Cannot delete entity, must remove service specific credentials first.")
        return delete_user(self, user_name)

    IAMBackend.delete_user = checked_delete_user
