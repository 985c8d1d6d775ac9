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

/// LibreChat's `endpoints.bedrock` keys, each with its type, as the installed schema package
/// states them (`tests/schema/keys.mjs`).
fn librechat_bedrock_keys() -> Vec<serde_json::Value> {
    let dir = common::npm_ci("schema");
    let out = std::process::Command::new("node")
        .arg(dir.join("keys.mjs"))
        .output()
        .unwrap_or_else(|e| {
            panic!("node is needed to read LibreChat's schema (install Node.js 20 or newer): {e}")
        });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("keys.mjs prints JSON")
}

/// What the spec's table says of a key, in the words keys.mjs uses for LibreChat's.
fn table_type(key: &bedrock_spec::EndpointKey) -> Option<serde_json::Value> {
    use bedrock_spec::KeyKind::*;
    use serde_json::json;
    Some(match key.kind {
        Dedicated => return None,
        Bool => json!({ "type": "boolean" }),
        Text | Url => json!({ "type": "string" }),
        Headers => json!({ "type": "record" }),
        OneOf(values) => json!({ "type": "literals", "values": values }),
        PositiveInt => json!({ "type": "number", "checks": ["int", "min:0:exclusive"] }),
        NonNegativeInt => json!({ "type": "number", "checks": ["int", "min:0:inclusive"] }),
        PositiveNumber => json!({ "type": "number", "checks": ["min:0:exclusive"] }),
    })
}

#[test]
fn the_spec_sets_every_endpoints_bedrock_key_of_librechat_s_schema_with_its_type() {
    let theirs = librechat_bedrock_keys();
    let table = bedrock_spec::ENDPOINT_KEYS;
    let mut problems = Vec::new();
    for entry in &theirs {
        let name = entry["key"].as_str().expect("each key has a name");
        match table.iter().find(|k| k.librechat == name) {
            None => problems.push(format!(
                "LibreChat's endpoints.bedrock has `{name}` ({entry}), which the spec cannot set: add it to ENDPOINT_KEYS (crates/spec/src/endpoint_keys.rs), to docs/spec.md and to tests/fixtures/valid/every-endpoint-key.toml"
            )),
            Some(k) => {
                if let Some(mut ours) = table_type(k) {
                    ours["key"] = serde_json::Value::from(name);
                    if &ours != entry {
                        problems.push(format!(
                            "`{name}` is {entry} in LibreChat's schema, but the spec's table reads it as {ours} ({:?})",
                            k.kind
                        ));
                    }
                }
            }
        }
    }
    for k in table {
        if !theirs.iter().any(|e| e["key"] == k.librechat) {
            problems.push(format!(
                "the spec's `{}` writes `{}`, which LibreChat's endpoints.bedrock no longer has: LibreChat's schema would drop it",
                k.spec, k.librechat
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_every_endpoint_key_fixture_sets_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "tests/fixtures/valid/every-endpoint-key.toml";
    let run = xtask(&[
        "generate",
        "--offline",
        "--config",
        spec,
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let yaml = std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap();
    for k in bedrock_spec::ENDPOINT_KEYS {
        assert!(
            yaml.contains(&format!("\n    {}:", k.librechat)),
            "{spec} does not set `{}` ({}):\n{yaml}",
            k.spec,
            k.librechat
        );
    }
    let (ok, output) = check(&[dir.path().join("librechat.yaml")]);
    assert!(ok, "{output}");
}
