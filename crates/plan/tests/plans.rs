//! Plans for the interesting cases, as people and CI read them: snapshots of
//! `(desired, observed) -> plan`, with no network.

use bedrock_plan::resources::{bucket, inference_profile, log_group, logging_config, logging_role};
use bedrock_plan::*;
use serde_json::json;
use std::collections::BTreeMap;

mod common;
use common::*;

#[test]
fn an_empty_account_gets_everything() {
    let d = desired();
    let plan = plan(&d, &empty(&d), &PlanOptions::default()).unwrap();
    insta::assert_snapshot!(show(&plan));
    assert_eq!(
        plan.phases().iter().map(|p| p.phase).collect::<Vec<_>>(),
        [
            Phase::Foundations,
            Phase::Settings,
            Phase::Logging,
            Phase::Profiles
        ]
    );
}

#[test]
fn the_plan_as_json() {
    let d = desired();
    let plan = plan(&d, &empty(&d), &PlanOptions::default()).unwrap();
    insta::assert_json_snapshot!(plan);
}

#[test]
fn a_converged_account_has_nothing_to_do() {
    let d = desired();
    let plan = plan(&d, &converged(&d), &PlanOptions::default()).unwrap();
    assert!(!plan.has_changes());
    assert_eq!(plan.step_count(), 0);
    insta::assert_snapshot!(show(&plan));
}

#[test]
fn aws_shapes_of_the_same_documents_are_no_change() {
    let d = desired();
    let mut o = converged(&d);
    // IAM reorders, and a one-element list is its string.
    let role = o.role.as_mut().unwrap();
    role.trust = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "BedrockWritesInvocationLogs", "Effect": "Allow",
        "Principal": {"Service": ["bedrock.amazonaws.com"]}, "Action": ["sts:AssumeRole"],
        "Condition": {"ArnLike": {"aws:SourceArn": [format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:*")]}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}
    }]});
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!plan.has_changes(), "{}", show(&plan));
}

#[test]
fn every_kind_of_drift() {
    let d = desired();
    let mut o = converged(&d);
    o.log_group.as_mut().unwrap().retention_days = Some(7);
    let role = o.role.as_mut().unwrap();
    role.trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] =
        json!("999999999999");
    role.inline.insert("ExtraAdmin".into(), json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
    if let BucketState::Present(b) = &mut o.bucket {
        b.public_access_block = None;
    }
    let logging = o.logging.as_mut().unwrap();
    logging.log_group = Some("/somewhere/else".into());
    logging.text = false;
    // One profile deleted out of band, one moved to another model, one with a hand-edited tag.
    o.profiles.remove(0);
    o.profiles[0].models =
        vec!["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0".into()];
    o.profiles[1]
        .tags
        .insert("Environment".into(), "Staging".into());
    o.profiles[1].tags.insert("Owner".into(), "someone".into());
    // A profile this stack made that the spec no longer has, and someone else's.
    let mut gone = o.profiles[1].clone();
    gone.name = "LibreChat-Old".into();
    gone.arn =
        format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/oldoldoldold");
    o.profiles.push(gone);
    let mut foreign = o.profiles[1].clone();
    foreign.name = "Someone-Elses".into();
    foreign.tags = BTreeMap::from([("team".into(), "data".into())]);
    o.profiles.push(foreign);

    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    insta::assert_snapshot!(show(&plan));
    let s = plan.summary();
    assert_eq!((s.add, s.change, s.replace, s.destroy), (1, 5, 1, 1));
    // The replace deletes before it creates, with a token that differs from a fresh create's.
    let replace = plan
        .changes
        .iter()
        .find(|c| c.action == Action::Replace)
        .unwrap();
    let steps = &replace.steps[0].steps;
    assert!(
        matches!(
            steps[0],
            Step::InferenceProfile(inference_profile::Step::DeleteProfile { .. })
        ) && matches!(
            steps[1],
            Step::InferenceProfile(inference_profile::Step::CreateProfile { .. })
        )
    );
}

#[test]
fn tokens_are_deterministic_and_differ_for_a_replacement() {
    let d = desired();
    let tokens = |o: &ObservedState| -> Vec<String> {
        plan(&d, o, &PlanOptions::default())
            .unwrap()
            .changes
            .iter()
            .flat_map(|c| c.steps.iter().flat_map(|ch| ch.steps.clone()))
            .filter_map(|s| match s {
                Step::InferenceProfile(inference_profile::Step::CreateProfile {
                    token, ..
                }) => Some(token),
                _ => None,
            })
            .collect()
    };
    let first = tokens(&empty(&d));
    assert_eq!(first, tokens(&empty(&d)));
    assert_eq!(first.len(), 3);
    let re = |t: &String| {
        t.len() <= 256
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !t.ends_with('-')
    };
    assert!(first.iter().all(re), "{first:?}");
    let mut o = converged(&d);
    o.profiles[0].models =
        vec!["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0".into()];
    let replacement = tokens(&o);
    assert_eq!(replacement.len(), 1);
    assert_ne!(replacement[0], first[0]);
}

#[test]
fn foreign_resources_are_errors_unless_adopted() {
    let d = desired();
    let mut o = converged(&d);
    o.log_group.as_mut().unwrap().tags.clear();
    o.role.as_mut().unwrap().tags.clear();
    o.profiles[0].tags.clear();
    let err = plan(&d, &o, &PlanOptions::default()).unwrap_err();
    insta::assert_snapshot!(err.to_string());
    let adopted = plan(
        &d,
        &o,
        &PlanOptions {
            adopt: true,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    let actions: Vec<_> = adopted
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.kind, c.action))
        .collect();
    assert_eq!(
        actions,
        [
            (log_group::KIND, Action::Adopt),
            (logging_role::KIND, Action::Adopt),
            (inference_profile::KIND, Action::Adopt)
        ]
    );
}

#[test]
fn the_account_guard_refuses_another_account() {
    let src = include_str!("../../../tests/fixtures/valid/guide.toml").replace(
        "# account_id = \"123456789012\"",
        "account_id = \"210987654321\"",
    );
    let d = desired_for(&spec(&src));
    let err = plan(&d, &empty(&d), &PlanOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains(
            "the credentials are for account 123456789012, but [stack] account_id is 210987654321"
        ),
        "{err}"
    );
    assert!(plan_destroy(&d, &empty(&d), &PlanOptions::default()).is_err());
}

#[test]
fn unknown_sources_bucket_conflicts_are_reported_together() {
    let d = desired();
    let mut o = empty(&d);
    o.sources.clear();
    o.bucket = BucketState::OtherRegion {
        region: "eu-west-1".into(),
    };
    let err = plan(&d, &o, &PlanOptions::default()).unwrap_err();
    assert_eq!(err.problems.len(), 4, "{err}");
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn destroy_keeps_data_and_foreign_resources() {
    let d = desired();
    let mut o = converged(&d);
    let mut foreign = o.profiles[0].clone();
    foreign.name = "Someone-Elses".into();
    foreign.tags.clear();
    o.profiles.push(foreign);
    let keep = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    insta::assert_snapshot!(show(&keep));
    assert!(keep
        .changes
        .iter()
        .all(|c| c.kind != log_group::KIND && c.kind != bucket::KIND));
    let delete_data = PlanOptions {
        delete_data: true,
        ..PlanOptions::default()
    };
    let all = plan_destroy(&d, &o, &delete_data).unwrap();
    assert!(all.changes.iter().any(|c| c.kind == bucket::KIND));
    // Destroy runs the phases in reverse: profiles before the logging that names the role,
    // the logging before the role and the data.
    assert_eq!(
        all.phases().iter().map(|p| p.phase).collect::<Vec<_>>(),
        [Phase::Profiles, Phase::Logging, Phase::Foundations]
    );
    // Logging that points at another stack's resources is not this stack's to delete.
    o.logging.as_mut().unwrap().role_arn = Some("arn:aws:iam::123456789012:role/Other".into());
    o.logging.as_mut().unwrap().log_group = Some("/other".into());
    let other = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    assert!(other.changes.iter().all(|c| c.kind != logging_config::KIND));
}

#[test]
fn foundation_model_sources_and_no_key_prefix() {
    let d = desired_for(&spec(include_str!(
        "../../../tests/fixtures/valid/eu-foundation-models.toml"
    )));
    assert_eq!(
        d.profiles[0].source_arn,
        "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
    );
    assert_eq!(d.profiles[2].source_arn, format!("arn:aws:bedrock:eu-west-1:{ACCOUNT}:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0"));
    assert_eq!(d.logging.large_data_key_prefix, None);
    assert_eq!(d.bucket.object_prefix, "");
}

#[test]
fn a_renamed_profile_is_retired_only_after_its_successor_exists() {
    let d = desired();
    let mut o = converged(&d);
    o.profiles[0].name = "LibreChat-Old-Name".into();
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    let s = plan.summary();
    assert_eq!((s.add, s.destroy), (1, 1));
    // The create runs before the delete, in a later phase that a failed create never reaches.
    let phases: Vec<(Phase, String)> = plan
        .phases()
        .iter()
        .flat_map(|p| {
            p.chains
                .iter()
                .flatten()
                .map(move |s| (p.phase, s.describe()))
        })
        .collect();
    assert_eq!(
        phases,
        [
            (
                Phase::Profiles,
                "create inference profile LibreChat-Claude-3-7-Sonnet".to_string()
            ),
            (
                Phase::Retire,
                "delete inference profile LibreChat-Old-Name".to_string()
            ),
        ]
    );
}

#[test]
fn another_stack_s_resources_are_never_taken_not_even_with_adopt() {
    let d = desired();
    let mut o = converged(&d);
    let theirs = |tags: &mut BTreeMap<String, String>| {
        tags.insert("stack".into(), "acme-chat".into());
    };
    theirs(&mut o.log_group.as_mut().unwrap().tags);
    theirs(&mut o.role.as_mut().unwrap().tags);
    if let BucketState::Present(b) = &mut o.bucket {
        theirs(&mut b.tags);
    }
    theirs(&mut o.profiles[0].tags);
    for adopt in [false, true] {
        let options = PlanOptions {
            adopt,
            ..PlanOptions::default()
        };
        let err = plan(&d, &o, &options).unwrap_err();
        assert_eq!(err.problems.len(), 4, "{err}");
        for (what, key) in [
            (
                "log group /aws/bedrock/model-invocations",
                "[logging] log_group",
            ),
            ("role BedrockLoggingRole", "[logging] role_name"),
            ("bucket bedrock-logs-123456789012", "[logging] bucket"),
            (
                "inference profile LibreChat-Claude-3-7-Sonnet",
                "[[profiles]] name",
            ),
        ] {
            let problem = err
                .problems
                .iter()
                .find(|p| p.starts_with(what))
                .unwrap_or_else(|| panic!("{what} not refused: {err}"));
            assert!(
                problem.contains("belongs to stack acme-chat")
                    && problem.contains("not even with --adopt")
                    && problem.contains(&format!("change {key} in the spec")),
                "{problem}"
            );
            assert!(
                !problem.contains("run `cargo xtask apply --adopt`"),
                "{problem}"
            );
        }
    }
    // Destroy leaves them alone too.
    let destroy = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    assert!(
        destroy
            .changed()
            .all(|c| c.kind == logging_config::KIND || c.name != "LibreChat-Claude-3-7-Sonnet"),
        "{destroy}"
    );
    assert!(destroy.changed().all(|c| c.kind != logging_role::KIND));
}

#[test]
fn logging_someone_else_set_is_foreign_and_adopt_shows_every_field_it_replaces() {
    let d = desired();
    let mut o = converged(&d);
    o.logging = Some(LoggingSettings {
        log_group: Some("/security/central".into()),
        role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/SecurityLogging")),
        large_data_bucket: None,
        large_data_key_prefix: None,
        s3_destination: Some("security-archive".into()),
        s3_destination_key_prefix: Some("all".into()),
        text: true,
        image: false,
        embedding: false,
        video: false,
        audio: false,
    });
    let err = plan(&d, &o, &PlanOptions::default()).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    let problem = &err.problems[0];
    for expected in [
        "the model invocation logging configuration of us-east-1 is not this stack's",
        "log group /security/central, role arn:aws:iam::123456789012:role/SecurityLogging, S3 destination security-archive",
        "`cargo xtask plan --adopt` shows every field it replaces",
    ] {
        assert!(problem.contains(expected), "{problem}");
    }
    let adopt = PlanOptions {
        adopt: true,
        ..PlanOptions::default()
    };
    let adopted = plan(&d, &o, &adopt).unwrap();
    let change = adopted
        .changed()
        .find(|c| c.kind == logging_config::KIND)
        .unwrap();
    assert_eq!(change.action, Action::Adopt);
    let fields: Vec<&str> = change.diffs.iter().map(|f| f.field.as_str()).collect();
    for field in [
        "log_group",
        "role_arn",
        "large_data_bucket",
        "s3_destination",
        "image",
    ] {
        assert!(fields.contains(&field), "{field} not shown: {fields:?}");
    }
    // Destroy leaves it alone.
    let destroy = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    assert!(destroy.changed().all(|c| c.kind != logging_config::KIND));
    assert!(destroy
        .kept
        .iter()
        .any(|k| k.kind == logging_config::KIND && k.reason.contains("/security/central")));
}

#[test]
fn logging_through_another_stack_s_role_is_that_stack_s_even_with_adopt() {
    let d = desired();
    let mut o = converged(&d);
    let logging = o.logging.as_mut().unwrap();
    logging.role_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/ProductionLogging"));
    logging.log_group = Some("/production".into());
    logging.large_data_bucket = Some("production-logs".into());
    o.logging_owner = Some("production".into());
    for adopt in [false, true] {
        let options = PlanOptions {
            adopt,
            ..PlanOptions::default()
        };
        let err = plan(&d, &o, &options).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        let problem = &err.problems[0];
        assert!(
            problem.contains("belongs to stack production")
                && problem.contains("not even with --adopt")
                && problem.contains("set [logging] managed = false"),
            "{problem}"
        );
        assert!(!problem.contains("plan --adopt"), "{problem}");
    }
}

/// Another region whose invocation logging goes through this stack's role (or not).
fn west(d: &DesiredState, role_arn: &str) -> regions::Elsewhere {
    regions::Elsewhere {
        region: "us-west-2".into(),
        named_by_role: true,
        logging: Some(LoggingSettings {
            log_group: Some("/west/bedrock".into()),
            role_arn: Some(role_arn.into()),
            large_data_bucket: Some("west-logs".into()),
            large_data_key_prefix: Some("big".into()),
            ..d.logging.clone()
        }),
        resources: vec![format!(
            "arn:aws:bedrock:us-west-2:{ACCOUNT}:application-inference-profile/w1"
        )],
        unreadable: None,
    }
}

#[test]
fn the_role_keeps_serving_another_region_that_logs_through_it() {
    let d = desired();
    let mut o = converged(&d);
    o.elsewhere = vec![west(&d, &d.role.arn)];
    let plan = plan(&d, &o, &PlanOptions::default()).unwrap();
    let role = plan
        .changes
        .iter()
        .find(|c| c.kind == logging_role::KIND)
        .unwrap();
    assert_eq!(role.action, Action::Update, "{}", show(&plan));
    let text = serde_json::to_string(&role.steps).unwrap();
    for needed in [
        "arn:aws:bedrock:us-west-2:123456789012:*",
        "arn:aws:bedrock:us-east-1:123456789012:*",
        "arn:aws:logs:us-west-2:123456789012:log-group:/west/bedrock:log-stream:aws/bedrock/modelinvocations",
        "arn:aws:s3:::west-logs/big/*",
    ] {
        assert!(text.contains(needed), "{needed} missing: {text}");
    }
    let shown = show(&plan);
    assert!(
        shown.contains(
            "us-west-2: invocation logging through role BedrockLoggingRole, 1 inference profile"
        ),
        "{shown}"
    );
    // Destroy here keeps the role for us-west-2 only.
    let gone = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    let role = gone
        .changes
        .iter()
        .find(|c| c.kind == logging_role::KIND)
        .unwrap();
    assert_eq!(role.action, Action::Update);
    let text = serde_json::to_string(&role.steps).unwrap();
    assert!(
        text.contains("arn:aws:bedrock:us-west-2:") && !text.contains("arn:aws:bedrock:us-east-1:"),
        "{text}"
    );
    assert!(!text.contains("delete_role\""), "{text}");
}

#[test]
fn a_region_logging_through_another_role_is_not_served_and_an_unreadable_one_stops_the_plan() {
    let d = desired();
    let mut o = converged(&d);
    o.elsewhere = vec![west(&d, "arn:aws:iam::123456789012:role/Security")];
    let kept = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!kept.has_changes(), "{}", show(&kept));
    let gone = plan_destroy(&d, &o, &PlanOptions::default()).unwrap();
    assert!(
        gone.changes
            .iter()
            .any(|c| c.kind == logging_role::KIND && c.action == Action::Delete),
        "{}",
        show(&gone)
    );
    o.elsewhere[0].unreadable = Some("AccessDenied".into());
    let err = plan(&d, &o, &PlanOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains(
            "region us-west-2 could not be read: AccessDenied; role BedrockLoggingRole names it"
        ),
        "{err}"
    );
    o.elsewhere[0].named_by_role = false;
    let noted = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(show(&noted).contains(
        "us-west-2:\n      # could not be read (AccessDenied); nothing there is changed"
    ));
}
