//! `verify`, `doctor` and LibreChat's least-privilege policy, end to end: an applied stack in
//! the emulator, called through its profiles and by raw ids with the real bedrock-runtime
//! SDK client, then the commands, with faults introduced one at a time.

mod common;
mod stack;
use stack::*;
use std::io::BufRead;
use std::path::Path;

#[test]
fn verify_tells_calls_through_the_profile_from_calls_by_raw_id() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let quiet = run(dir.path(), &["verify"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(
        quiet.stdout.contains("no invocation records"),
        "{}",
        quiet.stdout
    );

    let env = env_values(dir.path());
    let client = runtime_client();
    converse(&client, &env["BEDROCK_CLAUDE_37_PROFILE"]);
    assert!(converse_stream(&client, &env["BEDROCK_OPUS_45_PROFILE"])
        .starts_with("Hello from the embedded AWS emulator"));
    let good = run(dir.path(), &["verify"]);
    assert_eq!(good.code, 0, "{}\n{}", good.stdout, good.stderr);
    assert!(
        good.stdout.contains(
            "ok: every call to a configured model with a profile went through its profile ARN"
        ),
        "{}",
        good.stdout
    );

    // LibreChat without the mapping calls the raw id.
    converse_stream(&client, "us.anthropic.claude-3-7-sonnet-20250219-v1:0");
    let r = run(dir.path(), &["verify", "--json"]);
    assert_eq!(r.code, 1, "a raw-id call is a failure");
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let models = doc["report"]["models"].as_array().unwrap();
    let claude = models
        .iter()
        .find(|m| m["model"] == "us.anthropic.claude-3-7-sonnet-20250219-v1:0")
        .unwrap();
    assert_eq!(
        (claude["via_profile"].as_u64(), claude["raw_id"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(claude["input_tokens"].as_u64().unwrap() > 0);
    let opus = models
        .iter()
        .find(|m| m["model"] == "global.anthropic.claude-opus-4-5-20251101-v1:0")
        .unwrap();
    assert_eq!(opus["via_profile"].as_u64(), Some(1));
    assert!(
        r.stderr.contains("BEDROCK_CLAUDE_37_PROFILE"),
        "the fix names the variable: {}",
        r.stderr
    );

    // Another stack's profile, and a model nobody configured.
    let foreign = rt()
        .block_on(
            clients("us-east-1")
                .bedrock
                .create_inference_profile()
                .inference_profile_name("Someone-Elses")
                .model_source(
                    aws_sdk_bedrock::types::InferenceProfileModelSource::CopyFrom(format!(
                    "arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0"
                )),
                )
                .send(),
        )
        .unwrap();
    converse(&client, foreign.inference_profile_arn());
    converse(&client, "us.meta.llama3-1-8b-instruct-v1:0");
    let r = run(dir.path(), &["verify"]);
    assert!(
        r.stdout.contains(&format!(
            "not this stack's profile: {}",
            foreign.inference_profile_arn()
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("not configured: us.meta.llama3-1-8b-instruct-v1:0"),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_follow_streams_new_records() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["verify", "--follow", "--local", "--since", "1m"])
        .current_dir(dir.path())
        .env("BEDROCK_EMULATOR_PORT", &emulator().port)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(500)) {
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!("no line with {needle:?} within 30 s");
    };
    wait_for("following /aws/bedrock/model-invocations");
    let env = env_values(dir.path());
    converse(&runtime_client(), &env["BEDROCK_SONNET_45_PROFILE"]);
    let line = wait_for("Converse");
    assert!(
        line.contains("via profile LibreChat-Claude-Sonnet-4-5"),
        "{line}"
    );
    converse(
        &runtime_client(),
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    );
    let line = wait_for("RAW ID");
    assert!(
        line.contains("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        "{line}"
    );
    child.kill().unwrap();
    let _ = child.wait();
}

fn doctor(dir: &Path) -> common::Run {
    run(dir, &["doctor"])
}

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
fn librechat_s_role_gets_exactly_the_stack_s_profiles() {
    let _turn = turn();
    let spec = guide_spec().replace(
        "[librechat]\n",
        "[librechat]\nruntime_role = \"LibreChat\"\n",
    );
    let dir = project(Some(&spec));
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("[librechat] runtime_role LibreChat does not exist"),
        "{}",
        r.stderr
    );

    let c = clients("us-east-1");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    rt().block_on(
        c.iam
            .create_role()
            .role_name("LibreChat")
            .assume_role_policy_document(trust)
            .send(),
    )
    .unwrap();
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("LibreChat role LibreChat already exists and is not managed by this stack"),
        "{}",
        r.stderr
    );
    let r = run(dir.path(), &["apply", "--yes", "--adopt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let policy = |c: &bedrock_aws::Clients| -> serde_json::Value {
        let out = rt()
            .block_on(
                c.iam
                    .get_role_policy()
                    .role_name("LibreChat")
                    .policy_name("LibreChatBedrockInvoke-us-east-1")
                    .send(),
            )
            .unwrap();
        bedrock_aws::decode_policy(out.policy_document())
    };
    let doc = policy(&c);
    let strings = |v: &serde_json::Value| -> Vec<String> {
        let mut out: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        out.sort();
        out
    };
    let env = env_values(dir.path());
    // What LibreChat calls: the stack's three profiles and Nova Pro's system-defined one,
    // which [librechat] models lists by id.
    let profiles = strings(&doc["Statement"][0]["Resource"]);
    let mut expected: Vec<String> = [
        "BEDROCK_CLAUDE_37_PROFILE",
        "BEDROCK_SONNET_45_PROFILE",
        "BEDROCK_OPUS_45_PROFILE",
    ]
    .iter()
    .map(|var| env[*var].clone())
    .collect();
    expected.push(format!(
        "arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-pro-v1:0"
    ));
    expected.sort();
    assert_eq!(profiles, expected);
    // The foundation models only through those profiles; the global profile's include the
    // Region-less ARN, as AWS's global cross-Region inference needs.
    let models = strings(&doc["Statement"][1]["Resource"]);
    assert_eq!(
        doc["Statement"][1]["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"],
        doc["Statement"][0]["Resource"]
    );
    assert!(
        models.contains(
            &"arn:aws:bedrock:::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0"
                .to_string()
        ) && models.contains(
            &"arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0".to_string()
        ) && models.iter().all(|m| m.contains("::foundation-model/")),
        "{models:?}"
    );
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 2, "{doc}");
    assert!(!doc.to_string().contains('*'));
    assert_eq!(
        doc["Statement"][0]["Action"],
        serde_json::json!([
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream"
        ])
    );

    // LibreChat, signed in as its role, calls every listed model through the route it takes;
    // the emulator evaluates the role's policy as IAM does.
    let librechat = as_librechat(&c);
    for model in expected
        .iter()
        .chain([&"us.amazon.nova-pro-v1:0".to_string()])
    {
        converse(&librechat, model);
        converse_stream(&librechat, model);
    }
    // The evaluation is IAM's: without the Region-less ARN, the global profile is denied.
    let global = "arn:aws:bedrock:::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0";
    let mut narrowed = doc.clone();
    narrowed["Statement"][1]["Resource"] = serde_json::Value::Array(
        models
            .iter()
            .filter(|m| *m != global)
            .map(|m| serde_json::json!(m))
            .collect(),
    );
    let put = |document: &serde_json::Value| {
        rt().block_on(
            c.iam
                .put_role_policy()
                .role_name("LibreChat")
                .policy_name("LibreChatBedrockInvoke-us-east-1")
                .policy_document(document.to_string())
                .send(),
        )
        .unwrap()
    };
    put(&narrowed);
    let err = rt()
        .block_on(
            librechat
                .converse()
                .model_id(&env["BEDROCK_OPUS_45_PROFILE"])
                .messages(message())
                .send(),
        )
        .expect_err("denied without the Region-less ARN");
    assert!(
        format!("{err:?}").contains(&format!(
            "not authorized to perform: bedrock:InvokeModel on resource: {global}"
        )),
        "{err:?}"
    );
    put(&doc);
    // Nothing else: not a model's system-defined profile behind the stack's own, not a
    // foundation model directly.
    for model in [
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "amazon.nova-pro-v1:0",
        "us.amazon.nova-lite-v1:0",
    ] {
        let err = rt()
            .block_on(
                librechat
                    .converse()
                    .model_id(model)
                    .messages(message())
                    .send(),
            )
            .expect_err(model);
        assert_eq!(
            err.as_service_error().and_then(|e| e.meta().code()),
            Some("AccessDeniedException"),
            "{model}: {err:?}"
        );
    }
    let rendered =
        std::fs::read_to_string(dir.path().join("policies/librechat-invoke.rendered.json"))
            .unwrap();
    assert!(rendered.contains(&env["BEDROCK_CLAUDE_37_PROFILE"]));
    assert_eq!(
        writes(&apply(dir.path())),
        0,
        "a second apply leaves the policy alone"
    );
    assert_eq!(doctor(dir.path()).code, 0);

    // A replaced profile: the policy follows its new ARN in the same apply.
    let spec = std::fs::read_to_string(dir.path().join("bedrock.toml"))
        .unwrap()
        .replace(
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        );
    std::fs::write(dir.path().join("bedrock.toml"), spec).unwrap();
    apply(dir.path());
    let new_arn = env_values(dir.path())["BEDROCK_SONNET_45_PROFILE"].clone();
    assert_ne!(new_arn, env["BEDROCK_SONNET_45_PROFILE"]);
    let text = policy(&c).to_string();
    assert!(
        text.contains(&new_arn) && !text.contains(&env["BEDROCK_SONNET_45_PROFILE"]),
        "{text}"
    );
    assert!(text.contains("claude-haiku-4-5"), "{text}");
    assert_eq!(run(dir.path(), &["drift"]).code, 0);

    // Destroy removes the policy, never LibreChat's role.
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(rt()
        .block_on(c.iam.get_role().role_name("LibreChat").send())
        .is_ok());
    assert!(rt()
        .block_on(
            c.iam
                .get_role_policy()
                .role_name("LibreChat")
                .policy_name("LibreChatBedrockInvoke-us-east-1")
                .send()
        )
        .is_err());
}

#[test]
fn verify_names_a_stale_env_without_printing_its_value() {
    let _turn = turn();
    let dir = project(None);
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(run(dir.path(), &["verify"]).code, 0);
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    let stale = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/stalestale12";
    let edited: String = env
        .lines()
        .map(|l| {
            if l.starts_with("BEDROCK_OPUS_45_PROFILE=") {
                format!("BEDROCK_OPUS_45_PROFILE={stale}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.path().join(".env"), edited).unwrap();
    let r = run(dir.path(), &["verify"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("gives BEDROCK_OPUS_45_PROFILE another ARN than the live profile LibreChat-Claude-Opus-4-5"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("run `cargo xtask generate --local`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(stale) && !r.stdout.contains(stale));
    // doctor tells a stale .env from a deleted profile, without the value either.
    let d = doctor(dir.path());
    assert_eq!(d.code, 1, "{}", d.stdout);
    assert!(
        d.stdout.contains("the ARN .env gives BEDROCK_OPUS_45_PROFILE is not a profile (ResourceNotFoundException); the stack's profile LibreChat-Claude-Opus-4-5 has another ARN"),
        "{}",
        d.stdout
    );
    assert!(
        d.stdout.contains("fix: run `cargo xtask generate --local`"),
        "{}",
        d.stdout
    );
    assert!(!d.stdout.contains(stale) && !d.stderr.contains(stale));
}

#[test]
fn verify_before_any_apply_names_the_missing_log_group() {
    let _turn = turn();
    let dir = project(None);
    let r = run(dir.path(), &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("log group /aws/bedrock/model-invocations does not exist in us-east-1"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("run `cargo xtask apply --local` first"),
        "{}",
        r.stderr
    );
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
