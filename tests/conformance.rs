//! The emulator's request validation against AWS's service model: tests/conformance/walk.py,
//! run with the emulator's own virtualenv (botocore and its service models), breaks every
//! constraint of every operation the tool calls (Bedrock, Bedrock Runtime, IAM, STS, SNS,
//! CloudWatch, CloudWatch Logs, Cost Explorer, the Tagging API, Organizations, Service Quotas,
//! S3, and AWS Budgets' operations the emulator answers) one at a time, sends each request
//! with botocore's serializer, and checks that the emulator answers as AWS does, in the
//! service's own protocol (status, error code, the member's path and the constraint in
//! AWS's words). And injected faults reach the SDK in its own protocol, so that its retry
//! classifies them.

use crate::common;
use crate::stack;
use bedrock_emulator::{Fault, FaultKind};
use stack::*;
use std::process::Command;

/// Runs tests/conformance/`script` with the emulator's own python against the emulator; its
/// output, once it exited 0.
fn python_check(script: &str) -> String {
    let python = bedrock_emulator::Installation::at(&bedrock_emulator::default_dir()).python();
    let out = Command::new(python)
        .arg(common::root().join("tests/conformance").join(script))
        .args(["--endpoint", &emulator().instance.endpoint()])
        .output()
        .expect("the emulator's python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script}: {stdout}\n{stderr}");
    stdout
}

#[test]
fn every_model_constraint_of_every_implemented_operation_is_answered_as_aws_does() {
    let _turn = turn();
    if std::env::var("LIBRECHAT_BEDROCK_ACCEPTANCE").as_deref() == Ok("1") {
        return record_differences();
    }
    let stdout = python_check("walk.py");
    // The walk must have walked: a summary line with well over a hundred checks.
    let checks: usize = stdout
        .lines()
        .last()
        .and_then(|l| l.strip_suffix(" checks, 0 failed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary line: {stdout}"));
    assert!(checks >= 800, "only {checks} checks: {stdout}");
}

/// Acceptance mode: the walk's answers recorded from the account (or
/// `LIBRECHAT_BEDROCK_ACCEPTANCE_ENDPOINT`) and from the emulator, each to a file under
/// `target/acceptance/`, and every check they answer differently written to
/// `differences.jsonl`: AWS is the reference, so a difference is reported, not failed.
fn record_differences() {
    let dir = common::root().join("target/acceptance");
    std::fs::create_dir_all(&dir).unwrap();
    let python = bedrock_emulator::Installation::at(&bedrock_emulator::default_dir()).python();
    let walk = |target: &[&str], file: &str| {
        let path = dir.join(file);
        let out = Command::new(&python)
            .arg(common::root().join("tests/conformance/walk.py"))
            .args(target)
            .args(["--region", "us-east-1", "--record"])
            .arg(&path)
            .output()
            .expect("the emulator's python runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            path.exists(),
            "the walk recorded nothing in {}:\n{stdout}\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        lines
    };
    let endpoint = std::env::var("LIBRECHAT_BEDROCK_ACCEPTANCE_ENDPOINT").ok();
    let aws = match &endpoint {
        Some(url) => walk(&["--endpoint", url], "aws.jsonl"),
        None => walk(&["--aws"], "aws.jsonl"),
    };
    let emulated = walk(
        &["--endpoint", &emulator().instance.endpoint()],
        "emulator.jsonl",
    );
    let key = |v: &serde_json::Value| format!("{} {} {}", v["service"], v["operation"], v["check"]);
    let theirs: std::collections::BTreeMap<String, &serde_json::Value> =
        emulated.iter().map(|v| (key(v), v)).collect();
    let mut differences = String::new();
    let mut count = 0;
    for answer in &aws {
        let mine = theirs.get(&key(answer));
        let same = mine.is_some_and(|m| {
            ["status", "code", "message"]
                .iter()
                .all(|f| m[*f] == answer[*f])
        });
        if !same {
            count += 1;
            let line = serde_json::json!({"aws": answer, "emulator": mine});
            differences.push_str(&format!("{line}\n"));
        }
    }
    std::fs::write(dir.join("differences.jsonl"), differences).unwrap();
    eprintln!(
        "acceptance mode: {} answers recorded; {count} differ from the emulator's: {}",
        aws.len(),
        dir.join("differences.jsonl").display()
    );
    assert!(aws.len() >= 800, "only {} answers recorded", aws.len());
}

/// Acceptance mode proved here: the walk recorded against an emulator addressed as if it
/// were AWS (by endpoint URL) and against the private one, every answer alike.
#[test]
fn acceptance_mode_records_the_walk_s_answers_and_their_differences() {
    if std::env::var("LIBRECHAT_BEDROCK_ACCEPTANCE").is_ok() {
        return; // the re-run itself
    }
    let dir = tempfile::tempdir().unwrap();
    let other = bedrock_emulator::Instance::start_private(dir.path())
        .unwrap_or_else(|e| panic!("the emulator did not start: {e}"));
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "conformance::every_model_constraint_of_every_implemented_operation",
            "--nocapture",
        ])
        .env("LIBRECHAT_BEDROCK_ACCEPTANCE", "1")
        .env("LIBRECHAT_BEDROCK_ACCEPTANCE_ENDPOINT", other.endpoint())
        .output()
        .unwrap();
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("answers recorded; 0 differ from the emulator's"),
        "{all}"
    );
    let recorded = common::root().join("target/acceptance");
    for file in ["aws.jsonl", "emulator.jsonl"] {
        let text = std::fs::read_to_string(recorded.join(file)).unwrap();
        assert!(text.lines().count() >= 800, "{file}");
    }
    assert_eq!(
        std::fs::read_to_string(recorded.join("differences.jsonl")).unwrap(),
        ""
    );
}

/// tests/conformance/reset.py: a reset after a session of ten accounts answers once done,
/// with every account empty, and no request made during it (four threads of IAM, Bedrock,
/// CloudWatch Logs and STS calls, over three resets) gets an error.
#[test]
fn a_reset_is_done_when_it_answers_and_no_request_during_it_fails() {
    let _turn = turn();
    let stdout = python_check("reset.py");
    assert!(stdout.contains("reset checked"), "{stdout}");
}

/// tests/conformance/budgets.py: AWS Budgets beyond the model's constraints: a duplicate, a
/// missing budget, subscriber limits, an SNS topic Budgets may not publish to, a FORECASTED
/// alert on a daily budget, the last subscriber's delete, a reset.
#[test]
fn budgets_refuse_what_aws_refuses() {
    let _turn = turn();
    let stdout = python_check("budgets.py");
    assert!(stdout.contains("budgets checked: 11 checks"), "{stdout}");
}

const EVERY_SERVICE: &str = r#"
[stack]
name = "faulted"
region = "us-east-1"

[[profiles]]
name = "LibreChat-Claude-Sonnet-4-5"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_SONNET_45_PROFILE"
tags = { Application = "LibreChat" }

[cost]
activate_tags = ["Application"]

[monitoring]
dashboard = true
alarm_email = "ops@example.com"
"#;

/// Two throttles, then an internal error, on one operation of each service an apply calls:
/// each answered in the protocol the SDK speaks to it (CBOR for CloudWatch, JSON 1.1 for
/// Cost Explorer, query XML for SNS and IAM, XML for S3), so that the SDK's retry classifies
/// it and the apply survives all of them. A fault in another protocol's shape ("unexpected
/// type 0x3c" for XML read as CBOR) is not retried and fails the apply.
#[test]
fn faults_on_every_service_reach_the_sdk_in_its_protocol_and_are_retried() {
    let _turn = turn();
    let dir = project(Some(EVERY_SERVICE));
    let control = emulator().instance.control();
    let inject = |faults: &[(&str, &str)]| {
        for (service, operation) in faults {
            for (kind, count) in [(FaultKind::Throttle, 1), (FaultKind::Server, 1)] {
                control
                    .inject(&Fault {
                        service: Some(service.to_string()),
                        operation: Some(operation.to_string()),
                        count,
                        kind,
                    })
                    .unwrap();
            }
        }
    };
    inject(&[
        ("monitoring", "PutDashboard"),
        ("monitoring", "PutMetricAlarm"),
        ("monitoring", "DescribeAlarms"),
        ("sns", "CreateTopic"),
        ("iam", "CreateRole"),
        ("s3", "CreateBucket"),
        ("logs", "CreateLogGroup"),
        ("tagging", "GetResources"),
        ("ce", "ListCostAllocationTags"),
    ]);
    let first = apply(dir.path());
    assert!(first.stdout.contains("Applied:"), "{}", first.stdout);
    let left = control.state().unwrap()["faults"].clone();
    assert_eq!(left, serde_json::json!([]), "every injected fault was met");
    // Billing knows the tag key now: the second apply activates it, through two faults.
    inject(&[("ce", "UpdateCostAllocationTagsStatus")]);
    let second = apply(dir.path());
    assert!(
        second.stdout.contains("cost allocation tag Application"),
        "{}",
        second.stdout
    );
    let left = control.state().unwrap()["faults"].clone();
    assert_eq!(left, serde_json::json!([]), "every injected fault was met");
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
}

/// Removes a file when dropped, the test passing or not.
struct Removed(std::path::PathBuf);
impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_catalog_read_from_an_account_is_what_the_emulator_offers_in_that_region() {
    let _turn = turn();
    let dir = emulator().instance.catalog_dir();
    let into = dir.to_str().unwrap();
    let account_env = [
        ("AWS_ENDPOINT_URL", emulator().instance.endpoint()),
        (
            "AWS_ACCESS_KEY_ID",
            bedrock_emulator::ACCESS_KEY_ID.to_string(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            bedrock_emulator::SECRET_ACCESS_KEY.to_string(),
        ),
    ];
    let env: Vec<(&str, &str)> = account_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let root = common::root();
    let bad = common::xtask_env(
        &root,
        &[
            "local",
            "catalog",
            "--from-aws",
            "--region",
            "us east",
            "--into",
            into,
        ],
        &env,
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("is not a region name"),
        "{}",
        bad.stderr
    );

    // "The account" here is the emulator itself, read through AWS_ENDPOINT_URL as a user's
    // account would be read through AWS.
    let read = common::xtask_env(
        &root,
        &[
            "local",
            "catalog",
            "--from-aws",
            "--region",
            "us-west-2",
            "--into",
            into,
        ],
        &env,
    );
    assert_eq!(read.code, 0, "{}\n{}", read.stdout, read.stderr);
    let file = dir.join("us-west-2.json");
    let _cleanup = Removed(file.clone());
    assert!(
        read.stdout
            .contains("system-defined inference profiles of us-west-2"),
        "{}",
        read.stdout
    );
    let listed = common::xtask_env(&root, &["local", "catalog", "--into", into], &[]);
    assert!(
        listed.stdout.contains("us-west-2: read from an account"),
        "{}",
        listed.stdout
    );

    // The account offers one model the built-in catalog lacks, and lacks one it has.
    let mut catalog: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let profiles = catalog["inferenceProfiles"].as_array_mut().unwrap();
    let haiku = "us.anthropic.claude-3-haiku-20240307-v1:0";
    let before = profiles.len();
    profiles.retain(|p| p["inferenceProfileId"] != haiku);
    assert_eq!(profiles.len(), before - 1, "the emulator offered {haiku}");
    let new_model = "example.frontier-model-v1:0";
    let new_profile = format!("us.{new_model}");
    profiles.push(serde_json::json!({
        "inferenceProfileName": "US Frontier Model",
        "inferenceProfileArn": format!("arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/{new_profile}"),
        "inferenceProfileId": new_profile,
        "models": [
            {"modelArn": format!("arn:aws:bedrock:us-west-2::foundation-model/{new_model}")},
            {"modelArn": format!("arn:aws:bedrock:us-east-1::foundation-model/{new_model}")}
        ],
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED"
    }));
    std::fs::write(&file, serde_json::to_string(&catalog).unwrap()).unwrap();

    let c = clients("us-west-2");
    let rt = rt();
    let ids: Vec<String> = rt
        .block_on(
            c.bedrock
                .list_inference_profiles()
                .type_equals(aws_sdk_bedrock::types::InferenceProfileType::SystemDefined)
                .send(),
        )
        .unwrap()
        .inference_profile_summaries()
        .iter()
        .map(|p| p.inference_profile_id().to_string())
        .collect();
    assert!(ids.contains(&new_profile), "{ids:?}");
    assert!(!ids.iter().any(|i| i == haiku), "{ids:?}");
    let gone = rt
        .block_on(
            c.bedrock
                .get_inference_profile()
                .inference_profile_identifier(haiku)
                .send(),
        )
        .unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{gone:?}"
    );
    let models = rt
        .block_on(
            c.bedrock
                .get_inference_profile()
                .inference_profile_identifier(&new_profile)
                .send(),
        )
        .unwrap()
        .models()
        .len();
    assert_eq!(models, 2);
    // Other regions keep the built-in catalog.
    let east = clients("us-east-1");
    rt.block_on(
        east.bedrock
            .get_inference_profile()
            .inference_profile_identifier(haiku)
            .send(),
    )
    .unwrap();

    let forget = common::xtask_env(
        &root,
        &["local", "catalog", "--forget", "us-west-2", "--into", into],
        &[],
    );
    assert_eq!(forget.code, 0, "{}", forget.stderr);
    rt.block_on(
        c.bedrock
            .get_inference_profile()
            .inference_profile_identifier(haiku)
            .send(),
    )
    .unwrap();
}

#[test]
fn the_spec_s_guardrail_rules_are_the_service_model_s() {
    let python = bedrock_emulator::Installation::at(&bedrock_emulator::default_dir()).python();
    let _ = emulator(); // the virtualenv is installed
    let script = r#"
import json, re
from botocore.loaders import Loader
SAMPLES = ["librechat-default", "a_b", "a b", "bad name!", "What? No.", "a/b", "x.y", "é"]
s = Loader().load_service_model("bedrock", "service-2")["shapes"]
length = lambda n: [s[n].get("min", 0), s[n].get("max")]
print(json.dumps({
    "categories": s["GuardrailContentFilterType"]["enum"],
    "strengths": s["GuardrailFilterStrength"]["enum"],
    "pii_types": s["GuardrailPiiEntityType"]["enum"],
    "pii_actions": s["GuardrailSensitiveInformationAction"]["enum"],
    "name": length("GuardrailName"),
    "description": length("GuardrailDescription"),
    "message": length("GuardrailBlockedMessaging"),
    "topic_name": length("GuardrailTopicName"),
    "topic_definition": length("GuardrailTopicDefinition"),
    "topic_example": length("GuardrailTopicExample"),
    "topic_examples": length("GuardrailTopicExamples")[1],
    "topics": length("GuardrailTopicsConfig")[1],
    "word": length("GuardrailWordConfigTextString"),
    "words": length("GuardrailWordsConfig")[1],
    "names": {x: bool(re.fullmatch(s["GuardrailName"]["pattern"], x)) for x in SAMPLES},
    "topic_names": {x: bool(re.fullmatch(s["GuardrailTopicName"]["pattern"], x)) for x in SAMPLES},
}))
"#;
    let out = Command::new(python).args(["-c", script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    use bedrock_spec::guardrail_rules as g;
    let pair = |p: (usize, usize)| serde_json::json!([p.0, p.1]);
    let categories: Vec<&str> = g::CONTENT_FILTERS.iter().map(|(_, c)| *c).collect();
    assert_eq!(model["categories"], serde_json::json!(categories));
    assert_eq!(model["strengths"], serde_json::json!(g::STRENGTHS));
    assert_eq!(model["pii_types"], serde_json::json!(g::PII_TYPES));
    assert_eq!(model["pii_actions"], serde_json::json!(g::PII_ACTIONS));
    assert_eq!(model["name"], pair(g::NAME_LENGTH));
    assert_eq!(model["description"], pair(g::DESCRIPTION_LENGTH));
    assert_eq!(model["message"], pair(g::MESSAGE_LENGTH));
    assert_eq!(model["topic_name"], pair(g::TOPIC_NAME_LENGTH));
    assert_eq!(model["topic_definition"], pair(g::TOPIC_DEFINITION_LENGTH));
    assert_eq!(model["topic_example"], pair(g::TOPIC_EXAMPLE_LENGTH));
    assert_eq!(model["topic_examples"], g::TOPIC_EXAMPLES);
    assert_eq!(model["topics"], g::TOPICS);
    assert_eq!(model["word"], pair(g::WORD_LENGTH));
    assert_eq!(model["words"], g::WORDS);
    // The patterns: the spec's rules accept exactly what the model's patterns match.
    for (sample, matches) in model["names"].as_object().unwrap() {
        assert_eq!(
            g::name(sample).is_ok(),
            matches.as_bool().unwrap(),
            "guardrail name {sample:?}"
        );
    }
    for (sample, matches) in model["topic_names"].as_object().unwrap() {
        assert_eq!(
            g::topic_name(sample).is_ok(),
            matches.as_bool().unwrap(),
            "topic name {sample:?}"
        );
    }
}
