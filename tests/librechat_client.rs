//! LibreChat's own Bedrock client stack against the emulator: the npm packages LibreChat
//! locks (`@aws-sdk/client-bedrock-runtime` with its default HTTP/2 handler, and
//! `@langchain/aws` `ChatBedrockConverse` built as LibreChat builds it, over HTTPS through
//! `endpointHost`), pinned by tests/librechat-client/package-lock.json and installed by the
//! test itself, calling every profile ARN that `apply` wrote; then `verify` counts those
//! calls as made through the profiles.

use crate::common;
use crate::stack;
use stack::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The `inferenceProfiles` of the written librechat.yaml: model id -> env variable.
fn inference_profiles(dir: &Path) -> BTreeMap<String, String> {
    let yaml = std::fs::read_to_string(dir.join("librechat.yaml")).unwrap();
    let mut map = BTreeMap::new();
    let mut inside = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start().starts_with("inferenceProfiles:") {
            inside = Some(indent);
            continue;
        }
        match inside {
            Some(at) if indent > at && !line.trim().is_empty() => {
                let (key, value) = line.trim().split_once(": ").unwrap();
                let name = value
                    .trim_matches('"')
                    .trim_start_matches("${")
                    .trim_end_matches('}');
                map.insert(key.trim_matches('"').to_string(), name.to_string());
            }
            Some(_) => inside = None,
            None => {}
        }
    }
    map
}

#[test]
fn librechat_s_own_clients_call_every_profile_and_verify_counts_them() {
    let package = common::npm_ci("librechat-client");
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let env = env_values(dir.path());
    let profiles = inference_profiles(dir.path());
    assert_eq!(
        profiles.len(),
        3,
        "the guide's three profiles: {profiles:?}"
    );
    let (models, arns): (Vec<&str>, Vec<&str>) = profiles
        .iter()
        .map(|(model, var)| (model.as_str(), env[var].as_str()))
        .unzip();

    let state = emulator().instance.control().state().unwrap();
    let tls_endpoint = state["tls_endpoint"]
        .as_str()
        .expect("the emulator serves HTTPS");
    let ca_file = state["ca_file"].as_str().unwrap();
    let out = Command::new("node")
        .arg(package.join("client.mjs"))
        .env("BEDROCK_ENDPOINT", emulator().instance.endpoint())
        .env("BEDROCK_TLS_ENDPOINT", tls_endpoint)
        .env("NODE_EXTRA_CA_CERTS", ca_file)
        .env("BEDROCK_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", bedrock_emulator::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", bedrock_emulator::SECRET_ACCESS_KEY)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("FORCE_HTTP1")
        .env("PROFILE_ARNS", arns.join(","))
        .env("MODEL_IDS", models.join(","))
        .output()
        .unwrap_or_else(|e| panic!("node is needed (Node.js 20 or newer): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let calls: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Per profile: the SDK's default (HTTP/2) client, Converse and ConverseStream; LibreChat's
    // ChatBedrockConverse over HTTPS, invoke and stream.
    assert_eq!(calls.len(), 4 * arns.len(), "{stdout}");
    for arn in &arns {
        for client in ["sdk-default", "langchain"] {
            let made = calls
                .iter()
                .filter(|c| c["profile"] == *arn && c["client"] == client)
                .count();
            assert_eq!(made, 2, "{client} calls of {arn}: {stdout}");
        }
    }
    assert!(
        calls.iter().all(|c| c["ok"] == true
            && c["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Hello from the embedded AWS emulator"))),
        "{stdout}"
    );

    let r = run(dir.path(), &["verify", "--json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for model in &models {
        let seen = report["report"]["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["model"] == *model)
            .unwrap_or_else(|| panic!("{model} in the verify report: {}", r.stdout));
        assert_eq!(seen["via_profile"].as_u64(), Some(4), "{model}: {seen}");
        assert_eq!(seen["raw_id"].as_u64(), Some(0), "{model}: {seen}");
    }
}
