//! `verify`: calls through the profiles told from calls by raw id, `--follow`, a stale `.env`
//! and a stack not yet applied.

use super::*;
use std::io::BufRead;

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
