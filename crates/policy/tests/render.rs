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
