//! Quota increases planned with no network: asked when the account's value is below the
//! spec's, granted when it is not, pending while a request is open, not asked again for a
//! value AWS denied, said and skipped for a quota AWS takes no request for; destroy leaves
//! them.

mod common;
use bedrock_plan::quota_names::{LiveQuota, ModelNames};
use bedrock_plan::resources::quota_increase::{self, ClosedRequest, OpenRequest};
use bedrock_plan::*;
use common::*;

const SONNET_4: &str = "Anthropic Claude Sonnet 4 V1";

fn desired_with_increases() -> DesiredState {
    let text = include_str!("../../../tests/fixtures/valid/quotas.toml").to_string()
        + "\n[[quotas.increase]]\nprofile = \"LibreChat-Claude-Sonnet-4\"\ntokens_per_minute = 800000\nrequests_per_minute = 400\n\n[[quotas.increase]]\nprofile = \"LibreChat-Claude-3-7-Sonnet\"\ntokens_per_minute = 1000000\n\n[[quotas.increase]]\nprofile = \"LibreChat-Nova-Pro\"\ntokens_per_minute = 900000\n";
    desired_for(&spec(&text))
}

fn quota(code: &str, name: &str, value: f64, adjustable: bool) -> LiveQuota {
    LiveQuota {
        code: code.into(),
        name: name.into(),
        value,
        adjustable,
    }
}

fn observed(d: &DesiredState) -> ObservedState {
    let mut o = converged(d);
    o.quota_increases.quotas = vec![
        quota(
            "L-59759B4A",
            &format!("Cross-region model inference tokens per minute for {SONNET_4}"),
            200_000.0,
            true,
        ),
        quota(
            "L-559DCC33",
            &format!("Cross-region model inference requests per minute for {SONNET_4}"),
            200.0,
            false,
        ),
        quota(
            "L-6E888CC2",
            "Cross-region model inference tokens per minute for Anthropic Claude 3.7 Sonnet V1",
            1_000_000.0,
            true,
        ),
        quota(
            "L-A3B7C8D9",
            "On-demand model inference tokens per minute for Amazon Nova Pro",
            400_000.0,
            true,
        ),
    ];
    o.quota_increases.models = vec![
        ModelNames::new(
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "Anthropic",
            "Claude Sonnet 4",
        ),
        ModelNames::new(
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "Anthropic",
            "Claude 3.7 Sonnet",
        ),
        ModelNames::new("amazon.nova-pro-v1:0", "Amazon", "Nova Pro"),
    ];
    o
}

fn changes(plan: &Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| c.kind == quota_increase::KIND)
        .collect()
}

#[test]
fn below_is_asked_granted_is_nothing_and_not_adjustable_is_said() {
    let d = desired_with_increases();
    let plan = plan(&d, &observed(&d), &PlanOptions::default()).unwrap();
    let asked: Vec<&str> = changes(&plan)
        .iter()
        .filter(|c| c.action == Action::Update)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        asked,
        [
            "tokens/min of LibreChat-Claude-Sonnet-4",
            "tokens/min of LibreChat-Nova-Pro"
        ]
    );
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn an_open_request_is_pending_and_a_denied_value_is_not_asked_again() {
    let d = desired_with_increases();
    let mut o = observed(&d);
    o.quota_increases.open = vec![OpenRequest {
        id: "req-1".into(),
        code: "L-59759B4A".into(),
        value: 600_000.0,
        status: "CASE_OPENED".into(),
        created: Some("2026-12-01T10:00:00Z".into()),
    }];
    o.quota_increases.closed = vec![ClosedRequest {
        code: "L-A3B7C8D9".into(),
        value: 900_000.0,
        status: "DENIED".into(),
    }];
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(
        changes(&plan).iter().all(|c| c.action == Action::NoOp),
        "{}",
        show(&plan)
    );
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn destroy_leaves_the_account_s_quotas() {
    let d = desired_with_increases();
    let plan = plan_destroy(&d, &observed(&d), &PlanOptions::default()).unwrap();
    assert!(changes(&plan).is_empty());
    assert!(plan
        .kept
        .iter()
        .any(|k| k.kind == quota_increase::KIND && k.reason.contains("cannot be taken back")));
}
