//! `cargo xtask validate` and `generate --offline`, run as a user runs them: `validate` and
//! the command line here, `generate --offline` in `tests/cli/generate.rs`, and reaching AWS
//! (credentials, endpoints, timeouts) in `tests/cli/reaching_aws.rs`.

use crate::common;
mod generate;
mod reaching_aws;
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
        "guardrail-enforce.toml",
        &[
            "librechat.guardrail.identifier",
            "enforce = true needs the guardrail's identifier written out",
            "librechat.guardrail.enforce",
            "set [librechat] runtime_role",
        ],
    ),
    (
        "librechat-role.toml",
        &[
            "librechat.role.name",
            "librechat.role.irsa.oidc_provider_arn",
            "librechat.role.irsa.service_account",
            "librechat.role.principals[0]",
            "librechat.role.external_id",
            "librechat.runtime_role: runtime_role names a role you made, and [librechat.role] makes one",
        ],
    ),
    (
        "librechat-api-key.toml",
        &[
            "librechat.api_key.user: \"bad user!\" is not a valid IAM user name",
            "librechat.api_key.expires_in_days: expires_in_days = 40000 is outside 1-36600",
            "librechat.api_key.rotate_before_days",
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
