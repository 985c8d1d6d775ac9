"""AWS Budgets as AWS answers it, beyond the model's constraints (the walk checks those):
a duplicate budget, a missing one, the subscriber limits of a notification, a FORECASTED
alert on a daily budget, an SNS subscriber whose topic does not let budgets.amazonaws.com
publish, then does; tags on the budget's ARN; the last subscriber's delete taking its
notification; a reset emptying the account.

    python budgets.py --endpoint http://127.0.0.1:4566

Prints what it checked; exits 1 on the first failure. Run by tests/conformance.rs.
"""

import argparse
import json
import sys
import urllib.request

import boto3
import botocore
from botocore.config import Config

ACCOUNT = "123456789012"
BUDGET = {"BudgetName": "check-budget", "BudgetLimit": {"Amount": "100", "Unit": "USD"}, "CostFilters": {"Service": ["Amazon Bedrock"]}, "TimeUnit": "MONTHLY", "BudgetType": "COST"}
ALERT = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0, "ThresholdType": "PERCENTAGE"}


def refused(call, code, *words):
    """`call` fails with `code`, its message holding `words`."""
    try:
        call()
    except botocore.exceptions.ClientError as e:
        got, message = e.response["Error"]["Code"], e.response["Error"].get("Message", "")
        if got != code or any(w not in message for w in words):
            fail(f"expected {code} {words}, got {got}: {message}")
        return
    fail(f"expected {code}, and the call succeeded")


def fail(what):
    print(f"FAILED: {what}")
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    kw = dict(endpoint_url=args.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
    budgets, sns = boto3.client("budgets", **kw), boto3.client("sns", **kw)
    checks = 0

    budgets.create_budget(AccountId=ACCOUNT, Budget=BUDGET, NotificationsWithSubscribers=[{"Notification": ALERT, "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}]}], ResourceTags=[{"Key": "stack", "Value": "check"}])
    refused(lambda: budgets.create_budget(AccountId=ACCOUNT, Budget=BUDGET), "DuplicateRecordException", "already exists")
    refused(lambda: budgets.describe_budget(AccountId=ACCOUNT, BudgetName="no-such-budget"), "NotFoundException")
    checks += 2
    got = budgets.describe_budget(AccountId=ACCOUNT, BudgetName="check-budget")["Budget"]
    if got["BudgetLimit"] != {"Amount": "100.0", "Unit": "USD"} and got["BudgetLimit"] != {"Amount": "100", "Unit": "USD"}:
        fail(f"the limit read back: {got['BudgetLimit']}")
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/check-budget"
    if budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] != [{"Key": "stack", "Value": "check"}]:
        fail("the budget's tags")
    checks += 2

    # Ten email subscribers at most, one SNS subscriber at most, per notification.
    for i in range(9):
        budgets.create_subscriber(AccountId=ACCOUNT, BudgetName="check-budget", Notification=ALERT, Subscriber={"SubscriptionType": "EMAIL", "Address": f"ops{i}@example.com"})
    refused(lambda: budgets.create_subscriber(AccountId=ACCOUNT, BudgetName="check-budget", Notification=ALERT, Subscriber={"SubscriptionType": "EMAIL", "Address": "one-too-many@example.com"}), "CreationLimitExceededException")
    checks += 1

    # An SNS subscriber: refused until the topic lets Budgets publish.
    topic = sns.create_topic(Name="check-budget-alerts")["TopicArn"]
    forecast = dict(ALERT, NotificationType="FORECASTED", Threshold=100.0)
    subscriber = {"SubscriptionType": "SNS", "Address": topic}
    refused(lambda: budgets.create_notification(AccountId=ACCOUNT, BudgetName="check-budget", Notification=forecast, Subscribers=[subscriber]), "AccessDeniedException")
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "Budgets", "Effect": "Allow", "Principal": {"Service": "budgets.amazonaws.com"}, "Action": "SNS:Publish", "Resource": topic, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    budgets.create_notification(AccountId=ACCOUNT, BudgetName="check-budget", Notification=forecast, Subscribers=[subscriber])
    second = dict(subscriber, Address=sns.create_topic(Name="check-budget-other")["TopicArn"])
    refused(lambda: budgets.create_subscriber(AccountId=ACCOUNT, BudgetName="check-budget", Notification=forecast, Subscriber=second), "CreationLimitExceededException", "1 subscribers with type of SNS")
    checks += 3

    # A FORECASTED alert on a daily budget.
    daily = dict(BUDGET, BudgetName="check-daily", TimeUnit="DAILY")
    refused(lambda: budgets.create_budget(AccountId=ACCOUNT, Budget=daily, NotificationsWithSubscribers=[{"Notification": forecast, "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}]}]), "InvalidParameterException")
    checks += 1

    # The last subscriber's delete takes its notification.
    budgets.delete_subscriber(AccountId=ACCOUNT, BudgetName="check-budget", Notification=forecast, Subscriber=subscriber)
    left = [n["NotificationType"] for n in budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName="check-budget")["Notifications"]]
    if left != ["ACTUAL"]:
        fail(f"after the last SNS subscriber's delete, notifications {left}")
    checks += 1

    urllib.request.urlopen(urllib.request.Request(f"{args.endpoint}/_emulator/reset", data=b"{}", method="POST"))
    if budgets.describe_budgets(AccountId=ACCOUNT).get("Budgets"):
        fail("a reset left budgets")
    checks += 1
    print(f"budgets checked: {checks} checks")


if __name__ == "__main__":
    main()
