//! `doctor`: each fault introduced one at a time, and each mismatch with LibreChat's files.

use super::*;

fn assert_fails(dir: &Path, check: &str) -> common::Run {
    let r = doctor(dir);
    assert_eq!(r.code, 1, "doctor passed although {check}:\n{}", r.stdout);
    let failing: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        failing.iter().any(|l| l.contains(check)),
        "no failing check about {check:?}:\n{}",
        r.stdout
    );
    assert!(r.stdout.contains("fix: "), "{}", r.stdout);
    r
}

#[test]
fn doctor_finds_each_fault_introduced_one_at_a_time() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let healthy = doctor(dir.path());
    assert_eq!(healthy.code, 0, "{}", healthy.stdout);
    assert!(!healthy.stdout.contains("FAIL"), "{}", healthy.stdout);

    // A missing env var.
    let env_path = dir.path().join(".env");
    let env = std::fs::read_to_string(&env_path).unwrap();
    std::fs::write(
        &env_path,
        env.lines()
            .filter(|l| !l.starts_with("BEDROCK_OPUS_45_PROFILE="))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    assert_fails(dir.path(), "is set in .env");
    std::fs::write(&env_path, &env).unwrap();
    assert_eq!(doctor(dir.path()).code, 0);

    // A mismatched key (case).
    let yaml_path = dir.path().join("librechat.yaml");
    let yaml = std::fs::read_to_string(&yaml_path).unwrap();
    std::fs::write(
        &yaml_path,
        yaml.replace(
            "\"us.anthropic.claude-3-7-sonnet-20250219-v1:0\": \"${",
            "\"US.anthropic.claude-3-7-sonnet-20250219-v1:0\": \"${",
        ),
    )
    .unwrap();
    assert_fails(dir.path(), "matches a listed model exactly");
    std::fs::write(&yaml_path, &yaml).unwrap();

    // A model missing from models.
    std::fs::write(
        &yaml_path,
        yaml.replace("      - \"us.amazon.nova-pro-v1:0\"\n", ""),
    )
    .unwrap();
    assert_fails(dir.path(), "is in endpoints.bedrock.models");
    std::fs::write(&yaml_path, &yaml).unwrap();

    // A deleted profile.
    let c = clients("us-east-1");
    let arn = env_values(dir.path())["BEDROCK_SONNET_45_PROFILE"].clone();
    rt().block_on(
        c.bedrock
            .delete_inference_profile()
            .inference_profile_identifier(&arn)
            .send(),
    )
    .unwrap();
    assert_fails(
        dir.path(),
        "the profile mapped to us.anthropic.claude-sonnet-4-5-20250929-v1:0 exists",
    );
    apply(dir.path());
    assert_eq!(doctor(dir.path()).code, 0);

    // Logging switched off.
    rt().block_on(
        c.bedrock
            .delete_model_invocation_logging_configuration()
            .send(),
    )
    .unwrap();
    assert_fails(dir.path(), "model invocation logging is on");
    apply(dir.path());

    // The trust no longer allows Bedrock.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    rt().block_on(
        c.iam
            .update_assume_role_policy()
            .role_name("BedrockLoggingRole")
            .policy_document(trust)
            .send(),
    )
    .unwrap();
    assert_fails(dir.path(), "trusts bedrock.amazonaws.com");
    apply(dir.path());
    assert_eq!(doctor(dir.path()).code, 0);

    // The trust lets Bedrock in without the account and source conditions: any account's
    // Bedrock could use the role. Doctor reads the live conditions.
    let open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    rt().block_on(
        c.iam
            .update_assume_role_policy()
            .role_name("BedrockLoggingRole")
            .policy_document(open)
            .send(),
    )
    .unwrap();
    let r = assert_fails(dir.path(), "trusts bedrock.amazonaws.com");
    assert!(
        r.stdout
            .contains("without a condition on aws:SourceAccount"),
        "{}",
        r.stdout
    );
    apply(dir.path());
    assert_eq!(doctor(dir.path()).code, 0);
}

#[test]
fn doctor_finds_each_librechat_mismatch() {
    let _turn = turn();
    let spec = guide_spec().replace(
        "[librechat]\n",
        "[librechat]\ntitle_model = \"us.meta.llama3-2-1b-instruct-v1:0\"\n",
    );
    let dir = project(Some(&spec));
    apply(dir.path());
    let clean = run(dir.path(), &["doctor"]);
    for ok in [
        "ok    every modelSpecs entry of the bedrock endpoint names a listed model",
        "ok    titleModel us.meta.llama3-2-1b-instruct-v1:0 can be called in the region LibreChat uses",
        "ok    every profile ARN LibreChat uses is in BEDROCK_AWS_DEFAULT_REGION (us-east-1)",
        "ok    BEDROCK_AWS_BEARER_TOKEN is not set in .env",
    ] {
        assert!(clean.stdout.contains(ok), "{ok}:\n{}", clean.stdout);
    }
    // A removed profile's model still in modelSpecs, and an API key in .env.
    let yaml = dir.path().join("librechat.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(
        &yaml,
        format!("{text}modelSpecs:\n  list:\n    - name: old-claude\n      label: Old Claude\n      preset:\n        endpoint: bedrock\n        model: us.anthropic.claude-3-5-sonnet-20240620-v1:0\n"),
    )
    .unwrap();
    let env = dir.path().join(".env");
    let mut text = std::fs::read_to_string(&env).unwrap();
    text.push_str("BEDROCK_AWS_BEARER_TOKEN=bedrock-api-key-example\n");
    std::fs::write(&env, text).unwrap();
    let r = run(dir.path(), &["doctor"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    for failed in [
        "FAIL  every modelSpecs entry of the bedrock endpoint names a listed model",
        "old-claude -> \"us.anthropic.claude-3-5-sonnet-20240620-v1:0\"",
        "FAIL  BEDROCK_AWS_BEARER_TOKEN is not set in .env",
    ] {
        assert!(r.stdout.contains(failed), "{failed}:\n{}", r.stdout);
    }
    assert!(
        !r.stdout.contains("bedrock-api-key-example"),
        "{}",
        r.stdout
    );
}
