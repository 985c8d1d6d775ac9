"""Where moto's SNS and CloudWatch differ from AWS in ways this tool meets.

SNS (API reference: Subscribe, ConfirmSubscription, Unsubscribe, GetSubscriptionAttributes;
botocore's model sns/2010-03-31):

- An `email` or `email-json` subscription stays pending until its owner confirms it (AWS
  mails a link and a token). Subscribe answers SubscriptionArn "pending confirmation" (with
  ReturnSubscriptionArn=true, the subscription's ARN); ListSubscriptions and
  ListSubscriptionsByTopic show SubscriptionArn "PendingConfirmation" (Endpoint and
  Protocol as given); GetSubscriptionAttributes of its ARN shows PendingConfirmation "true".
  Subscribing the same endpoint again while pending re-sends the mail and answers the same.
  moto 5.2.5 confirms every subscription at once.
- A pending subscription cannot be unsubscribed: Unsubscribe answers InvalidParameter
  "Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription that is
  pending confirmation" (what the Terraform AWS provider's delete of an unconfirmed
  subscription meets); AWS deletes it once unconfirmed for 48 hours (What's New,
  2023-05-10: "automatic deletion of unconfirmed subscriptions"), or with its topic. An
  ARN that is not one ("PendingConfirmation", "Deleted") answers InvalidParameter
  "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"
  (AWS Knowledge Center: "Why can't I delete my Amazon SNS topic subscription?").
- ConfirmSubscription takes the token of the mail: it confirms the subscription and answers
  its ARN. Here the mail is the control endpoint `GET /_emulator/sns/pending` (every
  pending subscription with its token), and `POST /_emulator/sns/confirm` confirms as the
  recipient clicking the link would, by {"subscription_arn": ...} or by {"topic_arn": ...,
  "endpoint": "a@example.com"} (either, or both to narrow).
- A protocol SNS does not know is refused: InvalidParameter "Invalid parameter: Amazon SNS
  does not support this protocol string: X" (the protocols are the model's list for
  Subscribe's Protocol: http, https, email, email-json, sms, sqs, application, lambda,
  firehose). moto 5.2.5 accepts any string.
- GetTopicAttributes counts SubscriptionsPending and SubscriptionsConfirmed (moto: 0, 0).

CloudWatch (API reference: PutMetricAlarm, PutDashboard, "Dashboard Body Structure and
Syntax"; botocore's model cloudwatch/2010-08-01):

- PutMetricAlarm: "When this operation creates an alarm, the alarm state is immediately set
  to INSUFFICIENT_DATA ... When you update an existing alarm, its state is left unchanged".
  A new alarm reads StateValue INSUFFICIENT_DATA, StateReason "Unchecked: Initial alarm
  creation"; an update keeps the state (and its history). moto 5.2.5 sets OK, and resets
  it at every update.
- PutDashboard validates the body: one that is not a JSON object answers
  InvalidParameterInput "The field DashboardBody must be a valid JSON object"; a body
  without a `widgets` array ("The dashboard must include a widgets array, but that array can
  be empty"), or with widgets of the wrong shape (each an object with a `type` of metric,
  text, log, alarm, explorer or custom and an object of `properties`; x and y integers of 0
  or more, width 1 to 24, height 1 to 1000; at most 500 widgets; a text widget's
  `markdown`), answers InvalidParameterInput "The dashboard body is invalid, there are N
  validation errors:" and the list of {dataPath, message}, the messages those AWS gives
  ("Should have required property 'widgets'", "Should be array", ...); the error also
  carries them as dashboardValidationMessages, as the model's DashboardInvalidInputError
  has it. A name with characters other than A-Z, a-z, 0-9, "-" and "_" answers
  InvalidParameterInput "The value for field DashboardName contains invalid characters. It
  can only contain alphanumerics, dash (-) and underscore (_).". Only the structure is
  checked, not each widget type's every property (metrics arrays, for one).
"""

import json
import re
import secrets

from moto.cloudwatch.exceptions import DashboardInvalidInputError, ValidationError
from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from moto.sns.exceptions import SNSInvalidParameter, TopicNotFound
from moto.sns.models import Subscription, sns_backends
from moto.sns.responses import SNSResponse

from . import controls

# The model's documented values of Subscribe's Protocol.
PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
# The protocols whose subscriptions wait for their owner's confirmation (HTTP/S endpoints
# confirm too on AWS, by answering a POST; the emulator posts nothing, so it leaves them
# confirmed at once, as moto does).
CONFIRMED_BY_MAIL = ("email", "email-json")

_original_put_metric_alarm = CloudWatchBackend.put_metric_alarm
_original_get_topic_attributes = SNSResponse.get_topic_attributes


# ---------------------------------------------------------------- SNS


def _pending(sub) -> bool:
    return bool(getattr(sub, "pending_confirmation", False))


def _subscription_arn(self):
    """What ListSubscriptions and ListSubscriptionsByTopic show as the subscription's ARN
    (moto's serializer reads `subscription_arn` before the class-prefixed `arn`)."""
    return "PendingConfirmation" if _pending(self) else self.arn


def _mark_pending(sub) -> None:
    sub.pending_confirmation = True
    sub.confirmation_token = secrets.token_hex(64)
    sub.attributes["PendingConfirmation"] = True
    sub.attributes["ConfirmationWasAuthenticated"] = False


def _confirm(sub, authenticated: bool) -> None:
    sub.pending_confirmation = False
    sub.confirmed = True
    sub.attributes["PendingConfirmation"] = False
    sub.attributes["ConfirmationWasAuthenticated"] = authenticated


def _check_arn(name: str, value) -> None:
    parts = str(value or "").split(":")
    if len(parts) < 6:
        raise SNSInvalidParameter(f"Invalid parameter: {name} Reason: An ARN must have at least 6 elements, not {len(parts)}")


def subscribe(self):
    protocol = self._get_param("Protocol")
    if protocol not in PROTOCOLS:
        raise SNSInvalidParameter(f"Invalid parameter: Amazon SNS does not support this protocol string: {protocol}")
    topic_arn = self._get_param("TopicArn")
    endpoint = self._get_param("Endpoint")
    known = self.backend._find_subscription(topic_arn, endpoint, protocol)
    result = _original_subscribe(self)
    subscription = self.backend._find_subscription(topic_arn, endpoint, protocol)
    if subscription is None:
        return result
    if known is None and protocol in CONFIRMED_BY_MAIL:
        _mark_pending(subscription)
    if _pending(subscription) and str(self._get_param("ReturnSubscriptionArn", False)).lower() != "true":
        return ActionResult({"SubscriptionArn": "pending confirmation"})
    return ActionResult({"SubscriptionArn": subscription.arn})


def unsubscribe(self):
    arn = self._get_param("SubscriptionArn")
    _check_arn("SubscriptionArn", arn)
    subscription = self.backend.subscriptions.get(arn)
    if subscription is not None and _pending(subscription):
        raise SNSInvalidParameter("Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription that is pending confirmation")
    return _original_unsubscribe(self)


def confirm_subscription(self):
    """ConfirmSubscription(TopicArn, Token[, AuthenticateOnUnsubscribe]): the pending
    subscription to the topic whose mail carried the token is confirmed; its ARN answers.
    An unknown token answers InvalidParameter "Invalid parameter: Token"."""
    topic_arn = self._get_param("TopicArn")
    token = self._get_param("Token")
    if topic_arn not in self.backend.topics:
        raise TopicNotFound
    for sub in list(self.backend.subscriptions.values()):
        if sub.topic.arn == topic_arn and getattr(sub, "confirmation_token", None) == token:
            if _pending(sub):
                authenticated = str(self._get_param("AuthenticateOnUnsubscribe", "false")).lower() == "true"
                _confirm(sub, authenticated)
            return ActionResult({"SubscriptionArn": sub.arn})
    raise SNSInvalidParameter("Invalid parameter: Token")


def get_topic_attributes(self):
    topic = self.backend.get_topic(self._get_param("TopicArn"))
    subs = [s for s in self.backend.subscriptions.values() if s.topic is topic]
    topic.subscriptions_pending = sum(1 for s in subs if _pending(s))
    topic.subscriptions_confimed = len(subs) - topic.subscriptions_pending
    return _original_get_topic_attributes(self)


def _all_subscriptions():
    for regions in list(sns_backends.values()):
        for backend in list(regions.values()):
            yield from list(backend.subscriptions.values())


def _describe(sub) -> dict:
    return {
        "subscription_arn": sub.arn,
        "topic_arn": sub.topic.arn,
        "protocol": sub.protocol,
        "endpoint": sub.endpoint,
        "pending_confirmation": _pending(sub),
    }


def _matching(data: dict):
    keys = ("subscription_arn", "topic_arn", "endpoint")
    if not any(data.get(k) for k in keys):
        return None
    return [
        sub
        for sub in _all_subscriptions()
        if all(not data.get(k) or _describe(sub)[k] == data[k] for k in keys)
    ]


def control_pending(data: dict):
    """GET /_emulator/sns/pending: each pending subscription, with the token AWS mails."""
    return 200, {"pending": [dict(_describe(s), token=s.confirmation_token) for s in _all_subscriptions() if _pending(s)]}


def control_confirm(data: dict):
    """POST /_emulator/sns/confirm {"subscription_arn"} or {"topic_arn", "endpoint"}: the
    recipient confirms (the link of AWS's mail: ConfirmationWasAuthenticated false)."""
    subs = _matching(data)
    if subs is None:
        return 400, {"error": "give subscription_arn, or topic_arn and endpoint"}
    pending = [s for s in subs if _pending(s)]
    if not pending:
        return 404, {"error": "no pending subscription matches", "subscriptions": [_describe(s) for s in subs]}
    for sub in pending:
        _confirm(sub, authenticated=False)
    return 200, {"confirmed": [_describe(s) for s in pending]}


# ---------------------------------------------------------------- CloudWatch


def put_metric_alarm(self, name, *args, **kwargs):
    """A new alarm starts INSUFFICIENT_DATA; an updated one keeps its state."""
    existing = self.alarms.get(name)
    alarm = _original_put_metric_alarm(self, name, *args, **kwargs)
    if existing is None or existing is alarm:
        alarm.state_value = "INSUFFICIENT_DATA"
        alarm.state_reason = "Unchecked: Initial alarm creation"
        alarm.state_reason_data = "{}"
    else:
        alarm.state_value = existing.state_value
        alarm.state_reason = existing.state_reason
        alarm.state_reason_data = existing.state_reason_data
        alarm.state_updated_timestamp = existing.state_updated_timestamp
        alarm.history = existing.history
    return alarm


WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def dashboard_errors(body: dict) -> list:
    """The validation errors of a parsed body, as AWS lists them: {dataPath, message}."""
    errors = []

    def error(path, message):
        errors.append({"dataPath": path, "message": message})

    if "widgets" not in body:
        error("", "Should have required property 'widgets'")
        return errors
    widgets = body["widgets"]
    if not isinstance(widgets, list):
        error("/widgets", "Should be array")
        return errors
    if len(widgets) > 500:
        error("/widgets", "Should NOT have more than 500 items")
    for i, widget in enumerate(widgets):
        path = f"/widgets/{i}"
        if not isinstance(widget, dict):
            error(path, "Should be object")
            continue
        for key in ("type", "properties"):
            if key not in widget:
                error(path, f"Should have required property '{key}'")
        if "type" in widget:
            if not isinstance(widget["type"], str):
                error(f"{path}/type", "Should be string")
            elif widget["type"] not in WIDGET_TYPES:
                error(f"{path}/type", "Should be equal to one of the allowed values")
        for key, low, high in (("x", 0, None), ("y", 0, None), ("width", 1, 24), ("height", 1, 1000)):
            if key not in widget:
                continue
            value = widget[key]
            if not _integer(value):
                error(f"{path}/{key}", "Should be integer")
            elif value < low:
                error(f"{path}/{key}", f"Should be >= {low}")
            elif high is not None and value > high:
                error(f"{path}/{key}", f"Should be <= {high}")
        properties = widget.get("properties")
        if "properties" in widget and not isinstance(properties, dict):
            error(f"{path}/properties", "Should be object")
        elif isinstance(properties, dict) and widget.get("type") == "text" and "markdown" not in properties:
            error(f"{path}/properties", "Should have required property 'markdown'")
    return errors


class DashboardInvalid(DashboardInvalidInputError):
    """InvalidParameterInput with the model's dashboardValidationMessages."""

    def __init__(self, message: str, errors=None):
        super().__init__(message)
        self.dashboard_validation_messages = [{"DataPath": e["dataPath"], "Message": e["message"]} for e in (errors or [])]


def put_dashboard(self):
    name = self._get_param("DashboardName")
    body = self._get_param("DashboardBody")
    for field, value in (("dashboardName", name), ("dashboardBody", body)):
        if value is None:
            raise ValidationError(f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null")
    if not _NAME.match(name) or len(name) > 255:
        raise DashboardInvalid("The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise DashboardInvalid("The field DashboardBody must be a valid JSON object")
    errors = dashboard_errors(parsed)
    if errors:
        raise DashboardInvalid(
            f"The dashboard body is invalid, there are {len(errors)} validation errors:\n{json.dumps(errors, indent=2)}",
            errors,
        )
    self.cloudwatch_backend.put_dashboard(name, body)
    return ActionResult({"DashboardValidationMessages": []})


_original_subscribe = SNSResponse.subscribe
_original_unsubscribe = SNSResponse.unsubscribe


_original_get_metric_data = CloudWatchBackend.get_metric_data


def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    """moto's GetMetricData, without walking every empty period. moto steps through each
    period from StartTime to EndTime; with Period 1 over a year that is 31 million steps, a
    thread spinning for hours, where AWS answers at once. A period with no datapoint yields
    nothing, so each MetricStat query is answered over the span of the datapoints it can
    match, on its own period grid from StartTime: the same values and timestamps. Metric math
    reads the other queries' results, so a request with expressions is moto's as it is."""
    if start_time >= end_time or any("MetricStat" not in q for q in queries):
        return _original_get_metric_data(self, queries, start_time, end_time, scan_by)
    results = []
    for query in queries:
        start, end = _span(self, query, start_time, end_time)
        results.extend(_original_get_metric_data(self, [query], start, end, scan_by))
    return results


def _span(self, query, start_time, end_time):
    """(start, end) covering every datapoint the query can match, on its period grid."""
    from datetime import timedelta

    start = start_time.replace(microsecond=0)
    end = end_time.replace(microsecond=0)
    stat = query["MetricStat"]
    period = int(stat["Period"])
    name = stat["Metric"]["MetricName"]
    times = [md.timestamp for md in self.get_all_metrics() if md.name == name and start <= md.timestamp < end]
    if not times:
        return start, min(end, start + timedelta(seconds=1))  # nothing to find: one step
    first = start + timedelta(seconds=period * int((min(times) - start).total_seconds() // period))
    return first, min(end, max(times) + timedelta(seconds=1))


def install():
    Subscription.subscription_arn = property(_subscription_arn)
    SNSResponse.subscribe = subscribe
    SNSResponse.unsubscribe = unsubscribe
    SNSResponse.confirm_subscription = confirm_subscription
    SNSResponse.get_topic_attributes = get_topic_attributes
    CloudWatchBackend.put_metric_alarm = put_metric_alarm
    CloudWatchBackend.get_metric_data = get_metric_data
    CloudWatchResponse.put_dashboard = put_dashboard
    controls.routes[("GET", "/_emulator/sns/pending")] = control_pending
    controls.routes[("POST", "/_emulator/sns/confirm")] = control_confirm
