// Model access in a brand-new account: Anthropic's use case form and a model's Marketplace
// agreement, the account's once established (destroy leaves them).

const MODEL: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

pub static ENTRY: Entry = Entry {
    kind: "model_access",
    spec: r#"
[stack]
name = "lc-access"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-access-profile"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_LC_ACCESS"

<<entry>>
"#,
    defaults: &[(
        "entry",
        r#"
[access]
anthropic_use_case = { company_name = "Example Corp", company_website = "https://example.com", intended_users = "0", industry_option = "Technology", other_industry_option = "", use_cases = "An internal chat assistant" }
accept_agreements = <<accept>>
"#,
    )],
    fields: &[Field {
        marker: "accept",
        a: "true",
        b: "false",
        change: None,
    }],
    name: MODEL,
    setup: |cx| cx.control().reset_new_account().unwrap(),
    live: |cx| {
        let mut live = Vec::new();
        if cx
            .block(cx.c.bedrock.get_use_case_for_model_access().send())
            .is_ok()
        {
            live.push("Anthropic's use case form on file".to_string());
        }
        let availability = cx
            .block(
                cx.c.bedrock
                    .get_foundation_model_availability()
                    .model_id(MODEL)
                    .send(),
            )
            .unwrap();
        let agreement = availability
            .agreement_availability()
            .map(|a| a.status().as_str().to_string())
            .unwrap_or_default();
        if agreement == "AVAILABLE" {
            live.push(format!("agreement {MODEL}"));
        }
        live
    },
    count: 2,
    delete: Some(|cx| {
        cx.block(
            cx.c.bedrock
                .delete_foundation_model_agreement()
                .model_id(MODEL)
                .send(),
        )
        .unwrap();
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 2,
    removed: &[("entry", "")],
    removed_leaves: 2,
    adopt: Adopt::NotApplicable(
        "the use case form and the agreements are the account's, not resources of a stack",
    ),
    untag: None,
    retag: None,
    untaggable: Some("the use case form and the agreements are the account's, and AWS tags neither"),
};
