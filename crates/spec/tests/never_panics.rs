//! `check` must answer every input with a spec or diagnostics, never a panic, and every
//! diagnostic must point inside the source.

use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../../tests/fixtures/valid/guide.toml");

fn assert_well_formed(src: &str) {
    let checked = bedrock_spec::check(src);
    for d in &checked.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end <= src.len(),
            "{d:?}"
        );
        assert!(!d.message.is_empty() && !d.help.is_empty(), "{d:?}");
        assert!(!d.path.is_empty(), "{d:?}");
    }
    let has_errors = checked
        .diagnostics
        .iter()
        .any(|d| d.severity == bedrock_spec::Severity::Error);
    assert_eq!(checked.spec.is_some(), !has_errors);
    // Rendering never panics either, whatever the spans.
    let report = bedrock_spec::Report {
        file: std::path::Path::new("fuzz.toml"),
        source: src,
        diagnostics: &checked.diagnostics,
    };
    let _ = report.render(false);
}

/// A value of any TOML type, as text.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\"[ -~&&[^\"\\\\]]{0,70}\"",
        "-?[0-9]{1,25}",
        "[0-9]{1,5}\\.[0-9]{1,3}",
        Just("true".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("[]".to_string()),
        "\\[\"[a-z.:-]{0,30}\", ?[0-9]\\]",
        "\\{ ?[a-z]{1,8} = \"[a-z]{0,5}\" ?\\}",
        Just("inf".to_string()),
        Just("nan".to_string()),
    ]
}

const KEYS: [&str; 27] = [
    "name",
    "region",
    "account_id",
    "role_name",
    "log_group",
    "retention_days",
    "bucket",
    "key_prefix",
    "text",
    "image",
    "embedding",
    "video",
    "audio",
    "model",
    "env",
    "description",
    "tags",
    "models",
    "available_regions",
    "title_model",
    "stream_rate",
    "guardrail",
    "inference_profiles",
    "title_convo",
    "title_method",
    "identifier",
    "version",
];
const TABLES: [&str; 5] = [
    "[stack]",
    "[logging]",
    "[[profiles]]",
    "[librechat]",
    "[librechat.guardrail]",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text(src in "[ -~\\n\\t]{0,400}") {
        assert_well_formed(&src);
    }

    #[test]
    fn arbitrary_unicode(src in "\\PC{0,200}") {
        assert_well_formed(&src);
    }

    /// Well-formed TOML with the spec's own tables and keys holding values of any type.
    #[test]
    fn spec_shaped_documents(
        sections in proptest::collection::vec(
            (0..TABLES.len(), proptest::collection::vec((0..KEYS.len(), toml_value()), 0..8)),
            0..8,
        )
    ) {
        let mut src = String::new();
        for (table, entries) in sections {
            src.push_str(TABLES[table]);
            src.push('\n');
            let mut seen = std::collections::HashSet::new();
            for (key, value) in entries {
                if seen.insert(key) {
                    src.push_str(&format!("{} = {value}\n", KEYS[key]));
                }
            }
        }
        assert_well_formed(&src);
    }

    /// The real example with characters deleted, inserted or replaced.
    #[test]
    fn mutated_example(edits in proptest::collection::vec((0usize..2000, 0u8..3, any::<char>()), 1..6)) {
        let mut src: Vec<char> = EXAMPLE.chars().collect();
        for (at, op, c) in edits {
            let at = at % (src.len() + 1);
            match op {
                0 if at < src.len() => { src.remove(at); }
                1 => src.insert(at, c),
                _ if at < src.len() => src[at] = c,
                _ => {}
            }
        }
        let src: String = src.into_iter().collect();
        assert_well_formed(&src);
    }
}

#[test]
fn the_example_is_valid() {
    let checked = bedrock_spec::check(EXAMPLE);
    // The guide offers LibreChat a second region that its profiles' ARNs do not serve: the
    // one warning.
    assert_eq!(checked.diagnostics.len(), 1, "{:#?}", checked.diagnostics);
    assert!(
        checked.diagnostics[0]
            .message
            .contains("\"us-west-2\" is not the stack's region"),
        "{:#?}",
        checked.diagnostics
    );
    let spec = checked.spec.unwrap();
    assert_eq!(spec.profiles.len(), 3);
    assert_eq!(
        spec.librechat_models(),
        [
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "global.anthropic.claude-opus-4-5-20251101-v1:0",
            "us.amazon.nova-pro-v1:0",
        ]
    );
}
