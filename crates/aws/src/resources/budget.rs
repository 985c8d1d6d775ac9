//! The stack's budget: read by name (with its notifications, their subscribers and its tags),
//! made, updated, its alerts set, deleted; and, when its alerts go to the user's topic,
//! whether that topic's policy lets AWS Budgets publish.

use crate::error::{build_failed, context, done_unless, from_budgets, AwsError, Class, Modelled};
use crate::resources::Observation;
use crate::Clients;
use aws_sdk_budgets::types::{
    Budget, BudgetType, ComparisonOperator, Notification as SdkNotification, NotificationType,
    NotificationWithSubscribers, ResourceTag, Spend, Subscriber as SdkSubscriber, SubscriptionType,
    ThresholdType, TimeUnit,
};
use bedrock_plan::resources::budget::{
    allows_budgets, Body, Live, Notification, Observed, Step, Subscriber, Target, TopicAccess, UNIT,
};
use bedrock_plan::{Created, DesiredState, Outputs};
use std::collections::BTreeMap;

/// The stack's budget (whether or not the spec has one: a budget the spec dropped is
/// deleted), and the user's topic's policy when the alerts go there.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let name = format!("librechat-bedrock-{}-{}", d.stack, d.region);
    // The stack's partition, as its log group's ARN has it.
    let partition = d.log_group.arn.split(':').nth(1).unwrap_or("aws");
    let budget_arn = format!("arn:{partition}:budgets::{}:budget/{name}", d.account_id);
    let user_topic = d
        .budget
        .as_ref()
        .filter(|b| b.email.is_none())
        .and(d.monitoring.alarm_topic_arn.as_ref());
    let (budget, topic) = tokio::join!(read(c, &d.account_id, &name, partition), async {
        match user_topic {
            Some(arn) => Some(topic_access(c, arn, &d.account_id, &budget_arn).await),
            None => None,
        }
    });
    let budget = match budget {
        Ok(b) => b,
        // Credentials without Budgets' permissions, on a stack that has no budget: there is
        // nothing of the stack's to read.
        Err(e) if d.budget.is_none() && e.class == Some(Class::AccessDenied) => None,
        Err(e) => return Err(e),
    };
    Ok(Box::new(move |o| {
        o.budget = Observed {
            budget,
            user_topic: topic,
        }
    }))
}

fn notification_of(n: &SdkNotification) -> Notification {
    Notification {
        spend: n.notification_type().as_str().to_string(),
        comparison: n.comparison_operator().as_str().to_string(),
        threshold: n.threshold(),
        threshold_type: n
            .threshold_type()
            .map_or("PERCENTAGE", |t| t.as_str())
            .to_string(),
    }
}

fn sdk_notification(what: &str, n: &Notification) -> Result<SdkNotification, AwsError> {
    SdkNotification::builder()
        .notification_type(NotificationType::from(n.spend.as_str()))
        .comparison_operator(ComparisonOperator::from(n.comparison.as_str()))
        .threshold(n.threshold)
        .threshold_type(ThresholdType::from(n.threshold_type.as_str()))
        .build()
        .map_err(build_failed(what))
}

fn sdk_subscriber(what: &str, s: &Subscriber) -> Result<SdkSubscriber, AwsError> {
    SdkSubscriber::builder()
        .subscription_type(SubscriptionType::from(s.kind.as_str()))
        .address(&s.address)
        .build()
        .map_err(build_failed(what))
}

/// The subscriber a target is, once the topic it may name exists.
fn subscriber(what: &str, t: &Target, outputs: &Outputs) -> Result<Subscriber, AwsError> {
    Ok(match t {
        Target::Email(e) => Subscriber {
            kind: "EMAIL".into(),
            address: e.clone(),
        },
        Target::Topic(topic) => Subscriber {
            kind: "SNS".into(),
            address: outputs
                .resolve(topic)
                .map_err(|e| AwsError::local(what, e.to_string()))?,
        },
    })
}

pub(crate) async fn read(
    c: &Clients,
    account: &str,
    name: &str,
    partition: &str,
) -> Result<Option<Live>, AwsError> {
    let described = c
        .budgets
        .describe_budget()
        .account_id(account)
        .budget_name(name)
        .show_filter_expression(true)
        .send()
        .await;
    let budget = match from_budgets(described) {
        Ok(out) => match out.budget {
            Some(b) => b,
            None => return Ok(None),
        },
        Err(e) if e.is(Class::NotFound) => return Ok(None),
        Err(e) => return Err(crate::error::failed(format!("reading budget {name}"))(e)),
    };
    let arn = format!("arn:{partition}:budgets::{account}:budget/{name}");
    let (notifications, tags) = tokio::join!(
        c.budgets
            .describe_notifications_for_budget()
            .account_id(account)
            .budget_name(name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
        c.budgets.list_tags_for_resource().resource_arn(&arn).send(),
    );
    let notifications =
        notifications.map_err(context(format!("reading the alerts of budget {name}")))?;
    let tags = tags
        .map_err(context(format!("reading the tags of budget {name}")))?
        .resource_tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let mut reads = tokio::task::JoinSet::new();
    for (i, n) in notifications.into_iter().enumerate() {
        let (c, account, name) = (c.clone(), account.to_string(), name.to_string());
        reads.spawn(async move {
            let listed = c
                .budgets
                .describe_subscribers_for_notification()
                .account_id(&account)
                .budget_name(&name)
                .notification(n.clone())
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await;
            let shown = notification_of(&n);
            let subscribers = listed.map_err(context(format!(
                "reading the subscribers of budget {name}'s alert on {}",
                shown.shown()
            )))?;
            let subscribers = subscribers
                .iter()
                .map(|s| Subscriber {
                    kind: s.subscription_type().as_str().to_string(),
                    address: s.address().to_string(),
                })
                .collect::<Vec<_>>();
            Ok::<_, AwsError>((i, shown, subscribers))
        });
    }
    let mut notifications = Vec::new();
    while let Some(done) = reads.join_next().await {
        let read =
            done.map_err(|e| AwsError::local("reading the budget's alerts", e.to_string()))?;
        notifications.push(read?);
    }
    notifications.sort_by_key(|(i, _, _)| *i);
    let notifications = notifications.into_iter().map(|(_, n, s)| (n, s)).collect();
    Ok(Some(live(&budget, notifications, tags)))
}

// CostFilters are deprecated in favour of FilterExpression and Metrics; AWS still takes and
// answers them, and they are what the budget's two filters need.
#[allow(deprecated)]
fn live(
    b: &Budget,
    notifications: Vec<(Notification, Vec<Subscriber>)>,
    tags: BTreeMap<String, String>,
) -> Live {
    Live {
        amount: b
            .budget_limit()
            .map(|s| s.amount().to_string())
            .unwrap_or_default(),
        unit: b
            .budget_limit()
            .map(|s| s.unit().to_string())
            .unwrap_or_default(),
        time_unit: b.time_unit().as_str().to_string(),
        budget_type: b.budget_type().as_str().to_string(),
        filters: b
            .cost_filters()
            .map(|f| {
                f.iter()
                    .map(|(k, v)| {
                        let mut v = v.clone();
                        v.sort();
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        filter_expression: b.filter_expression().is_some(),
        cost_types: b.cost_types().map(custom_cost_types).unwrap_or_default(),
        notifications,
        tags,
    }
}

/// The cost types that differ from the defaults the model documents (`name = value`).
fn custom_cost_types(t: &aws_sdk_budgets::types::CostTypes) -> Vec<String> {
    [
        ("IncludeTax", t.include_tax(), true),
        ("IncludeSubscription", t.include_subscription(), true),
        ("UseBlended", t.use_blended(), false),
        ("IncludeRefund", t.include_refund(), true),
        ("IncludeCredit", t.include_credit(), true),
        ("IncludeUpfront", t.include_upfront(), true),
        ("IncludeRecurring", t.include_recurring(), true),
        (
            "IncludeOtherSubscription",
            t.include_other_subscription(),
            true,
        ),
        ("IncludeSupport", t.include_support(), true),
        ("IncludeDiscount", t.include_discount(), true),
        ("UseAmortized", t.use_amortized(), false),
    ]
    .into_iter()
    .filter_map(|(name, value, default)| {
        value
            .filter(|v| *v != default)
            .map(|v| format!("{name} = {v}"))
    })
    .collect()
}

/// Whether AWS Budgets may publish to the user's topic, by its policy.
async fn topic_access(c: &Clients, arn: &str, account: &str, budget: &str) -> TopicAccess {
    match c.sns.get_topic_attributes().topic_arn(arn).send().await {
        Ok(out) => {
            let policy = out
                .attributes()
                .and_then(|a| a.get("Policy"))
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(serde_json::Value::Null);
            if allows_budgets(&policy, account, budget) {
                TopicAccess::Allowed
            } else {
                TopicAccess::Refused
            }
        }
        Err(e) => TopicAccess::Unreadable(context(format!("reading topic {arn}"))(e).to_string()),
    }
}

#[allow(deprecated)]
fn body(what: &str, b: &Body) -> Result<Budget, AwsError> {
    Budget::builder()
        .budget_name(&b.id.name)
        .budget_limit(
            Spend::builder()
                .amount(&b.amount)
                .unit(UNIT)
                .build()
                .map_err(build_failed(what))?,
        )
        .set_cost_filters(Some(b.filters.clone().into_iter().collect()))
        .time_unit(TimeUnit::Monthly)
        .budget_type(BudgetType::Cost)
        .build()
        .map_err(build_failed(what))
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    outputs: &Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::CreateBudget {
            budget,
            notifications,
            target,
            tags,
        } => {
            let to = sdk_subscriber(&what, &subscriber(&what, target, outputs)?)?;
            let with = notifications
                .iter()
                .map(|n| {
                    NotificationWithSubscribers::builder()
                        .notification(sdk_notification(&what, n)?)
                        .subscribers(to.clone())
                        .build()
                        .map_err(build_failed(&what))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let tags = tags
                .iter()
                .map(|(k, v)| ResourceTag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(build_failed(&what))?;
            let created = c
                .budgets
                .create_budget()
                .account_id(&budget.id.account)
                .budget(body(&what, budget)?)
                .set_notifications_with_subscribers(Some(with))
                .set_resource_tags(Some(tags))
                .send()
                .await;
            // Made by an earlier, interrupted apply (with its alerts: one call): done.
            done_unless(from_budgets(created), Class::AlreadyExists, what)?;
        }
        Step::UpdateBudget { budget } => {
            c.budgets
                .update_budget()
                .account_id(&budget.id.account)
                .new_budget(body(&what, budget)?)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::CreateNotification {
            budget,
            notification,
            target,
        } => {
            let to = sdk_subscriber(&what, &subscriber(&what, target, outputs)?)?;
            let created = c
                .budgets
                .create_notification()
                .account_id(&budget.account)
                .budget_name(&budget.name)
                .notification(sdk_notification(&what, notification)?)
                .subscribers(to)
                .send()
                .await;
            done_unless(from_budgets(created), Class::AlreadyExists, what)?;
        }
        Step::DeleteNotification {
            budget,
            notification,
        } => {
            let deleted = c
                .budgets
                .delete_notification()
                .account_id(&budget.account)
                .budget_name(&budget.name)
                .notification(sdk_notification(&what, notification)?)
                .send()
                .await;
            done_unless(from_budgets(deleted), Class::NotFound, what)?;
        }
        Step::CreateSubscriber {
            budget,
            notification,
            target,
        } => {
            let to = sdk_subscriber(&what, &subscriber(&what, target, outputs)?)?;
            let created = c
                .budgets
                .create_subscriber()
                .account_id(&budget.account)
                .budget_name(&budget.name)
                .notification(sdk_notification(&what, notification)?)
                .subscriber(to)
                .send()
                .await;
            done_unless(from_budgets(created), Class::AlreadyExists, what)?;
        }
        Step::UpdateSubscriber {
            budget,
            notification,
            old,
            target,
        } => {
            let to = sdk_subscriber(&what, &subscriber(&what, target, outputs)?)?;
            c.budgets
                .update_subscriber()
                .account_id(&budget.account)
                .budget_name(&budget.name)
                .notification(sdk_notification(&what, notification)?)
                .old_subscriber(sdk_subscriber(&what, old)?)
                .new_subscriber(to)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteSubscriber {
            budget,
            notification,
            subscriber,
        } => {
            let deleted = c
                .budgets
                .delete_subscriber()
                .account_id(&budget.account)
                .budget_name(&budget.name)
                .notification(sdk_notification(&what, notification)?)
                .subscriber(sdk_subscriber(&what, subscriber)?)
                .send()
                .await;
            done_unless(from_budgets(deleted), Class::NotFound, what)?;
        }
        Step::DeleteBudget { budget } => {
            let deleted = c
                .budgets
                .delete_budget()
                .account_id(&budget.account)
                .budget_name(&budget.name)
                .send()
                .await;
            done_unless(from_budgets(deleted), Class::NotFound, what)?;
        }
    }
    Ok(None)
}
