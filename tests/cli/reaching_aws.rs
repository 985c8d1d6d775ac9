//! Reaching AWS: an endpoint that cannot be reached, missing credentials or profile, a bad
//! endpoint URL, and a stalled endpoint, each said with what to do.

use super::*;

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
