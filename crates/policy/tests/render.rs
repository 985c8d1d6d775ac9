//! The rendered policies, as reviewers and AWS see them, for two specs in two regions.

use bedrock_policy::{built_in_templates, render, Placeholders};
use std::path::Path;

fn rendered(spec_file: &str, account: Option<&str>) -> String {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let src = std::fs::read_to_string(root.join(spec_file)).unwrap();
    let spec = bedrock_spec::check(&src).spec.unwrap();
    let account = account
        .unwrap_or_else(|| spec.account_or_placeholder())
        .to_string();
    let values = Placeholders::for_spec(&spec, &account);
    built_in_templates()
        .iter()
        .map(|t| {
            let r = render(t, &values).unwrap();
            format!("// {}\n{}", t.kind.rendered_file(), r.to_canonical_json())
        })
        .collect()
}

#[test]
fn root_spec_in_us_east_1() {
    insta::assert_snapshot!(rendered("bedrock.toml", Some("123456789012")));
}

#[test]
fn eu_spec_with_its_account_guard_and_no_key_prefix() {
    insta::assert_snapshot!(rendered(
        "tests/fixtures/valid/eu-foundation-models.toml",
        None
    ));
}

#[test]
fn no_statement_grants_a_wildcard_resource_or_action() {
    for spec in [
        "bedrock.toml",
        "tests/fixtures/valid/eu-foundation-models.toml",
        "tests/fixtures/valid/every-key.toml",
    ] {
        let text = rendered(spec, None);
        assert!(!text.contains("\"Resource\": \"*\""), "{spec}: {text}");
        assert!(!text.contains("\"Action\": \"*\""), "{spec}: {text}");
    }
}

#[test]
fn librechat_invoke_policy_allows_exactly_the_profiles_and_their_models() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let spec = bedrock_spec::check(&std::fs::read_to_string(root.join("bedrock.toml")).unwrap())
        .spec
        .unwrap();
    let profiles = [
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
            .to_string(),
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/0123456789ab"
            .to_string(),
    ];
    let models: Vec<String> = ["us-east-1", "us-east-2", "us-west-2", "us-east-1"]
        .iter()
        .map(|r| {
            format!(
                "arn:aws:bedrock:{r}::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0"
            )
        })
        .collect();
    let rendered = bedrock_policy::render_invoke(
        &root.join("policies"),
        &spec,
        "123456789012",
        &profiles,
        &models,
        &[],
    )
    .unwrap();
    insta::assert_snapshot!(rendered.to_canonical_json());
    let statements = rendered.document["Statement"].as_array().unwrap();
    assert_eq!(
        statements.len(),
        2,
        "no statement for the direct models: there are none"
    );
    assert_eq!(statements[0]["Resource"].as_array().unwrap().len(), 2);
    assert_eq!(
        statements[1]["Resource"].as_array().unwrap().len(),
        3,
        "three distinct model ARNs"
    );
    assert_eq!(
        statements[1]["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"],
        statements[0]["Resource"],
        "the models only through the profiles"
    );
    assert!(!rendered.to_canonical_json().contains('*'));
}

#[test]
fn a_list_placeholder_inside_a_string_is_an_error() {
    let spec = bedrock_spec::check("[stack]\nname = \"s\"\nregion = \"us-east-1\"\n")
        .spec
        .unwrap();
    let values =
        Placeholders::for_spec(&spec, "123456789012").with_profiles(&["a".into()], &[], &[]);
    let template = bedrock_policy::Template {
        kind: bedrock_policy::PolicyKind::LibreChatInvoke,
        origin: bedrock_policy::Origin::File("policies/librechat-invoke.json".into()),
        text:
            "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Resource\": \"x-{{profile_arns}}\"}]}"
                .into(),
    };
    let err = render(&template, &values).unwrap_err();
    assert!(err.message.contains("is a list of values"), "{err}");
    // Offline, the live placeholders have no value.
    let offline = Placeholders::for_spec(&spec, "123456789012");
    let template = bedrock_policy::Template {
        text:
            "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Resource\": [\"{{profile_arns}}\"]}]}"
                .into(),
        ..template
    };
    assert!(render(&template, &offline)
        .unwrap_err()
        .message
        .contains("has no value"));
}

#[test]
fn a_template_edited_wider_than_the_tool_grants_is_an_error() {
    use bedrock_policy::{lint, PolicyKind};
    let spec = bedrock_spec::check("[stack]\nname = \"s\"\nregion = \"us-east-1\"\n")
        .spec
        .unwrap();
    let values = Placeholders::for_spec(&spec, "123456789012");
    // The built-in templates pass.
    for t in bedrock_policy::built_in_templates() {
        let rendered = render(&t, &values).unwrap();
        assert_eq!(lint(t.kind, &rendered.document), None, "{:?}", t.kind);
    }
    let cases = [
        (
            PolicyKind::LoggingTrust,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
            "lets any principal in",
        ),
        (
            PolicyKind::LoggingTrust,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            "without a condition on aws:SourceAccount",
        ),
        (
            PolicyKind::LoggingTrust,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"X","Effect":"Allow","Principal":{"Service":["bedrock.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
            "statement 1 (X) trusts another principal",
        ),
        (
            PolicyKind::LoggingCloudWatch,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            "allows every action",
        ),
        (
            PolicyKind::LoggingS3,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#,
            "allows every resource",
        ),
        (
            PolicyKind::LogsBucket,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
            "lets any principal in",
        ),
        (
            PolicyKind::LibreChatInvoke,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"arn:x"}]}"#,
            "NotAction",
        ),
    ];
    for (kind, text, expected) in cases {
        let template = bedrock_policy::Template {
            kind,
            origin: bedrock_policy::Origin::File(
                format!("policies/{}", kind.template_file()).into(),
            ),
            text: text.into(),
        };
        let err = render(&template, &values).unwrap_err();
        assert!(
            err.message.contains(expected) && err.message.ends_with("wider than this tool grants"),
            "{kind:?}: {err}"
        );
        assert!(err.to_string().starts_with("policies/"), "{err}");
    }
}
