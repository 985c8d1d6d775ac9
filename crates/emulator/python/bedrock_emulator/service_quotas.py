"""Service Quotas for Amazon Bedrock (service code `bedrock`), which moto lacks (moto answers
GetServiceQuota and ListAWSDefaultServiceQuotas for `vpc` only), as the service model
(botocore's service-quotas/2019-06-24, JSON 1.1) defines it. Requests have passed the model's
validation (protocols.py). The quotas are data: service_quotas.json, each with its source.

- GetServiceQuota, ListServiceQuotas (QuotaCode and QuotaAppliedAtLevel filters): the
  account's applied value in the request's Region, the default until an increase is approved;
  the ARN `arn:aws:servicequotas:<region>:<account>:bedrock/<code>`.
- GetAWSDefaultServiceQuota, ListAWSDefaultServiceQuotas: the default, under an ARN without
  the account (`arn:aws:servicequotas:<region>::bedrock/<code>`), as AWS's examples show it.
- RequestServiceQuotaIncrease: a PENDING request, `Requester` the caller as AWS writes it
  (`{"accountId":"...","callerArn":"..."}`). Refused as AWS refuses it: a quota not adjustable
  (IllegalArgumentException "The request failed because the specified quota is not
  adjustable."), one with an open request (ResourceAlreadyExistsException "Only one open
  service quota increase request is allowed per quota."), a value not above the default ("You
  must provide a quota value greater than the default quota value of 800000.0") or the
  applied value ("You must provide a quota value greater than the current quota value").
- GetRequestedServiceQuotaChange, ListRequestedServiceQuotaChangeHistory (ServiceCode,
  Status, QuotaRequestedAtLevel filters), ListRequestedServiceQuotaChangeHistoryByQuota
  (Status filter): the account's requests in the Region, newest first.
- Every list pages by MaxResults (1-100, 100 when absent) and NextToken (a token the
  emulator did not hand out for that listing is InvalidPaginationTokenException).
- An unknown quota code is NoSuchResourceException "The request failed because the specified
  quota L-... does not exist for service bedrock."; a Region the data has no value for has no
  Bedrock quotas.

AWS decides a request (at once, or by a support case); here the control does:

    POST /_emulator/quotas/decide {"RequestId": "...", "Status": "APPROVED"}

moves an open request (PENDING or CASE_OPENED) to APPROVED (the account's applied value in
that Region becomes DesiredValue), DENIED, NOT_APPROVED, INVALID_REQUEST, CASE_OPENED (a
CaseId is given; a request made with SupportCaseAllowed false is NOT_APPROVED instead, as
AWS documents) or, from CASE_OPENED, CASE_CLOSED.

State is per account and Region, and `local reset` empties it. Other service codes are
moto's (a history listing of another service is empty: requests exist for Bedrock only).
"""

import json
import os
import secrets
import string
import threading
import time

from moto.core.exceptions import JsonRESTError
from moto.servicequotas.responses import ServiceQuotasResponse

from . import catalog, paging

_PATH = os.path.join(os.path.dirname(__file__), "service_quotas.json")
with open(_PATH, encoding="utf-8") as _f:
    DATA = json.load(_f)
SERVICE_CODE = DATA["ServiceCode"]
SERVICE_NAME = DATA["ServiceName"]
QUOTAS = DATA["quotas"]
_BY_CODE = {q["QuotaCode"]: q for q in QUOTAS}

OPEN = ("PENDING", "CASE_OPENED")
DECISIONS = ("APPROVED", "DENIED", "CASE_OPENED", "NOT_APPROVED", "CASE_CLOSED", "INVALID_REQUEST")
PAGE = 100  # the page when MaxResults is absent (AWS: "a value appropriate to the operation")

_lock = threading.Lock()
# (account, region) -> {"applied": {quota code: value}, "requests": [request, oldest first]}
_state: dict = {}


class QuotasError(JsonRESTError):
    """An error as the JSON 1.1 protocol carries it: `__type` and the model's `Message`."""

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)
        self.description = json.dumps({"__type": error_type, "Message": message})


def reset() -> None:
    with _lock:
        _state.clear()


def _of(account: str, region: str) -> dict:
    if (account, region) not in _state:
        _state[(account, region)] = {"applied": {}, "requests": []}
    return _state[(account, region)]


def _now() -> float:
    return round(time.time(), 3)


def _java_double(value: float) -> str:
    """A number as AWS's (Java) messages print a double: 800000.0, 1.0E7."""
    value = float(value)
    if value != 0 and (abs(value) >= 1e7 or abs(value) < 1e-3):
        mantissa, exponent = f"{value:.15E}".split("E")
        mantissa = mantissa.rstrip("0")
        mantissa = mantissa + "0" if mantissa.endswith(".") else mantissa
        return f"{mantissa}E{int(exponent)}"
    return repr(value)


def _quota_in(region: str, code: str):
    """The data of a quota the Region has, or None."""
    q = _BY_CODE.get(code)
    return q if q is not None and region in q["values"] else None


def _no_such_quota(code: str):
    return QuotasError("NoSuchResourceException", f"The request failed because the specified quota {code} does not exist for service {SERVICE_CODE}.")


def _arn(region: str, account: str, code: str) -> str:
    return f"arn:{catalog.partition_of(region)}:servicequotas:{region}:{account}:{SERVICE_CODE}/{code}"


def _view(q: dict, region: str, account: str, value) -> dict:
    """A ServiceQuota as the model shapes it; `account` empty for an AWS default."""
    out = {
        "ServiceCode": SERVICE_CODE,
        "ServiceName": SERVICE_NAME,
        "QuotaArn": _arn(region, account, q["QuotaCode"]),
        "QuotaCode": q["QuotaCode"],
        "QuotaName": q["QuotaName"],
        "Value": float(value),
        "Unit": "None",
        "Adjustable": bool(q["Adjustable"]),
        "GlobalQuota": False,
    }
    for key in ("UsageMetric", "Period"):
        if key in q:
            out[key] = q[key]
    out["QuotaAppliedAtLevel"] = "ACCOUNT"
    if q.get("Description"):
        out["Description"] = q["Description"]
    return out


def _applied(account: str, region: str, q: dict) -> float:
    with _lock:
        return _of(account, region)["applied"].get(q["QuotaCode"], q["values"][region])


def _request_view(r: dict) -> dict:
    keys = ("Id", "CaseId", "ServiceCode", "ServiceName", "QuotaCode", "QuotaName", "DesiredValue", "Status", "Created", "LastUpdated", "Requester", "QuotaArn", "GlobalQuota", "Unit", "QuotaRequestedAtLevel")
    return {k: r[k] for k in keys if r.get(k) is not None}


def _page(self, params: dict, listing: list, items: list, key: str) -> str:
    """One page of `items` under `key`, its token bound to the listing, account and Region."""
    return paging.page(params, [listing, self.current_account, self.region], items, key, PAGE, lambda: QuotasError("InvalidPaginationTokenException", "The pagination token is invalid."))


def _moto(name: str):
    """moto's own handler of an operation, or moto's answer to one it lacks."""
    original = getattr(ServiceQuotasResponse, name, None)

    def call(self):
        if original is None:
            raise NotImplementedError(f"The {name} action has not been implemented")
        return original(self)

    return call


def get_service_quota(self):
    params = paging.params(self)
    q = _quota_in(self.region, params.get("QuotaCode"))
    if q is None:
        raise _no_such_quota(params.get("QuotaCode"))
    return json.dumps({"Quota": _view(q, self.region, self.current_account, _applied(self.current_account, self.region, q))})


def get_aws_default_service_quota(self):
    params = paging.params(self)
    q = _quota_in(self.region, params.get("QuotaCode"))
    if q is None:
        raise _no_such_quota(params.get("QuotaCode"))
    return json.dumps({"Quota": _view(q, self.region, "", q["values"][self.region])})


def list_service_quotas(self):
    params = paging.params(self)
    code = params.get("QuotaCode")
    level = params.get("QuotaAppliedAtLevel") or "ACCOUNT"
    quotas = [q for q in QUOTAS if self.region in q["values"] and (not code or q["QuotaCode"] == code)]
    if level == "RESOURCE":
        quotas = []  # every Bedrock quota here applies at the account
    items = [_view(q, self.region, self.current_account, _applied(self.current_account, self.region, q)) for q in quotas]
    return _page(self, params, ["ListServiceQuotas", SERVICE_CODE, code, level], items, "Quotas")


def list_aws_default_service_quotas(self):
    params = paging.params(self)
    items = [_view(q, self.region, "", q["values"][self.region]) for q in QUOTAS if self.region in q["values"]]
    return _page(self, params, ["ListAWSDefaultServiceQuotas", SERVICE_CODE], items, "Quotas")


def _request_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return secrets.token_hex(16) + "".join(secrets.choice(alphabet) for _ in range(8))


def request_service_quota_increase(self):
    from .runtime import _identity

    params = paging.params(self)
    account, region = self.current_account, self.region
    code = params.get("QuotaCode")
    q = _quota_in(region, code)
    if q is None:
        raise _no_such_quota(code)
    if not q["Adjustable"]:
        raise QuotasError("IllegalArgumentException", "The request failed because the specified quota is not adjustable.")
    desired = float(params["DesiredValue"])
    caller = _identity(self)
    with _lock:
        state = _of(account, region)
        if any(r["QuotaCode"] == code and r["Status"] in OPEN for r in state["requests"]):
            raise QuotasError("ResourceAlreadyExistsException", "Only one open service quota increase request is allowed per quota.")
        default = q["values"][region]
        if desired <= default:
            raise QuotasError("IllegalArgumentException", f"You must provide a quota value greater than the default quota value of {_java_double(default)}")
        if desired <= state["applied"].get(code, default):
            raise QuotasError("IllegalArgumentException", "You must provide a quota value greater than the current quota value")
        now = _now()
        request = {
            "Id": _request_id(),
            "ServiceCode": SERVICE_CODE,
            "ServiceName": SERVICE_NAME,
            "QuotaCode": code,
            "QuotaName": q["QuotaName"],
            "DesiredValue": desired,
            "Status": "PENDING",
            "Created": now,
            "LastUpdated": now,
            "Requester": json.dumps({"accountId": account, "callerArn": caller}, separators=(",", ":")),
            "QuotaArn": _arn(region, account, code),
            "GlobalQuota": False,
            "Unit": "None",
            "QuotaRequestedAtLevel": "ACCOUNT",
            "_support_case_allowed": params.get("SupportCaseAllowed", True) is not False,
            "_account": account,
            "_region": region,
        }
        state["requests"].append(request)
        return json.dumps({"RequestedQuota": _request_view(request)})


def get_requested_service_quota_change(self):
    params = paging.params(self)
    with _lock:
        found = next((r for r in _of(self.current_account, self.region)["requests"] if r["Id"] == params.get("RequestId")), None)
        if found is None:
            raise QuotasError("NoSuchResourceException", f"The request failed because the specified quota increase request {params.get('RequestId')} does not exist.")
        return json.dumps({"RequestedQuota": _request_view(found)})


def _history(self, params: dict, quota_code=None) -> list:
    service = params.get("ServiceCode")
    status = params.get("Status")
    level = params.get("QuotaRequestedAtLevel") or "ACCOUNT"
    with _lock:
        requests = list(reversed(_of(self.current_account, self.region)["requests"]))
        return [
            _request_view(r)
            for r in requests
            if (not service or r["ServiceCode"] == service)
            and (quota_code is None or r["QuotaCode"] == quota_code)
            and (not status or r["Status"] == status)
            and level != "RESOURCE"
        ]


def list_requested_service_quota_change_history(self):
    params = paging.params(self)
    listing = ["ListRequestedServiceQuotaChangeHistory", params.get("ServiceCode"), params.get("Status"), params.get("QuotaRequestedAtLevel")]
    return _page(self, params, listing, _history(self, params), "RequestedQuotas")


def list_requested_service_quota_change_history_by_quota(self):
    params = paging.params(self)
    code = params.get("QuotaCode")
    if _quota_in(self.region, code) is None:
        raise _no_such_quota(code)
    listing = ["ListRequestedServiceQuotaChangeHistoryByQuota", SERVICE_CODE, code, params.get("Status"), params.get("QuotaRequestedAtLevel")]
    return _page(self, params, listing, _history(self, params, code), "RequestedQuotas")


def control_decide(data):
    request_id = data.get("RequestId")
    status = data.get("Status")
    if not isinstance(request_id, str) or not request_id:
        return 400, {"error": "RequestId must be the Id of a quota increase request"}
    if status not in DECISIONS:
        return 400, {"error": f"Status must be one of {list(DECISIONS)}, not {status!r}"}
    with _lock:
        found = next((r for s in _state.values() for r in s["requests"] if r["Id"] == request_id), None)
        if found is None:
            return 404, {"error": f"no quota increase request {request_id}"}
        if found["Status"] not in OPEN:
            return 409, {"error": f"request {request_id} is {found['Status']}: only an open request (PENDING or CASE_OPENED) can be decided"}
        if status == found["Status"] or (status == "CASE_CLOSED" and found["Status"] != "CASE_OPENED"):
            return 409, {"error": f"request {request_id} is {found['Status']}: it cannot become {status}"}
        if status == "CASE_OPENED" and not found["_support_case_allowed"]:
            status = "NOT_APPROVED"  # "AWS does not open a support case and updates the request status to Not approved"
        if status == "CASE_OPENED":
            found["CaseId"] = f"{int(time.time())}{secrets.randbelow(10**5):05d}"
        if status == "APPROVED":
            _of(found["_account"], found["_region"])["applied"][found["QuotaCode"]] = found["DesiredValue"]
        found["Status"] = status
        found["LastUpdated"] = _now()
        return 200, {"RequestedQuota": _request_view(found)}


_BEDROCK_ONLY = {
    "get_service_quota": get_service_quota,
    "get_aws_default_service_quota": get_aws_default_service_quota,
    "list_service_quotas": list_service_quotas,
    "list_aws_default_service_quotas": list_aws_default_service_quotas,
    "request_service_quota_increase": request_service_quota_increase,
    "list_requested_service_quota_change_history_by_quota": list_requested_service_quota_change_history_by_quota,
}


def _for_bedrock(name: str, handler):
    fallback = _moto(name)

    def route(self):
        if paging.params(self).get("ServiceCode") != SERVICE_CODE:
            return fallback(self)
        return handler(self)

    route.__name__ = name
    return route


def install():
    from . import controls

    controls.routes[("POST", "/_emulator/quotas/decide")] = control_decide
    for name, handler in _BEDROCK_ONLY.items():
        setattr(ServiceQuotasResponse, name, _for_bedrock(name, handler))
    ServiceQuotasResponse.get_requested_service_quota_change = get_requested_service_quota_change
    ServiceQuotasResponse.list_requested_service_quota_change_history = list_requested_service_quota_change_history
