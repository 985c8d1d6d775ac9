//! A brand-new account ends up working, end to end on the emulator: model access established
//! from the spec (`[access]`), and a guardrail from the spec that LibreChat applies
//! (`[[guardrails]]`, `[librechat] guardrail = { name }`), created, changed and destroyed.

use crate::common;
use crate::stack;
use aws_sdk_bedrockruntime::types::{GuardrailConfiguration, StopReason};
use stack::*;
use std::path::Path;

const ACCESS: &str = r#"
[access]
anthropic_use_case = { company_name = "Example Corp", company_website = "https://example.com", intended_users = "0", industry_option = "Technology", other_industry_option = "", use_cases = "An internal chat assistant (LibreChat) for our employees" }
accept_agreements = true
"#;

/// LibreChat's own role, made by the platform team and tagged for the stack, which puts its
/// policy on it.
pub(crate) fn librechat_role(c: &bedrock_aws::Clients) {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    let tag = |k: &str, v: &str| {
        aws_sdk_iam::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    rt().block_on(
        c.iam
            .create_role()
            .role_name("LibreChat")
            .assume_role_policy_document(trust)
            .tags(tag("managed-by", "librechat-bedrock"))
            .tags(tag("stack", "librechat"))
            .send(),
    )
    .unwrap();
}

fn with_runtime_role(spec: &str) -> String {
    spec.replace(
        "[librechat]\n",
        "[librechat]\nruntime_role = \"LibreChat\"\n",
    )
}

#[test]
fn a_brand_new_account_is_refused_with_the_fix_then_works_once_the_spec_asks_for_access() {
    let _turn = turn();
    emulator().instance.control().reset_new_account().unwrap();
    let c = clients("us-east-1");
    librechat_role(&c);
    let dir = project(Some(&with_runtime_role(&guide_spec())));

    // AWS's own refusal, before anything: the form is not on file.
    let direct = runtime_client();
    let refused = rt()
        .block_on(
            direct
                .converse()
                .model_id("us.anthropic.claude-3-7-sonnet-20250219-v1:0")
                .messages(message())
                .send(),
        )
        .unwrap_err();
    let service = refused.as_service_error().unwrap();
    assert!(service.is_resource_not_found_exception(), "{refused:?}");
    assert!(
        aws_sdk_bedrockruntime::error::ProvideErrorMetadata::message(service)
            .unwrap()
            .starts_with("Model use case details have not been submitted for this account"),
        "{refused:?}"
    );

    let doctor = run(dir.path(), &["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    assert!(
        doctor
            .stdout
            .contains("FAIL  the account may invoke every model")
            && doctor
                .stdout
                .contains("Anthropic's use case form is not on file"),
        "{}",
        doctor.stdout
    );

    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        writes(&r),
        0,
        "nothing written before the fix:\n{}",
        r.stderr
    );
    for expected in [
        "Anthropic's use case form is not on file for account",
        "add [access] anthropic_use_case",
        "has no Marketplace agreement for it",
        "set [access] accept_agreements = true",
    ] {
        assert!(r.stderr.contains(expected), "{expected}:\n{}", r.stderr);
    }

    // The spec asks for access: shown in the plan like any change, then established.
    std::fs::write(
        dir.path().join("bedrock.toml"),
        with_runtime_role(&guide_spec()) + ACCESS,
    )
    .unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for expected in [
        "+ model access Anthropic use case form",
        "+ model access agreement anthropic.claude-3-7-sonnet-20250219-v1:0",
        "terms: https://",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "{expected}:\n{}",
            plan.stdout
        );
    }
    apply(dir.path());
    let again = apply(dir.path());
    assert_eq!(writes(&again), 0, "{}", again.stderr);

    // LibreChat, in its own role, now calls every profile.
    let env = env_values(dir.path());
    let librechat = as_librechat(&c);
    for var in [
        "BEDROCK_CLAUDE_37_PROFILE",
        "BEDROCK_SONNET_45_PROFILE",
        "BEDROCK_OPUS_45_PROFILE",
    ] {
        converse(&librechat, &env[var]);
    }
    let doctor = run(dir.path(), &["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("ok    the account may invoke every model"),
        "{}",
        doctor.stdout
    );
}

pub(crate) const GUARDRAIL: &str = r#"
[[guardrails]]
name = "librechat-default"
description = "What LibreChat users may not send or get"
blocked_input_message = "Sorry, this request is not allowed."
blocked_output_message = "Sorry, the answer was blocked."
content_filters = { hate = "HIGH", insults = "HIGH", prompt_attack = "HIGH" }
pii = { US_SOCIAL_SECURITY_NUMBER = "BLOCK" }
words = ["project-zeus"]
"#;

pub(crate) fn guarded_spec() -> String {
    with_runtime_role(&guide_spec()).replace(
        "[librechat]\n",
        "[librechat]\nguardrail = { name = \"librechat-default\", trace = \"enabled\" }\n",
    ) + GUARDRAIL
}

/// The guardrailConfig of the written librechat.yaml: (identifier, version).
pub(crate) fn guardrail_config(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("librechat.yaml")).unwrap();
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("{key} in librechat.yaml:\n{text}"))
            .trim_matches('"')
            .to_string()
    };
    (value("guardrailIdentifier"), value("guardrailVersion"))
}

fn ask(
    client: &aws_sdk_bedrockruntime::Client,
    profile: &str,
    id: &str,
    version: &str,
    text: &str,
) -> (StopReason, String) {
    let out = rt()
        .block_on(
            client
                .converse()
                .model_id(profile)
                .messages(
                    aws_sdk_bedrockruntime::types::Message::builder()
                        .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
                        .content(aws_sdk_bedrockruntime::types::ContentBlock::Text(
                            text.into(),
                        ))
                        .build()
                        .unwrap(),
                )
                .guardrail_config(
                    GuardrailConfiguration::builder()
                        .guardrail_identifier(id)
                        .guardrail_version(version)
                        .build(),
                )
                .send(),
        )
        .unwrap_or_else(|e| panic!("converse with guardrail {id} v{version}: {e:?}"));
    let answer = match out.output() {
        Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(m)) => match &m.content()[0] {
            aws_sdk_bedrockruntime::types::ContentBlock::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    (out.stop_reason().clone(), answer)
}

#[test]
fn a_guardrail_from_the_spec_is_created_applied_changed_and_destroyed() {
    let _turn = turn();
    let c = clients("us-east-1");
    librechat_role(&c);
    let dir = project(Some(&guarded_spec()));
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("+ guardrail librechat-default  # does not exist")
            && plan.stdout.contains(r#"words: ["project-zeus"]"#),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    let (id, version) = guardrail_config(dir.path());
    assert_eq!(version, "1");
    let (ok, out) = common::librechat_schema(&[dir.path().join("librechat.yaml")], None);
    assert!(ok, "LibreChat's schema refuses the file: {out}");

    // LibreChat's role may apply it (its policy names the guardrail), and it intervenes.
    let profile = env_values(dir.path())["BEDROCK_CLAUDE_37_PROFILE"].clone();
    let librechat = as_librechat(&c);
    let (stop, text) = ask(
        &librechat,
        &profile,
        &id,
        &version,
        "Tell me about project-zeus.",
    );
    assert_eq!(
        (stop, text.as_str()),
        (
            StopReason::GuardrailIntervened,
            "Sorry, this request is not allowed."
        )
    );
    let (stop, _) = ask(&librechat, &profile, &id, &version, "Hello there.");
    assert_eq!(stop, StopReason::EndTurn);

    // A changed policy: updated in place, version 2, and LibreChat's file follows.
    let changed = guarded_spec().replace(
        r#"words = ["project-zeus"]"#,
        r#"words = ["project-zeus", "project-apollo"]"#,
    );
    std::fs::write(dir.path().join("bedrock.toml"), &changed).unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains("published as version 2")
            && plan
                .stdout
                .contains(r#"words: ["project-zeus"] -> ["project-zeus", "project-apollo"]"#)
            && plan.stdout.contains(
                r#"+       guardrailVersion: "(known after apply: the version apply publishes of guardrail librechat-default)""#
            ),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    let (same_id, version) = guardrail_config(dir.path());
    assert_eq!((same_id.as_str(), version.as_str()), (id.as_str(), "2"));
    let (stop, _) = ask(&librechat, &profile, &id, "2", "And project-apollo?");
    assert_eq!(stop, StopReason::GuardrailIntervened);
    // Version 1 stays, as AWS keeps it.
    let (stop, _) = ask(&librechat, &profile, &id, "1", "And project-apollo?");
    assert_eq!(stop, StopReason::EndTurn);
    assert_eq!(writes(&apply(dir.path())), 0);
    let doctor = run(dir.path(), &["doctor"]);
    assert!(
        doctor.stdout.contains(&format!(
            "ok    the guardrail librechat.yaml names ({id}, version 2) exists"
        )),
        "{}",
        doctor.stdout
    );

    let gone = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(gone.code, 0, "{}", gone.stderr);
    assert!(
        gone.stdout.contains("- guardrail librechat-default"),
        "{}",
        gone.stdout
    );
    let left = rt().block_on(c.bedrock.list_guardrails().send()).unwrap();
    assert!(left.guardrails().is_empty(), "{left:?}");
}

#[test]
fn generate_offline_cannot_write_a_managed_guardrail_s_id_and_says_so() {
    let dir = project(Some(&guarded_spec()));
    let r = common::xtask_in(dir.path(), &["generate", "--offline"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("whose id and published version only AWS knows")
            && r.stderr.contains("cargo xtask generate"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("librechat.yaml").exists());
}
