//! `cargo xtask validate` and `generate --offline`, run as a user runs them.

mod common;
use common::{fixtures, rel, root, xtask, xtask_in};

#[test]
fn every_valid_fixture_validates_with_exit_0() {
    for spec in fixtures("valid") {
        let run = xtask(&["validate", "--config", &rel(&spec)]);
        assert_eq!(run.code, 0, "{}: {}", spec.display(), run.stderr);
        assert!(run.stdout.contains("is valid"), "{}", run.stdout);
    }
}

/// Each invalid fixture, and the key paths its report must name.
const INVALID: &[(&str, &[&str])] = &[
    (
        "bucket-and-limits.toml",
        &[
            "stack.account_id",
            "logging.bucket",
            "logging.log_group",
            "logging.key_prefix",
            "logging.retention_days",
            "profiles[0].name",
            "profiles[0].env",
        ],
    ),
    ("empty.toml", &["stack: missing the [stack] table"]),
    (
        "guardrails-and-access.toml",
        &[
            "access.anthropic_use_case.company_name",
            "access.anthropic_use_case.company_website",
            "access.anthropic_use_case.intended_users",
            "access.accept_agreements",
            "guardrails[0].name",
            "guardrails[0].blocked_input_message",
            "missing required key `blocked_output_message`",
            "guardrails[0].content_filters.hate",
            "guardrails[0].content_filters.gore",
            "guardrails[0].content_filters.prompt_attack",
            "guardrails[0].denied_topics[0].name",
            "guardrails[0].denied_topics[0].definition",
            "guardrails[0].denied_topics[0].examples",
            "missing required key `definition` in each [[guardrails.denied_topics]] entry",
            "did you mean EMAIL?",
            "guardrails[0].pii.PHONE",
            "guardrails[0].words[1]",
            "guardrails[0].contextual_grounding.grounding",
            "the guardrail has no policy",
        ],
    ),
    (
        "librechat-mappings.toml",
        &[
            "librechat.title_model",
            "librechat.stream_rate",
            "librechat.guardrail.identifier",
            "librechat.guardrail.version",
            "only in case",
            "is mapped by the managed profile",
        ],
    ),
    (
        "operations.toml",
        &[
            "logging.destinations[1]: \"kinesis\" is not a logging destination",
            "logging.destinations[2]: \"cloudwatch\" is listed twice",
            "cost.activate_tags[1]: \"CostCenter\" is not a tag key of this stack's resources",
            "cost.activate_tags[2]",
            "monitoring.dashboard",
            "monitoring.alarm_email",
            "monitoring.alarm_topic_arn",
        ],
    ),
    (
        "syntax-error.toml",
        &["invalid TOML", "syntax-error.toml:3:"],
    ),
    (
        "too-many-tags.toml",
        &["profiles[0].tags", "Bedrock allows 50"],
    ),
    (
        "unknown-keys.toml",
        &[
            "stack.regoin",
            "did you mean `region`",
            "did you mean `logging`",
            "did you mean `profiles`",
            "did you mean `models`",
            "did you mean `identifier`",
        ],
    ),
    (
        "wrong-types.toml",
        &[
            "stack: expected a table",
            "logging: expected a table",
            "profiles: expected an array of tables",
            "librechat: expected a table",
        ],
    ),
];

#[test]
fn every_invalid_fixture_fails_with_exit_1_naming_each_key() {
    let mut listed: Vec<&str> = INVALID.iter().map(|(f, _)| *f).collect();
    listed.push("many-errors.toml");
    listed.sort_unstable();
    let on_disk: Vec<String> = fixtures("invalid")
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(listed, on_disk, "every invalid fixture is checked here");

    for (file, expected) in INVALID {
        let path = format!("tests/fixtures/invalid/{file}");
        let run = xtask(&["validate", "--config", &path]);
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        for needle in *expected {
            assert!(
                run.stderr.contains(needle),
                "{file}: no {needle:?} in\n{}",
                run.stderr
            );
        }
        assert!(run.stderr.contains("nothing was changed"), "{file}");
        assert!(!run.stderr.contains("panicked"), "{file}");
    }
}

#[test]
fn the_report_of_a_spec_with_many_errors() {
    let run = xtask(&[
        "validate",
        "--config",
        "tests/fixtures/invalid/many-errors.toml",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn validate_json_reports_line_and_column() {
    let run = xtask(&[
        "validate",
        "--json",
        "--config",
        "tests/fixtures/invalid/bucket-and-limits.toml",
    ]);
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["errors"], 7);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["path"], "stack.account_id");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(4), Some(14))
    );

    let run = xtask(&["validate", "--json"]);
    assert_eq!(run.code, 0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["valid"], true);
}

#[test]
fn a_missing_spec_is_an_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let run = xtask_in(dir.path(), &["validate"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("bedrock.toml: no such file (check the path, pass --config PATH"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    assert_eq!(xtask(&["no-such-command"]).code, 1);
    assert_eq!(xtask(&["generate", "--offline", "--bogus"]).code, 1);
    let help = xtask(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("validate") && help.stdout.contains("generate"));
}

#[test]
fn a_window_no_record_can_be_in_is_refused_before_any_call() {
    for (since, reason) in [
        ("0s", "is an empty window"),
        ("99999999999999999d", "is not a duration"),
        ("100000d", "reaches back before 1970"),
        ("fortnight", "is not a duration"),
    ] {
        let run = xtask(&["verify", "--local", "--since", since]);
        assert_eq!(run.code, 1, "{since}: {}", run.stderr);
        assert!(run.stderr.contains(reason), "{since}: {}", run.stderr);
        assert!(
            run.stderr.contains("--since 15m"),
            "{since}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{since}: {}", run.stderr);
    }
}

#[test]
fn flags_may_come_in_any_order_after_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = xtask(&[
        "generate",
        "--out",
        out,
        "--config",
        "bedrock.toml",
        "--offline",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = xtask(&["generate", "--check", "--offline", "--out", out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_root_generated_files_are_in_sync_with_bedrock_toml() {
    let run = xtask(&["generate", "--offline", "--check"]);
    assert_eq!(
        run.code, 0,
        "the committed librechat.yaml or policies/*.rendered.json are stale: run `cargo xtask generate --offline`\n{}",
        run.stdout
    );
}

#[test]
fn generate_writes_then_check_finds_nothing_and_later_finds_each_stale_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let spec = "tests/fixtures/valid/eu-foundation-models.toml";

    let run = xtask(&[
        "generate",
        "--offline",
        "--config",
        spec,
        "--out",
        out,
        "--check",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("5 of 5 generated files are out of date"),
        "{}",
        run.stdout
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "--check wrote something"
    );

    let run = xtask(&["generate", "--offline", "--config", spec, "--out", out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("librechat.yaml").is_file());
    let trust = std::fs::read_to_string(
        dir.path()
            .join("policies/bedrock-logging-trust.rendered.json"),
    )
    .unwrap();
    assert!(
        trust.contains("\"aws:SourceAccount\": \"210987654321\""),
        "{trust}"
    );

    let run = xtask(&[
        "generate",
        "--offline",
        "--config",
        spec,
        "--out",
        out,
        "--check",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // A hand edit makes exactly that file stale, and the fix names the same flags.
    let policy = dir.path().join("policies/bedrock-logging-s3.rendered.json");
    std::fs::write(&policy, "{}").unwrap();
    let run = xtask(&[
        "generate",
        "--offline",
        "--config",
        spec,
        "--out",
        out,
        "--check",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("stale: ")
            && run
                .stdout
                .contains("bedrock-logging-s3.rendered.json (differs"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "run `cargo xtask generate --offline --config {spec} --out {out}`"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), "{}");
}

#[test]
fn generate_keeps_every_other_byte_of_an_existing_librechat_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(root().join("tests/fixtures/librechat/hand-written.yaml")).unwrap();
    let target = dir.path().join("librechat.yaml");
    std::fs::write(&target, &original).unwrap();
    let run = xtask(&[
        "generate",
        "--offline",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let merged = std::fs::read_to_string(&target).unwrap();
    let head = &original[..original.find("  bedrock:").unwrap()];
    let tail = &original[original
        .find("\n\n  # this comment belongs to agents")
        .unwrap()..];
    assert!(merged.starts_with(head), "{merged}");
    assert!(merged.ends_with(tail), "{merged}");
    assert!(merged.contains("\"${BEDROCK_OPUS_45_PROFILE}\""));
    assert!(!merged.contains("an old hand-written section"));
}

#[test]
fn an_invalid_spec_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    for spec in fixtures("invalid") {
        let run = xtask(&[
            "generate",
            "--offline",
            "--config",
            &rel(&spec),
            "--out",
            out,
        ]);
        assert_eq!(run.code, 1, "{}", spec.display());
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn a_librechat_yaml_that_cannot_be_merged_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("librechat.yaml");
    let broken = "version: 1.3.5\nendpoints: {bedrock: {}, agents: {}}\n";
    std::fs::write(&target, broken).unwrap();
    let run = xtask(&[
        "generate",
        "--offline",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("flow style") && run.stderr.contains("help:"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), broken);
    assert!(
        !dir.path().join("policies").exists(),
        "a failed generate wrote policies"
    );
}

#[test]
fn policy_templates_beside_the_spec_override_the_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("bedrock.toml"), dir.path().join("bedrock.toml")).unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/bedrock-logging-s3.json"),
        "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:PutObject\", \"Resource\": \"arn:{{partition}}:s3:::{{bucket}}/custom/*\"}]}",
    )
    .unwrap();
    let run = xtask_in(dir.path(), &["generate", "--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s3 = std::fs::read_to_string(dir.path().join("policies/bedrock-logging-s3.rendered.json"))
        .unwrap();
    assert!(
        s3.contains("arn:aws:s3:::bedrock-logs-000000000000/custom/*"),
        "{s3}"
    );

    std::fs::write(
        dir.path().join("policies/bedrock-logging-s3.json"),
        "{\"Version\": \"2012-10-17\",\n\"Statement\": [{\"Resource\": \"{{bucket_name}}\"}]}",
    )
    .unwrap();
    let run = xtask_in(dir.path(), &["generate", "--offline"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "policies/bedrock-logging-s3.json: line 2: unknown placeholder {{bucket_name}}"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("{{bucket}}"), "{}", run.stderr);
}

#[test]
fn generate_without_offline_reads_aws_and_says_when_it_cannot_be_reached() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::xtask_env(
        &root(),
        &[
            "generate",
            "--out",
            dir.path().to_str().unwrap(),
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("using the AWS-compatible endpoint http://127.0.0.1:9"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("reading the caller identity"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("help: the endpoint could not be reached"),
        "{}",
        run.stderr
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written"
    );
}

/// `plan` against `args` and `env` from an empty HOME, with the guide's spec.
fn plan_with(args: &[&str], env: &[(&str, &str)]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/valid/guide.toml"),
        dir.path().join("bedrock.toml"),
    )
    .unwrap();
    let home = dir.path().to_str().unwrap().to_string();
    let mut all = vec![("HOME", home.as_str())];
    all.extend_from_slice(env);
    let mut argv = vec!["plan"];
    argv.extend_from_slice(args);
    common::xtask_env(dir.path(), &argv, &all)
}

#[test]
fn credential_and_endpoint_problems_say_what_to_do() {
    // No credentials anywhere: one line and the ways to get some, no IMDS words.
    let none = plan_with(
        &[],
        &[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")],
    );
    assert_eq!(none.code, 1);
    assert!(
        none.stderr.contains("no usable AWS credentials"),
        "{}",
        none.stderr
    );
    assert!(none.stderr.contains("aws sso login"), "{}", none.stderr);
    assert!(!none.stderr.contains("IMDS"), "{}", none.stderr);
    // A profile that is not there: said before any call.
    let profile = plan_with(&[], &[("AWS_PROFILE", "nope")]);
    assert_eq!(profile.code, 1);
    assert!(
        profile
            .stderr
            .contains("AWS_PROFILE=nope names a profile that is in neither")
            && profile.stderr.contains("nothing was called")
            && !profile.stderr.contains("AWS: "),
        "{}",
        profile.stderr
    );
    // Not a URL: refused before use.
    let url = plan_with(&["--endpoint-url", "not a url"], &[]);
    assert_eq!(url.code, 1);
    assert!(
        url.stderr
            .contains("--endpoint-url \"not a url\" is not an endpoint URL"),
        "{}",
        url.stderr
    );
    // AWS_ENDPOINT_URL is named on the first line.
    let env_url = plan_with(
        &[],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
    assert!(
        env_url
            .stderr
            .contains("using the endpoint AWS_ENDPOINT_URL=http://127.0.0.1:9 (not AWS itself)"),
        "{}",
        env_url.stderr
    );
}

#[test]
fn a_stalled_endpoint_fails_within_the_call_timeout_naming_the_call() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(8) {
            open.push(stream);
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
    });
    let run = plan_with(
        &["--endpoint-url", &url],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("BEDROCK_XTASK_TIMEOUT_SECONDS", "2"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("reading the caller identity (sts:GetCallerIdentity): request has timed out")
            && run.stderr.contains("the endpoint did not answer in time"),
        "{}",
        run.stderr
    );
    drop(held);
}

#[test]
fn a_huge_value_is_not_echoed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(root().join("tests/fixtures/valid/guide.toml"))
        .unwrap()
        .replace(
            "description = \"Claude 3.7 Sonnet for LibreChat\"",
            &format!("description = \"{}!\"", "x".repeat(1_000_000)),
        );
    std::fs::write(dir.path().join("bedrock.toml"), spec).unwrap();
    for args in [&["validate"][..], &["validate", "--json"]] {
        let run = common::xtask_env(dir.path(), args, &[]);
        assert_eq!(run.code, 1);
        let all = run.stdout.len() + run.stderr.len();
        assert!(all < 10_000, "{args:?} printed {all} bytes");
        assert!(
            format!("{}{}", run.stdout, run.stderr).contains("characters ...]"),
            "{args:?}: {}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn a_closed_stdout_stops_quietly_without_a_panic() {
    let run = common::xtask_into_closed_pipe(
        &root(),
        &[
            "validate",
            "--json",
            "--config",
            "tests/fixtures/valid/guide.toml",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("stdout was closed; stopping"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
