//! Monitoring: the stack's dashboard, alarms and alarm topic; read, put, delete.

use crate::error::{
    build_failed, context, done_unless, from_cloudwatch, from_sns, AwsError, Class, Modelled,
};
use crate::resources::Observation;
use crate::Clients;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricStat, Statistic, Tag,
};
use bedrock_plan::resources::budget;
use bedrock_plan::resources::monitoring::{
    resolve_body, Alarm, AlarmState, Desired, EmailSubscription, Observed, ObservedAlarm,
    ObservedTopic, Step, KIND, NAMESPACE,
};
use bedrock_plan::DesiredState;
use bedrock_plan::{Created, Outputs};
use std::collections::BTreeMap;

/// The stack's dashboard, alarms and topic.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let monitoring = read(c, &d.monitoring).await?;
    Ok(Box::new(move |o| o.monitoring = monitoring))
}

pub(crate) async fn read(c: &Clients, d: &Desired) -> Result<Observed, AwsError> {
    let (dashboard_name, topic_name) = (d.dashboard_name(), d.topic_name());
    let (dashboard, alarms, topic) = tokio::join!(
        read_dashboard(c, &dashboard_name),
        read_alarms(c, &d.prefix),
        read_topic(c, &topic_name),
    );
    Ok(Observed {
        dashboard: dashboard?,
        alarms: alarms?,
        topic: topic?,
    })
}

async fn read_dashboard(c: &Clients, name: &str) -> Result<Option<serde_json::Value>, AwsError> {
    match from_cloudwatch(
        c.cloudwatch
            .get_dashboard()
            .dashboard_name(name)
            .send()
            .await,
    ) {
        Ok(out) => Ok(out
            .dashboard_body()
            .and_then(|b| serde_json::from_str(b).ok())),
        Err(e) if e.is(Class::NotFound) => Ok(None),
        Err(e) => Err(context(format!("reading dashboard {name}"))(e)),
    }
}

async fn read_alarms(c: &Clients, prefix: &str) -> Result<Vec<ObservedAlarm>, AwsError> {
    let pages = c
        .cloudwatch
        .describe_alarms()
        .alarm_name_prefix(format!("{prefix}-"))
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context(format!("listing the alarms {prefix}-*")))?;
    let mut out = Vec::new();
    for a in pages.iter().flat_map(|p| p.metric_alarms()) {
        let name = a.alarm_name().unwrap_or_default().to_string();
        let tags = match a.alarm_arn() {
            Some(arn) => c
                .cloudwatch
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(context(format!("reading the tags of alarm {name}")))?
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect(),
            None => BTreeMap::new(),
        };
        // One metric, or a profile's metric math: the ModelId of each query, in order.
        let queries = a.metrics();
        let (metric, model_ids) = if queries.is_empty() {
            (a.metric_name().unwrap_or_default().to_string(), Vec::new())
        } else {
            let stats: Vec<&MetricStat> = queries.iter().filter_map(|q| q.metric_stat()).collect();
            let metric = stats
                .first()
                .and_then(|s| s.metric())
                .and_then(|m| m.metric_name())
                .unwrap_or_default()
                .to_string();
            let ids = stats
                .iter()
                .filter_map(|s| s.metric())
                .flat_map(|m| m.dimensions())
                .filter(|d| d.name() == Some("ModelId"))
                .filter_map(|d| d.value().map(str::to_string))
                .collect();
            (metric, ids)
        };
        let period = a
            .period()
            .or_else(|| {
                queries
                    .iter()
                    .filter_map(|q| q.metric_stat())
                    .map(|s| s.period())
                    .next()
                    .flatten()
            })
            .unwrap_or_default();
        out.push(ObservedAlarm {
            name,
            state: AlarmState {
                metric,
                model_ids,
                period: u32::try_from(period).unwrap_or_default(),
                evaluation_periods: u32::try_from(a.evaluation_periods().unwrap_or_default())
                    .unwrap_or_default(),
                datapoints: u32::try_from(a.datapoints_to_alarm().unwrap_or_default())
                    .unwrap_or_default(),
                threshold: a.threshold().unwrap_or_default(),
                actions: a.alarm_actions().to_vec(),
            },
            tags,
        });
    }
    Ok(out)
}

async fn read_topic(c: &Clients, name: &str) -> Result<Option<ObservedTopic>, AwsError> {
    let topics = c
        .sns
        .list_topics()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context("listing the SNS topics"))?;
    let Some(arn) = topics
        .iter()
        .filter_map(|t| t.topic_arn())
        .find(|arn| arn.rsplit(':').next() == Some(name))
        .map(str::to_string)
    else {
        return Ok(None);
    };
    let (tags, subscriptions, attributes) = tokio::join!(
        c.sns.list_tags_for_resource().resource_arn(&arn).send(),
        c.sns
            .list_subscriptions_by_topic()
            .topic_arn(&arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
        c.sns.get_topic_attributes().topic_arn(&arn).send(),
    );
    let policy: serde_json::Value = attributes
        .map_err(context(format!("reading the policy of topic {arn}")))?
        .attributes()
        .and_then(|a| a.get("Policy"))
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default();
    let account = arn.split(':').nth(4).unwrap_or_default();
    let budgets_statement = budget::has_statement(&policy, &arn, account);
    let tags = tags
        .map_err(context(format!("reading the tags of topic {arn}")))?
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    // A subscription pending confirmation is listed with SubscriptionArn
    // "PendingConfirmation" (SNS API reference, ListSubscriptionsByTopic; Subscribe answers
    // "pending confirmation"): anything but an ARN is pending.
    let subscriptions = subscriptions
        .map_err(context(format!("listing the subscriptions of topic {arn}")))?
        .iter()
        .filter(|s| s.protocol() == Some("email"))
        .filter_map(|s| {
            Some(EmailSubscription {
                email: s.endpoint()?.to_string(),
                arn: s
                    .subscription_arn()
                    .filter(|a| a.starts_with("arn:"))
                    .map(str::to_string),
            })
        })
        .collect();
    Ok(Some(ObservedTopic {
        arn,
        tags,
        subscriptions,
        budgets_statement,
    }))
}

fn cw_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

async fn put_alarm(
    c: &Clients,
    what: &str,
    alarm: &Alarm,
    tags: &BTreeMap<String, String>,
    outputs: &Outputs,
) -> Result<(), AwsError> {
    let resolve = |r: &bedrock_plan::ArnRef| outputs.resolve(r).map_err(|e| e.to_string());
    let state = alarm
        .state(&resolve)
        .map_err(|e| AwsError::local(what, e))?;
    let mut put = c
        .cloudwatch
        .put_metric_alarm()
        .alarm_name(&alarm.name)
        .alarm_description(&alarm.description)
        .set_alarm_actions(Some(state.actions.clone()))
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .threshold(alarm.threshold)
        .evaluation_periods(i32::try_from(alarm.evaluation_periods).unwrap_or(1))
        .datapoints_to_alarm(i32::try_from(alarm.datapoints).unwrap_or(1))
        .treat_missing_data("notBreaching")
        .set_tags(Some(cw_tags(tags)));
    if state.model_ids.is_empty() {
        put = put
            .namespace(NAMESPACE)
            .metric_name(&alarm.metric)
            .statistic(Statistic::Sum)
            .period(i32::try_from(alarm.period).unwrap_or(300));
    } else {
        // A profile's metric under either form of its ModelId, summed.
        let mut queries = Vec::new();
        for (i, id) in state.model_ids.iter().enumerate() {
            let dimension = Dimension::builder().name("ModelId").value(id).build();
            let metric = Metric::builder()
                .namespace(NAMESPACE)
                .metric_name(&alarm.metric)
                .dimensions(dimension)
                .build();
            let stat = MetricStat::builder()
                .metric(metric)
                .period(i32::try_from(alarm.period).unwrap_or(300))
                .stat("Sum")
                .build();
            queries.push(
                MetricDataQuery::builder()
                    .id(format!("m{i}"))
                    .metric_stat(stat)
                    .return_data(false)
                    .build(),
            );
        }
        let sum = (0..state.model_ids.len())
            .map(|i| format!("FILL(m{i},0)"))
            .collect::<Vec<_>>()
            .join("+");
        queries.push(
            MetricDataQuery::builder()
                .id("total")
                .expression(sum)
                .label(&alarm.metric)
                .return_data(true)
                .build(),
        );
        put = put.set_metrics(Some(queries));
    }
    put.send().await.map_err(context(what.to_string()))?;
    Ok(())
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    outputs: &Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::PutDashboard { name, body } => {
            let body = resolve_body(body, outputs).map_err(|e| AwsError::local(what.clone(), e))?;
            c.cloudwatch
                .put_dashboard()
                .dashboard_name(name)
                .dashboard_body(body.to_string())
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteDashboard { name } => {
            let deleted = c
                .cloudwatch
                .delete_dashboards()
                .dashboard_names(name)
                .send()
                .await;
            match from_cloudwatch(deleted) {
                Ok(_) => {}
                Err(e) if e.is(Class::NotFound) => {}
                Err(e) => return Err(context(what)(e)),
            }
        }
        Step::CreateTopic { name, tags } => {
            let tags = tags
                .iter()
                .map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(build_failed(&what))?;
            // CreateTopic is idempotent for the same name and tags.
            let out = c
                .sns
                .create_topic()
                .name(name)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(context(what))?;
            return Ok(Some(Created {
                kind: KIND,
                name: name.clone(),
                arn: out.topic_arn().unwrap_or_default().to_string(),
            }));
        }
        Step::Subscribe { topic, email } => {
            let arn = outputs
                .resolve(topic)
                .map_err(|e| AwsError::local(what.clone(), e.to_string()))?;
            c.sns
                .subscribe()
                .topic_arn(arn)
                .protocol("email")
                .endpoint(email)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::Unsubscribe { arn, .. } => {
            // Gone already (unsubscribed by its address, or a repeated call): done.
            let result = c.sns.unsubscribe().subscription_arn(arn).send().await;
            done_unless(from_sns(result), Class::NotFound, what)?;
        }
        Step::DeleteTopic { arn } => {
            c.sns
                .delete_topic()
                .topic_arn(arn)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::BudgetsAccess {
            topic,
            account,
            allow,
        } => {
            let arn = outputs
                .resolve(topic)
                .map_err(|e| AwsError::local(what.clone(), e.to_string()))?;
            let read = c
                .sns
                .get_topic_attributes()
                .topic_arn(&arn)
                .send()
                .await
                .map_err(context(what.clone()))?;
            let policy: serde_json::Value = read
                .attributes()
                .and_then(|a| a.get("Policy"))
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default();
            let policy = budget::with_budgets(&policy, &arn, account, *allow);
            c.sns
                .set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name("Policy")
                .attribute_value(policy.to_string())
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutAlarm { alarm, tags } => put_alarm(c, &what, alarm, tags, outputs).await?,
        Step::DeleteAlarms { names } => {
            c.cloudwatch
                .delete_alarms()
                .set_alarm_names(Some(names.clone()))
                .send()
                .await
                .map_err(context(what))?;
        }
    }
    Ok(None)
}

/// One profile's CloudWatch figures over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub invocations: f64,
    pub input_tokens: f64,
    pub output_tokens: f64,
    /// Average, in milliseconds (None without invocations).
    pub latency_ms: Option<f64>,
    pub throttles: f64,
    pub errors: f64,
}

/// Bedrock's metrics of each profile (`(name, ARN)`) from `start_ms` to now: both forms of
/// its `ModelId` (id and ARN) summed, as the dashboard reads them.
pub async fn profile_figures(
    c: &Clients,
    profiles: &[(String, String)],
    start_ms: i64,
) -> Result<BTreeMap<String, Figures>, AwsError> {
    const METRICS: [(&str, &str); 7] = [
        ("Invocations", "Sum"),
        ("InputTokenCount", "Sum"),
        ("OutputTokenCount", "Sum"),
        ("InvocationLatency", "Average"),
        ("InvocationThrottles", "Sum"),
        ("InvocationClientErrors", "Sum"),
        ("InvocationServerErrors", "Sum"),
    ];
    // A minute ahead: CloudWatch takes a window's end to the second, and a call of this
    // very second is in it.
    let now = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    let end = aws_smithy_types::DateTime::from(now);
    let start = aws_smithy_types::DateTime::from_millis(start_ms);
    let seconds = ((end.secs() - start.secs()).max(60) / 60 + 1) * 60;
    let mut queries = Vec::new();
    let mut index = Vec::new();
    for (p, (_, arn)) in profiles.iter().enumerate() {
        let id = arn.rsplit('/').next().unwrap_or(arn);
        for (m, (metric, stat)) in METRICS.iter().enumerate() {
            for (f, form) in [id, arn.as_str()].iter().enumerate() {
                let metric = Metric::builder()
                    .namespace(NAMESPACE)
                    .metric_name(*metric)
                    .dimensions(Dimension::builder().name("ModelId").value(*form).build())
                    .build();
                let query_id = format!("p{p}m{m}f{f}");
                queries.push(
                    MetricDataQuery::builder()
                        .id(&query_id)
                        .metric_stat(
                            MetricStat::builder()
                                .metric(metric)
                                .period(i32::try_from(seconds).unwrap_or(i32::MAX))
                                .stat(*stat)
                                .build(),
                        )
                        .build(),
                );
                index.push((query_id, p, m));
            }
        }
    }
    let mut figures: BTreeMap<String, Figures> = profiles
        .iter()
        .map(|(name, _)| (name.clone(), Figures::default()))
        .collect();
    // GetMetricData takes at most 500 queries a call.
    for chunk in queries.chunks(500) {
        let pages = c
            .cloudwatch
            .get_metric_data()
            .set_metric_data_queries(Some(chunk.to_vec()))
            .start_time(start)
            .end_time(end)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(context(
                "reading Bedrock's metrics (cloudwatch:GetMetricData)",
            ))?;
        for result in pages.iter().flat_map(|p| p.metric_data_results()) {
            let Some((_, p, m)) = index
                .iter()
                .find(|(id, ..)| Some(id.as_str()) == result.id())
            else {
                continue;
            };
            let total: f64 = result.values().iter().sum();
            let f = figures
                .get_mut(&profiles[*p].0)
                .expect("every profile has figures");
            match METRICS[*m].0 {
                "Invocations" => f.invocations += total,
                "InputTokenCount" => f.input_tokens += total,
                "OutputTokenCount" => f.output_tokens += total,
                "InvocationLatency" if !result.values().is_empty() => {
                    let avg = total / result.values().len() as f64;
                    f.latency_ms = Some(f.latency_ms.map_or(avg, |l| (l + avg) / 2.0));
                }
                "InvocationThrottles" => f.throttles += total,
                "InvocationClientErrors" | "InvocationServerErrors" => f.errors += total,
                _ => {}
            }
        }
    }
    Ok(figures)
}
