//! The harness of the end-to-end tests: one private emulator for the suite's binary, the tests
//! taking turns on it, each from a reset account; the binary run with `--local` against it.

#![allow(dead_code)]

use crate::common::{self, root, Run};
use aws_sdk_bedrock::types::InferenceProfileType;
use bedrock_aws::{Clients, Endpoint, StaticCredentials};
use bedrock_emulator::Instance;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock};

pub const ACCOUNT: &str = bedrock_emulator::ACCOUNT_ID;

pub struct Emulator {
    pub instance: Instance,
    pub port: String,
    _dir: tempfile::TempDir,
}

pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let instance = Instance::start_private(dir.path())
            .unwrap_or_else(|e| panic!("the emulator did not start: {e}"));
        let port = instance.port.to_string();
        Emulator {
            instance,
            port,
            _dir: dir,
        }
    })
}

/// One test at a time, each on a reset emulator.
pub fn turn() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    emulator().instance.reset().unwrap();
    guard
}

/// The guide's complete example, the spec most tests start from.
pub fn guide_spec() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/valid/guide.toml")).unwrap()
}

/// A project directory with the guide's spec (or `spec`), as a user's repository.
pub fn project(spec: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = spec.map_or_else(guide_spec, str::to_string);
    std::fs::write(dir.path().join("bedrock.toml"), text).unwrap();
    dir
}

pub fn run(dir: &Path, args: &[&str]) -> Run {
    run_env(dir, args, &[])
}

pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec![("BEDROCK_EMULATOR_PORT", emulator().port.as_str())];
    all.extend_from_slice(env);
    let mut argv = args.to_vec();
    argv.push("--local");
    common::xtask_env(dir, &argv, &all)
}

pub fn apply(dir: &Path) -> Run {
    let r = run(dir, &["apply", "--yes"]);
    assert_eq!(r.code, 0, "apply failed:\n{}\n{}", r.stdout, r.stderr);
    r
}

/// The number of writes in the "AWS: N calls (W writes)" line.
pub fn writes(r: &Run) -> usize {
    // "apply: AWS: 39 calls (15 writes) in 0.43 s, 8 sequential round trips"
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains(": AWS: "))
        .unwrap_or_else(|| panic!("no AWS calls line in\n{}", r.stderr));
    line.split(" (")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the writes of {line:?}"))
}

pub fn round_trips(r: &Run) -> usize {
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("sequential round trip"))
        .unwrap();
    line.rsplit(", ")
        .next()
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap()
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// The private emulator as an endpoint, with the credentials it accepts.
pub fn endpoint() -> Endpoint {
    Endpoint::url(
        &emulator().instance.endpoint(),
        Some(StaticCredentials {
            access_key_id: bedrock_emulator::ACCESS_KEY_ID.into(),
            secret_access_key: bedrock_emulator::SECRET_ACCESS_KEY.into(),
            session_token: None,
        }),
    )
}

pub fn clients(region: &str) -> Clients {
    rt().block_on(Clients::connect(&endpoint(), region))
}

pub fn env_values(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(dir.join(".env"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn application_profiles(c: &Clients) -> Vec<aws_sdk_bedrock::types::InferenceProfileSummary> {
    rt().block_on(
        c.bedrock
            .list_inference_profiles()
            .type_equals(InferenceProfileType::Application)
            .send(),
    )
    .unwrap()
    .inference_profile_summaries()
    .to_vec()
}

/// Model invocation logging set by someone else: to `group`, through `role` (made here, and
/// allowed to write there, so that Bedrock accepts it).
pub fn logging_set_elsewhere(c: &Clients, group: &str, role: &str) {
    let rt = rt();
    rt.block_on(c.logs.create_log_group().log_group_name(group).send())
        .unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    rt.block_on(
        c.iam
            .create_role()
            .role_name(role)
            .assume_role_policy_document(trust)
            .send(),
    )
    .unwrap();
    let logs_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}:*"}}]}}"#
    );
    rt.block_on(
        c.iam
            .put_role_policy()
            .role_name(role)
            .policy_name("Logs")
            .policy_document(logs_policy)
            .send(),
    )
    .unwrap();
    let config = aws_sdk_bedrock::types::LoggingConfig::builder()
        .cloud_watch_config(
            aws_sdk_bedrock::types::CloudWatchConfig::builder()
                .log_group_name(group)
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
                .build()
                .unwrap(),
        )
        .build();
    rt.block_on(
        c.bedrock
            .put_model_invocation_logging_configuration()
            .logging_config(config)
            .send(),
    )
    .unwrap();
}

/// Run a command that must be refused: exit 1 and every `expected` text in its errors.
fn refused_with(dir: &Path, args: &[&str], expected: &[&str]) -> Run {
    let r = run(dir, args);
    assert_eq!(
        r.code, 1,
        "{args:?} was not refused:\n{}\n{}",
        r.stdout, r.stderr
    );
    for text in expected {
        assert!(
            r.stderr.contains(text),
            "{args:?}: no {text:?} in\n{}",
            r.stderr
        );
    }
    r
}

/// Refused before any AWS call (no calls line).
pub fn refused_before_aws(dir: &Path, args: &[&str], expected: &[&str]) {
    let r = refused_with(dir, args, expected);
    assert!(
        !r.stderr.contains(": AWS: "),
        "{args:?} called AWS before refusing:\n{}",
        r.stderr
    );
}

/// Refused with no AWS write made.
pub fn refused(dir: &Path, args: &[&str], expected: &[&str]) -> Run {
    let r = refused_with(dir, args, expected);
    assert_eq!(writes(&r), 0, "{args:?} wrote before refusing");
    r
}

// The bedrock-runtime SDK client, as LibreChat calls Bedrock.

pub fn runtime_client() -> aws_sdk_bedrockruntime::Client {
    let config = rt().block_on(bedrock_aws::sdk_config(&endpoint(), "us-east-1"));
    aws_sdk_bedrockruntime::Client::new(&config)
}

/// A session of LibreChat's role (sts:AssumeRole), as its trusted principal gets one: (access
/// key id, secret access key, session token).
pub fn librechat_session(c: &bedrock_aws::Clients) -> (String, String, String) {
    let out = rt()
        .block_on(
            c.sts
                .assume_role()
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/LibreChat"))
                .role_session_name("librechat")
                .send(),
        )
        .unwrap();
    let creds = out.credentials().unwrap();
    (
        creds.access_key_id().to_string(),
        creds.secret_access_key().to_string(),
        creds.session_token().to_string(),
    )
}

/// A bedrock-runtime client signed in as LibreChat's role (sts:AssumeRole).
pub fn as_librechat(c: &bedrock_aws::Clients) -> aws_sdk_bedrockruntime::Client {
    let (key, secret, token) = librechat_session(c);
    let credentials = aws_sdk_bedrockruntime::config::Credentials::new(
        key,
        secret,
        Some(token),
        None,
        "assumed-role",
    );
    let config = rt().block_on(bedrock_aws::sdk_config(&endpoint(), "us-east-1"));
    aws_sdk_bedrockruntime::Client::from_conf(
        aws_sdk_bedrockruntime::config::Builder::from(&config)
            .credentials_provider(credentials)
            .build(),
    )
}

pub fn message() -> aws_sdk_bedrockruntime::types::Message {
    aws_sdk_bedrockruntime::types::Message::builder()
        .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
        .content(aws_sdk_bedrockruntime::types::ContentBlock::Text(
            "Hello, how are you today?".into(),
        ))
        .build()
        .unwrap()
}

/// Converse with a long system prompt ending in a cache point: the first such call writes
/// the prefix to the cache, the next one reads it.
pub fn converse_cached(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
) -> aws_sdk_bedrockruntime::operation::converse::ConverseOutput {
    use aws_sdk_bedrockruntime::types::{CachePointBlock, CachePointType, SystemContentBlock};
    rt().block_on(
        client
            .converse()
            .model_id(model)
            .system(SystemContentBlock::Text(
                "You answer questions about the guide. ".repeat(40),
            ))
            .system(SystemContentBlock::CachePoint(
                CachePointBlock::builder()
                    .r#type(CachePointType::Default)
                    .build()
                    .unwrap(),
            ))
            .messages(message())
            .send(),
    )
    .unwrap_or_else(|e| panic!("converse with a cache point, {model}: {e:?}"))
}

pub fn converse(client: &aws_sdk_bedrockruntime::Client, model: &str) {
    rt().block_on(client.converse().model_id(model).messages(message()).send())
        .unwrap_or_else(|e| panic!("converse with {model}: {e:?}"));
}

pub fn converse_stream(client: &aws_sdk_bedrockruntime::Client, model: &str) -> String {
    rt().block_on(async {
        let mut out = client
            .converse_stream()
            .model_id(model)
            .messages(message())
            .send()
            .await
            .unwrap();
        let mut text = String::new();
        while let Some(event) = out.stream.recv().await.unwrap() {
            if let aws_sdk_bedrockruntime::types::ConverseStreamOutput::ContentBlockDelta(d) = event
            {
                if let Some(aws_sdk_bedrockruntime::types::ContentBlockDelta::Text(t)) = d.delta() {
                    text.push_str(t);
                }
            }
        }
        text
    })
}
