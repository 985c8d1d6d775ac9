//! Plans for model access and guardrails: the preflight of a brand-new account, `[access]`
//! as changes, LEGACY models as warnings, a guardrail created, changed (a new version) and
//! destroyed, with LibreChat's file following its id and version.

use bedrock_plan::resources::guardrail::{self, Policy};
use bedrock_plan::resources::inference_profile;
use bedrock_plan::resources::model_access::{AccountFacts, Lifecycle, ModelState, Offer};
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
        region_availability: "AVAILABLE".into(),
        lifecycle: Some(Lifecycle {
            status: "ACTIVE".into(),
            legacy_time: None,
            end_of_life_time: None,
        }),
        account: Some(AccountFacts {
            agreement: agreement.into(),
            authorization: "AUTHORIZED".into(),
            entitlement: "AVAILABLE".into(),
            offer: (agreement == "NOT_AVAILABLE").then(|| Offer {
                id: Some(format!("offer-{}", model.len())),
                token: "token".into(),
                terms: Some(format!(
                    "https://aws.amazon.com/marketplace/pp/{model}#eula"
                )),
            }),
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
            if let Some(a) = m.account.as_mut() {
                a.agreement = "PENDING".into();
            }
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

/// The application profiles in place, each routing where its source does.
fn in_place(
    d: &DesiredState,
    o: &ObservedState,
) -> std::collections::BTreeMap<String, Vec<String>> {
    d.profiles
        .iter()
        .filter_map(|p| match o.sources.get(&p.source_arn) {
            Some(inference_profile::SourceState::Routes { models }) => {
                Some((p.name.clone(), models.clone()))
            }
            _ => None,
        })
        .collect()
}

fn model_ids(d: &DesiredState, o: &ObservedState, profile: &str) -> Vec<String> {
    let p = d.profiles.iter().find(|p| p.name == profile).unwrap();
    match o.sources.get(&p.source_arn) {
        Some(inference_profile::SourceState::Routes { models }) => models
            .iter()
            .map(|m| m.rsplit('/').next().unwrap().to_string())
            .collect(),
        _ => panic!("no routes for {profile}"),
    }
}

#[test]
fn a_plan_reads_the_account_s_facts_only_for_profiles_not_yet_made() {
    use bedrock_plan::resources::model_access::account_reads;
    let mut d = desired();
    let o = converged(&d);
    let all = in_place(&d, &o);
    // Every profile in place, and LibreChat's direct model is Amazon's (no agreement).
    assert!(account_reads(&d, &o.sources, &all).is_empty());
    // A profile not made yet: its models are read, and only those.
    let first = d.profiles[0].name.clone();
    let mut fewer = all.clone();
    fewer.remove(&first);
    let reads = account_reads(&d, &o.sources, &fewer);
    let expected: std::collections::BTreeSet<String> =
        model_ids(&d, &o, &first).into_iter().collect();
    assert!(!expected.is_empty());
    assert_eq!(reads, expected);
    // A profile of that name routing elsewhere is not the one the spec checks.
    let mut moved = all.clone();
    moved.insert(
        first.clone(),
        vec!["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-x".into()],
    );
    assert_eq!(account_reads(&d, &o.sources, &moved), expected);
    // doctor, and a stack that keeps the agreements, read every model, Amazon's included.
    d.access.every_model = true;
    let every = account_reads(&d, &o.sources, &all);
    let used: std::collections::BTreeSet<String> = d
        .profiles
        .iter()
        .flat_map(|p| model_ids(&d, &o, &p.name))
        .collect();
    assert_eq!(every, used);
    // An Amazon model needs no agreement: a plan does not read it, doctor does.
    let mut nova = o.sources.clone();
    let source = d.profiles[0].source_arn.clone();
    nova.insert(
        source,
        inference_profile::SourceState::Routes {
            models: vec!["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0".into()],
        },
    );
    assert!(account_reads(&d, &nova, &fewer).contains("amazon.nova-pro-v1:0"));
    d.access.every_model = false;
    assert!(!account_reads(&d, &nova, &fewer).contains("amazon.nova-pro-v1:0"));
    d.access.every_model = true;
    d.access.every_model = false;
    d.access.accept_agreements = true;
    assert_eq!(account_reads(&d, &o.sources, &all), every);
}

#[test]
fn a_model_whose_account_facts_were_not_read_is_still_checked_in_its_region() {
    let d = desired();
    let mut o = converged(&d);
    access_of(&d, &mut o, "AVAILABLE", true);
    for m in &mut o.access.models {
        m.account = None;
        if m.model.contains("claude-3-7") {
            m.lifecycle = Some(Lifecycle {
                status: "LEGACY".into(),
                legacy_time: Some("2026-04-28".into()),
                end_of_life_time: None,
            });
        }
    }
    let p = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("claude-3-7") && w.contains("LEGACY")),
        "{:?}",
        p.warnings
    );
    let m = o
        .access
        .models
        .iter_mut()
        .find(|m| m.model.contains("opus"))
        .unwrap();
    m.region_availability = "NOT_AVAILABLE".into();
    m.lifecycle = None;
    let err = plan(&d, &o, &PlanOptions::default()).unwrap_err();
    assert!(err.to_string().contains("is not offered"), "{err}");
}

/// The models LibreChat labels activity and reasoning with are models it calls: on this
/// endpoint they are granted like `title_model`; on another endpoint (`*_endpoint`), not.
#[test]
fn activity_and_reasoning_label_models_are_models_librechat_calls() {
    let src = GUARDED.replace(
        "[librechat]\n",
        "[librechat]\nactivity_model = \"us.amazon.nova-lite-v1:0\"\nreasoning_label_model = \"us.amazon.nova-micro-v1:0\"\nactivity_phase_model = \"gpt-4o-mini\"\nactivity_phase_endpoint = \"openAI\"\n",
    );
    let d = desired_for(&spec(&src));
    let direct: Vec<(&str, &str)> = d
        .direct
        .iter()
        .map(|(arn, key)| (arn.as_str(), key.as_str()))
        .collect();
    for (model, key) in [
        ("us.amazon.nova-lite-v1:0", "[librechat] activity_model"),
        (
            "us.amazon.nova-micro-v1:0",
            "[librechat] reasoning_label_model",
        ),
    ] {
        assert!(
            direct
                .iter()
                .any(|(arn, k)| arn.ends_with(&format!("inference-profile/{model}")) && *k == key),
            "{model}: {direct:?}"
        );
    }
    assert!(
        !direct.iter().any(|(arn, _)| arn.contains("gpt-4o-mini")),
        "{direct:?}"
    );
}

/// A model LibreChat sends to bedrock-mantle is not called through bedrock-runtime: its
/// invoke policy does not list it, nor does the plan ask the region to offer it there.
#[test]
fn a_model_librechat_sends_to_bedrock_mantle_is_not_in_the_invoke_policy() {
    let src = GUARDED.replace(
        "[librechat]\n",
        "[librechat]\nmodels = [\"openai.gpt-5.4\", \"openai.gpt-oss-120b-1:0\"]\n",
    );
    let d = desired_for(&spec(&src));
    assert!(
        !d.direct
            .iter()
            .any(|(arn, _)| arn.contains("openai.gpt-5.4")),
        "{:?}",
        d.direct
    );
    assert!(
        d.direct
            .iter()
            .any(|(arn, _)| arn.ends_with("foundation-model/openai.gpt-oss-120b-1:0")),
        "{:?}",
        d.direct
    );
}
