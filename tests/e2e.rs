//! The provisioning engine end to end: the real binary, `--local`, against a private
//! emulator, and every result checked through the AWS SDK rather than through the tool's
//! own output.
//!
//! The tests share one emulator and take turns (a lock): each starts from a reset account.

mod common;
mod stack;
use bedrock_emulator::{Fault, FaultKind};
use common::root;
use stack::*;
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn a_fresh_apply_builds_the_stack_and_a_second_changes_nothing() {
    let _turn = turn();
    let dir = project(None);
    let first = apply(dir.path());
    assert!(
        first
            .stderr
            .contains("using the embedded AWS emulator at http://127.0.0.1:"),
        "{}",
        first.stderr
    );
    assert!(writes(&first) > 10);
    let second = apply(dir.path());
    assert_eq!(
        writes(&second),
        0,
        "a second apply wrote:\n{}",
        second.stderr
    );
    assert!(second.stdout.contains("No changes"), "{}", second.stdout);

    let c = clients("us-east-1");
    let rt = rt();
    // Every .env ARN exists, is ACTIVE, and routes to the model its variable is mapped from.
    let env = env_values(dir.path());
    assert_eq!(env["BEDROCK_AWS_DEFAULT_REGION"], "us-east-1");
    for (var, model) in [
        (
            "BEDROCK_CLAUDE_37_PROFILE",
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
        ),
        (
            "BEDROCK_SONNET_45_PROFILE",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
        (
            "BEDROCK_OPUS_45_PROFILE",
            "anthropic.claude-opus-4-5-20251101-v1:0",
        ),
    ] {
        let p = rt
            .block_on(
                c.bedrock
                    .get_inference_profile()
                    .inference_profile_identifier(&env[var])
                    .send(),
            )
            .unwrap();
        assert_eq!(p.status().as_str(), "ACTIVE");
        assert!(
            p.models()
                .iter()
                .all(|m| m.model_arn().unwrap().ends_with(model)),
            "{var}"
        );
        let tags = rt
            .block_on(
                c.bedrock
                    .list_tags_for_resource()
                    .resource_arn(&env[var])
                    .send(),
            )
            .unwrap();
        let tags: BTreeMap<_, _> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
        assert_eq!(tags.get("managed-by"), Some(&"librechat-bedrock"));
        assert_eq!(tags.get("Application"), Some(&"LibreChat"));
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join(".env"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    // The bucket is hardened.
    let bucket = format!("bedrock-logs-{ACCOUNT}");
    let pab = rt
        .block_on(c.s3.get_public_access_block().bucket(&bucket).send())
        .unwrap();
    let pab = pab.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            pab.block_public_acls(),
            pab.ignore_public_acls(),
            pab.block_public_policy(),
            pab.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let enc = rt
        .block_on(c.s3.get_bucket_encryption().bucket(&bucket).send())
        .unwrap();
    let algorithm = enc.server_side_encryption_configuration().unwrap().rules()[0]
        .apply_server_side_encryption_by_default()
        .unwrap()
        .sse_algorithm()
        .as_str()
        .to_string();
    assert_eq!(algorithm, "AES256");
    let own = rt
        .block_on(c.s3.get_bucket_ownership_controls().bucket(&bucket).send())
        .unwrap();
    assert_eq!(
        own.ownership_controls().unwrap().rules()[0]
            .object_ownership()
            .as_str(),
        "BucketOwnerEnforced"
    );
    let policy = rt
        .block_on(c.s3.get_bucket_policy().bucket(&bucket).send())
        .unwrap();
    assert!(policy.policy().unwrap().contains("aws:SecureTransport"));
    // Retention, logging, role.
    let groups = rt
        .block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix("/aws/bedrock/model-invocations")
                .send(),
        )
        .unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(90));
    let logging = rt
        .block_on(
            c.bedrock
                .get_model_invocation_logging_configuration()
                .send(),
        )
        .unwrap();
    let cw = logging
        .logging_config()
        .unwrap()
        .cloud_watch_config()
        .unwrap();
    assert_eq!(
        cw.role_arn(),
        format!("arn:aws:iam::{ACCOUNT}:role/BedrockLoggingRole")
    );
    assert_eq!(
        cw.large_data_delivery_s3_config().unwrap().key_prefix(),
        Some("large-data")
    );
    let names = rt
        .block_on(
            c.iam
                .list_role_policies()
                .role_name("BedrockLoggingRole")
                .send(),
        )
        .unwrap();
    let mut names = names.policy_names().to_vec();
    names.sort();
    assert_eq!(names, ["BedrockLoggingPolicy", "BedrockS3Policy"]);

    // And the files apply wrote are the offline ones (plus .env).
    let offline = common::xtask(&[
        "generate",
        "--offline",
        "--check",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(offline.code, 0, "{}", offline.stdout);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap(),
        std::fs::read_to_string(root().join("librechat.yaml")).unwrap()
    );
}

/// One out-of-band change: `drift` finds it (exit 2, naming it), `apply` repairs it.
fn drift_then_repair(dir: &Path, named: &str) {
    let drift = run(dir, &["drift"]);
    assert_eq!(
        drift.code, 2,
        "drift missed {named}:\n{}\n{}",
        drift.stdout, drift.stderr
    );
    assert!(
        drift.stdout.contains(named),
        "drift does not name {named}:\n{}",
        drift.stdout
    );
    let json = run(dir, &["drift", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["drift"], true);
    apply(dir);
    let clean = run(dir, &["drift"]);
    assert_eq!(
        clean.code, 0,
        "apply did not repair {named}:\n{}",
        clean.stdout
    );
}

#[test]
fn drift_finds_each_out_of_band_change_and_apply_repairs_it() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let c = clients("us-east-1");
    let rt = rt();
    let bucket = format!("bedrock-logs-{ACCOUNT}");

    let env = env_values(dir.path());
    rt.block_on(
        c.bedrock
            .delete_inference_profile()
            .inference_profile_identifier(&env["BEDROCK_OPUS_45_PROFILE"])
            .send(),
    )
    .unwrap();
    drift_then_repair(dir.path(), "inference profile LibreChat-Claude-Opus-4-5");
    assert_ne!(
        env_values(dir.path())["BEDROCK_OPUS_45_PROFILE"],
        env["BEDROCK_OPUS_45_PROFILE"],
        ".env follows the new profile"
    );

    rt.block_on(
        c.logs
            .put_retention_policy()
            .log_group_name("/aws/bedrock/model-invocations")
            .retention_in_days(7)
            .send(),
    )
    .unwrap();
    drift_then_repair(dir.path(), "retention_days: 7 -> 90");

    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}]}"#;
    rt.block_on(
        c.iam
            .update_assume_role_policy()
            .role_name("BedrockLoggingRole")
            .policy_document(trust)
            .send(),
    )
    .unwrap();
    drift_then_repair(dir.path(), "trust:");

    rt.block_on(c.s3.delete_public_access_block().bucket(&bucket).send())
        .unwrap();
    drift_then_repair(dir.path(), "public_access_block");

    // Logging pointed at another group, through a role that may write there.
    logging_set_elsewhere(&c, "/elsewhere", "ElsewhereRole");
    // Logging someone else pointed elsewhere is theirs now: drift and apply refuse to take it
    // back silently; --adopt does, showing what it replaces.
    for args in [&["drift"][..], &["apply", "--yes"]] {
        refused(
            dir.path(),
            args,
            &[
                "the model invocation logging configuration of us-east-1 is not this stack's: it points at log group /elsewhere",
                "`cargo xtask plan --adopt --local`",
            ],
        );
    }
    let adopt = run(dir.path(), &["apply", "--yes", "--adopt"]);
    assert_eq!(adopt.code, 0, "{}", adopt.stderr);
    assert!(
        adopt
            .stdout
            .contains("log_group: \"/elsewhere\" -> \"/aws/bedrock/model-invocations\""),
        "{}",
        adopt.stdout
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);

    // A hand-edited line of the tool's block is drift too.
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    let arn = env_values(dir.path())["BEDROCK_CLAUDE_37_PROFILE"].clone();
    std::fs::write(dir.path().join(".env"), env.replace(&arn, "arn:wrong")).unwrap();
    drift_then_repair(dir.path(), ".env (differs)");
    // A line of the user's own, outside the block, is never overwritten: refused, named.
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    let mine = format!("BEDROCK_CLAUDE_37_PROFILE=arn:mine\n{env}");
    std::fs::write(dir.path().join(".env"), &mine).unwrap();
    refused(
        dir.path(),
        &["apply", "--yes"],
        &[".env: BEDROCK_CLAUDE_37_PROFILE (line 1) is set outside this tool's block for stack librechat"],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        mine
    );
}

#[test]
fn a_model_change_replaces_the_profile_and_env_follows() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let before = env_values(dir.path());
    let spec = std::fs::read_to_string(dir.path().join("bedrock.toml"))
        .unwrap()
        .replace(
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        );
    std::fs::write(dir.path().join("bedrock.toml"), spec).unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("-/+ inference profile LibreChat-Claude-Sonnet-4-5"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("1 to replace"), "{}", plan.stdout);
    apply(dir.path());
    let after = env_values(dir.path());
    assert_ne!(
        after["BEDROCK_SONNET_45_PROFILE"],
        before["BEDROCK_SONNET_45_PROFILE"]
    );
    assert_eq!(
        after["BEDROCK_CLAUDE_37_PROFILE"],
        before["BEDROCK_CLAUDE_37_PROFILE"]
    );
    let c = clients("us-east-1");
    let profiles = application_profiles(&c);
    assert_eq!(profiles.len(), 3);
    let replaced = profiles
        .iter()
        .find(|p| p.inference_profile_arn() == after["BEDROCK_SONNET_45_PROFILE"])
        .unwrap();
    assert!(replaced.models()[0]
        .model_arn()
        .unwrap()
        .contains("claude-haiku-4-5"));
    assert!(!profiles
        .iter()
        .any(|p| p.inference_profile_arn() == before["BEDROCK_SONNET_45_PROFILE"]));
    let yaml = std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap();
    assert!(
        yaml.contains(
            "\"us.anthropic.claude-haiku-4-5-20251001-v1:0\": \"${BEDROCK_SONNET_45_PROFILE}\""
        ),
        "{yaml}"
    );
}

#[test]
fn an_apply_interrupted_after_any_write_converges_when_run_again() {
    let _turn = turn();
    let dir = project(None);
    let total = {
        let first = apply(dir.path());
        writes(&first)
    };
    let c = clients("us-east-1");
    for n in 1..total {
        emulator().instance.reset().unwrap();
        let _ = std::fs::remove_file(dir.path().join(".env"));
        let n_text = n.to_string();
        let killed = run_env(
            dir.path(),
            &["apply", "--yes"],
            &[("BEDROCK_XTASK_ABORT_AFTER_WRITES", &n_text)],
        );
        assert_eq!(killed.code, 130, "after {n} writes:\n{}", killed.stderr);
        apply(dir.path());
        assert_eq!(
            application_profiles(&c).len(),
            3,
            "after an interruption at write {n}"
        );
        let drift = run(dir.path(), &["drift"]);
        assert_eq!(
            drift.code, 0,
            "after an interruption at write {n}:\n{}",
            drift.stdout
        );
    }
}

#[test]
fn a_create_whose_answer_is_lost_makes_no_duplicate() {
    let _turn = turn();
    let dir = project(None);
    let control = emulator().instance.control();
    // The profile is made, the answer never arrives; the SDK retries with the same token.
    control
        .inject(&Fault {
            service: Some("bedrock".into()),
            operation: Some("CreateInferenceProfile".into()),
            count: 2,
            kind: FaultKind::DropAfter,
        })
        .unwrap();
    apply(dir.path());
    assert_eq!(application_profiles(&clients("us-east-1")).len(), 3);
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
}

#[test]
fn propagation_delay_and_throttling_are_survived() {
    let _turn = turn();
    let dir = project(None);
    let control = emulator().instance.control();
    control.set_propagation_delay(4.0).unwrap();
    for (service, operation) in [
        ("bedrock", "CreateInferenceProfile"),
        ("iam", "PutRolePolicy"),
        ("logs", "CreateLogGroup"),
        ("bedrock", "ListInferenceProfiles"),
    ] {
        control
            .inject(&Fault {
                service: Some(service.into()),
                operation: Some(operation.into()),
                count: 2,
                kind: FaultKind::Throttle,
            })
            .unwrap();
    }
    let r = apply(dir.path());
    assert!(r.stdout.contains("Applied:"), "{}", r.stdout);
    control.set_propagation_delay(0.0).unwrap();
    assert_eq!(
        control.state().unwrap()["faults"].as_array().unwrap().len(),
        0,
        "every injected fault was met"
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
}

#[test]
fn destroy_removes_the_stack_and_keeps_data_and_foreign_resources() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let c = clients("us-east-1");
    let rt = rt();
    let bucket = format!("bedrock-logs-{ACCOUNT}");
    rt.block_on(
        c.s3.put_object()
            .bucket(&bucket)
            .key("large-data/payload.json")
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
            .send(),
    )
    .unwrap();
    let source =
        format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-pro-v1:0");
    rt.block_on(
        c.bedrock
            .create_inference_profile()
            .inference_profile_name("Someone-Elses")
            .model_source(aws_sdk_bedrock::types::InferenceProfileModelSource::CopyFrom(source))
            .send(),
    )
    .unwrap();

    let refused = run(dir.path(), &["destroy"]);
    assert_eq!(
        refused.code, 1,
        "destroy without --yes and without a terminal must refuse"
    );
    assert!(
        refused
            .stderr
            .contains("refusing to change AWS without confirmation"),
        "{}",
        refused.stderr
    );

    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("holds the invocation logs: pass --delete-data"),
        "{}",
        r.stdout
    );
    let names: Vec<String> = application_profiles(&c)
        .iter()
        .map(|p| p.inference_profile_name().to_string())
        .collect();
    assert_eq!(names, ["Someone-Elses"]);
    assert!(rt
        .block_on(c.iam.get_role().role_name("BedrockLoggingRole").send())
        .is_err());
    assert!(rt
        .block_on(
            c.bedrock
                .get_model_invocation_logging_configuration()
                .send()
        )
        .unwrap()
        .logging_config()
        .is_none());
    assert!(
        rt.block_on(
            c.s3.head_object()
                .bucket(&bucket)
                .key("large-data/payload.json")
                .send()
        )
        .is_ok(),
        "the payload was kept"
    );
    let groups = rt
        .block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix("/aws/bedrock/model-invocations")
                .send(),
        )
        .unwrap();
    assert_eq!(groups.log_groups().len(), 1, "the log group was kept");

    let r = run(dir.path(), &["destroy", "--yes", "--delete-data"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        rt.block_on(c.s3.head_bucket().bucket(&bucket).send())
            .is_err(),
        "the bucket is gone"
    );
    let groups = rt
        .block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix("/aws/bedrock/model-invocations")
                .send(),
        )
        .unwrap();
    assert!(groups.log_groups().is_empty());
    assert_eq!(
        application_profiles(&c).len(),
        1,
        "the foreign profile stays"
    );
}

#[test]
fn the_account_guard_refuses_before_any_write() {
    let _turn = turn();
    let spec = guide_spec().replace(
        "# account_id = \"123456789012\"",
        "account_id = \"210987654321\"",
    );
    let dir = project(Some(&spec));
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "the credentials are for account 123456789012, but [stack] account_id is 210987654321"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(writes(&r), 0);
    assert!(application_profiles(&clients("us-east-1")).is_empty());
}

#[test]
fn a_same_named_foreign_resource_needs_adopt() {
    let _turn = turn();
    let dir = project(None);
    let c = clients("us-east-1");
    rt().block_on(
        c.logs
            .create_log_group()
            .log_group_name("/aws/bedrock/model-invocations")
            .send(),
    )
    .unwrap();
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("log group /aws/bedrock/model-invocations already exists and is not managed by this stack"), "{}", r.stderr);
    assert!(r.stderr.contains("--adopt"), "{}", r.stderr);
    assert_eq!(writes(&r), 0);
    let r = run(dir.path(), &["apply", "--yes", "--adopt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tags = rt()
        .block_on(
            c.logs
                .list_tags_for_resource()
                .resource_arn(format!(
                    "arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/bedrock/model-invocations"
                ))
                .send(),
        )
        .unwrap();
    assert_eq!(
        tags.tags().unwrap().get("stack").map(String::as_str),
        Some("librechat")
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
}

#[test]
fn plan_reads_in_constant_depth_whatever_the_number_of_profiles() {
    let _turn = turn();
    let control = emulator().instance.control();
    let models = [
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "anthropic.claude-opus-4-20250514-v1:0",
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "amazon.nova-micro-v1:0",
        "amazon.nova-lite-v1:0",
        "amazon.nova-pro-v1:0",
        "amazon.nova-premier-v1:0",
        "meta.llama3-1-8b-instruct-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
        "meta.llama3-2-11b-instruct-v1:0",
        "meta.llama3-3-70b-instruct-v1:0",
        "meta.llama4-scout-17b-instruct-v1:0",
    ];
    let spec = |n: usize| {
        let mut s = String::from("[stack]\nname = \"depth\"\nregion = \"us-west-2\"\n");
        for (i, m) in models.iter().take(n).enumerate() {
            s.push_str(&format!(
                "[[profiles]]\nname = \"P{i}\"\nmodel = \"us.{m}\"\nenv = \"P{i}\"\n"
            ));
        }
        s
    };
    // The depth is read from when calls started and ended. A busy machine can only delay a
    // call's start, which can lengthen a chain but never shorten one, so the least of a few
    // runs is the plan's depth; the injected latency (a round trip's worth, as with AWS) makes
    // a delay that long unlikely in the first place.
    let mut depths = Vec::new();
    for n in [2, 20] {
        let dir = project(Some(&spec(n)));
        apply(dir.path());
        control.set_latency_ms(300.0).unwrap();
        let mut least = usize::MAX;
        for _ in 0..3 {
            let plan = run(dir.path(), &["plan"]);
            assert_eq!(plan.code, 0, "{}", plan.stderr);
            least = least.min(round_trips(&plan));
            if least <= 3 {
                break;
            }
        }
        control.set_latency_ms(0.0).unwrap();
        depths.push(least);
    }
    assert_eq!(
        depths[0], depths[1],
        "plan's sequential round trips grew with the profiles: {depths:?}"
    );
    assert!(depths[1] <= 3, "{depths:?}");
}

#[test]
fn generate_with_live_arns_and_its_check() {
    let _turn = turn();
    let dir = project(None);
    let before = run(dir.path(), &["generate"]);
    assert_eq!(before.code, 1, "no profiles yet: .env cannot be written");
    assert!(
        before
            .stderr
            .contains("run `cargo xtask apply --local` first (`cargo xtask generate --offline` writes what needs no AWS)"),
        "{}",
        before.stderr
    );
    apply(dir.path());
    std::fs::remove_file(dir.path().join(".env")).unwrap();
    let check = run(dir.path(), &["generate", "--check"]);
    assert_eq!(check.code, 2);
    assert!(check.stdout.contains(".env (missing)"), "{}", check.stdout);
    let r = run(dir.path(), &["generate"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.contains("arn:aws"),
        "values are never printed: {}",
        r.stdout
    );
    assert_eq!(run(dir.path(), &["generate", "--check"]).code, 0);
    assert_eq!(env_values(dir.path()).len(), 4);
}

#[test]
fn conflicting_flags_are_refused_before_any_call() {
    let dir = project(None);
    let r = common::xtask_in(
        dir.path(),
        &["plan", "--local", "--endpoint-url", "http://127.0.0.1:1"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("the argument '--local' cannot be used with '--endpoint-url <URL>'"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(": AWS: "), "{}", r.stderr);
}

#[test]
fn a_converged_stack_plans_no_change_in_its_out_dir() {
    let _turn = turn();
    let dir = project(None);
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let r = run(dir.path(), &["apply", "--yes", "--out", out_dir]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(out.path().join(".env").exists() && out.path().join("librechat.yaml").exists());
    let plan = run(
        dir.path(),
        &["plan", "--out", out_dir, "--detailed-exitcode"],
    );
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    // The spec's own directory has no generated files: a plan there would write them.
    let elsewhere = run(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(elsewhere.code, 2, "{}", elsewhere.stdout);
    assert!(
        elsewhere.stdout.contains("+ file .env  # does not exist"),
        "{}",
        elsewhere.stdout
    );
}

#[test]
fn renaming_a_profile_s_env_plans_the_file_changes_with_its_arn_and_no_secret() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let spec = std::fs::read_to_string(dir.path().join("bedrock.toml"))
        .unwrap()
        .replace(
            "env = \"BEDROCK_SONNET_45_PROFILE\"",
            "env = \"BEDROCK_SONNET_PROFILE\"",
        );
    std::fs::write(dir.path().join("bedrock.toml"), spec).unwrap();
    let plan = run(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    for expected in [
        "~ file librechat.yaml",
        "+       \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\": \"${BEDROCK_SONNET_PROFILE}\"",
        "~ file .env",
        "+ BEDROCK_SONNET_PROFILE=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/",
        "Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "no {expected:?} in\n{}",
            plan.stdout
        );
    }
    let json = run(dir.path(), &["plan", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let files: Vec<&str> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "file" && c["action"] == "update")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["librechat.yaml", ".env"]);
    // An ARN is no secret (`outputs` prints them): shown, as the region is. Any other value
    // of `.env` would be hidden (`files::tests` in the plan crate).
    assert!(!plan.stdout.contains("(value hidden)"), "{}", plan.stdout);
    // Applied, the new name holds the profile's ARN.
    apply(dir.path());
    let env = env_values(dir.path());
    assert!(
        env["BEDROCK_SONNET_PROFILE"].starts_with(&format!(
            "arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/"
        )),
        "{env:?}"
    );
    assert_eq!(run(dir.path(), &["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn suggested_commands_repeat_the_user_s_flags() {
    let _turn = turn();
    let dir = project(None);
    std::fs::rename(
        dir.path().join("bedrock.toml"),
        dir.path().join("stack.toml"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let flags = ["--config", "stack.toml", "--out", out_dir];
    let with = |args: &[&'static str]| -> Vec<&str> {
        args.iter().copied().chain(flags.iter().copied()).collect()
    };
    let r = run(dir.path(), &with(&["apply", "--yes"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::remove_file(out.path().join(".env")).unwrap();
    let check = run(dir.path(), &with(&["generate", "--check"]));
    assert_eq!(check.code, 2, "{}", check.stdout);
    let fix = format!("run `cargo xtask generate --local --config stack.toml --out {out_dir}`");
    assert!(check.stdout.contains(&fix), "{}", check.stdout);
    let offline = common::xtask_in(dir.path(), &with(&["generate", "--offline", "--check"]));
    assert_eq!(offline.code, 0, "{}\n{}", offline.stdout, offline.stderr);
    // A foreign resource: the --adopt suggestion goes where this run went.
    let c = clients("us-east-1");
    rt().block_on(c.logs.create_log_group().log_group_name("/other").send())
        .unwrap();
    let spec = std::fs::read_to_string(dir.path().join("stack.toml"))
        .unwrap()
        .replace(
            "log_group = \"/aws/bedrock/model-invocations\"",
            "log_group = \"/other\"",
        );
    std::fs::write(dir.path().join("stack.toml"), spec).unwrap();
    let refused = run(dir.path(), &with(&["plan"]));
    assert_eq!(refused.code, 1);
    let adopt =
        format!("run `cargo xtask apply --adopt --local --config stack.toml --out {out_dir}`");
    assert!(refused.stderr.contains(&adopt), "{}", refused.stderr);
}

#[test]
fn a_command_offers_no_flag_it_ignores() {
    for args in [
        &["validate", "--local"][..],
        &["validate", "--out", "x"],
        &["local", "status", "--endpoint-url", "http://127.0.0.1:1"],
        &["local", "status", "--config", "x.toml"],
        &["generate", "--offline", "--local"],
        &[
            "generate",
            "--offline",
            "--endpoint-url",
            "http://127.0.0.1:1",
        ],
    ] {
        let r = common::xtask(args);
        assert_eq!(r.code, 1, "{args:?} was accepted:\n{}", r.stdout);
        assert!(r.stderr.contains("error:"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    for command in [
        "plan", "apply", "drift", "destroy", "verify", "doctor", "generate",
    ] {
        let help = common::xtask(&[command, "--help"]).stdout;
        for flag in ["--config", "--out", "--local", "--endpoint-url"] {
            assert!(help.contains(flag), "{command} lacks {flag}:\n{help}");
        }
    }
}

#[test]
fn destroy_takes_the_stack_s_lines_out_of_env_and_keeps_the_rest() {
    let _turn = turn();
    let dir = project(None);
    std::fs::write(dir.path().join(".env"), "# mine\nOPENAI_API_KEY=sk-test\n").unwrap();
    apply(dir.path());
    assert_eq!(env_values(dir.path()).len(), 5);
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("~ file .env"), "{}", r.stdout);
    let env = env_values(dir.path());
    assert_eq!(
        env.get("OPENAI_API_KEY").map(String::as_str),
        Some("sk-test")
    );
    assert!(
        !env.keys().any(|k| k.ends_with("_PROFILE")),
        "the deleted profiles' lines are gone: {env:?}"
    );
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(
        text.starts_with("# mine\nOPENAI_API_KEY=sk-test\n"),
        "{text}"
    );
}

#[test]
fn a_refused_apply_or_destroy_names_the_plan_that_shows_it() {
    let _turn = turn();
    let dir = project(None);
    let r = run(dir.path(), &["apply", "--adopt"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("after reviewing `cargo xtask plan --adopt --local`"),
        "{}",
        r.stderr
    );
    apply(dir.path());
    let r = run(dir.path(), &["destroy", "--delete-data"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("after reviewing `cargo xtask plan --destroy --delete-data --local`"),
        "{}",
        r.stderr
    );
    // That plan, as a document a CI job can review.
    let plan = run(
        dir.path(),
        &[
            "plan",
            "--destroy",
            "--delete-data",
            "--json",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(plan.code, 2, "{}", plan.stderr);
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(doc["mode"], "destroy");
    let deleted: Vec<&str> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "delete")
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        deleted,
        [
            "inference_profile",
            "inference_profile",
            "inference_profile",
            "logging_configuration",
            "role",
            "bucket",
            "log_group"
        ]
    );
    assert_eq!(
        application_profiles(&clients("us-east-1")).len(),
        3,
        "nothing was deleted"
    );
}

#[test]
fn a_second_stack_never_takes_the_first_one_s_resources() {
    let _turn = turn();
    let first = project(None);
    apply(first.path());
    let second = guide_spec().replace("name = \"librechat\"", "name = \"acme-chat\"");
    let second = project(Some(&second));
    for args in [&["plan"][..], &["apply", "--yes", "--adopt"]] {
        let r = refused(
            second.path(),
            args,
            &[
                "log group /aws/bedrock/model-invocations belongs to stack librechat",
                "change [logging] log_group in the spec",
                "role BedrockLoggingRole belongs to stack librechat",
                "change [logging] role_name in the spec",
            ],
        );
        assert!(!r.stderr.contains("apply --adopt`"), "{}", r.stderr);
    }
    // The first stack is as it was.
    assert_eq!(run(first.path(), &["drift"]).code, 0);
}

#[test]
fn any_number_of_destroy_apply_cycles_and_out_of_band_deletes_converge() {
    let _turn = turn();
    let dir = project(None);
    let c = clients("us-east-1");
    for cycle in 0..5 {
        apply(dir.path());
        assert_eq!(application_profiles(&c).len(), 3, "cycle {cycle}");
        assert_eq!(run(dir.path(), &["drift"]).code, 0, "cycle {cycle}");
        let r = run(dir.path(), &["destroy", "--yes"]);
        assert_eq!(r.code, 0, "cycle {cycle}: {}", r.stderr);
        assert!(application_profiles(&c).is_empty(), "cycle {cycle}");
    }
    apply(dir.path());
    // One profile deleted behind the tool's back, again and again.
    for round in 0..4 {
        let arn = env_values(dir.path())["BEDROCK_OPUS_45_PROFILE"].clone();
        rt().block_on(
            c.bedrock
                .delete_inference_profile()
                .inference_profile_identifier(&arn)
                .send(),
        )
        .unwrap();
        apply(dir.path());
        let profiles = application_profiles(&c);
        assert_eq!(
            profiles.len(),
            3,
            "round {round}: no duplicate, none missing"
        );
        assert_ne!(env_values(dir.path())["BEDROCK_OPUS_45_PROFILE"], arn);
        assert_eq!(run(dir.path(), &["drift"]).code, 0, "round {round}");
    }
}

#[test]
fn a_bucket_whose_objects_cannot_be_deleted_stops_destroy_with_the_keys() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let c = clients("us-east-1");
    let rt = rt();
    let bucket = format!("bedrock-logs-{ACCOUNT}");
    // Someone put a payload under a legal hold (object lock, enabled on the versioned bucket).
    rt.block_on(
        c.s3.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    rt.block_on(
        c.s3.put_object_lock_configuration()
            .bucket(&bucket)
            .object_lock_configuration(
                aws_sdk_s3::types::ObjectLockConfiguration::builder()
                    .object_lock_enabled(aws_sdk_s3::types::ObjectLockEnabled::Enabled)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    let key = "large-data/held.json";
    rt.block_on(
        c.s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
            .send(),
    )
    .unwrap();
    let hold = |status: aws_sdk_s3::types::ObjectLockLegalHoldStatus| {
        rt.block_on(
            c.s3.put_object_legal_hold()
                .bucket(&bucket)
                .key(key)
                .legal_hold(
                    aws_sdk_s3::types::ObjectLockLegalHold::builder()
                        .status(status)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    };
    hold(aws_sdk_s3::types::ObjectLockLegalHoldStatus::On);
    let r = run(dir.path(), &["destroy", "--yes", "--delete-data"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "emptying bucket {bucket}: 1 object versions could not be deleted: {key} (AccessDenied"
        )),
        "{}",
        r.stderr
    );
    assert!(rt
        .block_on(c.s3.head_bucket().bucket(&bucket).send())
        .is_ok());
    // With the hold lifted, the same command finishes the job.
    hold(aws_sdk_s3::types::ObjectLockLegalHoldStatus::Off);
    let r = run(dir.path(), &["destroy", "--yes", "--delete-data"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(rt
        .block_on(c.s3.head_bucket().bucket(&bucket).send())
        .is_err());
}

#[test]
fn logging_a_security_team_set_is_never_repointed_or_deleted() {
    let _turn = turn();
    let c = clients("us-east-1");
    logging_set_elsewhere(&c, "/security/central", "SecurityLogging");
    let dir = project(None);
    refused(
        dir.path(),
        &["apply", "--yes"],
        &["it points at log group /security/central, role arn:aws:iam::123456789012:role/SecurityLogging"],
    );
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let config = rt()
        .block_on(
            c.bedrock
                .get_model_invocation_logging_configuration()
                .send(),
        )
        .unwrap();
    let cw = config
        .logging_config()
        .unwrap()
        .cloud_watch_config()
        .unwrap();
    assert_eq!(cw.log_group_name(), "/security/central", "destroy kept it");
}

#[test]
fn a_profiles_only_stack_shares_the_account_and_region_with_a_full_one() {
    let _turn = turn();
    let production = project(None);
    apply(production.path());
    let staging = project(Some(
        "[stack]\nname = \"staging\"\nregion = \"us-east-1\"\n\n[logging]\nmanaged = false\n\n\
         [[profiles]]\nname = \"Staging-Claude\"\nmodel = \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"\nenv = \"STAGING_CLAUDE\"\n",
    ));
    let r = run(staging.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(writes(&r), 1, "only its profile:\n{}", r.stderr);
    for absent in ["log group", "bucket", "role", "logging configuration"] {
        assert!(!r.stdout.contains(&format!("+ {absent} ")), "{}", r.stdout);
    }
    assert!(
        !staging
            .path()
            .join("policies/bedrock-logging-trust.rendered.json")
            .exists(),
        "no logging policies for logging it does not set up"
    );
    assert!(
        env_values(staging.path())["STAGING_CLAUDE"].contains(":application-inference-profile/")
    );
    let c = clients("us-east-1");
    assert_eq!(application_profiles(&c).len(), 4);
    for dir in [production.path(), staging.path()] {
        assert_eq!(run(dir, &["drift"]).code, 0);
    }
    // Destroying production would end staging's logging: the plan says so.
    let warning = run(production.path(), &["plan", "--destroy"]);
    assert!(
        warning
            .stdout
            .contains("WARNING: stack staging still has profiles in us-east-1, whose invocations will no longer be logged"),
        "{}",
        warning.stdout
    );
    // It reads the logging that exists: production's.
    let doctor = run(staging.path(), &["doctor"]);
    assert_eq!(doctor.code, 0, "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains("left to another stack or team: [logging] managed = false): log group /aws/bedrock/model-invocations"),
        "{}",
        doctor.stdout
    );
    let verify = run(staging.path(), &["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    assert!(
        verify.stdout.contains("/aws/bedrock/model-invocations"),
        "{}",
        verify.stdout
    );
    // Destroyed, it takes its profile and nothing of production's.
    let r = run(staging.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(application_profiles(&c).len(), 3);
    assert_eq!(run(production.path(), &["drift"]).code, 0);
}

#[test]
fn a_second_stack_with_logging_of_its_own_never_takes_the_first_one_s_configuration() {
    let _turn = turn();
    let production = project(None);
    apply(production.path());
    let staging = guide_spec()
        .replace("name = \"librechat\"", "name = \"staging\"")
        .replace("\"BedrockLoggingRole\"", "\"StagingLoggingRole\"")
        .replace("\"/aws/bedrock/model-invocations\"", "\"/staging/bedrock\"")
        .replace(
            "\"bedrock-logs-{account_id}\"",
            "\"staging-logs-{account_id}\"",
        )
        .replace("name = \"LibreChat-", "name = \"Staging-");
    let staging = project(Some(&staging));
    for args in [&["plan"][..], &["apply", "--yes", "--adopt"]] {
        refused(
            staging.path(),
            args,
            &[
                "the model invocation logging configuration of us-east-1 belongs to stack librechat",
                "set [logging] managed = false",
            ],
        );
    }
    assert_eq!(run(production.path(), &["drift"]).code, 0);
}

#[test]
fn the_user_s_env_keeps_every_byte_its_link_and_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let _turn = turn();
    let dir = project(None);
    // LibreChat's .env as people have it: a BOM, CRLF, `export`, inline comments, a quoted
    // value over several lines (with a line inside that looks like one of ours), kept in
    // LibreChat's directory of the repository and linked, readable by LibreChat's group.
    let real = dir.path().join("librechat");
    std::fs::create_dir(&real).unwrap();
    let target = real.join("librechat.env");
    let user = "\u{feff}# LibreChat\r\nexport OPENAI_API_KEY=\"sk-x\" # mine\r\nPRIVATE_KEY=\"-----BEGIN\r\nBEDROCK_CLAUDE_37_PROFILE=inside-a-value\r\n-----END\"\r\nCREDS_KEY=abc\r\n";
    std::fs::write(&target, user).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join(".env")).unwrap();

    let r = apply(dir.path());
    assert!(
        r.stdout.contains("through the link"),
        "the output says where it wrote: {}",
        r.stdout
    );
    let link = std::fs::symlink_metadata(dir.path().join(".env")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    let applied = std::fs::read_to_string(&target).unwrap();
    assert!(
        applied.starts_with(user),
        "every byte of the user's kept:\n{applied}"
    );
    assert!(applied.contains("\r\n# >>> librechat-bedrock stack=librechat"));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "its group still reads it");
    assert_eq!(writes(&apply(dir.path())), 0);

    // A profile removed from the spec: drift names .env until apply takes its line out.
    let spec = std::fs::read_to_string(dir.path().join("bedrock.toml")).unwrap();
    let start = spec
        .find("[[profiles]]\nname = \"LibreChat-Claude-Opus-4-5\"")
        .unwrap();
    let end = start + spec[start..].find("\n\n").unwrap() + 2;
    std::fs::write(
        dir.path().join("bedrock.toml"),
        format!("{}{}", &spec[..start], &spec[end..]),
    )
    .unwrap();
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 2);
    assert!(
        drift
            .stdout
            .contains("- BEDROCK_OPUS_45_PROFILE=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"),
        "{}",
        drift.stdout
    );
    apply(dir.path());
    assert!(!std::fs::read_to_string(&target)
        .unwrap()
        .contains("BEDROCK_OPUS_45_PROFILE"));

    // Destroy takes the block out: the user's file is as it was.
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), user);
    assert!(std::fs::symlink_metadata(dir.path().join(".env"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_variable_the_user_set_stops_apply_before_any_aws_write() {
    let _turn = turn();
    let dir = project(None);
    let user = "BEDROCK_AWS_DEFAULT_REGION=us-east-1\nBEDROCK_SONNET_45_PROFILE=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/mine\n";
    std::fs::write(dir.path().join(".env"), user).unwrap();
    refused(
        dir.path(),
        &["apply", "--yes"],
        &[
            "BEDROCK_SONNET_45_PROFILE (line 2) is set outside this tool's block for stack librechat, to other values",
            "delete that line",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        user
    );
    assert!(application_profiles(&clients("us-east-1")).is_empty());
    // The same value where the user put it is no conflict: it stays theirs, once.
    std::fs::write(
        dir.path().join(".env"),
        "BEDROCK_AWS_DEFAULT_REGION=us-east-1\n",
    )
    .unwrap();
    apply(dir.path());
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert_eq!(
        env.matches("BEDROCK_AWS_DEFAULT_REGION").count(),
        1,
        "{env}"
    );
}

#[test]
fn files_that_cannot_be_written_stop_apply_before_any_aws_write() {
    let _turn = turn();
    let dir = project(None);
    // An --out under a regular file: no directory can be made there (root included).
    std::fs::write(dir.path().join("afile"), "").unwrap();
    let out = dir.path().join("afile/generated");
    let out = out.to_str().unwrap();
    refused(
        dir.path(),
        &["apply", "--yes", "--out", out],
        &["afile/generated/librechat.yaml: a part of this path is a file, not a directory"],
    );
    // A directory that takes no file (/proc: not even root's).
    refused(
        dir.path(),
        &["apply", "--yes", "--out", "/proc/librechat-bedrock-out"],
        &[
            "cannot be written: /proc takes no new file",
            "nothing was changed, in AWS or on disk",
        ],
    );
    assert!(application_profiles(&clients("us-east-1")).is_empty());
}

#[test]
fn apply_into_a_closed_stdout_stops_before_any_aws_write() {
    let _turn = turn();
    let dir = project(None);
    let run = common::xtask_into_closed_pipe(
        dir.path(),
        &["apply", "--yes", "--local"],
        &[("BEDROCK_EMULATOR_PORT", &emulator().port)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("stdout was closed; stopping"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(application_profiles(&clients("us-east-1")).is_empty());
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn two_stacks_writing_one_env_at_once_keep_both_blocks() {
    let _turn = turn();
    let dir = project(None);
    std::fs::write(
        dir.path().join("staging.toml"),
        "[stack]\nname = \"staging\"\nregion = \"us-east-1\"\n\n[logging]\nmanaged = false\n\n\
         [[profiles]]\nname = \"Staging-Claude\"\nmodel = \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"\nenv = \"STAGING_CLAUDE\"\n",
    )
    .unwrap();
    apply(dir.path());
    let staged = run(dir.path(), &["apply", "--yes", "--config", "staging.toml"]);
    assert_eq!(staged.code, 0, "{}", staged.stderr);
    for round in 0..2 {
        // Both blocks to write again, by two processes at once: each reads the file, then
        // (the debug build's pause) writes while the other has read it too.
        std::fs::remove_file(dir.path().join(".env")).unwrap();
        let runs: Vec<_> = [
            vec!["generate"],
            vec!["generate", "--config", "staging.toml"],
        ]
        .into_iter()
        .map(|args| {
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || {
                run_env(
                    &dir,
                    &args,
                    &[("BEDROCK_XTASK_PAUSE_BEFORE_FILES_MS", "1500")],
                )
            })
        })
        .collect();
        for r in runs {
            let r = r.join().unwrap();
            assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
        }
        let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
        for stack in ["librechat", "staging"] {
            assert!(
                env.contains(&format!("# >>> librechat-bedrock stack={stack}:")),
                "round {round}: the block of {stack} was lost:\n{env}"
            );
        }
    }
}

#[test]
fn keys_of_the_user_s_inside_endpoints_bedrock_are_kept_and_named() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let yaml = std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap();
    // streamRate and titleConvo by hand, inside the tool's section.
    let edited = yaml.replacen(
        "    models:\n",
        "    streamRate: 35\n    titleConvo: true\n    models:\n",
        1,
    );
    assert_ne!(edited, yaml);
    std::fs::write(dir.path().join("librechat.yaml"), &edited).unwrap();
    let named = "streamRate (the spec sets it with [librechat] stream_rate), titleConvo (the spec sets it with [librechat] title_convo)";
    for args in [&["plan"][..], &["apply", "--yes"]] {
        let r = run(dir.path(), args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains(named), "{args:?}: {}", r.stdout);
    }
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}", drift.stdout);
    assert!(
        drift.stdout.contains("kept: ") && drift.stdout.contains(named),
        "{}",
        drift.stdout
    );
    let loaded = std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap();
    assert!(
        loaded.contains("streamRate: 35") && loaded.contains("titleConvo: true"),
        "{loaded}"
    );
}

#[test]
fn a_file_write_failing_after_aws_changed_says_what_was_and_was_not_written() {
    let _turn = turn();
    let dir = project(None);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // The files are checked writable, AWS is changed, then (during the debug build's pause)
    // the output directory turns into a file.
    let apply = {
        let dir = dir.path().to_path_buf();
        let out = out.to_str().unwrap().to_string();
        std::thread::spawn(move || {
            run_env(
                &dir,
                &["apply", "--yes", "--out", &out],
                &[("BEDROCK_XTASK_PAUSE_BEFORE_FILES_MS", "4000")],
            )
        })
    };
    let c = clients("us-east-1");
    let started = std::time::Instant::now();
    while application_profiles(&c).len() < 3 && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::write(&out, "in the way").unwrap();
    let r = apply.join().unwrap();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("out: it is a file, not a directory; no file was written")
            && r.stderr.contains("AWS was changed (15 writes)")
            && r.stderr.contains("cargo xtask generate --local --out"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_link_out_of_the_project_or_a_read_only_env_stops_apply_before_any_aws_write() {
    use std::os::unix::fs::PermissionsExt;
    let _turn = turn();
    let dir = project(None);
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("passwd");
    std::fs::write(&target, "root:x:0:0\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join(".env");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    refused(
        dir.path(),
        &["apply", "--yes"],
        &[
            ".env: it is a symbolic link to",
            "passwd, outside",
            "BEDROCK_XTASK_FOLLOW_LINKS_OUTSIDE=1",
        ],
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "root:x:0:0\n");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // Said on purpose, the link is followed.
    let r = run_env(
        dir.path(),
        &["apply", "--yes"],
        &[("BEDROCK_XTASK_FOLLOW_LINKS_OUTSIDE", "1")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(
        written.starts_with("root:x:0:0\n") && written.contains("\n# >>> librechat-bedrock"),
        "{written}"
    );

    // A read-only .env is refused, not replaced.
    std::fs::remove_file(&link).unwrap();
    std::fs::write(&link, "MINE=1\n").unwrap();
    std::fs::set_permissions(&link, std::fs::Permissions::from_mode(0o400)).unwrap();
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("it is read-only (mode 0400)"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "MINE=1\n");
}

#[test]
fn markers_inside_a_quoted_value_are_the_user_s_and_dotenv_reads_the_block() {
    let _turn = turn();
    let dir = project(None);
    let cert = "-----BEGIN-----\n# >>> librechat-bedrock stack=librechat\nabc\n# <<< librechat-bedrock stack=librechat\n-----END-----";
    let user = format!("CERT=\"{cert}\"\n");
    let path = dir.path().join(".env");
    std::fs::write(&path, &user).unwrap();
    apply(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(&user),
        "every byte of the user's first:\n{text}"
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
    // A real dotenv parser (python-dotenv, in the emulator's virtualenv) reads the value
    // whole and every variable of the block.
    let python = bedrock_emulator::Installation::at(&bedrock_emulator::default_dir()).python();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import json, sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values: BTreeMap<String, Option<String>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(values["CERT"].as_deref(), Some(cert), "{values:#?}");
    for var in [
        "BEDROCK_CLAUDE_37_PROFILE",
        "BEDROCK_SONNET_45_PROFILE",
        "BEDROCK_OPUS_45_PROFILE",
    ] {
        let arn = values.get(var).cloned().flatten().unwrap_or_default();
        assert!(
            arn.starts_with("arn:aws:bedrock:us-east-1:"),
            "{var}: {values:#?}"
        );
    }
    assert!(!values.contains_key("abc"), "{values:#?}");
}

/// Property: whatever a user's `.env` holds (quotes of every kind over several lines, escaped
/// quotes, fake markers inside values, `export`, comments, CRLF, a BOM), merging the block
/// keeps every byte of it, and a real dotenv parser (python-dotenv, in the emulator's
/// virtualenv) reads the user's variables as before and the block's as the tool wrote them.
#[test]
fn any_user_env_keeps_its_bytes_and_dotenv_reads_the_block_as_written() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let _turn = turn();
    let fragments = prop::sample::select(vec![
        "PLAIN=value\n",
        "export EXPORTED=\"a b\" # inline comment\n",
        "SINGLE='it is # not a comment'\n",
        "# >>> librechat-bedrock stack=other: another stack's block\nOTHER_STACK=x\n# <<< librechat-bedrock stack=other\n",
        "# a comment of mine\n",
        "\n",
        "CERT=\"-----BEGIN-----\n# >>> librechat-bedrock stack=librechat\nabc=1\n# <<< librechat-bedrock stack=librechat\n-----END-----\"\n",
        "QUOTED=\"with \\\" an escaped quote\nand a second line\"\n",
        "SQ='over\ntwo lines'\n",
        "EMPTY=\n",
        "SPACED = spaced\n",
    ]);
    let files = prop::collection::vec(fragments, 0..8)
        .prop_flat_map(|parts| (Just(parts), any::<bool>(), any::<bool>()));
    let values = vec![
        (
            "BEDROCK_AWS_DEFAULT_REGION".to_string(),
            "us-east-1".to_string(),
        ),
        (
            "BEDROCK_P".to_string(),
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc".to_string(),
        ),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let cases = std::cell::RefCell::new(Vec::new());
    runner
        .run(&files, |(parts, crlf, bom)| {
            let mut user = parts.concat();
            if crlf {
                user = user.replace('\n', "\r\n");
            }
            if bom {
                user.insert(0, '\u{feff}');
            }
            let merged = bedrock_generate::merge_env(
                Some(&user),
                &values,
                "librechat",
                "bedrock.toml",
                ".env",
            )
            .map_err(|e| TestCaseError::fail(format!("{e}\n{user:?}")))?;
            prop_assert!(merged.starts_with(&user), "{user:?}\n{merged:?}");
            let n = cases.borrow().len();
            let (before, after) = (
                dir.path().join(format!("{n}.before")),
                dir.path().join(format!("{n}.after")),
            );
            std::fs::write(&before, &user).unwrap();
            std::fs::write(&after, &merged).unwrap();
            cases.borrow_mut().push((before, after, user, merged));
            Ok(())
        })
        .unwrap();
    let cases = cases.into_inner();
    let python = bedrock_emulator::Installation::at(&bedrock_emulator::default_dir()).python();
    let script = "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps({p: dotenv_values(p) for p in sys.argv[1:]}))";
    let mut command = std::process::Command::new(python);
    command.args(["-c", script]);
    for (before, after, ..) in &cases {
        command.arg(before).arg(after);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: BTreeMap<String, BTreeMap<String, Option<String>>> =
        serde_json::from_slice(&out.stdout).unwrap();
    for (before, after, user, merged) in &cases {
        let mut was = parsed[&before.display().to_string()].clone();
        let now = &parsed[&after.display().to_string()];
        for (name, value) in &values {
            assert_eq!(
                now.get(name).cloned().flatten().as_deref(),
                Some(value.as_str()),
                "{name} in\n{merged:?}"
            );
            was.insert(name.clone(), Some(value.clone()));
        }
        assert_eq!(
            &was, now,
            "the user's variables, from\n{user:?}\nto\n{merged:?}"
        );
    }
}
