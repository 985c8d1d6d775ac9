//! Plans, flags and suggested commands: `generate` with live ARNs, `--out`, a renamed
//! variable's plan, conflicting or ignored flags, and the commands suggested to the user.

use super::*;

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
    // LibreChat's rendered policy goes too: it names the deleted profiles.
    assert_eq!(
        deleted,
        [
            "file",
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
