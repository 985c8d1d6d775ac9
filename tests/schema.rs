//! Every librechat.yaml the tool writes is loaded by LibreChat's own config schema
//! (`configSchema` of the npm package `librechat-data-provider`, pinned by
//! tests/schema/package-lock.json), with the machine's node. The test installs the package
//! itself (`npm ci`); without node or npm it fails, it does not skip.

use crate::common;
use common::{fixtures, rel, root, xtask};
use std::path::PathBuf;

/// Run the checker on `files`; returns (success, output).
fn check(files: &[PathBuf]) -> (bool, String) {
    common::librechat_schema(files, Some(&bedrock_version()))
}

/// The config version the generator writes into a new file.
fn bedrock_version() -> String {
    let dir = tempfile::tempdir().unwrap();
    let run = xtask(&[
        "generate",
        "--offline",
        "--config",
        "tests/fixtures/valid/minimal.toml",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("version: "))
        .expect("a new librechat.yaml has a version")
        .to_string()
}

#[test]
fn every_generated_librechat_yaml_passes_librechat_s_schema() {
    let work = tempfile::tempdir().unwrap();
    let mut files = vec![root().join("librechat.yaml")];
    let mut specs = fixtures("valid");
    specs.push(root().join("bedrock.toml"));
    for (i, spec) in specs.iter().enumerate() {
        // A new file, and a merge into the hand-written file with comments and other endpoints.
        for merged in [false, true] {
            let out = work.path().join(format!("{i}-{merged}"));
            std::fs::create_dir_all(&out).unwrap();
            if merged {
                std::fs::copy(
                    root().join("tests/fixtures/librechat/hand-written.yaml"),
                    out.join("librechat.yaml"),
                )
                .unwrap();
            }
            let run = xtask(&[
                "generate",
                "--offline",
                "--config",
                &rel(spec),
                "--out",
                out.to_str().unwrap(),
            ]);
            assert_eq!(run.code, 0, "{}: {}", spec.display(), run.stderr);
            files.push(out.join("librechat.yaml"));
        }
    }
    let (ok, output) = check(&files);
    assert!(
        ok,
        "LibreChat's schema rejected a generated file:\n{output}"
    );
    assert_eq!(output.matches(": ok").count(), files.len(), "{output}");
}

#[test]
fn the_checker_rejects_what_librechat_rejects_or_ignores() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("bad-trace.yaml", "version: 1.3.5\nendpoints:\n  bedrock:\n    guardrailConfig:\n      guardrailIdentifier: a\n      guardrailVersion: '1'\n      trace: verbose\n"),
        ("unknown-key.yaml", "version: 1.3.5\nendpoints:\n  bedrock:\n    inferenceProfile:\n      a.b: x\n"),
        ("no-version.yaml", "endpoints:\n  bedrock:\n    models: [a.b]\n"),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (ok, output) = check(std::slice::from_ref(&path));
        assert!(!ok, "{name} passed the checker:\n{output}");
    }
}
