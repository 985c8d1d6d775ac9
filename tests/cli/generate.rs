//! `generate --offline`, run as a user runs it: the committed files in sync, `--check`, an
//! existing `librechat.yaml` kept, an invalid spec, and policy templates beside the spec.

use super::*;

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
