// The role Bedrock assumes to write the records to the log group.

pub static ENTRY: Entry = Entry {
    kind: "role",
    spec: LOGGING_SPEC,
    defaults: LOGGING_DEFAULTS,
    fields: &[
        Field {
            // A new name is a new role (IAM renames none): the configuration follows it, and
            // the old one is retired.
            marker: "role",
            a: "LcLoggingRole",
            b: "LcLoggingRole2",
            change: None,
        },
        Field {
        // The role's documents name the bucket's prefix; the out-of-band change is of each
        // of its documents, and of its trust.
        marker: "prefix",
        a: "large-data",
        b: "payloads",
        change: Some(|cx| {
            put_role_policies(
                cx,
                ROLE,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"*"}]}"#,
            );
            let trust = BEDROCK_TRUST.replace("bedrock.amazonaws.com", "ec2.amazonaws.com");
            cx.block(
                cx.c.iam
                    .update_assume_role_policy()
                    .role_name(ROLE)
                    .policy_document(trust)
                    .send(),
            )
            .unwrap();
        }),
    },
    ],
    name: ROLE,
    setup: nothing,
    live: |cx| {
        let out = cx.block(cx.c.iam.list_roles().send()).unwrap();
        out.roles()
            .iter()
            .map(|r| r.role_name().to_string())
            .filter(|n| n.starts_with(ROLE))
            .collect()
    },
    count: 1,
    delete: Some(|cx| {
        // Behind the tool's back, as the console does it: its policies, then the role.
        delete_role_policies(cx, ROLE);
        cx.block(cx.c.iam.delete_role().role_name(ROLE).send())
            .unwrap();
    }),
    destroy: &["destroy", "--yes", "--delete-data"],
    destroy_leaves: 0,
    // Records to the bucket alone: no role is needed, and the stack's is retired.
    removed: &[("destinations", r#"["s3"]"#)],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        cx.block(
            cx.c.iam
                .create_role()
                .role_name(ROLE)
                .assume_role_policy_document(BEDROCK_TRUST)
                .send(),
        )
        .unwrap();
    }),
    untag: Some(|cx| {
        cx.block(
            cx.c.iam
                .untag_role()
                .role_name(ROLE)
                .tag_keys("stack")
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};
