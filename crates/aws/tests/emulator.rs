//! The emulator's Bedrock extension, seen through the Rust SDK as the product sees it: the
//! modelled errors, the paginators, and the behaviour of AWS where moto has none.
//!
//! Tests share one emulator and run in parallel, so each works in its own region (Bedrock
//! state is per region) or with its own IAM names.

mod common;
use aws_sdk_bedrock::types::{InferenceProfileModelSource, InferenceProfileType, Tag};
use common::{clients, system_profile_arn, ACCOUNT};

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().unwrap()
}

fn source(arn: &str) -> InferenceProfileModelSource {
    InferenceProfileModelSource::CopyFrom(arn.to_string())
}

#[tokio::test]
async fn an_application_profile_from_create_to_delete() {
    let c = clients("us-east-1").await;
    let src = system_profile_arn(&c, "us.anthropic.claude-3-7-sonnet-20250219-v1:0").await;
    assert_eq!(src, format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0"));
    let created = c
        .bedrock
        .create_inference_profile()
        .inference_profile_name("LibreChat-Claude-3-7-Sonnet")
        .description("Claude 3.7 Sonnet for LibreChat")
        .model_source(source(&src))
        .tags(tag("Application", "LibreChat"))
        .send()
        .await
        .unwrap();
    let arn = created.inference_profile_arn().to_string();
    let id = arn.rsplit('/').next().unwrap().to_string();
    assert!(
        arn.starts_with(&format!(
            "arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/"
        )),
        "{arn}"
    );
    assert!(
        id.len() == 12
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(created.status().map(|s| s.as_str()), Some("ACTIVE"));

    // By id and by ARN (the SDK percent-encodes the ARN into the path).
    for identifier in [id.as_str(), arn.as_str()] {
        let p = c
            .bedrock
            .get_inference_profile()
            .inference_profile_identifier(identifier)
            .send()
            .await
            .unwrap();
        assert_eq!(p.inference_profile_name(), "LibreChat-Claude-3-7-Sonnet");
        assert_eq!(p.description(), Some("Claude 3.7 Sonnet for LibreChat"));
        assert_eq!(p.r#type(), &InferenceProfileType::Application);
        assert!(p.created_at().is_some() && p.updated_at().is_some());
        let models: Vec<&str> = p.models().iter().filter_map(|m| m.model_arn()).collect();
        assert_eq!(
            models,
            ["us-east-1", "us-east-2", "us-west-2"].map(|r| format!(
                "arn:aws:bedrock:{r}::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0"
            ))
        );
    }

    // Listed as APPLICATION, never in the default (system-defined) listing.
    let apps = c
        .bedrock
        .list_inference_profiles()
        .type_equals(InferenceProfileType::Application)
        .send()
        .await
        .unwrap();
    assert!(apps
        .inference_profile_summaries()
        .iter()
        .any(|p| p.inference_profile_arn() == arn));
    let default = c.bedrock.list_inference_profiles().send().await.unwrap();
    assert!(!default.inference_profile_summaries().is_empty());
    assert!(default
        .inference_profile_summaries()
        .iter()
        .all(|p| p.r#type() == &InferenceProfileType::SystemDefined));

    let tags = c
        .bedrock
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags(), [tag("Application", "LibreChat")]);

    c.bedrock
        .delete_inference_profile()
        .inference_profile_identifier(&arn)
        .send()
        .await
        .unwrap();
    let gone = c
        .bedrock
        .get_inference_profile()
        .inference_profile_identifier(&id)
        .send()
        .await
        .unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{gone:?}"
    );
    let again = c
        .bedrock
        .delete_inference_profile()
        .inference_profile_identifier(&id)
        .send()
        .await
        .unwrap_err();
    assert!(
        again
            .as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_duplicate_name_conflicts_and_a_repeated_token_is_a_no_op() {
    let c = clients("us-east-2").await;
    let src = system_profile_arn(&c, "us.amazon.nova-pro-v1:0").await;
    let create = |name: &str, token: Option<&str>| {
        c.bedrock
            .create_inference_profile()
            .inference_profile_name(name)
            .model_source(source(&src))
            .set_client_request_token(token.map(str::to_string))
            .send()
    };
    let first = create("Nova", Some("apply-1-nova")).await.unwrap();
    let repeat = create("Nova", Some("apply-1-nova")).await.unwrap();
    assert_eq!(
        first.inference_profile_arn(),
        repeat.inference_profile_arn()
    );
    let conflict = create("Nova", Some("apply-2-nova")).await.unwrap_err();
    let service = conflict.as_service_error().unwrap();
    assert!(service.is_conflict_exception(), "{conflict:?}");
    assert_eq!(
        conflict.raw_response().map(|r| r.status().as_u16()),
        Some(400)
    );
    let apps = c
        .bedrock
        .list_inference_profiles()
        .type_equals(InferenceProfileType::Application)
        .send()
        .await
        .unwrap();
    assert_eq!(apps.inference_profile_summaries().len(), 1);
}

#[tokio::test]
async fn bad_names_descriptions_and_sources_are_rejected() {
    let c = clients("us-west-2").await;
    let src = system_profile_arn(&c, "us.anthropic.claude-sonnet-4-5-20250929-v1:0").await;
    let attempt = |name: &str, description: Option<&str>, from: &str| {
        c.bedrock
            .create_inference_profile()
            .inference_profile_name(name)
            .set_description(description.map(str::to_string))
            .model_source(source(from))
            .send()
    };
    for (name, description) in [
        ("bad name!", None),
        ("double  space", None),
        ("ok", Some("commas, no")),
    ] {
        let e = attempt(name, description, &src).await.unwrap_err();
        let service = e.as_service_error().unwrap();
        assert!(service.is_validation_exception(), "{name}: {e:?}");
        assert!(
            service
                .meta()
                .message()
                .unwrap()
                .contains("failed to satisfy constraint"),
            "{e:?}"
        );
    }
    let unknown = attempt("x", None, &src.replace("sonnet-4-5", "sonnet-9"))
        .await
        .unwrap_err();
    assert!(
        unknown
            .as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{unknown:?}"
    );
    let not_an_arn = attempt("x", None, "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        .await
        .unwrap_err();
    assert!(
        not_an_arn
            .as_service_error()
            .is_some_and(|e| e.is_validation_exception()),
        "{not_an_arn:?}"
    );
    let other_region = attempt("x", None, &src.replace("us-west-2", "us-east-1"))
        .await
        .unwrap_err();
    assert!(
        other_region
            .as_service_error()
            .is_some_and(|e| e.is_validation_exception()),
        "{other_region:?}"
    );

    // A foundation model of the region is a valid source and routes to itself.
    let fm = "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
    let created = attempt("Haiku", None, fm).await.unwrap();
    let p = c
        .bedrock
        .get_inference_profile()
        .inference_profile_identifier(created.inference_profile_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(
        p.models()
            .iter()
            .filter_map(|m| m.model_arn())
            .collect::<Vec<_>>(),
        [fm]
    );
}

#[tokio::test]
async fn a_geography_profile_exists_only_in_its_regions() {
    let c = clients("eu-west-1").await;
    let e = c
        .bedrock
        .get_inference_profile()
        .inference_profile_identifier("us.amazon.nova-pro-v1:0")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{e:?}"
    );
    let eu = c
        .bedrock
        .get_inference_profile()
        .inference_profile_identifier("eu.amazon.nova-pro-v1:0")
        .send()
        .await
        .unwrap();
    assert_eq!(eu.r#type(), &InferenceProfileType::SystemDefined);
    let global = c
        .bedrock
        .get_inference_profile()
        .inference_profile_identifier("global.anthropic.claude-opus-4-5-20251101-v1:0")
        .send()
        .await
        .unwrap();
    assert!(!global.models().is_empty() && global.models().len() <= 5);
}

#[tokio::test]
async fn paginators_walk_every_page() {
    let c = clients("ap-southeast-2").await;
    let all = c.bedrock.list_inference_profiles().send().await.unwrap();
    let total = all.inference_profile_summaries().len();
    assert!(total > 6, "more than two pages of 3: {total}");
    let paged: Vec<_> = c
        .bedrock
        .list_inference_profiles()
        .max_results(3)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(paged.len(), total);
    let first_page = c
        .bedrock
        .list_inference_profiles()
        .max_results(3)
        .send()
        .await
        .unwrap();
    assert_eq!(first_page.inference_profile_summaries().len(), 3);
    assert!(first_page.next_token().is_some());

    let src = system_profile_arn(&c, "apac.amazon.nova-lite-v1:0").await;
    for i in 0..5 {
        c.bedrock
            .create_inference_profile()
            .inference_profile_name(format!("Page-{i}"))
            .model_source(source(&src))
            .send()
            .await
            .unwrap();
    }
    let names: Vec<String> = c
        .bedrock
        .list_inference_profiles()
        .type_equals(InferenceProfileType::Application)
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .map(|p| p.inference_profile_name().to_string())
        .collect();
    assert_eq!(names, ["Page-0", "Page-1", "Page-2", "Page-3", "Page-4"]);

    let bad = c
        .bedrock
        .list_inference_profiles()
        .max_results(1001)
        .send()
        .await
        .unwrap_err();
    assert!(
        bad.as_service_error()
            .is_some_and(|e| e.is_validation_exception()),
        "{bad:?}"
    );
}

#[tokio::test]
async fn tags_on_profile_arns() {
    let c = clients("ap-northeast-1").await;
    let src = system_profile_arn(&c, "apac.anthropic.claude-3-haiku-20240307-v1:0").await;
    let arn = c
        .bedrock
        .create_inference_profile()
        .inference_profile_name("Tagged")
        .model_source(source(&src))
        .tags(tag("managed-by", "librechat-bedrock"))
        .tags(tag("stack", "librechat"))
        .send()
        .await
        .unwrap()
        .inference_profile_arn()
        .to_string();
    c.bedrock
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag("Team", "platform"))
        .tags(tag("stack", "other"))
        .send()
        .await
        .unwrap();
    c.bedrock
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("managed-by")
        .send()
        .await
        .unwrap();
    let mut tags: Vec<(String, String)> = c
        .bedrock
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            ("Team".to_string(), "platform".to_string()),
            ("stack".to_string(), "other".to_string())
        ]
    );

    let too_many = c
        .bedrock
        .tag_resource()
        .resource_arn(&arn)
        .set_tags(Some((0..49).map(|i| tag(&format!("k{i}"), "v")).collect()))
        .send()
        .await
        .unwrap_err();
    assert!(
        too_many
            .as_service_error()
            .is_some_and(|e| e.is_too_many_tags_exception()),
        "{too_many:?}"
    );
    let bad = c
        .bedrock
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag("a,b", "v"))
        .send()
        .await
        .unwrap_err();
    assert!(
        bad.as_service_error()
            .is_some_and(|e| e.is_validation_exception()),
        "{bad:?}"
    );
    let missing = c
        .bedrock
        .list_tags_for_resource()
        .resource_arn(format!(
            "arn:aws:bedrock:ap-northeast-1:{ACCOUNT}:application-inference-profile/000000000000"
        ))
        .send()
        .await
        .unwrap_err();
    assert!(
        missing
            .as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{missing:?}"
    );
}
