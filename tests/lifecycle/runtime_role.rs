// LibreChat's own role (made and tagged by the platform team): the stack puts its Bedrock
// policy on it, and takes it off again; the role itself is never the stack's to delete.

pub static ENTRY: Entry = Entry {
    kind: "runtime_role",
    spec: r#"
[stack]
name = "lc-runtime"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-runtime-profile"
model = "<<model>>"
env = "BEDROCK_LC_RUNTIME"

[librechat]
<<entry>>
"#,
    // A guardrail of another team's, which LibreChat's policy requires (enforce) or not.
    defaults: &[(
        "entry",
        "runtime_role = \"LibreChat\"\nguardrail = { identifier = \"abc123xyz\", version = \"1\", enforce = <<enforce>> }\n",
    )],
    fields: &[
        Field {
            marker: "model",
            a: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            b: "us.amazon.nova-pro-v1:0",
            change: Some(|cx| {
                put_role_policies(
                    cx,
                    "LibreChat",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:*","Resource":"*"}]}"#,
                );
            }),
        },
        Field {
            marker: "enforce",
            a: "true",
            b: "false",
            change: None,
        },
    ],
    name: "LibreChat",
    setup: |cx| {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        cx.block(
            cx.c.iam
                .create_role()
                .role_name("LibreChat")
                .assume_role_policy_document(trust)
                .tags(iam_tag("managed-by", "librechat-bedrock"))
                .tags(iam_tag("stack", "lc-runtime"))
                .send(),
        )
        .unwrap();
    },
    live: |cx| role_policies(cx, "LibreChat"),
    count: 1,
    delete: Some(|cx| delete_role_policies(cx, "LibreChat")),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    // No runtime_role: the stack's policy comes off LibreChat's role.
    removed: &[("entry", "")],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        cx.block(
            cx.c.iam
                .untag_role()
                .role_name("LibreChat")
                .tag_keys("stack")
                .tag_keys("managed-by")
                .send(),
        )
        .unwrap();
    }),
    untag: Some(|cx| {
        cx.block(
            cx.c.iam
                .untag_role()
                .role_name("LibreChat")
                .tag_keys("stack")
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};
