//! Guardrails at the runtime: ApplyGuardrail on a guardrail's draft and published versions
//! (words, denied topics, PII blocked and anonymized, for INPUT and OUTPUT), and the
//! guardrail headers of InvokeModel refused as AWS refuses them.

use super::*;
use aws_sdk_bedrock::types::{
    GuardrailPiiEntityConfig, GuardrailPiiEntityType, GuardrailSensitiveInformationAction,
    GuardrailSensitiveInformationPolicyConfig, GuardrailTopicConfig, GuardrailTopicPolicyConfig,
    GuardrailTopicType, GuardrailWordConfig, GuardrailWordPolicyConfig,
};
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::operation::apply_guardrail::ApplyGuardrailOutput;
use aws_sdk_bedrockruntime::types::{
    GuardrailAction, GuardrailContentBlock, GuardrailContentSource, GuardrailOutputScope,
    GuardrailSensitiveInformationPolicyAction, GuardrailTextBlock, GuardrailTopicPolicyAction,
    GuardrailWordPolicyAction,
};

const BLOCKED_INPUT: &str = "Sorry, this request is not allowed.";
const BLOCKED_OUTPUT: &str = "Sorry, the answer was blocked.";
/// A model LibreChat may call on demand, without a profile.
const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// A guardrail with a word, a denied topic, an anonymized and a blocked PII type: its id.
fn create_guardrail(c: &bedrock_aws::Clients) -> String {
    let topic = GuardrailTopicConfig::builder()
        .name("Investments")
        .definition("Advice on what to invest in.")
        .examples("Which stocks should I buy?")
        .r#type(GuardrailTopicType::Deny)
        .build()
        .unwrap();
    let pii = |kind, action| {
        GuardrailPiiEntityConfig::builder()
            .r#type(kind)
            .action(action)
            .build()
            .unwrap()
    };
    let out = rt()
        .block_on(
            c.bedrock
                .create_guardrail()
                .name("librechat-default")
                .blocked_input_messaging(BLOCKED_INPUT)
                .blocked_outputs_messaging(BLOCKED_OUTPUT)
                .word_policy_config(
                    GuardrailWordPolicyConfig::builder()
                        .words_config(
                            GuardrailWordConfig::builder()
                                .text("project-zeus")
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .topic_policy_config(
                    GuardrailTopicPolicyConfig::builder()
                        .topics_config(topic)
                        .build()
                        .unwrap(),
                )
                .sensitive_information_policy_config(
                    GuardrailSensitiveInformationPolicyConfig::builder()
                        .pii_entities_config(pii(
                            GuardrailPiiEntityType::Email,
                            GuardrailSensitiveInformationAction::Anonymize,
                        ))
                        .pii_entities_config(pii(
                            GuardrailPiiEntityType::UsSocialSecurityNumber,
                            GuardrailSensitiveInformationAction::Block,
                        ))
                        .build(),
                )
                .send(),
        )
        .unwrap();
    out.guardrail_id().to_string()
}

fn apply_guardrail(
    client: &aws_sdk_bedrockruntime::Client,
    id: &str,
    version: &str,
    source: GuardrailContentSource,
    text: &str,
) -> ApplyGuardrailOutput {
    rt().block_on(
        client
            .apply_guardrail()
            .guardrail_identifier(id)
            .guardrail_version(version)
            .source(source)
            .content(GuardrailContentBlock::Text(
                GuardrailTextBlock::builder().text(text).build().unwrap(),
            ))
            .send(),
    )
    .unwrap_or_else(|e| panic!("ApplyGuardrail {id} v{version} on {text:?}: {e:?}"))
}

fn outputs(out: &ApplyGuardrailOutput) -> Vec<&str> {
    out.outputs().iter().filter_map(|o| o.text()).collect()
}

#[test]
fn apply_guardrail_intervenes_by_word_topic_and_pii_and_passes_clean_text() {
    let _turn = turn();
    let c = clients("us-east-1");
    let client = runtime_client();
    let id = create_guardrail(&c);
    let input = GuardrailContentSource::Input;

    // A word of the word filter: blocked, the input's blocked message as the output.
    let out = apply_guardrail(
        &client,
        &id,
        "DRAFT",
        input.clone(),
        "Tell me about Project-Zeus.",
    );
    assert_eq!(out.action(), &GuardrailAction::GuardrailIntervened);
    assert_eq!(out.action_reason(), Some("Guardrail blocked."));
    assert_eq!(outputs(&out), [BLOCKED_INPUT]);
    let words = out.assessments()[0]
        .word_policy()
        .expect("a word policy assessment");
    let word = &words.custom_words()[0];
    assert_eq!(
        (word.r#match(), word.action(), word.detected()),
        (
            "project-zeus",
            &GuardrailWordPolicyAction::Blocked,
            Some(true)
        )
    );

    // An e-mail address to anonymize: masked, not blocked.
    let out = apply_guardrail(
        &client,
        &id,
        "DRAFT",
        input.clone(),
        "Write to jane@example.com today.",
    );
    assert_eq!(out.action(), &GuardrailAction::GuardrailIntervened);
    assert_eq!(out.action_reason(), Some("Guardrail masked."));
    assert_eq!(outputs(&out), ["Write to {EMAIL} today."]);
    let pii = &out.assessments()[0]
        .sensitive_information_policy()
        .unwrap()
        .pii_entities()[0];
    assert_eq!(
        (pii.r#match(), pii.action()),
        (
            "jane@example.com",
            &GuardrailSensitiveInformationPolicyAction::Anonymized
        )
    );

    // A blocked PII type wins over masking.
    let out = apply_guardrail(
        &client,
        &id,
        "DRAFT",
        input.clone(),
        "jane@example.com, SSN 123-45-6789",
    );
    assert_eq!(outputs(&out), [BLOCKED_INPUT]);

    // The denied topic in a model's answer (source OUTPUT): the output's blocked message.
    let out = apply_guardrail(
        &client,
        &id,
        "DRAFT",
        GuardrailContentSource::Output,
        "Which stocks should I buy? These three.",
    );
    assert_eq!(out.action(), &GuardrailAction::GuardrailIntervened);
    assert_eq!(outputs(&out), [BLOCKED_OUTPUT]);
    let topic = &out.assessments()[0].topic_policy().unwrap().topics()[0];
    assert_eq!(
        (topic.name(), topic.action(), topic.detected()),
        (
            "Investments",
            &GuardrailTopicPolicyAction::Blocked,
            Some(true)
        )
    );

    // Clean text: no action, no output; 2,500 characters are 3 text units of each policy the
    // guardrail has (no content filter here), all of them guarded.
    let clean = "All quiet here. ".repeat(156) + "Done";
    assert_eq!(clean.len(), 2500);
    let out = apply_guardrail(&client, &id, "DRAFT", input.clone(), &clean);
    assert_eq!(out.action(), &GuardrailAction::None);
    assert_eq!(out.action_reason(), Some("No action."));
    assert!(out.outputs().is_empty(), "{out:?}");
    let usage = out.usage().unwrap();
    assert_eq!(
        (
            usage.topic_policy_units(),
            usage.word_policy_units(),
            usage.sensitive_information_policy_units(),
            usage.content_policy_units()
        ),
        (3, 3, 3, 0),
        "{usage:?}"
    );
    let chars = out.guardrail_coverage().unwrap().text_characters().unwrap();
    assert_eq!((chars.guarded(), chars.total()), (Some(2500), Some(2500)));

    // outputScope FULL: the topic evaluated and not detected is listed too.
    let full = rt()
        .block_on(
            client
                .apply_guardrail()
                .guardrail_identifier(&id)
                .guardrail_version("DRAFT")
                .source(input.clone())
                .output_scope(GuardrailOutputScope::Full)
                .content(GuardrailContentBlock::Text(
                    GuardrailTextBlock::builder()
                        .text("Hello.")
                        .build()
                        .unwrap(),
                ))
                .send(),
        )
        .unwrap();
    assert_eq!(full.action(), &GuardrailAction::None);
    let topic = &full.assessments()[0].topic_policy().unwrap().topics()[0];
    assert_eq!(
        (topic.action(), topic.detected()),
        (&GuardrailTopicPolicyAction::None, Some(false))
    );

    // A published version keeps its policies when the draft changes.
    let version = rt()
        .block_on(
            c.bedrock
                .create_guardrail_version()
                .guardrail_identifier(&id)
                .send(),
        )
        .unwrap()
        .version()
        .to_string();
    rt().block_on(
        c.bedrock
            .update_guardrail()
            .guardrail_identifier(&id)
            .name("librechat-default")
            .blocked_input_messaging(BLOCKED_INPUT)
            .blocked_outputs_messaging(BLOCKED_OUTPUT)
            .send(),
    )
    .unwrap();
    let text = "Tell me about project-zeus.";
    let published = apply_guardrail(&client, &id, &version, input.clone(), text);
    assert_eq!(published.action(), &GuardrailAction::GuardrailIntervened);
    let draft = apply_guardrail(&client, &id, "DRAFT", input.clone(), text);
    assert_eq!(draft.action(), &GuardrailAction::None);
}

#[test]
fn apply_guardrail_on_an_unknown_guardrail_or_version_is_not_found() {
    let _turn = turn();
    let c = clients("us-east-1");
    let client = runtime_client();
    let id = create_guardrail(&c);
    for (identifier, version) in [("abcdef123456", "DRAFT"), (id.as_str(), "7")] {
        let err = rt()
            .block_on(
                client
                    .apply_guardrail()
                    .guardrail_identifier(identifier)
                    .guardrail_version(version)
                    .source(GuardrailContentSource::Input)
                    .content(GuardrailContentBlock::Text(
                        GuardrailTextBlock::builder()
                            .text("Hello.")
                            .build()
                            .unwrap(),
                    ))
                    .send(),
            )
            .unwrap_err();
        let service = err.as_service_error().expect("a service error");
        assert!(service.is_resource_not_found_exception(), "{err:?}");
        assert_eq!(
            err.raw_response().map(|r| r.status().as_u16()),
            Some(404),
            "{err:?}"
        );
    }
}

#[test]
fn invoke_model_refuses_guardrail_config_without_the_header_and_a_guardrail_without_json() {
    let _turn = turn();
    let c = clients("us-east-1");
    let client = runtime_client();
    let id = create_guardrail(&c);

    // The body's amazon-bedrock-guardrailConfig with no guardrail header: a key the model's
    // schema does not know.
    let body = CLAUDE_BODY.replacen(
        '{',
        r#"{"amazon-bedrock-guardrailConfig": {"streamProcessingMode": "sync"}, "#,
        1,
    );
    let err = rt()
        .block_on(
            client
                .invoke_model()
                .model_id(MODEL)
                .content_type("application/json")
                .body(Blob::new(body.clone()))
                .send(),
        )
        .unwrap_err();
    let service = err.as_service_error().expect("a service error");
    assert!(service.is_validation_exception(), "{err:?}");
    assert_eq!(
        service.message(),
        Some("Malformed input request: #: extraneous key [amazon-bedrock-guardrailConfig] is not permitted, please reformat your input and try again.")
    );
    let err = rt()
        .block_on(
            client
                .invoke_model_with_response_stream()
                .model_id(MODEL)
                .content_type("application/json")
                .body(Blob::new(body))
                .send(),
        )
        .unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_validation_exception()),
        "{err:?}"
    );

    // A guardrail call whose body is not declared JSON (the SDK's default content type is
    // application/octet-stream), or that names no version: (error code, message), or the
    // answer's body.
    let guarded = |content_type: Option<&str>, version: Option<&str>| {
        rt().block_on(
            client
                .invoke_model()
                .model_id(MODEL)
                .set_content_type(content_type.map(str::to_string))
                .guardrail_identifier(&id)
                .set_guardrail_version(version.map(str::to_string))
                .body(Blob::new(CLAUDE_BODY))
                .send(),
        )
        .map(|out| serde_json::from_slice::<serde_json::Value>(out.body().as_ref()).unwrap())
        .map_err(|e| {
            let service = e.as_service_error();
            (
                service.and_then(|s| s.code()).map(str::to_string),
                service.and_then(|s| s.message()).map(str::to_string),
            )
        })
    };
    for (content_type, version) in [
        (Some("text/plain"), Some("DRAFT")),
        (None, Some("DRAFT")),
        (Some("application/json"), None),
    ] {
        let (code, message) = guarded(content_type, version).unwrap_err();
        assert_eq!(
            (code.as_deref(), message.as_deref()),
            (
                Some("ValidationException"),
                Some("Guardrail was enabled but input is in incorrect format.")
            ),
            "{content_type:?} {version:?}"
        );
    }
    // Declared JSON, with a version: the guardrail applies.
    let answer = guarded(Some("application/json"), Some("DRAFT")).unwrap();
    assert_eq!(answer["amazon-bedrock-guardrailAction"], "NONE", "{answer}");
}
