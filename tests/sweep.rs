//! `sweep --stack-prefix`: what runs left behind, found by its tags across stacks and deleted
//! in destroy's order; another prefix's stacks, foreign resources and young stacks untouched;
//! data kept with `--keep-data`. Read back through the SDK.

use crate::common;
use crate::stack;
use stack::*;

/// A stack of prefix `acc-a-` that manages logging (log group, bucket, role, configuration),
/// with a profile and a guardrail.
const A1: &str = r#"
[stack]
name = "acc-a-1"
region = "us-east-1"

[logging]
role_name = "acc-a-1-logging"
log_group = "/aws/bedrock/acc-a-1"
bucket = "acc-a-1-logs-{account_id}"

[[profiles]]
name = "acc-a-1-sonnet"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_ACC_A1"

[[guardrails]]
name = "acc-a-1-guard"
blocked_input_message = "Sorry, this request is not allowed."
blocked_output_message = "Sorry, the answer was blocked."
content_filters = { hate = "HIGH", insults = "HIGH", prompt_attack = "HIGH" }
"#;

/// The same prefix: a profile, its dashboard, alarms and their topic, and LibreChat's API
/// key user with its key.
const A2: &str = r#"
[stack]
name = "acc-a-2"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "acc-a-2-nova"
model = "us.amazon.nova-pro-v1:0"
env = "BEDROCK_ACC_A2"

[librechat.api_key]
user = "acc-a-2-key"

[monitoring]
dashboard = true
alarm_email = "ops@example.com"
"#;

/// Another prefix.
const B1: &str = r#"
[stack]
name = "acc-b-1"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "acc-b-1-nova"
model = "us.amazon.nova-pro-v1:0"
env = "BEDROCK_ACC_B1"

[monitoring]
dashboard = true
"#;

/// Named with the prefix, but untagged: not the tool's.
const FOREIGN: &str = "acc-a-foreign";
const BUCKET: &str = "acc-a-1-logs-123456789012";
const GROUP: &str = "/aws/bedrock/acc-a-1";

fn dashboard(stack: &str) -> String {
    format!("librechat-bedrock-{stack}-us-east-1")
}

/// Three stacks applied and an untagged profile made by hand; the project directories.
fn leaked() -> Vec<tempfile::TempDir> {
    let dirs: Vec<_> = [A1, A2, B1].iter().map(|s| project(Some(s))).collect();
    dirs.iter().for_each(|d| {
        apply(d.path());
    });
    let c = clients("us-east-1");
    let source =
        format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-pro-v1:0");
    rt().block_on(
        c.bedrock
            .create_inference_profile()
            .inference_profile_name(FOREIGN)
            .model_source(aws_sdk_bedrock::types::InferenceProfileModelSource::CopyFrom(source))
            .send(),
    )
    .unwrap();
    dirs
}

/// What exists of each resource the three stacks and the foreign profile made.
#[derive(Debug, PartialEq)]
struct Live {
    profiles: Vec<String>,
    guardrails: Vec<String>,
    log_group: bool,
    bucket: bool,
    role: bool,
    logging: bool,
    dashboards: Vec<String>,
    alarms: usize,
    topics: usize,
    /// The API key user of acc-a-2.
    user: bool,
}

fn live() -> Live {
    let c = clients("us-east-1");
    let rt = rt();
    let mut profiles: Vec<String> = application_profiles(&c)
        .iter()
        .map(|p| p.inference_profile_name().to_string())
        .collect();
    profiles.sort();
    let guardrails = rt
        .block_on(c.bedrock.list_guardrails().send())
        .unwrap()
        .guardrails()
        .iter()
        .map(|g| g.name().to_string())
        .collect();
    let groups = rt
        .block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix(GROUP)
                .send(),
        )
        .unwrap();
    let buckets = rt.block_on(c.s3.list_buckets().send()).unwrap();
    let role = rt.block_on(c.iam.get_role().role_name("acc-a-1-logging").send());
    let logging = rt
        .block_on(
            c.bedrock
                .get_model_invocation_logging_configuration()
                .send(),
        )
        .unwrap();
    let mut dashboards: Vec<String> = rt
        .block_on(c.cloudwatch.list_dashboards().send())
        .unwrap()
        .dashboard_entries()
        .iter()
        .filter_map(|d| d.dashboard_name().map(str::to_string))
        .collect();
    dashboards.sort();
    let alarms = rt
        .block_on(
            c.cloudwatch
                .describe_alarms()
                .alarm_name_prefix(dashboard("acc-a-2"))
                .send(),
        )
        .unwrap()
        .metric_alarms()
        .len();
    let topics = rt
        .block_on(c.sns.list_topics().send())
        .unwrap()
        .topics()
        .len();
    let user = rt.block_on(c.iam.get_user().user_name("acc-a-2-key").send());
    Live {
        user: user.is_ok(),
        profiles,
        guardrails,
        log_group: groups
            .log_groups()
            .iter()
            .any(|g| g.log_group_name() == Some(GROUP)),
        bucket: buckets.buckets().iter().any(|b| b.name() == Some(BUCKET)),
        role: role.is_ok(),
        logging: logging.logging_config().is_some(),
        dashboards,
        alarms,
        topics,
    }
}

fn sweep(args: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["sweep", "--region", "us-east-1"];
    all.extend_from_slice(args);
    run(dir.path(), &all)
}

#[test]
fn sweep_lists_then_deletes_only_the_prefix_in_destroy_order() {
    let _turn = turn();
    let _dirs = leaked();
    let before = live();
    assert_eq!(
        before.profiles,
        ["acc-a-1-sonnet", "acc-a-2-nova", FOREIGN, "acc-b-1-nova"]
    );
    assert!(before.alarms > 0 && before.topics == 1, "{before:?}");
    assert!(before.logging && before.role && before.bucket && before.log_group && before.user);

    // Listed, nothing deleted.
    let listed = sweep(&[
        "--stack-prefix",
        "acc-a-",
        "--older-than",
        "0s",
        "--dry-run",
    ]);
    assert_eq!(listed.code, 0, "{}\n{}", listed.stdout, listed.stderr);
    for expected in [
        "2 stacks of prefix \"acc-a-\" in account 123456789012, us-east-1",
        "stack acc-a-1 (youngest resource",
        "stack acc-a-2 (youngest resource",
        "- inference profile acc-a-1-sonnet  (",
        "- guardrail acc-a-1-guard  (",
        "- logging configuration us-east-1  (age unknown)",
        "- IAM role acc-a-1-logging  (",
        "- log group /aws/bedrock/acc-a-1  (",
        &format!("- bucket {BUCKET}  ("),
        "- inference profile acc-a-2-nova  (",
        &format!("- dashboard {}  (", dashboard("acc-a-2")),
        "- alarm librechat-bedrock-acc-a-2-us-east-1-",
        "- SNS topic librechat-bedrock-acc-a-2-us-east-1-alarms  (age unknown)",
        "- IAM user acc-a-2-key  (",
    ] {
        assert!(
            listed.stdout.contains(expected),
            "{expected:?} in\n{}",
            listed.stdout
        );
    }
    for absent in ["acc-b-1", FOREIGN] {
        assert!(
            !listed.stdout.contains(absent),
            "{absent} in\n{}",
            listed.stdout
        );
    }
    assert!(
        listed.stderr.contains("dry run: nothing was deleted; `cargo xtask sweep --stack-prefix acc-a- --older-than 0s --yes --local --region us-east-1` deletes these "),
        "{}",
        listed.stderr
    );
    assert_eq!(live(), before, "a dry run deletes nothing");

    // As JSON.
    let json = sweep(&[
        "--stack-prefix",
        "acc-a-",
        "--older-than",
        "0s",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let stacks: Vec<&str> = doc["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stack"].as_str().unwrap())
        .collect();
    assert_eq!(stacks, ["acc-a-1", "acc-a-2"]);
    assert_eq!(doc["stacks"][0]["resources"][0]["action"], "delete");
    assert!(
        doc["stacks"][0]["resources"][0]["age_seconds"].is_u64(),
        "{doc}"
    );

    // Without --yes and without a terminal: refused, as destroy is.
    let refused = sweep(&["--stack-prefix", "acc-a-", "--older-than", "0s"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("refusing to change AWS without confirmation"),
        "{}",
        refused.stderr
    );
    assert_eq!(live(), before, "a refused sweep deletes nothing");

    let swept = sweep(&["--stack-prefix", "acc-a-", "--older-than", "0s", "--yes"]);
    assert_eq!(swept.code, 0, "{}\n{}", swept.stdout, swept.stderr);
    assert!(swept.stdout.contains("Swept: "), "{}", swept.stdout);
    assert!(swept.stdout.contains(" of 2 stacks"), "{}", swept.stdout);
    // Destroy's order: alarms and dashboards, profiles and guardrails, the logging
    // configuration, the topic, then the role (its policies first), the log group, the bucket.
    let done: Vec<&str> = swept
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("done: "))
        .collect();
    let at = |what: &str| {
        done.iter()
            .position(|d| d.starts_with(what))
            .unwrap_or_else(|| panic!("no {what:?} in {done:#?}"))
    };
    assert!(at("delete alarms") < at("delete inference profile acc-a-2-nova"));
    assert!(at("delete dashboard") < at("delete inference profile acc-a-1-sonnet"));
    assert!(at("delete inference profile") < at("delete the model invocation logging"));
    assert!(at("delete guardrail") < at("delete the model invocation logging"));
    assert!(at("delete the model invocation logging") < at("delete SNS topic"));
    assert!(at("delete SNS topic") < at("delete policy"));
    assert!(at("delete policy") < at("delete role acc-a-1-logging"));
    assert!(
        at("delete policy LibreChatBedrockInvoke-us-east-1 from user acc-a-2-key")
            < at("delete IAM user acc-a-2-key")
    );
    assert!(at("delete the model invocation logging") < at("delete log group"));
    assert!(at("delete the model invocation logging") < at("empty and delete bucket"));

    let after = live();
    assert_eq!(
        after,
        Live {
            profiles: vec![FOREIGN.into(), "acc-b-1-nova".into()],
            guardrails: vec![],
            log_group: false,
            bucket: false,
            role: false,
            logging: false,
            dashboards: vec![dashboard("acc-b-1")],
            alarms: 0,
            topics: 0,
            user: false,
        }
    );

    let again = sweep(&["--stack-prefix", "acc-a-", "--older-than", "0s", "--yes"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.starts_with("Nothing to sweep: no resource in account 123456789012, us-east-1 is tagged managed-by = librechat-bedrock with a stack starting \"acc-a-\""),
        "{}",
        again.stdout
    );
}

#[test]
fn a_young_stack_is_refused_with_the_default_age() {
    let _turn = turn();
    let dir = project(Some(A1));
    apply(dir.path());
    let before = live();
    let refused = sweep(&["--stack-prefix", "acc-a", "--yes"]);
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains("error: --stack-prefix \"acc-a\" matches stack acc-a-1 (")
            && refused
                .stderr
                .contains(" old) younger than --older-than 2h: nothing was deleted"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("cargo xtask sweep --stack-prefix acc-a --older-than 0s --yes --local --region us-east-1"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stdout.contains("YOUNGER THAN --older-than 2h"),
        "{}",
        refused.stdout
    );
    assert_eq!(live(), before, "nothing deleted");
}

#[test]
fn keep_data_keeps_the_bucket_and_the_log_group() {
    let _turn = turn();
    let dir = project(Some(A1));
    apply(dir.path());
    let swept = sweep(&[
        "--stack-prefix",
        "acc-a-",
        "--older-than",
        "0s",
        "--yes",
        "--keep-data",
    ]);
    assert_eq!(swept.code, 0, "{}\n{}", swept.stdout, swept.stderr);
    assert!(
        swept.stdout.contains(&format!("= log group {GROUP}  ("))
            && swept
                .stdout
                .contains("# kept: holds data: kept with --keep-data"),
        "{}",
        swept.stdout
    );
    assert!(
        swept.stdout.contains(&format!(
            "Kept on purpose: log group {GROUP}, bucket {BUCKET}"
        )),
        "{}",
        swept.stdout
    );
    let after = live();
    assert!(after.bucket && after.log_group, "{after:?}");
    assert!(!after.role && !after.logging, "{after:?}");
    assert!(
        after.profiles.is_empty() && after.guardrails.is_empty(),
        "{after:?}"
    );
}

#[test]
fn bad_input_is_refused_before_any_call() {
    for (args, expected) in [
        (
            vec!["--stack-prefix", "", "--yes"],
            "error: --stack-prefix \"\" is not the start of a stack name; nothing was called",
        ),
        (
            vec!["--stack-prefix", "acc-*", "--yes"],
            "error: --stack-prefix \"acc-*\" is not the start of a stack name; nothing was called",
        ),
        (
            vec!["--stack-prefix", "acc-", "--older-than", "2 hours"],
            "error: --older-than \"2 hours\" is not a duration; nothing was called",
        ),
    ] {
        let r = sweep(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("  help: "), "{}", r.stderr);
        assert!(!r.stderr.contains("sweep: AWS"), "{}", r.stderr);
    }
}
