//! Convergence and drift: a fresh apply builds the stack and a second changes nothing, each
//! out-of-band change is found by `drift` and repaired by `apply`, a model change replaces its
//! profile, and destroy/apply cycles with out-of-band deletes converge.

use super::*;
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
    let spec = dir.path().join("bedrock.toml");
    let offline = common::xtask(&[
        "generate",
        "--offline",
        "--check",
        "--config",
        spec.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(offline.code, 0, "{}", offline.stdout);
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
