//! OpenAI's models through bedrock-mantle: LibreChat's own client for it (`@langchain/openai`
//! ChatOpenAI on the Responses API, with a Bedrock API key or a short-term key made from the
//! role's credentials by `@aws/bedrock-token-generator`, as LibreChat's mantle.ts builds it)
//! against the emulator, with the policy the stack puts on LibreChat's role and API key user:
//! the model the spec lists is served, any other is refused.

use crate::common;
use crate::stack::*;
use std::path::Path;
use std::process::Command;

const MANTLE_MODEL: &str = "openai.gpt-5.4";
const OTHER_MODEL: &str = "openai.gpt-5.5";

/// LibreChat's mantle client calling `model` (see mantle.mjs), with the API key or with the
/// credentials: whether every call succeeded, and what it printed.
fn mantle_calls(
    package: &Path,
    model: &str,
    key: Option<&str>,
    credentials: Option<(&str, &str, &str)>,
) -> (bool, String) {
    let state = emulator().instance.control().state().unwrap();
    let tls = state["tls_endpoint"]
        .as_str()
        .expect("the emulator serves HTTPS");
    let ca = state["ca_file"].as_str().unwrap();
    let mut command = Command::new("node");
    command
        .arg(package.join("mantle.mjs"))
        .env("BEDROCK_TLS_ENDPOINT", tls)
        .env("NODE_EXTRA_CA_CERTS", ca)
        .env("BEDROCK_REGION", "us-east-1")
        .env("MODEL_IDS", model)
        .env_remove("BEDROCK_AWS_BEARER_TOKEN")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    if let Some(key) = key {
        command.env("BEDROCK_AWS_BEARER_TOKEN", key);
    }
    if let Some((id, secret, token)) = credentials {
        command
            .env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_SESSION_TOKEN", token);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("node is needed (Node.js 20 or newer): {e}"));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{text}");
    assert_eq!(text.matches("\"client\":\"mantle\"").count(), 2, "{text}");
    (out.status.success(), text)
}

#[test]
fn librechat_s_mantle_client_gets_exactly_the_models_the_spec_lists() {
    let package = common::npm_ci("librechat-client");
    let _turn = turn();
    let spec = guide_spec()
        .replace(
            "models = [\"us.amazon.nova-pro-v1:0\"]",
            &format!("models = [\"us.amazon.nova-pro-v1:0\", \"{MANTLE_MODEL}\"]"),
        )
        .replace(
            "[librechat]\n",
            &format!("[librechat.role]\nname = \"LibreChatMantle\"\nprincipals = [\"{ACCOUNT}\"]\n\n[librechat.api_key]\nuser = \"librechat-mantle\"\n\n[librechat]\n"),
        );
    assert!(spec.contains(MANTLE_MODEL), "{spec}");
    let dir = project(Some(&spec));
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains("bedrock-mantle:CreateInference")
            && plan.stdout.contains("project/default"),
        "{}",
        plan.stdout
    );
    apply(dir.path());

    // The API key: its user's policy (bedrock-mantle:BearerTokenType LONG_TERM).
    let key = env_values(dir.path())["BEDROCK_AWS_BEARER_TOKEN"].clone();
    let (ok, out) = mantle_calls(&package, MANTLE_MODEL, Some(&key), None);
    assert!(ok, "{out}");
    let (ok, out) = mantle_calls(&package, OTHER_MODEL, Some(&key), None);
    assert!(
        !ok && out.contains("bedrock-mantle:CreateInference"),
        "{out}"
    );

    // The role: a short-term key made from its session (SHORT_TERM).
    let c = clients("us-east-1");
    let session = rt()
        .block_on(
            c.sts
                .assume_role()
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/LibreChatMantle"))
                .role_session_name("librechat")
                .send(),
        )
        .unwrap();
    let creds = session.credentials().unwrap();
    let triple = (
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token(),
    );
    let (ok, out) = mantle_calls(&package, MANTLE_MODEL, None, Some(triple));
    assert!(ok, "{out}");
    let (ok, out) = mantle_calls(&package, OTHER_MODEL, None, Some(triple));
    assert!(!ok && out.contains("User: arn:aws:sts::"), "{out}");

    // Without the model in the spec, the role may call it no more.
    std::fs::write(
        dir.path().join("bedrock.toml"),
        spec.replace(&format!(", \"{MANTLE_MODEL}\""), ""),
    )
    .unwrap();
    apply(dir.path());
    // (No model goes to mantle: the policy has no mantle statement at all.)
    let (ok, out) = mantle_calls(&package, MANTLE_MODEL, None, Some(triple));
    assert!(
        !ok && out.contains("bedrock-mantle:CallWithBearerToken"),
        "{out}"
    );
    // Clean up for the other tests.
    std::fs::write(dir.path().join("bedrock.toml"), guide_spec()).unwrap();
    apply(dir.path());
}
