// LibreChat's Bedrock API key ([librechat.api_key]): the stack's IAM user, LibreChat's invoke
// policy on it, and its long-term key (in .env only).

const KEY_USER: &str = "LcLibreChatKey";

pub static ENTRY: Entry = Entry {
    kind: "librechat_api_key",
    spec: r#"
[stack]
name = "lc-akey"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-akey-profile"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_LC_AKEY"

[librechat]
models = [<<models>>]
<<entry>>
"#,
    defaults: &[(
        "entry",
        "[librechat.api_key]\nuser = \"LcLibreChatKey\"\nexpires_in_days = <<days>>\n",
    )],
    fields: &[
        Field {
            // What the key may call: the user's invoke policy. Out of band: a policy of
            // someone's put on the user, a managed one attached, and the key deactivated.
            marker: "models",
            a: "\"us.amazon.nova-pro-v1:0\"",
            b: "",
            change: Some(|cx| {
                cx.block(
                    cx.c.iam
                        .put_user_policy()
                        .user_name(KEY_USER)
                        .policy_name("Extra")
                        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
                        .send(),
                )
                .unwrap();
                cx.block(
                    cx.c.iam
                        .attach_user_policy()
                        .user_name(KEY_USER)
                        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                        .send(),
                )
                .unwrap();
                for (id, _) in user_keys(cx) {
                    cx.block(
                        cx.c.iam
                            .update_service_specific_credential()
                            .user_name(KEY_USER)
                            .service_specific_credential_id(id)
                            .status(aws_sdk_iam::types::StatusType::Inactive)
                            .send(),
                    )
                    .unwrap();
                }
            }),
        },
        Field {
            // The lifetime of the keys it makes: the key in .env keeps its own until rotated.
            marker: "days",
            a: "30",
            b: "90",
            change: None,
        },
    ],
    name: KEY_USER,
    setup: nothing,
    // The user and each of its keys.
    live: |cx| {
        let users = cx.block(cx.c.iam.list_users().send()).unwrap();
        let names: Vec<String> = users
            .users()
            .iter()
            .map(|u| u.user_name().to_string())
            .filter(|n| n.starts_with(KEY_USER))
            .collect();
        let keys = if names.is_empty() {
            Vec::new()
        } else {
            user_keys(cx)
                .into_iter()
                .map(|(id, status)| format!("key {id} {status}"))
                .collect()
        };
        names.into_iter().chain(keys).collect()
    },
    count: 2,
    delete: Some(|cx| {
        // Behind the tool's back: the key, as the console's "Delete" of a Bedrock API key
        // does it (the user stays).
        for (id, _) in user_keys(cx) {
            cx.block(
                cx.c.iam
                    .delete_service_specific_credential()
                    .user_name(KEY_USER)
                    .service_specific_credential_id(id)
                    .send(),
            )
            .unwrap();
        }
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    // No [librechat.api_key]: the stack's user goes, with its key.
    removed: &[("entry", "")],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        cx.block(cx.c.iam.create_user().user_name(KEY_USER).send())
            .unwrap();
    }),
    untag: Some(|cx| {
        cx.block(
            cx.c.iam
                .untag_user()
                .user_name(KEY_USER)
                .tag_keys("stack")
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};

/// The user's Bedrock API keys: (id, status).
fn user_keys(cx: &Ctx) -> Vec<(String, String)> {
    let listed = cx.block(
        cx.c.iam
            .list_service_specific_credentials()
            .user_name(KEY_USER)
            .service_name("bedrock.amazonaws.com")
            .send(),
    );
    listed
        .map(|l| {
            l.service_specific_credentials()
                .iter()
                .map(|k| {
                    (
                        k.service_specific_credential_id().to_string(),
                        k.status().as_str().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
