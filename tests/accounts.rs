//! Reviewed plans and many accounts, end to end: `plan --save` then `apply --plan` carries
//! out exactly the saved plan and refuses a stale one, naming what changed; `--assume-role`
//! runs a command in several accounts of the emulator (moto keeps accounts apart by
//! credentials; every account but the emulator's own is a member of its Organization, with
//! OrganizationAccountAccessRole), one summary, the worst exit code, and a role that cannot
//! be assumed named with STS's error while the other accounts complete.

use crate::common;
mod organization;
mod rates;
use crate::stack;
use stack::*;

const SMALL: &str = r#"
[stack]
name = "reviewed"
region = "us-east-1"

[[profiles]]
name = "LibreChat-Claude-Sonnet-4-5"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_SONNET_45_PROFILE"
"#;

fn member_role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
}

#[test]
fn a_saved_plan_is_carried_out_exactly_and_a_stale_one_is_refused() {
    let _turn = turn();
    let dir = project(Some(SMALL));
    let path = dir.path();

    let saved = run(path, &["plan", "--save", "reviewed.plan.json"]);
    assert_eq!(saved.code, 0, "{}\n{}", saved.stdout, saved.stderr);
    assert!(
        saved
            .stderr
            .contains("saved the plan to reviewed.plan.json"),
        "{}",
        saved.stderr
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.join("reviewed.plan.json")).unwrap())
            .unwrap();
    assert_eq!(doc["format"], "librechat-bedrock saved plan");
    assert_eq!(doc["stack"], "reviewed");
    assert_eq!(doc["accounts"][0]["account_id"], ACCOUNT);
    assert_eq!(doc["accounts"][0]["summary"]["add"], 12);

    // `show` prints it as `plan` did, from the file alone (no spec flag, no AWS).
    let shown = common::xtask_env(path, &["show", "reviewed.plan.json"], &[]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    // The quotas under the plan are read live, not saved: show prints the plan alone.
    let (plan_alone, quotas) = saved
        .stdout
        .split_once("\nQuotas that bound the profiles' models")
        .expect("plan shows the quotas under the plan");
    assert!(quotas.contains("LibreChat-Claude-Sonnet-4-5"), "{quotas}");
    assert_eq!(shown.stdout, plan_alone);
    assert!(
        shown
            .stderr
            .contains("`cargo xtask apply --plan reviewed.plan.json` carries it out"),
        "{}",
        shown.stderr
    );
    let json = common::xtask_env(path, &["show", "reviewed.plan.json", "--json"], &[]);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan, doc["accounts"][0]["plan"]);
    let missing = common::xtask_env(path, &["show", "nope.plan.json"], &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("there is no saved plan nope.plan.json"),
        "{}",
        missing.stderr
    );

    // What the file shows is what its fingerprint was taken of: an edited plan is refused.
    let text = std::fs::read_to_string(path.join("reviewed.plan.json")).unwrap();
    assert!(text.contains("\"after\": 90"), "{text}");
    std::fs::write(
        path.join("edited.plan.json"),
        text.replacen("\"after\": 90", "\"after\": 3653", 1),
    )
    .unwrap();
    let edited = run(path, &["apply", "--plan", "edited.plan.json", "--yes"]);
    assert_eq!(edited.code, 1, "{}", edited.stderr);
    assert!(
        edited.stderr.contains(
            "edited.plan.json was edited after it was saved: it is not the plan that was saved"
        ),
        "{}",
        edited.stderr
    );

    // --save never writes over the spec, or over a file that is not a saved plan.
    let spec_before = std::fs::read_to_string(path.join("bedrock.toml")).unwrap();
    let over_spec = run(path, &["plan", "--save", "bedrock.toml"]);
    assert_eq!(over_spec.code, 1);
    assert!(
        over_spec.stderr.contains(
            "--save bedrock.toml is the spec itself: not overwritten; nothing was called"
        ),
        "{}",
        over_spec.stderr
    );
    std::fs::write(path.join("notes.txt"), "mine\n").unwrap();
    let over_notes = run(path, &["plan", "--save", "notes.txt"]);
    assert_eq!(over_notes.code, 1);
    assert!(
        over_notes
            .stderr
            .contains("--save notes.txt exists and is not a saved plan: it is not overwritten"),
        "{}",
        over_notes.stderr
    );
    assert_eq!(
        std::fs::read_to_string(path.join("bedrock.toml")).unwrap(),
        spec_before
    );
    assert_eq!(
        std::fs::read_to_string(path.join("notes.txt")).unwrap(),
        "mine\n"
    );

    // A plan is applied only where it was planned: made on the emulator (`--local`), it is
    // refused against AWS (no --local: the standard chain, no credentials needed to refuse)
    // and against another endpoint, before any call.
    assert_eq!(doc["endpoint"], emulator().instance.endpoint());
    for (args, place) in [
        (vec![], "AWS (the standard credential chain)"),
        (
            vec!["--endpoint-url", "http://127.0.0.1:9"],
            "the endpoint http://127.0.0.1:9",
        ),
    ] {
        let mut argv = vec!["apply", "--plan", "reviewed.plan.json", "--yes"];
        argv.extend(args);
        let r = common::xtask_env(path, &argv, &[("AWS_ENDPOINT_URL", "")]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let expected = format!(
            "was planned against the endpoint {}, and this apply would go to {place}",
            emulator().instance.endpoint()
        );
        assert!(r.stderr.contains(&expected), "{expected}\n{}", r.stderr);
        assert!(
            !r.stderr.contains(": AWS: "),
            "a call was made: {}",
            r.stderr
        );
    }

    // The output directory is compared as the directory it is: another is refused before any
    // call, naming both; `--out .` is the spec's directory the plan was made for.
    let elsewhere = run(
        path,
        &[
            "apply",
            "--plan",
            "reviewed.plan.json",
            "--yes",
            "--out",
            "other",
        ],
    );
    assert_eq!(elsewhere.code, 1, "{}", elsewhere.stderr);
    assert!(
        elsewhere
            .stderr
            .contains("was planned without --out (files in /")
            && elsewhere
                .stderr
                .contains("and this apply runs with --out other (files in /"),
        "{}",
        elsewhere.stderr
    );
    assert!(
        !elsewhere.stderr.contains(": AWS: "),
        "refused before any call: {}",
        elsewhere.stderr
    );

    // Nothing changed since: the reviewed plan is carried out (`--out .` is the directory the
    // plan was made for, without --out).
    let applied = run(
        path,
        &[
            "apply",
            "--plan",
            "reviewed.plan.json",
            "--yes",
            "--out",
            ".",
        ],
    );
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert_eq!(writes(&applied), 13, "{}", applied.stderr);
    assert_eq!(run(path, &["drift"]).code, 0);

    // Applying it again: the live state is no longer what it was planned from.
    let again = run(path, &["apply", "--plan", "reviewed.plan.json", "--yes"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("the saved plan reviewed.plan.json is stale for account 123456789012, nothing was changed"),
        "{}",
        again.stderr
    );
    assert!(
        again
            .stderr
            .contains("inference profile LibreChat-Claude-Sonnet-4-5 is planned differently now"),
        "{}",
        again.stderr
    );
    assert!(
        again
            .stderr
            .contains("nothing is left to do now: this plan was applied already"),
        "{}",
        again.stderr
    );
    assert_eq!(writes(&again), 0, "{}", again.stderr);

    // A plan saved, then the spec edited: refused, naming the spec.
    let fresh = run(path, &["plan", "--save", "next.plan.json"]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    let spec = std::fs::read_to_string(path.join("bedrock.toml")).unwrap();
    std::fs::write(
        path.join("bedrock.toml"),
        format!("{spec}\n[logging]\nretention_days = 30\n"),
    )
    .unwrap();
    let edited = run(path, &["apply", "--plan", "next.plan.json", "--yes"]);
    assert_eq!(edited.code, 1, "{}", edited.stderr);
    assert!(
        edited.stderr.contains("the spec bedrock.toml changed"),
        "{}",
        edited.stderr
    );
    assert!(
        edited
            .stderr
            .contains("log group /aws/bedrock/model-invocations is planned differently now"),
        "{}",
        edited.stderr
    );
    assert_eq!(writes(&edited), 0);

    // What is not a saved plan of this stack and version is refused for what it is.
    std::fs::write(
        path.join("plan.json"),
        run(path, &["plan", "--json"]).stdout,
    )
    .unwrap();
    let json = run(path, &["apply", "--plan", "plan.json", "--yes"]);
    assert_eq!(json.code, 1);
    assert!(
        json.stderr
            .contains("plan.json is not a saved plan of this tool"),
        "{}",
        json.stderr
    );
    let text = std::fs::read_to_string(path.join("next.plan.json")).unwrap();
    std::fs::write(
        path.join("other.plan.json"),
        text.replace("\"stack\": \"reviewed\"", "\"stack\": \"other\""),
    )
    .unwrap();
    let other = run(path, &["apply", "--plan", "other.plan.json", "--yes"]);
    assert!(
        other.stderr.contains(
            "other.plan.json is a plan of stack \"other\", and the spec is stack \"reviewed\""
        ),
        "{}",
        other.stderr
    );
    let version = env!("CARGO_PKG_VERSION");
    std::fs::write(
        path.join("old.plan.json"),
        text.replace(
            &format!("\"tool_version\": \"{version}\""),
            "\"tool_version\": \"0.0.1\"",
        ),
    )
    .unwrap();
    let old = run(path, &["apply", "--plan", "old.plan.json", "--yes"]);
    assert!(
        old.stderr
            .contains("old.plan.json was saved by version 0.0.1 of this tool"),
        "{}",
        old.stderr
    );
    // Refused before any AWS call.
    for r in [&json, &other, &old] {
        assert_eq!(r.code, 1);
        assert!(!r.stderr.contains("AWS:"), "{}", r.stderr);
    }
}

#[test]
fn an_apply_across_accounts_prints_one_summary_and_a_role_that_cannot_be_assumed_is_named() {
    let _turn = turn();
    let dir = project(Some(SMALL));
    let path = dir.path();
    let (a, b, missing) = (
        member_role("111111111111"),
        member_role("222222222222"),
        "arn:aws:iam::333333333333:role/NotThere",
    );
    let r = run(
        path,
        &[
            "apply",
            "--yes",
            "--assume-role",
            &a,
            "--assume-role",
            &b,
            "--assume-role",
            missing,
        ],
    );
    // The worst of the three: one account failed.
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let summary = r
        .stdout
        .split("Summary: 3 accounts\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary:\n{}", r.stdout));
    let rows: Vec<&str> = summary.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{summary}");
    assert!(
        rows[0].starts_with("  111111111111  12 to add"),
        "{summary}"
    );
    assert!(rows[0].ends_with("ok"), "{summary}");
    assert!(
        rows[1].starts_with("  222222222222  12 to add"),
        "{summary}"
    );
    assert!(
        rows[2].starts_with("  333333333333  -          error: account 333333333333: cannot assume role arn:aws:iam::333333333333:role/NotThere"),
        "{summary}"
    );
    // Its block has STS's whole answer, and what to check.
    assert!(
        r.stdout.contains("=== account 333333333333 (arn:aws:iam::333333333333:role/NotThere) ===\nerror: account 333333333333: cannot assume role arn:aws:iam::333333333333:role/NotThere: AccessDenied: User: arn:aws:sts::123456789012:user/moto is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role/NotThere; nothing was read or changed in that account\n  help: the role must exist in account 333333333333 and its trust policy must let the credentials you run with assume it"),
        "{}",
        r.stdout
    );
    // Each account's files in its own directory, with its own profile ARN.
    for account in ["111111111111", "222222222222"] {
        let env = std::fs::read_to_string(path.join(account).join(".env")).unwrap();
        assert!(
            env.contains(&format!(
                "BEDROCK_SONNET_45_PROFILE=arn:aws:bedrock:us-east-1:{account}:application-inference-profile/"
            )),
            "{env}"
        );
    }
    // The emulator's own account was not touched.
    assert!(application_profiles(&clients("us-east-1")).is_empty());

    // Read back in one JSON document; both accounts clean.
    let outputs = run(
        path,
        &[
            "outputs",
            "--json",
            "--assume-role",
            &a,
            "--assume-role",
            &b,
        ],
    );
    assert_eq!(outputs.code, 0, "{}", outputs.stderr);
    let doc: serde_json::Value = serde_json::from_str(&outputs.stdout).unwrap();
    for (i, account) in ["111111111111", "222222222222"].iter().enumerate() {
        let entry = &doc["accounts"][i];
        assert_eq!(entry["account_id"], *account);
        let profile = entry["result"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "inference_profile")
            .unwrap_or_else(|| panic!("{entry}"));
        assert!(profile["arn"]
            .as_str()
            .unwrap()
            .starts_with(&format!("arn:aws:bedrock:us-east-1:{account}:")));
        assert_eq!(profile["env"], "BEDROCK_SONNET_45_PROFILE");
    }
    let drift = run(path, &["drift", "--assume-role", &a, "--assume-role", &b]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
    assert!(
        drift.stdout.contains("  111111111111  no drift  ok"),
        "{}",
        drift.stdout
    );
}

#[test]
fn the_account_guard_applies_per_account() {
    let _turn = turn();
    let spec = SMALL.replace(
        "region = \"us-east-1\"",
        "region = \"us-east-1\"\naccount_id = [\"111111111111\", \"444444444444\"]",
    );
    let dir = project(Some(&spec));
    let (a, b) = (member_role("111111111111"), member_role("222222222222"));
    let r = run(
        dir.path(),
        &[
            "plan",
            "--detailed-exitcode",
            "--assume-role",
            &a,
            "--assume-role",
            &b,
        ],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("  111111111111  12 to add"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("the credentials are for account 222222222222, which [stack] account_id does not list (111111111111, 444444444444)"),
        "{}",
        r.stdout
    );
    // Offline there is no account to guard: the files the spec alone decides are written.
    let offline = common::xtask_in(dir.path(), &["generate", "--offline"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
}

#[test]
fn flags_for_many_accounts_are_checked_before_any_call() {
    let dir = project(Some(SMALL));
    for (args, expected) in [
        (
            vec!["plan", "--assume-role", "111111111111"],
            "--assume-role \"111111111111\" is not an IAM role ARN; nothing was called",
        ),
        (
            vec![
                "plan",
                "--assume-role",
                "arn:aws:iam::111111111111:role/A",
                "--assume-role",
                "arn:aws:iam::111111111111:role/B",
            ],
            "--assume-role names account 111111111111 twice",
        ),
        (
            vec!["plan", "--external-id", "x"],
            "the following required arguments were not provided",
        ),
        (
            vec!["plan", "--assume-role", "arn:aws-cn:iam::111111111111:role/A"],
            "is a role of partition aws-cn, and the stack's region is in aws: STS there cannot assume it; nothing was called",
        ),
        (
            vec![
                "plan",
                "--assume-role",
                "arn:aws:iam::111111111111:role/A",
                "--external-id",
                "x",
            ],
            "--external-id \"x\" is not an external id STS takes",
        ),
    ] {
        let r = common::xtask_in(dir.path(), &args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{args:?}: {}", r.stderr);
    }
    // A mistyped port never reaches another emulator.
    for port in ["abc", "0", "70000"] {
        let r = common::xtask_env(
            dir.path(),
            &["plan", "--local"],
            &[("BEDROCK_EMULATOR_PORT", port)],
        );
        assert_eq!(r.code, 1, "{port}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "BEDROCK_EMULATOR_PORT=\"{port}\" is not a port; nothing was called"
            )),
            "{port}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("using the embedded"), "{}", r.stderr);
    }
}
