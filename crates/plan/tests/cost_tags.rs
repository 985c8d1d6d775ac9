//! Cost allocation tags planned with no network: activated when Billing knows them, pending
//! when it does not yet, left to the management account in an Organization, and left active
//! by destroy (the account's Billing settings).

mod common;
use bedrock_plan::resources::cost_tags;
use bedrock_plan::*;
use common::*;
use std::collections::BTreeMap;

fn desired_with_cost() -> DesiredState {
    let text = include_str!("../../../tests/fixtures/valid/guide.toml").to_string()
        + "\n[cost]\nactivate_tags = [\"Application\", \"Environment\"]\n";
    desired_for(&spec(&text))
}

fn statuses(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn cost_changes(plan: &Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| c.kind == cost_tags::KIND)
        .collect()
}

#[test]
fn an_inactive_key_is_activated_and_an_unknown_one_is_pending() {
    let d = desired_with_cost();
    let mut o = converged(&d);
    o.cost_tags.statuses = statuses(&[("Application", "Inactive")]);
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    let changes = cost_changes(&plan);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].name, "Application");
    assert_eq!(changes[0].action, Action::Update);
    assert!(
        plan.kept
            .iter()
            .any(|k| k.kind == cost_tags::KIND && k.name == "Environment"),
        "{:#?}",
        plan.kept
    );
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn active_keys_have_nothing_to_do() {
    let d = desired_with_cost();
    let mut o = converged(&d);
    o.cost_tags.statuses = statuses(&[("Application", "Active"), ("Environment", "Active")]);
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!plan.has_changes(), "{}", show(&plan));
}

#[test]
fn a_member_account_is_given_the_command_for_the_management_account() {
    let d = desired_with_cost();
    let mut o = converged(&d);
    o.cost_tags.management_account = Some("999988887777".into());
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(cost_changes(&plan).is_empty());
    let kept = plan
        .kept
        .iter()
        .find(|k| k.kind == cost_tags::KIND)
        .expect("kept with the reason");
    assert!(kept.reason.contains("999988887777"), "{}", kept.reason);
    assert!(
        kept.reason.contains(&cost_tags::command(&[
            "Application".to_string(),
            "Environment".to_string()
        ])),
        "{}",
        kept.reason
    );
}

#[test]
fn destroy_leaves_the_account_s_billing_settings() {
    let d = desired_with_cost();
    let mut o = converged(&d);
    o.cost_tags.statuses = statuses(&[("Application", "Active"), ("Environment", "Active")]);
    let plan = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    assert!(cost_changes(&plan).is_empty());
    assert!(plan.kept.iter().any(|k| k.kind == cost_tags::KIND));
    insta::assert_snapshot!(show(&plan));
}
