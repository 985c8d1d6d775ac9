// An application inference profile: no field can change in place (AWS has no update call),
// so a new model or description replaces it, and .env follows its ARN.

pub static ENTRY: Entry = Entry {
    kind: "inference_profile",
    spec: r#"
[stack]
name = "lc-profile"
region = "us-east-1"

[logging]
managed = false

<<entry>>
"#,
    defaults: &[(
        "entry",
        r#"
[[profiles]]
name = "lc-profile"
model = "<<model>>"
env = "BEDROCK_LC_PROFILE"
description = "<<description>>"
tags = { Team = "<<team>>" }
"#,
    )],
    fields: &[
        Field {
            marker: "model",
            a: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            b: "us.amazon.nova-pro-v1:0",
            change: None,
        },
        Field {
            marker: "description",
            a: "First",
            b: "Second",
            change: None,
        },
        Field {
            marker: "team",
            a: "platform",
            b: "security",
            change: None,
        },
    ],
    name: "lc-profile",
    setup: nothing,
    live,
    count: 1,
    delete: Some(|cx| {
        let arn = arn(cx);
        cx.block(
            cx.c.bedrock
                .delete_inference_profile()
                .inference_profile_identifier(arn)
                .send(),
        )
        .unwrap();
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    removed: &[("entry", "")],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        let source = format!(
            "arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
        );
        cx.block(
            cx.c.bedrock
                .create_inference_profile()
                .inference_profile_name("lc-profile")
                .description("First")
                .model_source(
                    aws_sdk_bedrock::types::InferenceProfileModelSource::CopyFrom(source),
                )
                .send(),
        )
        .unwrap();
    }),
    untag: Some(|cx| bedrock_untag(cx, arn(cx))),
    retag: Some(|cx| bedrock_retag(cx, arn(cx))),
    untaggable: None,
};

/// Every application profile of the account, by name.
fn live(cx: &Ctx) -> Vec<String> {
    crate::stack::application_profiles(&cx.c)
        .iter()
        .map(|p| p.inference_profile_name().to_string())
        .collect()
}

fn arn(cx: &Ctx) -> String {
    crate::stack::application_profiles(&cx.c)
        .iter()
        .find(|p| p.inference_profile_name() == "lc-profile")
        .expect("the profile exists")
        .inference_profile_arn()
        .to_string()
}
