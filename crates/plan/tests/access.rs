//! Plans for model access and guardrails: the preflight of a brand-new account, `[access]`
//! as changes, LEGACY models as warnings, a guardrail created, changed (a new version) and
//! destroyed, with LibreChat's file following its id and version.

use bedrock_plan::resources::guardrail::{self, Policy};
use bedrock_plan::resources::model_access::{Lifecycle, ModelState, Offer};
use bedrock_plan::*;
use std::path::PathBuf;

mod common;
use common::*;

const GUARDED: &str = include_str!("../../../tests/fixtures/valid/guardrails-and-access.toml");

/// The guarded spec, with LibreChat naming its managed guardrail.
fn guarded() -> bedrock_spec::Spec {
    spec(&GUARDED.replace(
        r#"guardrail = { identifier = "abc123xyz", version = "1", trace = "disabled" }"#,
        r#"guardrail = { name = "librechat-default", trace = "disabled" }"#,
    ))
}

fn state(model: &str, region: &str, agreement: &str) -> ModelState {
    ModelState {
        model: model.into(),
        region: region.into(),
        agreement: agreement.into(),
        authorization: "AUTHORIZED".into(),
        entitlement: "AVAILABLE".into(),
        region_availability: "AVAILABLE".into(),
        lifecycle: Some(Lifecycle {
            status: "ACTIVE".into(),
            legacy_time: None,
            end_of_life_time: None,
        }),
        offer: (agreement == "NOT_AVAILABLE").then(|| Offer {
            id: Some(format!("offer-{}", model.len())),
            token: "token".into(),
            terms: Some(format!(
                "https://aws.amazon.com/marketplace/pp/{model}#eula"
            )),
        }),
    }
}

/// What the account says of every model the stack invokes: each agreement as given.
fn access_of(d: &DesiredState, o: &mut ObservedState, agreement: &str, form: bool) {
    let used = bedrock_plan::resources::model_access::used_models(d, &o.sources);
    o.access.use_case_on_file = used
        .keys()
        .any(|(m, _)| m.starts_with("anthropic."))
        .then_some(form);
    o.access.models = used.keys().map(|(m, r)| state(m, r, agreement)).collect();
}

#[test]
fn a_new_account_without_access_in_the_spec_stops_the_plan_with_each_fix() {
    let d = desired();
    let mut o = converged(&d);
    access_of(&d, &mut o, "NOT_AVAILABLE", false);
    let err = plan(&d, &o, &PlanOptions::default()).unwrap_err();
    insta::assert_snapshot!(err.to_string());
    assert_eq!(
        err.problems.len(),
        4,
        "the form, then one agreement per model (not per region): {err}"
    );
}

#[test]
fn access_in_the_spec_is_planned_as_changes_and_a_new_guardrail_as_a_create() {
    let s = guarded();
    let d = desired_for(&s).with_files(bedrock_plan::resources::files::Desired {
        out_dir: PathBuf::from("out"),
        yaml: Some(bedrock_plan::resources::files::YamlFile {
            path: PathBuf::from("librechat.yaml"),
            spec: Box::new(s.clone()),
            spec_name: "bedrock.toml".into(),
            guardrail: "librechat-default".into(),
        }),
        ..Default::default()
    });
    let mut o = empty(&d);
    access_of(&d, &mut o, "NOT_AVAILABLE", false);
    let p = plan(&d, &o, &PlanOptions::default()).unwrap();
    insta::assert_snapshot!(show(&p));
    let created: Vec<(String, Action)> = p
        .changed()
        .filter(|c| c.kind.id != "file")
        .map(|c| (format!("{} {}", c.kind.id, c.name), c.action))
        .collect();
    assert!(created.contains(&(
        "model_access Anthropic use case form".into(),
        Action::Create
    )));
    assert!(created.contains(&("guardrail librechat-default".into(), Action::Create)));
    assert!(p
        .changed()
        .any(|c| c.name == "agreement anthropic.claude-sonnet-4-5-20250929-v1:0"));
}

#[test]
fn a_legacy_model_and_a_pending_agreement_are_warnings() {
    let d = desired();
    let mut o = converged(&d);
    access_of(&d, &mut o, "AVAILABLE", true);
    for m in &mut o.access.models {
        if m.model.contains("claude-3-7") {
            m.lifecycle = Some(Lifecycle {
                status: "LEGACY".into(),
                legacy_time: Some("2026-04-28".into()),
                end_of_life_time: Some("2026-10-28".into()),
            });
        }
        if m.model.contains("opus") {
            m.agreement = "PENDING".into();
        }
    }
    let p = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!p.has_changes());
    insta::assert_snapshot!(p.warnings.join("\n"));
    assert!(show(&p).contains("warning: anthropic.claude-3-7-sonnet-20250219-v1:0 in us-east-1, us-east-2, us-west-2 is LEGACY (legacy since 2026-04-28, end of life 2026-10-28)"));
}

fn observed_guardrail(
    d: &guardrail::Desired,
    draft: Policy,
    latest: Option<(&str, Policy)>,
) -> guardrail::Observed {
    guardrail::Observed {
        name: d.name.clone(),
        id: "gr0example12".into(),
        arn: format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/gr0example12"),
        draft,
        latest: latest.map(|(v, p)| (v.to_string(), p)),
        tags: d.tags.clone(),
    }
}

#[test]
fn a_changed_guardrail_is_updated_in_place_and_published_as_a_new_version() {
    let d = desired_for(&guarded());
    let g = d.guardrails[0].clone();
    let mut old = g.policy.clone();
    old.words = vec!["project-apollo".into()];
    let mut o = empty(&d);
    access_of(&d, &mut o, "AVAILABLE", true);
    o.guardrails = vec![observed_guardrail(&g, old.clone(), Some(("3", old)))];
    let p = plan(&d, &o, &PlanOptions::default()).unwrap();
    let change = p
        .changes
        .iter()
        .find(|c| c.kind == guardrail::KIND)
        .unwrap();
    assert_eq!(change.action, Action::Update);
    insta::assert_json_snapshot!(change);

    // Nothing to do once the draft and the latest version match the spec.
    o.guardrails = vec![observed_guardrail(
        &g,
        g.policy.clone(),
        Some(("4", g.policy.clone())),
    )];
    let p = plan(&d, &o, &PlanOptions::default()).unwrap();
    let change = p
        .changes
        .iter()
        .find(|c| c.kind == guardrail::KIND)
        .unwrap();
    assert_eq!(change.action, Action::NoOp);
    // A version's own description is not a difference of policy.
    let mut described = g.policy.clone();
    described.description = Some("published by someone".into());
    o.guardrails = vec![observed_guardrail(
        &g,
        g.policy.clone(),
        Some(("4", described)),
    )];
    let p = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert_eq!(
        p.changes
            .iter()
            .find(|c| c.kind == guardrail::KIND)
            .unwrap()
            .action,
        Action::NoOp
    );
    // A draft that matches, never published: published.
    o.guardrails = vec![observed_guardrail(&g, g.policy.clone(), None)];
    let p = plan(&d, &o, &PlanOptions::default()).unwrap();
    let change = p
        .changes
        .iter()
        .find(|c| c.kind == guardrail::KIND)
        .unwrap();
    assert_eq!(change.steps[0].steps.len(), 1, "{change:?}");
    assert!(
        change
            .reason
            .contains("not published: published as version 1"),
        "{}",
        change.reason
    );
}

#[test]
fn destroy_deletes_the_guardrail_with_its_versions_and_leaves_access_to_the_account() {
    let d = desired_for(&guarded());
    let g = d.guardrails[0].clone();
    let mut o = converged(&d);
    access_of(&d, &mut o, "AVAILABLE", true);
    o.guardrails = vec![observed_guardrail(
        &g,
        g.policy.clone(),
        Some(("2", g.policy.clone())),
    )];
    let p = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    insta::assert_snapshot!(show(&p));
}
