//! Bedrock Runtime as the emulator answers it, seen from the SDK and from the invocation log:
//! one request id per answer, the one its record carries; the caller's identity as STS
//! names it; a record with `errorCode` for a failed call; InvokeModelWithResponseStream's
//! chunks; prompt-cache token counts; ApplyGuardrail and InvokeModel's guardrail headers
//! (`runtime/guardrail.rs`).

mod guardrail;
use crate::stack;
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::ResponseStream;
use stack::*;

const GROUP: &str = "/aws/bedrock/model-invocations";

/// The invocation record with this request id.
fn record(c: &bedrock_aws::Clients, request_id: &str) -> serde_json::Value {
    let events = rt()
        .block_on(bedrock_aws::read_events(c, GROUP, 0, &|_| {}))
        .unwrap();
    let found: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.message).unwrap())
        .filter(|r| r["requestId"] == request_id)
        .collect();
    assert_eq!(found.len(), 1, "one record for {request_id}: {events:?}");
    found.into_iter().next().unwrap()
}

const CLAUDE_BODY: &str = r#"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
  "messages": [{"role": "user", "content": "Hello"}]}"#;

#[test]
fn each_answer_is_recorded_under_its_request_id_with_its_caller() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let env = env_values(dir.path());
    let profile = &env["BEDROCK_CLAUDE_37_PROFILE"];
    let c = clients("us-east-1");
    let rt = rt();

    // The emulator's own credentials: the record names the caller STS names.
    let client = runtime_client();
    let out = rt
        .block_on(
            client
                .converse()
                .model_id(profile)
                .messages(message())
                .send(),
        )
        .unwrap();
    let id = out.request_id().expect("a request id").to_string();
    assert!(!id.contains(','), "one request id, not two: {id}");
    let caller = rt.block_on(c.sts.get_caller_identity().send()).unwrap();
    let r = record(&c, &id);
    assert_eq!(r["identity"]["arn"].as_str(), caller.arn(), "{r}");
    assert_eq!(
        (r["operation"].as_str(), r["modelId"].as_str()),
        (Some("Converse"), Some(profile.as_str()))
    );
    assert!(r.get("errorCode").is_none(), "{r}");

    // LibreChat's role, allowed this profile only: its session.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": profile},
        {"Effect": "Allow", "Action": "bedrock:InvokeModel",
         "Resource": "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0",
         "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": profile}}}]});
    rt.block_on(async {
        c.iam
            .create_role()
            .role_name("LibreChat")
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap();
        c.iam
            .put_role_policy()
            .role_name("LibreChat")
            .policy_name("invoke")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
    });
    let librechat = as_librechat(&c);
    let out = rt
        .block_on(
            librechat
                .converse()
                .model_id(profile)
                .messages(message())
                .send(),
        )
        .unwrap();
    let r = record(&c, out.request_id().unwrap());
    assert!(
        r["identity"]["arn"]
            .as_str()
            .unwrap()
            .starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/LibreChat/")),
        "{r}"
    );

    // A call the role may not make is answered and recorded as AccessDeniedException.
    let direct = "anthropic.claude-3-haiku-20240307-v1:0";
    let denied = rt
        .block_on(
            librechat
                .converse()
                .model_id(direct)
                .messages(message())
                .send(),
        )
        .unwrap_err();
    let service = denied.as_service_error().expect("a service error");
    assert!(service.is_access_denied_exception(), "{denied:?}");
    let r = record(&c, service.request_id().expect("the failure's request id"));
    assert_eq!(r["errorCode"], "AccessDeniedException", "{r}");
    assert!(
        r.get("output").is_none(),
        "no output for a failed call: {r}"
    );
    assert_eq!(r["modelId"], direct);

    // A body Anthropic's schema refuses: AWS's words, recorded too.
    let malformed = rt
        .block_on(
            client
                .invoke_model()
                .model_id(profile)
                .body(Blob::new(
                    r#"{"messages": [{"role": "user", "content": "Hi"}]}"#,
                ))
                .send(),
        )
        .unwrap_err();
    let service = malformed.as_service_error().unwrap();
    assert_eq!(
        aws_sdk_bedrockruntime::error::ProvideErrorMetadata::message(service),
        Some("Malformed input request: #: required key [max_tokens] not found#: required key [anthropic_version] not found, please reformat your input and try again.")
    );
    let r = record(&c, service.request_id().unwrap());
    assert_eq!(r["errorCode"], "ValidationException", "{r}");
}

#[test]
fn invoke_model_with_response_stream_sends_the_model_s_chunks() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let profile = env_values(dir.path())["BEDROCK_SONNET_45_PROFILE"].clone();
    let c = clients("us-east-1");
    let client = runtime_client();
    let (id, chunks) = rt().block_on(async {
        let mut out = client
            .invoke_model_with_response_stream()
            .model_id(&profile)
            .body(Blob::new(CLAUDE_BODY))
            .send()
            .await
            .unwrap();
        let id = out.request_id().unwrap().to_string();
        let mut chunks = Vec::new();
        while let Some(event) = out.body.recv().await.unwrap() {
            if let ResponseStream::Chunk(part) = event {
                let bytes = part.bytes().unwrap().as_ref();
                chunks.push(serde_json::from_slice::<serde_json::Value>(bytes).unwrap());
            }
        }
        (id, chunks)
    });
    let types: Vec<&str> = chunks.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"message_start"));
    assert_eq!(types.last(), Some(&"message_stop"));
    assert!(types.contains(&"content_block_delta") && types.contains(&"message_delta"));
    let text: String = chunks
        .iter()
        .filter_map(|c| c["delta"]["text"].as_str())
        .collect();
    assert!(
        text.starts_with("Hello from the embedded AWS emulator"),
        "{text}"
    );
    let metrics = &chunks.last().unwrap()["amazon-bedrock-invocationMetrics"];
    assert!(
        metrics["outputTokenCount"].as_u64().unwrap() > 0,
        "{metrics}"
    );

    let r = record(&c, &id);
    assert_eq!(r["operation"], "InvokeModelWithResponseStream");
    assert_eq!(
        r["output"]["outputBodyJson"].as_array().map(Vec::len),
        Some(chunks.len()),
        "the record's output is the decoded chunks: {r}"
    );
}

#[test]
fn a_cache_point_writes_the_prefix_and_the_same_prefix_reads_it() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let profile = env_values(dir.path())["BEDROCK_OPUS_45_PROFILE"].clone();
    let c = clients("us-east-1");
    let client = runtime_client();
    let call = || converse_cached(&client, &profile);
    let first = call();
    let usage = first.usage().unwrap();
    let written = usage.cache_write_input_tokens().unwrap_or(0);
    assert!(written > 0, "{usage:?}");
    assert_eq!(usage.cache_read_input_tokens().unwrap_or(0), 0, "{usage:?}");
    let second = call();
    let usage = second.usage().unwrap();
    assert_eq!(usage.cache_read_input_tokens(), Some(written), "{usage:?}");
    assert_eq!(
        usage.cache_write_input_tokens().unwrap_or(0),
        0,
        "{usage:?}"
    );
    let r = record(&c, second.request_id().unwrap());
    assert_eq!(
        r["input"]["cacheReadInputTokenCount"].as_i64(),
        Some(i64::from(written)),
        "{r}"
    );
}
