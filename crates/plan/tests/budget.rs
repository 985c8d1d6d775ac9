//! The stack's budget planned with no network: made with its alerts; counting Bedrock's
//! service until the stack's tag is active in Billing, then the tag; its alerts made the
//! spec's (a stale one deleted before new ones are added, a stray subscriber replaced); and
//! destroyed when it is the stack's.

mod common;
use bedrock_plan::resources::budget::{self, Live, Notification, Subscriber};
use bedrock_plan::*;
use common::*;
use std::collections::BTreeMap;

fn desired_with_budget() -> DesiredState {
    let text = include_str!("../../../tests/fixtures/valid/guide.toml").to_string()
        + "\n[cost.budget]\nmonthly_usd = 300\nalert_at_percent = [50, 100]\nalert_on = [\"actual\"]\nalert_email = \"finops@example.com\"\n";
    desired_for(&spec(&text))
}

fn actual(threshold: f64) -> Notification {
    Notification {
        spend: "ACTUAL".into(),
        comparison: "GREATER_THAN".into(),
        threshold,
        threshold_type: "PERCENTAGE".into(),
    }
}

fn email(address: &str) -> Subscriber {
    Subscriber {
        kind: "EMAIL".into(),
        address: address.into(),
    }
}

fn filters(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
        .collect()
}

fn live(d: &DesiredState) -> Live {
    Live {
        amount: "300.0".into(),
        unit: "USD".into(),
        time_unit: "MONTHLY".into(),
        budget_type: "COST".into(),
        filters: filters(&[("Region", "us-east-1"), ("Service", "Amazon Bedrock")]),
        filter_expression: false,
        cost_types: vec![],
        notifications: vec![
            (actual(50.0), vec![email("finops@example.com")]),
            (actual(100.0), vec![email("finops@example.com")]),
        ],
        tags: d.managed_tags.clone(),
    }
}

fn budget_changes(plan: &Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| c.kind == budget::KIND)
        .collect()
}

#[test]
fn a_new_budget_counts_the_service_and_says_why_until_the_stack_s_tag_is_active() {
    let d = desired_with_budget();
    let plan = plan(&d, &converged(&d), &PlanOptions::default()).unwrap();
    let changes = budget_changes(&plan);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].action, Action::Create);
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn the_same_budget_is_no_change_and_the_tag_active_in_billing_changes_its_filter() {
    let d = desired_with_budget();
    let mut o = converged(&d);
    o.budget.budget = Some(live(&d));
    let same = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(budget_changes(&same)
        .iter()
        .all(|c| c.action == Action::NoOp));
    o.cost_tags.statuses.insert("stack".into(), "Active".into());
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    let changes = budget_changes(&plan);
    assert_eq!(changes[0].action, Action::Update);
    assert!(
        !plan.kept.iter().any(|k| k.kind == budget::KIND),
        "nothing to explain once the tag filters: {:#?}",
        plan.kept
    );
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn alerts_changed_by_hand_are_made_the_spec_s_a_stale_one_deleted_first() {
    let d = desired_with_budget();
    let mut o = converged(&d);
    let mut b = live(&d);
    b.amount = "999".into();
    b.notifications = vec![
        (actual(50.0), vec![email("someone@example.com")]),
        (actual(90.0), vec![email("finops@example.com")]),
        (
            Notification {
                spend: "FORECASTED".into(),
                ..actual(100.0)
            },
            vec![email("finops@example.com")],
        ),
    ];
    o.budget.budget = Some(b);
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    let steps: Vec<String> = plan
        .phases()
        .iter()
        .flat_map(|p| p.chains.iter().flatten())
        .map(Step::describe)
        .filter(|s| s.contains("budget") || s.contains("alert"))
        .collect();
    let delete = steps
        .iter()
        .position(|s| s.starts_with("delete the alert on actual spend above 90%"));
    let add = steps
        .iter()
        .position(|s| s.starts_with("add the alert on actual spend above 100%"));
    assert!(
        delete.is_some() && add.is_some() && delete < add,
        "{steps:#?}"
    );
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn destroy_deletes_the_stack_s_budget_and_keeps_another_s() {
    let d = desired_with_budget();
    let mut o = converged(&d);
    o.budget.budget = Some(live(&d));
    let ours = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    assert!(budget_changes(&ours)
        .iter()
        .any(|c| c.action == Action::Delete));
    let mut theirs = live(&d);
    theirs.tags = BTreeMap::from([("stack".to_string(), "other".to_string())]);
    o.budget.budget = Some(theirs);
    let kept = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    assert!(budget_changes(&kept).is_empty());
    assert!(kept.kept.iter().any(|k| k.kind == budget::KIND));
}
