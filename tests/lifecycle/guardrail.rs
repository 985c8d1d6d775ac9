// A guardrail of the stack's, and LibreChat's file following its published version.

pub static ENTRY: Entry = Entry {
    kind: "guardrail",
    spec: r#"
[stack]
name = "lc-guardrail"
region = "us-east-1"

[logging]
managed = false

<<entry>>
"#,
    defaults: &[(
        "entry",
        r#"
[[guardrails]]
name = "lc-guard"
blocked_input_message = "<<input>>"
blocked_output_message = "Blocked."
words = ["<<word>>"]
content_filters = { hate = "<<hate>>" }
tags = { Team = "<<team>>" }

[librechat]
guardrail = { name = "lc-guard", trace = "disabled" }
"#,
    )],
    fields: &[
        Field {
            marker: "word",
            a: "alpha",
            b: "beta",
            change: Some(|cx| update(cx, |p| p.words = vec!["gamma".into()])),
        },
        Field {
            marker: "input",
            a: "Not allowed.",
            b: "Refused.",
            change: Some(|cx| update(cx, |p| p.input = "Changed by hand.".into())),
        },
        Field {
            marker: "hate",
            a: "HIGH",
            b: "MEDIUM",
            change: Some(|cx| update(cx, |p| p.hate = "LOW".into())),
        },
        Field {
            marker: "team",
            a: "platform",
            b: "security",
            change: None,
        },
    ],
    name: "lc-guard",
    setup: nothing,
    live,
    count: 1,
    delete: Some(|cx| {
        let arn = arn(cx);
        cx.block(cx.c.bedrock.delete_guardrail().guardrail_identifier(arn).send())
            .unwrap();
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    removed: &[("entry", "")],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        cx.block(
            cx.c.bedrock
                .create_guardrail()
                .name("lc-guard")
                .blocked_input_messaging("Made by hand.")
                .blocked_outputs_messaging("Made by hand.")
                .send(),
        )
        .unwrap();
    }),
    untag: Some(|cx| bedrock_untag(cx, arn(cx))),
    retag: Some(|cx| bedrock_retag(cx, arn(cx))),
    untaggable: None,
};

/// Every guardrail of the account, by name, with its latest version's words: a duplicate,
/// or a version that does not follow the spec, shows.
fn live(cx: &Ctx) -> Vec<String> {
    let all = cx
        .block(cx.c.bedrock.list_guardrails().send())
        .unwrap()
        .guardrails()
        .to_vec();
    all.iter().map(|g| g.name().to_string()).collect()
}

fn arn(cx: &Ctx) -> String {
    let all = cx.block(cx.c.bedrock.list_guardrails().send()).unwrap();
    all.guardrails()
        .iter()
        .find(|g| g.name() == "lc-guard")
        .expect("the guardrail exists")
        .arn()
        .to_string()
}

/// What the out-of-band changes touch.
struct Draft {
    words: Vec<String>,
    input: String,
    hate: String,
}

/// Changes the guardrail's draft behind the tool's back: what the spec set, with `edit`.
fn update(cx: &Ctx, edit: fn(&mut Draft)) {
    use aws_sdk_bedrock::types::*;
    let arn = arn(cx);
    let g = cx
        .block(
            cx.c.bedrock
                .get_guardrail()
                .guardrail_identifier(&arn)
                .send(),
        )
        .unwrap();
    let mut d = Draft {
        words: g
            .word_policy()
            .map(|w| w.words().iter().map(|w| w.text().to_string()).collect())
            .unwrap_or_default(),
        input: g.blocked_input_messaging().to_string(),
        hate: g
            .content_policy()
            .and_then(|c| c.filters().first())
            .map(|f| f.input_strength().as_str().to_string())
            .unwrap_or_else(|| "HIGH".into()),
    };
    edit(&mut d);
    let words = GuardrailWordPolicyConfig::builder()
        .set_words_config(Some(
            d.words
                .iter()
                .map(|w| GuardrailWordConfig::builder().text(w).build().unwrap())
                .collect(),
        ))
        .build();
    let content = GuardrailContentPolicyConfig::builder()
        .filters_config(
            GuardrailContentFilterConfig::builder()
                .r#type(GuardrailContentFilterType::Hate)
                .input_strength(GuardrailFilterStrength::from(d.hate.as_str()))
                .output_strength(GuardrailFilterStrength::from(d.hate.as_str()))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    cx.block(
        cx.c.bedrock
            .update_guardrail()
            .guardrail_identifier(&arn)
            .name("lc-guard")
            .blocked_input_messaging(d.input)
            .blocked_outputs_messaging(g.blocked_outputs_messaging())
            .word_policy_config(words)
            .content_policy_config(content)
            .send(),
    )
    .unwrap();
}
