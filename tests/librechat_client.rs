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
pub(crate) fn inference_profiles(dir: &Path) -> BTreeMap<String, String> {
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

/// Credentials for the client: (access key id, secret access key, session token).
pub(crate) type Credentials = (String, String, Option<String>);

/// Who the clients call as: access keys, or a Bedrock API key (LibreChat's
/// BEDROCK_AWS_BEARER_TOKEN).
pub(crate) enum Identity<'a> {
    Keys(&'a Credentials),
    ApiKey(&'a str),
}

impl<'a> From<&'a Credentials> for Identity<'a> {
    fn from(c: &'a Credentials) -> Self {
        Identity::Keys(c)
    }
}

/// LibreChat's two clients calling each profile ARN (see client.mjs), with the guardrail
/// librechat.yaml names when `guardrail` is (identifier, version): whether every call
/// succeeded, one JSON value per call, and what the client printed.
pub(crate) fn librechat_calls<'a>(
    package: &Path,
    arns: &[&str],
    models: &[&str],
    identity: impl Into<Identity<'a>>,
    guardrail: Option<(&str, &str)>,
) -> (bool, Vec<serde_json::Value>, String) {
    let state = emulator().instance.control().state().unwrap();
    let tls_endpoint = state["tls_endpoint"]
        .as_str()
        .expect("the emulator serves HTTPS");
    let ca_file = state["ca_file"].as_str().unwrap();
    let mut command = Command::new("node");
    command
        .arg(package.join("client.mjs"))
        .env("BEDROCK_ENDPOINT", emulator().instance.endpoint())
        .env("BEDROCK_TLS_ENDPOINT", tls_endpoint)
        .env("NODE_EXTRA_CA_CERTS", ca_file)
        .env("BEDROCK_REGION", "us-east-1")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("BEDROCK_AWS_BEARER_TOKEN")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("FORCE_HTTP1")
        .env_remove("GUARDRAIL_IDENTIFIER")
        .env_remove("GUARDRAIL_VERSION")
        .env("PROFILE_ARNS", arns.join(","))
        .env("MODEL_IDS", models.join(","));
    match identity.into() {
        Identity::Keys(credentials) => {
            command
                .env("AWS_ACCESS_KEY_ID", &credentials.0)
                .env("AWS_SECRET_ACCESS_KEY", &credentials.1);
            if let Some(token) = &credentials.2 {
                command.env("AWS_SESSION_TOKEN", token);
            }
        }
        Identity::ApiKey(key) => {
            command.env("BEDROCK_AWS_BEARER_TOKEN", key);
        }
    }
    if let Some((id, version)) = guardrail {
        command
            .env("GUARDRAIL_IDENTIFIER", id)
            .env("GUARDRAIL_VERSION", version);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("node is needed (Node.js 20 or newer): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let calls: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{stderr}")))
        .collect();
    // Exit 0: every call succeeded; 1: one failed. Anything else is a usage error.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{stdout}\n{stderr}"
    );
    (out.status.success(), calls, format!("{stdout}\n{stderr}"))
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

    let admin = (
        bedrock_emulator::ACCESS_KEY_ID.to_string(),
        bedrock_emulator::SECRET_ACCESS_KEY.to_string(),
        None,
    );
    let (ok, calls, stdout) = librechat_calls(&package, &arns, &models, &admin, None);
    assert!(ok, "{stdout}");
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

/// `[librechat] guardrail = { name, enforce = true }`: LibreChat's own clients, signed in as
/// its role, are refused every call that does not name the guardrail (explicit deny), and
/// served every call that does; turning enforcement off lifts the condition.
#[test]
fn an_enforced_guardrail_refuses_librechat_s_calls_without_it() {
    let package = common::npm_ci("librechat-client");
    let _turn = turn();
    let c = clients("us-east-1");
    crate::access::librechat_role(&c);
    let enforced = crate::access::guarded_spec().replace(
        "trace = \"enabled\" }",
        "trace = \"enabled\", enforce = true }",
    );
    assert!(enforced.contains("enforce = true"));
    let dir = project(Some(&enforced));
    apply(dir.path());
    let (id, version) = crate::access::guardrail_config(dir.path());
    let arn = format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/{id}");
    let required = format!("{arn}:{version}");

    // The policy, as AWS documents the form: the condition on each invoke statement, and
    // the explicit deny.
    let rendered: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("policies/librechat-invoke.rendered.json"))
            .unwrap(),
    )
    .unwrap();
    let statements = rendered["Statement"].as_array().unwrap();
    let deny = statements
        .iter()
        .find(|s| s["Effect"] == "Deny")
        .unwrap_or_else(|| panic!("a Deny statement: {rendered:#}"));
    assert_eq!(
        deny["Condition"]["StringNotEquals"]["bedrock:GuardrailIdentifier"],
        required.as_str(),
        "{rendered:#}"
    );
    for s in statements.iter().filter(|s| {
        s["Effect"] == "Allow" && s["Action"].to_string().contains("bedrock:InvokeModel")
    }) {
        assert_eq!(
            s["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"],
            required.as_str(),
            "{s:#}"
        );
    }

    let env = env_values(dir.path());
    let profiles = inference_profiles(dir.path());
    let (models, arns): (Vec<&str>, Vec<&str>) = profiles
        .iter()
        .map(|(model, var)| (model.as_str(), env[var].as_str()))
        .unzip();
    let (key, secret, token) = librechat_session(&c);
    let session = (key, secret, Some(token));

    let (ok, calls, out) = librechat_calls(&package, &arns, &models, &session, None);
    assert!(!ok, "{out}");
    assert_eq!(calls.len(), 4 * arns.len(), "{out}");
    for call in &calls {
        let error = call["error"].as_str().unwrap_or_default();
        assert!(
            call["ok"] == false
                && error.contains("AccessDeniedException")
                && error.contains("with an explicit deny in an identity-based policy"),
            "{call}\n{out}"
        );
    }

    let (ok, calls, out) = librechat_calls(
        &package,
        &arns,
        &models,
        &session,
        Some((id.as_str(), version.as_str())),
    );
    assert!(ok, "{out}");
    assert_eq!(calls.len(), 4 * arns.len(), "{out}");

    // Another version of the same guardrail is not the one required.
    let (ok, calls, out) = librechat_calls(
        &package,
        &arns,
        &models,
        &session,
        Some((id.as_str(), "DRAFT")),
    );
    assert!(!ok && calls.iter().all(|c| c["ok"] == false), "{out}");

    // Enforcement off: the plan lifts the condition, and a call without the guardrail works.
    std::fs::write(
        dir.path().join("bedrock.toml"),
        crate::access::guarded_spec(),
    )
    .unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("~ LibreChat role LibreChat")
            && plan.stdout.contains("DenyInferenceWithoutTheGuardrail"),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    let (ok, _, out) = librechat_calls(&package, &arns, &models, &session, None);
    assert!(ok, "{out}");
}

/// `[librechat.role]`: the stack makes LibreChat's role, trusted by the principal the spec
/// names (with its external id), and puts LibreChat's policy on it; LibreChat's own clients,
/// in a session of that role assumed as that principal would, call every profile; `outputs`
/// says what to set where LibreChat runs; removing the table deletes the role.
#[test]
fn the_role_the_stack_makes_serves_librechat_s_own_clients() {
    let package = common::npm_ci("librechat-client");
    let _turn = turn();
    let c = clients("us-east-1");
    let spec = guide_spec().replace(
        "[librechat]\n",
        &format!("[librechat.role]\nname = \"LibreChat\"\necs = true\nprincipals = [\"{ACCOUNT}\"]\nexternal_id = \"librechat-prod\"\n\n[librechat]\n"),
    );
    let dir = project(Some(&spec));
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("+ role for LibreChat LibreChat  # does not exist")
            && plan.stdout.contains("ecs-tasks.amazonaws.com"),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    apply(dir.path());
    assert_eq!(writes(&apply(dir.path())), 0);

    // The trust: without the external id, AssumeRole is refused.
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/LibreChat");
    let refused = rt().block_on(
        c.sts
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("librechat")
            .send(),
    );
    assert!(refused.is_err(), "assumed without the external id");
    let session = rt()
        .block_on(
            c.sts
                .assume_role()
                .role_arn(&role_arn)
                .role_session_name("librechat")
                .external_id("librechat-prod")
                .send(),
        )
        .unwrap();
    let creds = session.credentials().unwrap();
    let credentials = (
        creds.access_key_id().to_string(),
        creds.secret_access_key().to_string(),
        Some(creds.session_token().to_string()),
    );
    let env = env_values(dir.path());
    let profiles = inference_profiles(dir.path());
    let (models, arns): (Vec<&str>, Vec<&str>) = profiles
        .iter()
        .map(|(model, var)| (model.as_str(), env[var].as_str()))
        .unzip();
    let (ok, calls, out) = librechat_calls(&package, &arns, &models, &credentials, None);
    assert!(ok, "{out}");
    assert_eq!(calls.len(), 4 * arns.len(), "{out}");

    let outputs = run(dir.path(), &["outputs", "--json"]);
    assert_eq!(outputs.code, 0, "{}", outputs.stderr);
    let value: serde_json::Value = serde_json::from_str(&outputs.stdout).unwrap();
    let role = value
        .to_string()
        .contains(&format!("\"ecs_task_role_arn\":\"{role_arn}\""));
    assert!(role, "{}", outputs.stdout);

    // Without [librechat.role], the role is the stack's to delete.
    std::fs::write(dir.path().join("bedrock.toml"), guide_spec()).unwrap();
    apply(dir.path());
    let gone = rt().block_on(c.iam.get_role().role_name("LibreChat").send());
    assert!(gone.is_err(), "the role is left: {gone:?}");
}

/// A principal of the account that does not exist: IAM refuses a trust policy naming it, and
/// so does the emulator, in IAM's words; the plan says so before any write.
#[test]
fn a_trusted_principal_that_does_not_exist_is_refused_before_any_write() {
    let _turn = turn();
    let c = clients("us-east-1");
    let missing = format!("arn:aws:iam::{ACCOUNT}:role/not-there");
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{missing}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let refused = rt()
        .block_on(
            c.iam
                .create_role()
                .role_name("Direct")
                .assume_role_policy_document(trust)
                .send(),
        )
        .unwrap_err();
    let service = refused.as_service_error().unwrap();
    assert!(
        service.is_malformed_policy_document_exception(),
        "{refused:?}"
    );
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::message(service),
        Some(format!("Invalid principal in policy: \"AWS\":\"{missing}\"").as_str())
    );

    let spec = guide_spec().replace(
        "[librechat]\n",
        &format!(
            "[librechat.role]\nname = \"LibreChat\"\nprincipals = [\"{missing}\"]\n\n[librechat]\n"
        ),
    );
    let dir = project(Some(&spec));
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(writes(&r), 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "[librechat.role] principals names {missing}, which does not exist in account {ACCOUNT}"
        )),
        "{}",
        r.stderr
    );
}
