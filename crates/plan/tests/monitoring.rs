//! The monitoring kind planned with no network: the dashboard, the alarms and their topic
//! from an empty account, converged, drifted, dropped from the spec, and destroyed.

#[path = "monitoring/alarm_email.rs"]
mod alarm_email;
mod common;
use bedrock_plan::resources::monitoring::{
    self, AlarmState, EmailSubscription, ObservedAlarm, ObservedTopic,
};
use bedrock_plan::*;
use common::*;

const MONITORING: &str = "\n[monitoring]\ndashboard = true\nalarm_email = \"ops@example.com\"\n";

fn desired_with(extra: &str) -> DesiredState {
    let text = include_str!("../../../tests/fixtures/valid/guide.toml").to_string() + extra;
    desired_for(&spec(&text))
}

fn topic_arn(d: &DesiredState) -> String {
    format!(
        "arn:aws:sns:us-east-1:{ACCOUNT}:{}",
        d.monitoring.topic_name()
    )
}

/// The account once `plan` is applied: what each monitoring step makes, as AWS would then
/// describe it (the topic's ARN known).
fn applied(d: &DesiredState, o: &ObservedState, plan: &Plan) -> ObservedState {
    let mut o = o.clone();
    let mut made = Outputs::default();
    made.record(Created {
        kind: monitoring::KIND,
        name: d.monitoring.topic_name(),
        arn: topic_arn(d),
    });
    let resolve = |r: &ArnRef| made.resolve(r).map_err(|e| e.to_string());
    for chain in plan.changes.iter().flat_map(|c| &c.steps) {
        for step in &chain.steps {
            if let Step::Tags(tagging::Step::SetTags {
                resource: tagging::Tagged::Topic { .. },
                after,
                ..
            }) = step
            {
                o.monitoring.topic.as_mut().unwrap().tags = after.clone();
            }
            let Step::Monitoring(step) = step else {
                continue;
            };
            match step {
                monitoring::Step::PutDashboard { body, .. } => {
                    o.monitoring.dashboard = Some(body.body(&resolve).unwrap());
                }
                monitoring::Step::CreateTopic { tags, .. } => {
                    o.monitoring.topic = Some(ObservedTopic {
                        arn: topic_arn(d),
                        tags: tags.clone(),
                        subscriptions: vec![],
                        budgets_statement: false,
                    });
                }
                // Pending until the address confirms it, as AWS lists it.
                monitoring::Step::Subscribe { email, .. } => o
                    .monitoring
                    .topic
                    .as_mut()
                    .unwrap()
                    .subscriptions
                    .push(EmailSubscription {
                        email: email.clone(),
                        arn: None,
                    }),
                monitoring::Step::Unsubscribe { arn, .. } => o
                    .monitoring
                    .topic
                    .as_mut()
                    .unwrap()
                    .subscriptions
                    .retain(|s| s.arn.as_ref() != Some(arn)),
                monitoring::Step::PutAlarm { alarm, tags } => {
                    o.monitoring.alarms.retain(|a| a.name != alarm.name);
                    o.monitoring.alarms.push(ObservedAlarm {
                        name: alarm.name.clone(),
                        state: alarm.state(&resolve).unwrap(),
                        tags: tags.clone(),
                    });
                }
                monitoring::Step::BudgetsAccess { allow, .. } => {
                    o.monitoring.topic.as_mut().unwrap().budgets_statement = *allow
                }
                monitoring::Step::DeleteDashboard { .. } => o.monitoring.dashboard = None,
                monitoring::Step::DeleteTopic { .. } => o.monitoring.topic = None,
                monitoring::Step::DeleteAlarms { names } => {
                    o.monitoring.alarms.retain(|a| !names.contains(&a.name))
                }
            }
        }
    }
    o
}

fn monitoring_changes(plan: &Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| c.kind == monitoring::KIND)
        .collect()
}

fn converged_monitoring(d: &DesiredState) -> ObservedState {
    let o = converged(d);
    let first = plan(d, &o, &PlanOptions::default()).unwrap();
    applied(d, &o, &first)
}

#[test]
fn an_account_without_monitoring_gets_the_dashboard_topic_subscription_and_alarms() {
    let d = desired_with(MONITORING);
    let plan = plan(&d, &converged(&d), &PlanOptions::default()).unwrap();
    let changes = monitoring_changes(&plan);
    // The topic with its subscription, the dashboard, two delivery alarms and one throttle
    // alarm per profile.
    assert_eq!(changes.len(), 1 + 1 + 2 + 3, "{changes:#?}");
    assert!(changes.iter().all(|c| c.action == Action::Create));
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn converged_monitoring_has_nothing_to_do() {
    let d = desired_with(MONITORING);
    let o = converged_monitoring(&d);
    let again = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));
}

#[test]
fn an_alarm_or_dashboard_changed_by_hand_is_put_again() {
    let d = desired_with(MONITORING);
    let mut o = converged_monitoring(&d);
    o.monitoring.alarms[0].state.threshold = 1000.0;
    let dashboard = o.monitoring.dashboard.as_mut().unwrap();
    dashboard["widgets"][0]["properties"]["title"] = "renamed by hand".into();
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    let changed: Vec<String> = plan.changed().map(|c| c.name.clone()).collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed.iter().any(|n| n.starts_with("dashboard ")));
    assert!(changed.contains(&format!("alarm {}", o.monitoring.alarms[0].name)));
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn a_new_address_is_subscribed_and_an_untagged_topic_needs_adopt() {
    let d = desired_with(&MONITORING.replace("ops@", "oncall@"));
    let mut o = converged_monitoring(&desired_with(MONITORING));
    let plan_new = plan(&d, &o, &PlanOptions::default()).unwrap();
    let subscribe = plan_new
        .changed()
        .flat_map(|c| c.steps.iter().flat_map(|chain| &chain.steps))
        .any(|s| matches!(s, Step::Monitoring(monitoring::Step::Subscribe { email, .. }) if email == "oncall@example.com"));
    assert!(subscribe, "{}", show(&plan_new));

    o.monitoring.topic.as_mut().unwrap().tags.clear();
    let refused = plan(&d, &o, &PlanOptions::default()).unwrap_err();
    assert!(
        refused.problems.iter().any(|p| p.contains("--adopt")),
        "{refused}"
    );
    let adopted = plan(
        &d,
        &o,
        &PlanOptions {
            adopt: true,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    assert!(adopted.changed().any(|c| c.action == Action::Adopt));
}

#[test]
fn monitoring_dropped_from_the_spec_is_retired_after_the_rest() {
    let d = desired_with("");
    let o = converged_monitoring(&desired_with(MONITORING));
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    let changes = monitoring_changes(&plan);
    assert_eq!(changes.len(), 3, "{changes:#?}");
    for c in &changes {
        assert_eq!(c.action, Action::Delete, "{c:#?}");
        assert!(c.steps.iter().all(|chain| chain.phase == Phase::Retire));
    }
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn destroy_deletes_the_stack_s_monitoring_and_leaves_another_s() {
    let d = desired_with(MONITORING);
    let mut o = converged_monitoring(&d);
    o.monitoring.alarms.push(ObservedAlarm {
        name: format!("{}-throttles-someone-else", d.monitoring.prefix),
        state: AlarmState::default(),
        tags: std::collections::BTreeMap::new(),
    });
    let plan = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    let deleted: Vec<String> = monitoring_changes(&plan)
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(deleted.len(), 3, "{deleted:?}");
    assert!(
        !deleted.iter().any(|n| n.contains("someone-else")),
        "{deleted:?}"
    );
    insta::assert_snapshot!(show(&plan));
}

/// The steps of the plan's monitoring changes.
fn monitoring_steps(plan: &Plan) -> Vec<&monitoring::Step> {
    plan.changed()
        .flat_map(|c| c.steps.iter().flat_map(|chain| &chain.steps))
        .filter_map(|s| match s {
            Step::Monitoring(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// Whether the plan keeps anything of monitoring's.
fn kept_monitoring(plan: &Plan) -> bool {
    plan.kept.iter().any(|k| k.kind == monitoring::KIND)
}
