"""AWS Budgets as botocore's service model (budgets/2016-10-20, JSON 1.1) and AWS's documents
describe it, in place of moto's (which has CreateBudget, DescribeBudget(s), DeleteBudget and
notifications without subscribers, and checks nothing). Requests have passed the model's
validation (protocols.py); what is checked here is what AWS checks beyond the model.

Budgets:
- CreateBudget (with NotificationsWithSubscribers and ResourceTags), DescribeBudget,
  DescribeBudgets (MaxResults 1-1000, 100 when absent; NextToken), UpdateBudget (NewBudget:
  every part but the name, as the model says; notifications, subscribers and tags are kept),
  DeleteBudget (with its notifications, subscribers and tags).
- A budget is its account's, in every Region (budgets are global): the state is kept on
  moto's budgets backend of the account and partition, so `local reset` empties it. A
  request naming another account's AccountId is refused (AccessDeniedException): the user
  guide says Budgets does not support cross-account use.
- ARN `arn:<partition>:budgets::<account>:budget/<name>`.
- As answered: TimePeriod defaults to the start of the period (DAILY: the day, MONTHLY: the
  month, QUARTERLY: the quarter, ANNUALLY: the year, 00:00 UTC) and the end 2087-06-15
  00:00 UTC, as the model documents; a COST budget's CostTypes are filled with the model's
  documented defaults (unless it uses FilterExpression/Metrics); CalculatedSpend is zero
  (ActualSpend and ForecastedSpend "0" in the limit's unit: no spend is ever computed);
  LastUpdatedTime is the last create or update; FilterExpression is answered only with
  ShowFilterExpression, as the model says.
- Refused (InvalidParameterException) as AWS refuses: a COST or USAGE budget with neither
  BudgetLimit, PlannedBudgetLimits nor AutoAdjustData (moto's recorded text "Unable to
  create/update budget - please provide one of the followings: Budget Limit/ Planned Budget
  Limit/ Auto Adjust Data"), with both BudgetLimit and PlannedBudgetLimits, CostFilters or
  CostTypes together with FilterExpression or Metrics (the model: "not both"),
  PlannedBudgetLimits on a budget that is not MONTHLY or QUARTERLY, a TimePeriod whose start
  is not before its end or whose end is after 2087-06-15, a FORECASTED notification on a
  DAILY budget (AWS answers InvalidParameterException: JiRaska/open-bank-oss#226).
  Beyond what a public source records (the emulator's rule and words): a COST budget's limit
  must be in USD, an amount must be above zero, an RI or Savings Plans budget's limit must
  be 100, a CostFilters key must be one of COST_FILTER_KEYS.

Notifications and subscribers:
- CreateNotification, UpdateNotification (OldNotification -> NewNotification, subscribers
  kept), DeleteNotification (with its subscribers), DescribeNotificationsForBudget,
  CreateSubscriber, UpdateSubscriber, DeleteSubscriber (the last subscriber takes its
  notification with it, as the model says), DescribeSubscribersForNotification. A
  notification is told by NotificationType, ComparisonOperator, Threshold and ThresholdType
  (absent is PERCENTAGE); it is answered as given, with NotificationState "OK" (never in
  ALARM: no spend). A subscriber is told by SubscriptionType and Address.
- At most NOTIFICATIONS_PER_BUDGET notifications per budget, one SNS and ten EMAIL
  subscribers per notification (the model's documentation), else
  CreationLimitExceededException ("one notification can only have 1 subscribers with type
  of SNS", AWS's text as aprin-labs/archimedes#1712 records it; the other two in the same
  form). A notification or subscriber that exists already is DuplicateRecordException; one
  that does not, NotFoundException.
- An SNS subscriber's Address must be an SNS topic ARN ("Please comply with SNS ARN
  format", InvalidParameterException) of a topic of the budget's account that exists and
  whose policy allows the service principal budgets.amazonaws.com SNS:Publish (its
  aws:SourceAccount and aws:SourceArn conditions are evaluated with the budget's account and
  ARN, aws:SecureTransport as true: Budgets publishes over TLS; `{"AWS": "*"}`, which a new
  topic's default policy has, does not name it), and, for a topic encrypted with a KMS key, whose key policy allows
  budgets.amazonaws.com kms:GenerateDataKey* and kms:Decrypt; else AccessDeniedException
  ("Invalid SNS topic: ...", "The SNS topic is encrypted ...": the words of the user guide's
  "Creating an Amazon SNS topic for budget notifications", Troubleshooting). An EMAIL
  subscriber's Address must look like an address (local@domain).

Tags: TagResource, UntagResource, ListTagsForResource on a budget's ARN; an ARN of no budget
is NotFoundException; at most MAX_TAGS tags (ServiceQuotaExceededException).

Paging: NextToken of a listing the emulator did not hand out is InvalidNextTokenException.
"""

import calendar
import datetime
import decimal
import json
import re
import threading
import time

from moto.budgets.models import budgets_backends
from moto.budgets.responses import BudgetsResponse
from moto.core.exceptions import JsonRESTError

from . import catalog, iam_eval, paging

SERVICE_PRINCIPAL = "budgets.amazonaws.com"
NOTIFICATIONS_PER_BUDGET = 5  # CreateBudget's NotificationsWithSubscribers: "up to five"
SNS_PER_NOTIFICATION = 1
EMAIL_PER_NOTIFICATION = 10
MAX_TAGS = 200  # ResourceTagList's max
END_OF_TIME = 3706473600  # 2087-06-15T00:00:00Z, the model's default end
DESCRIBE_BUDGETS_PAGE = 100  # "The default is 100."
NOTIFICATIONS_PAGE = 100
# The CostFilters keys AWS's documents name (the old CostFilter data type: AZ, LinkedAccount,
# Operation, PurchaseType, Service, TagKeyValue, UsageType; the Terraform provider's list of
# what the API takes adds the rest). `UsageType:<service>` is the old usage-budget form.
COST_FILTER_KEYS = (
    "AZ",
    "BillingEntity",
    "CostCategory",
    "InstanceType",
    "InvoicingEntity",
    "LegalEntityName",
    "LinkedAccount",
    "Operation",
    "PurchaseType",
    "Region",
    "Service",
    "TagKeyValue",
    "UsageType",
    "UsageTypeGroup",
)
# The model's documented defaults of a COST budget's CostTypes.
COST_TYPE_DEFAULTS = {
    "IncludeTax": True,
    "IncludeSubscription": True,
    "UseBlended": False,
    "IncludeRefund": True,
    "IncludeCredit": True,
    "IncludeUpfront": True,
    "IncludeRecurring": True,
    "IncludeOtherSubscription": True,
    "IncludeSupport": True,
    "IncludeDiscount": True,
    "UseAmortized": False,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SNS_ARN = re.compile(r"^arn:(aws[a-z-]*):sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})$")
_BUDGET_ARN = re.compile(r"^arn:(aws[a-z-]*):budgets::(\d{12}):budget/(.+)$")

_lock = threading.Lock()


class BudgetsError(JsonRESTError):
    """An error as the JSON 1.1 protocol carries it: `__type` and the model's `Message`.
    Every error of the Budgets API reference is HTTP 400."""

    code = 400

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)
        self.description = json.dumps({"__type": error_type, "Message": message})


def _invalid(message: str):
    return BudgetsError("InvalidParameterException", message)


def _not_found(message: str):
    return BudgetsError("NotFoundException", message)


def _duplicate(message: str):
    return BudgetsError("DuplicateRecordException", message)


def _limit(message: str):
    return BudgetsError("CreationLimitExceededException", message)


def _denied(message: str):
    return BudgetsError("AccessDeniedException", message)


# ---------------------------------------------------------------- state


def _store(backend) -> dict:
    """name -> budget record, on moto's budgets backend of the account (reset with it):
    {"budget": the Budget as stored, "notifications": [{"notification", "subscribers"}],
    "tags": [{"Key", "Value"}]}."""
    if not hasattr(backend, "_emulated_budgets"):
        backend._emulated_budgets = {}
    return backend._emulated_budgets


def _partition(self) -> str:
    return catalog.partition_of(self.region or "us-east-1")


def _budgets(self) -> dict:
    return _store(budgets_backends[self.current_account][_partition(self)])


def _arn(partition: str, account: str, name: str) -> str:
    return f"arn:{partition}:budgets::{account}:budget/{name}"


def _check_account(self, params: dict, action: str, name=None) -> str:
    """The request's AccountId, which must be the caller's: Budgets has no cross-account use
    (a budget is only visible to the account that created it)."""
    account = params.get("AccountId")
    if account != self.current_account:
        from .runtime import _identity

        resource = _arn(_partition(self), account, name) if name else f"arn:{_partition(self)}:budgets::{account}:budget/*"
        raise _denied(f"User: {_identity(self)} is not authorized to perform: budgets:{action} on resource: {resource}")
    return account


def _record(self, name: str, missing: str) -> dict:
    found = _budgets(self).get(name)
    if found is None:
        raise _not_found(missing)
    return found


# ---------------------------------------------------------------- the budget itself


def _timestamp(value):
    """Seconds since the epoch of a request's timestamp (a number, or ISO 8601 text)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BudgetsError("SerializationException", f"Could not read '{value}' as a timestamp.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def _period_start(time_unit: str) -> float:
    """The start of the current period, 00:00 UTC, as the model documents the default."""
    now = datetime.datetime.now(datetime.timezone.utc)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if time_unit == "MONTHLY":
        day = day.replace(day=1)
    elif time_unit == "QUARTERLY":
        day = day.replace(day=1, month=3 * ((now.month - 1) // 3) + 1)
    elif time_unit == "ANNUALLY":
        day = day.replace(day=1, month=1)
    return float(calendar.timegm(day.timetuple()))


def _amount(value: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(value)
    except (decimal.InvalidOperation, TypeError):
        raise _invalid(f"Amount {value} is not a number.")


def _check_spend(spend: dict, budget_type: str, what: str) -> None:
    amount = _amount(spend.get("Amount"))
    if budget_type == "COST" and spend.get("Unit") != "USD":
        raise _invalid(f"The unit of {what} must be USD for a COST budget, not {spend.get('Unit')}.")
    if budget_type in ("COST", "USAGE") and amount <= 0:
        raise _invalid(f"The amount of {what} must be greater than 0.")
    if budget_type not in ("COST", "USAGE") and amount != 100:
        raise _invalid(f"The amount of {what} must be 100 for a {budget_type} budget.")


def _check_budget(budget: dict) -> None:
    """What AWS refuses in a Budget beyond the model (InvalidParameterException)."""
    budget_type = budget.get("BudgetType")
    time_unit = budget.get("TimeUnit")
    limit = budget.get("BudgetLimit")
    planned = budget.get("PlannedBudgetLimits")
    if budget_type in ("COST", "USAGE") and not limit and not planned and not budget.get("AutoAdjustData"):
        raise _invalid("Unable to create/update budget - please provide one of the followings: Budget Limit/ Planned Budget Limit/ Auto Adjust Data")
    if limit and planned:
        raise _invalid("Only one of BudgetLimit or PlannedBudgetLimits can be present in a budget.")
    if (budget.get("CostFilters") is not None or budget.get("CostTypes") is not None) and (budget.get("FilterExpression") is not None or budget.get("Metrics") is not None):
        raise _invalid("Only one set of filter and metric selections can be present in a budget: either FilterExpression and Metrics, or CostFilters and CostTypes.")
    if limit:
        _check_spend(limit, budget_type, "BudgetLimit")
    if planned:
        if time_unit not in ("MONTHLY", "QUARTERLY"):
            raise _invalid(f"PlannedBudgetLimits is available for MONTHLY and QUARTERLY budgets only, not {time_unit}.")
        for key, spend in planned.items():
            if not re.fullmatch(r"\d+", str(key)):
                raise _invalid(f"The key {key} of PlannedBudgetLimits must be the start of a period, UTC in epoch seconds.")
            _check_spend(spend, budget_type, f"PlannedBudgetLimits {key}")
    for key in (budget.get("CostFilters") or {}):
        if key not in COST_FILTER_KEYS and not key.startswith("UsageType:"):
            raise _invalid(f"Invalid cost filter key: {key}. The keys are {', '.join(COST_FILTER_KEYS)}.")
    period = budget.get("TimePeriod") or {}
    start, end = _timestamp(period.get("Start")), _timestamp(period.get("End"))
    if end is not None and end > END_OF_TIME:
        raise _invalid("The end date of a budget must come before 06/15/87 00:00 UTC.")
    if start is not None and end is not None and start >= end:
        raise _invalid("The start date of a budget must come before its end date.")


def _stored_budget(budget: dict, previous=None) -> dict:
    """A Budget as kept: the request's members, the defaults AWS fills in, no CalculatedSpend
    (it is always answered zero) and LastUpdatedTime now."""
    kept = {k: v for k, v in budget.items() if k not in ("CalculatedSpend", "LastUpdatedTime", "HealthStatus")}
    period = dict(kept.get("TimePeriod") or {})
    if period.get("Start") is None:
        same_unit = previous is not None and previous.get("TimeUnit") == kept.get("TimeUnit")
        period["Start"] = previous["TimePeriod"]["Start"] if same_unit else _period_start(kept.get("TimeUnit"))
    else:
        period["Start"] = _timestamp(period["Start"])
    period["End"] = END_OF_TIME if period.get("End") is None else _timestamp(period["End"])
    kept["TimePeriod"] = period
    if kept.get("BudgetType") == "COST" and kept.get("FilterExpression") is None and kept.get("Metrics") is None:
        kept["CostTypes"] = {**COST_TYPE_DEFAULTS, **(kept.get("CostTypes") or {})}
    auto = kept.get("AutoAdjustData")
    if isinstance(auto, dict):
        options = auto.get("HistoricalOptions")
        if isinstance(options, dict):
            options.pop("LookBackAvailablePeriods", None)  # "You can't set your own"
    kept["LastUpdatedTime"] = round(time.time(), 3)
    return kept


def _budget_view(budget: dict, show_filter_expression: bool) -> dict:
    out = {k: v for k, v in budget.items() if show_filter_expression or k != "FilterExpression"}
    unit = (budget.get("BudgetLimit") or {}).get("Unit")
    if unit is None:
        planned = budget.get("PlannedBudgetLimits") or {}
        unit = next((s.get("Unit") for s in planned.values()), None)
    unit = unit or "USD"
    out["CalculatedSpend"] = {
        "ActualSpend": {"Amount": "0", "Unit": unit},
        "ForecastedSpend": {"Amount": "0", "Unit": unit},
    }
    return out


# ---------------------------------------------------------------- notifications and subscribers


def _identity_of(notification: dict) -> tuple:
    return (
        notification.get("NotificationType"),
        notification.get("ComparisonOperator"),
        float(notification.get("Threshold")),
        notification.get("ThresholdType") or "PERCENTAGE",
    )


def _notification_view(notification: dict) -> dict:
    out = {k: notification[k] for k in ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType") if notification.get(k) is not None}
    out["NotificationState"] = "OK"
    return out


def _describe_notification(notification: dict) -> str:
    n = notification
    return f"{n.get('NotificationType')} {n.get('ComparisonOperator')} {n.get('Threshold')} {n.get('ThresholdType') or 'PERCENTAGE'}"


def _find_notification(record: dict, notification: dict):
    wanted = _identity_of(notification)
    return next((n for n in record["notifications"] if _identity_of(n["notification"]) == wanted), None)


def _check_notification(budget: dict, notification: dict) -> None:
    if budget.get("TimeUnit") == "DAILY" and notification.get("NotificationType") == "FORECASTED":
        raise _invalid("FORECASTED notifications are not supported for DAILY budgets: use ACTUAL.")


def _kms_allows(account: str, region: str, key_id: str) -> bool:
    """Whether the KMS key lets AWS Budgets encrypt for the topic (the user guide's key policy:
    kms:GenerateDataKey* and kms:Decrypt for budgets.amazonaws.com)."""
    from moto.kms.models import kms_backends

    try:
        key = kms_backends[account][region].describe_key(key_id)
    except Exception:
        return False
    return all(_service_allowed(key.policy, action, "*", {}) for action in ("kms:GenerateDataKey", "kms:Decrypt"))


def _service_allowed(document, action: str, resource: str, context: dict) -> bool:
    """Whether a resource policy allows the service principal AWS Budgets `action` on
    `resource` (`iam_eval.allows_service`). `{"AWS": "*"}` does not count: a new topic's
    default policy has it (with the owner's condition), and AWS's guide has Budgets' own
    statement added to such a policy."""
    return iam_eval.allows_service(document, SERVICE_PRINCIPAL, action, context, resource, any_aws=False)


def _check_subscriber(account: str, partition: str, budget_name: str, subscriber: dict) -> None:
    kind = subscriber.get("SubscriptionType")
    address = subscriber.get("Address") or ""
    if kind == "EMAIL":
        if not _EMAIL.match(address):
            raise _invalid(f"Invalid email address for an EMAIL subscriber: {address}")
        return
    match = _SNS_ARN.match(address)
    if match is None:
        raise _invalid("Please comply with SNS ARN format")
    from moto.sns.models import sns_backends

    topic_partition, region, topic_account, _ = match.groups()
    topic = None
    if topic_account == account and topic_partition == partition:
        try:
            topic = sns_backends[topic_account][region].topics.get(address)
        except KeyError:
            topic = None
    # AWS Budgets publishes over TLS: a topic policy's deny of plain-HTTP requests
    # (`Bool aws:SecureTransport false`) does not stop it.
    context = {"aws:sourceaccount": account, "aws:sourcearn": _arn(partition, account, budget_name), "aws:securetransport": "true"}
    if topic is None or not _service_allowed(topic._policy_json, "SNS:Publish", address, context):
        raise _denied(
            f"Invalid SNS topic: AWS Budgets doesn't have access to the SNS topic {address}. Confirm that you've allowed "
            f"{SERVICE_PRINCIPAL} the ability to publish messages to this SNS topic, in the SNS topic's resource based policy."
        )
    key = getattr(topic, "kms_master_key_id", "")
    if key and not _kms_allows(topic_account, region, key):
        raise _denied(
            f"The SNS topic is encrypted: {address} uses the KMS key {key}, whose key policy does not allow "
            f"{SERVICE_PRINCIPAL} kms:GenerateDataKey* and kms:Decrypt."
        )


def _check_subscriber_counts(subscribers: list) -> None:
    sns = sum(1 for s in subscribers if s.get("SubscriptionType") == "SNS")
    email = sum(1 for s in subscribers if s.get("SubscriptionType") == "EMAIL")
    if sns > SNS_PER_NOTIFICATION:
        raise _limit(f"one notification can only have {SNS_PER_NOTIFICATION} subscribers with type of SNS")
    if email > EMAIL_PER_NOTIFICATION:
        raise _limit(f"one notification can only have {EMAIL_PER_NOTIFICATION} subscribers with type of EMAIL")


def _subscriber_key(subscriber: dict) -> tuple:
    return (subscriber.get("SubscriptionType"), subscriber.get("Address"))


def _subscriber_view(subscriber: dict) -> dict:
    return {"SubscriptionType": subscriber.get("SubscriptionType"), "Address": subscriber.get("Address")}


def _new_notification(account: str, partition: str, budget: dict, notification: dict, subscribers: list) -> dict:
    """A notification with its subscribers, checked as CreateNotification checks them."""
    _check_notification(budget, notification)
    keys = [_subscriber_key(s) for s in subscribers]
    if len(set(keys)) != len(keys):
        raise _duplicate("Error creating subscriber: the subscriber is given more than once.")
    _check_subscriber_counts(subscribers)
    for s in subscribers:
        _check_subscriber(account, partition, budget["BudgetName"], s)
    kept = {k: notification[k] for k in ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType") if notification.get(k) is not None}
    return {"notification": kept, "subscribers": [_subscriber_view(s) for s in subscribers]}


# ---------------------------------------------------------------- paging


def _page(self, params: dict, listing: list, items: list, key: str, default: int) -> str:
    """One page of `items` under `key`, its token bound to the listing and the account."""
    return paging.page(params, [listing, self.current_account], items, key, default, lambda: BudgetsError("InvalidNextTokenException", "The pagination token is invalid."))


# ---------------------------------------------------------------- operations


def create_budget(self):
    params = paging.params(self)
    budget = params.get("Budget") or {}
    name = budget.get("BudgetName")
    account = _check_account(self, params, "ModifyBudget", name)
    partition = _partition(self)
    _check_budget(budget)
    with _lock:
        budgets = _budgets(self)
        if name in budgets:
            raise _duplicate(f"Error creating budget: {name} - the budget already exists.")
        entries = params.get("NotificationsWithSubscribers") or []
        if len(entries) > NOTIFICATIONS_PER_BUDGET:
            raise _limit(f"one budget can only have {NOTIFICATIONS_PER_BUDGET} notifications")
        notifications = []
        for entry in entries:
            made = _new_notification(account, partition, budget, entry["Notification"], entry["Subscribers"])
            if any(_identity_of(n["notification"]) == _identity_of(made["notification"]) for n in notifications):
                raise _duplicate(f"Error creating notification: {_describe_notification(made['notification'])} - the notification already exists.")
            notifications.append(made)
        tags = _merged_tags([], params.get("ResourceTags") or [])
        budgets[name] = {"budget": _stored_budget(budget), "notifications": notifications, "tags": tags}
    return "{}"


def describe_budget(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    _check_account(self, params, "ViewBudget", name)
    with _lock:
        record = _record(self, name, f"Unable to get budget: {name} - the budget doesn't exist.")
        return json.dumps({"Budget": _budget_view(record["budget"], params.get("ShowFilterExpression") is True)})


def describe_budgets(self):
    params = paging.params(self)
    _check_account(self, params, "ViewBudget")
    show = params.get("ShowFilterExpression") is True
    with _lock:
        items = [_budget_view(_budgets(self)[n]["budget"], show) for n in sorted(_budgets(self))]
    return _page(self, params, ["DescribeBudgets", show], items, "Budgets", DESCRIBE_BUDGETS_PAGE)


def update_budget(self):
    params = paging.params(self)
    budget = params.get("NewBudget") or {}
    name = budget.get("BudgetName")
    _check_account(self, params, "ModifyBudget", name)
    _check_budget(budget)
    with _lock:
        record = _record(self, name, f"Unable to update budget: {name} - the budget doesn't exist.")
        for n in record["notifications"]:
            _check_notification(budget, n["notification"])
        record["budget"] = _stored_budget(budget, record["budget"])
    return "{}"


def delete_budget(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    _check_account(self, params, "ModifyBudget", name)
    with _lock:
        budgets = _budgets(self)
        if name not in budgets:
            raise _not_found(f"Unable to delete budget: {name} - the budget doesn't exist. Try creating it first. ")
        del budgets[name]
    return "{}"


def create_notification(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    account = _check_account(self, params, "ModifyBudget", name)
    with _lock:
        record = _record(self, name, "Unable to create notification - the budget doesn't exist.")
        made = _new_notification(account, _partition(self), record["budget"], params["Notification"], params["Subscribers"])
        if _find_notification(record, made["notification"]) is not None:
            raise _duplicate(f"Error creating notification: {_describe_notification(made['notification'])} - the notification already exists.")
        if len(record["notifications"]) >= NOTIFICATIONS_PER_BUDGET:
            raise _limit(f"one budget can only have {NOTIFICATIONS_PER_BUDGET} notifications")
        record["notifications"].append(made)
    return "{}"


def update_notification(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    _check_account(self, params, "ModifyBudget", name)
    old, new = params["OldNotification"], params["NewNotification"]
    with _lock:
        record = _record(self, name, "Unable to update notification - the budget doesn't exist.")
        found = _find_notification(record, old)
        if found is None:
            raise _not_found(f"Unable to update notification: {_describe_notification(old)} - the notification doesn't exist.")
        _check_notification(record["budget"], new)
        other = _find_notification(record, new)
        if other is not None and other is not found:
            raise _duplicate(f"Error updating notification: {_describe_notification(new)} - the notification already exists.")
        found["notification"] = {k: new[k] for k in ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType") if new.get(k) is not None}
    return "{}"


def delete_notification(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    _check_account(self, params, "ModifyBudget", name)
    notification = params["Notification"]
    with _lock:
        record = _record(self, name, "Unable to delete notification - the budget doesn't exist.")
        found = _find_notification(record, notification)
        if found is None:
            raise _not_found(f"Unable to delete notification: {_describe_notification(notification)} - the notification doesn't exist.")
        record["notifications"].remove(found)
    return "{}"


def describe_notifications_for_budget(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    _check_account(self, params, "ViewBudget", name)
    with _lock:
        record = _record(self, name, f"Unable to get notifications: {name} - the budget doesn't exist.")
        items = [_notification_view(n["notification"]) for n in record["notifications"]]
    return _page(self, params, ["DescribeNotificationsForBudget", name], items, "Notifications", NOTIFICATIONS_PAGE)


def _notification_of(self, params: dict, verb: str) -> dict:
    name = params.get("BudgetName")
    record = _record(self, name, f"Unable to {verb} subscriber - the budget doesn't exist.")
    found = _find_notification(record, params["Notification"])
    if found is None:
        raise _not_found(f"Unable to {verb} subscriber: {_describe_notification(params['Notification'])} - the notification doesn't exist.")
    return record, found


def create_subscriber(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    account = _check_account(self, params, "ModifyBudget", name)
    subscriber = params["Subscriber"]
    with _lock:
        _, found = _notification_of(self, params, "create")
        if any(_subscriber_key(s) == _subscriber_key(subscriber) for s in found["subscribers"]):
            raise _duplicate(f"Error creating subscriber: {subscriber.get('SubscriptionType')} {subscriber.get('Address')} - the subscriber already exists.")
        _check_subscriber_counts(found["subscribers"] + [subscriber])
        _check_subscriber(account, _partition(self), name, subscriber)
        found["subscribers"].append(_subscriber_view(subscriber))
    return "{}"


def update_subscriber(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    account = _check_account(self, params, "ModifyBudget", name)
    old, new = params["OldSubscriber"], params["NewSubscriber"]
    with _lock:
        _, found = _notification_of(self, params, "update")
        index = next((i for i, s in enumerate(found["subscribers"]) if _subscriber_key(s) == _subscriber_key(old)), None)
        if index is None:
            raise _not_found(f"Unable to update subscriber: {old.get('SubscriptionType')} {old.get('Address')} - the subscriber doesn't exist.")
        if _subscriber_key(new) != _subscriber_key(old) and any(_subscriber_key(s) == _subscriber_key(new) for s in found["subscribers"]):
            raise _duplicate(f"Error updating subscriber: {new.get('SubscriptionType')} {new.get('Address')} - the subscriber already exists.")
        after = list(found["subscribers"])
        after[index] = new
        _check_subscriber_counts(after)
        _check_subscriber(account, _partition(self), name, new)
        found["subscribers"][index] = _subscriber_view(new)
    return "{}"


def delete_subscriber(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    _check_account(self, params, "ModifyBudget", name)
    subscriber = params["Subscriber"]
    with _lock:
        record, found = _notification_of(self, params, "delete")
        before = len(found["subscribers"])
        found["subscribers"] = [s for s in found["subscribers"] if _subscriber_key(s) != _subscriber_key(subscriber)]
        if len(found["subscribers"]) == before:
            raise _not_found(f"Unable to delete subscriber: {subscriber.get('SubscriptionType')} {subscriber.get('Address')} - the subscriber doesn't exist.")
        if not found["subscribers"]:
            record["notifications"].remove(found)  # "Deleting the last subscriber ... also deletes the notification."
    return "{}"


def describe_subscribers_for_notification(self):
    params = paging.params(self)
    name = params.get("BudgetName")
    _check_account(self, params, "ViewBudget", name)
    with _lock:
        _, found = _notification_of(self, params, "get")
        items = [dict(s) for s in found["subscribers"]]
    listing = ["DescribeSubscribersForNotification", name, list(_identity_of(params["Notification"]))]
    return _page(self, params, listing, items, "Subscribers", NOTIFICATIONS_PAGE)


# ---------------------------------------------------------------- tags


def _merged_tags(tags: list, new: list) -> list:
    out = [dict(t) for t in tags]
    for tag in new:
        existing = next((t for t in out if t["Key"] == tag["Key"]), None)
        if existing is not None:
            existing["Value"] = tag["Value"]
        else:
            out.append({"Key": tag["Key"], "Value": tag["Value"]})
    if len(out) > MAX_TAGS:
        raise BudgetsError("ServiceQuotaExceededException", f"A budget can have at most {MAX_TAGS} tags.")
    return out


def _tagged(self, params: dict, action: str) -> dict:
    arn = params.get("ResourceARN") or ""
    match = _BUDGET_ARN.match(arn)
    if match is None:
        raise _invalid(f"Invalid resource ARN: {arn}")
    partition, account, name = match.groups()
    if account != self.current_account or partition != _partition(self):
        from .runtime import _identity

        raise _denied(f"User: {_identity(self)} is not authorized to perform: budgets:{action} on resource: {arn}")
    found = _budgets(self).get(name)
    if found is None:
        raise _not_found(f"Unable to find resource: {arn} - the resource doesn't exist.")
    return found


def tag_resource(self):
    params = paging.params(self)
    with _lock:
        record = _tagged(self, params, "TagResource")
        record["tags"] = _merged_tags(record["tags"], params.get("ResourceTags") or [])
    return "{}"


def untag_resource(self):
    params = paging.params(self)
    with _lock:
        record = _tagged(self, params, "UntagResource")
        keys = set(params.get("ResourceTagKeys") or [])
        record["tags"] = [t for t in record["tags"] if t["Key"] not in keys]
    return "{}"


def list_tags_for_resource(self):
    params = paging.params(self)
    with _lock:
        record = _tagged(self, params, "ListTagsForResource")
        return json.dumps({"ResourceTags": [dict(t) for t in record["tags"]]})


OPERATIONS = {
    "create_budget": create_budget,
    "describe_budget": describe_budget,
    "describe_budgets": describe_budgets,
    "update_budget": update_budget,
    "delete_budget": delete_budget,
    "create_notification": create_notification,
    "update_notification": update_notification,
    "delete_notification": delete_notification,
    "describe_notifications_for_budget": describe_notifications_for_budget,
    "create_subscriber": create_subscriber,
    "update_subscriber": update_subscriber,
    "delete_subscriber": delete_subscriber,
    "describe_subscribers_for_notification": describe_subscribers_for_notification,
    "tag_resource": tag_resource,
    "untag_resource": untag_resource,
    "list_tags_for_resource": list_tags_for_resource,
}


def install():
    for name, handler in OPERATIONS.items():
        setattr(BudgetsResponse, name, handler)
