// LibreChat's role as the stack makes it ([librechat.role]): its trust for where LibreChat
// runs, an instance profile for EC2, and the invoke policy the stack puts on it.

const LIBRECHAT_ROLE: &str = "LcLibreChatApp";

pub static ENTRY: Entry = Entry {
    kind: "librechat_role",
    spec: r#"
[stack]
name = "lc-lrole"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-lrole-profile"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_LC_LROLE"

[librechat]
<<entry>>
"#,
    defaults: &[(
        "entry",
        "[librechat.role]\nname = \"LcLibreChatApp\"\necs = <<ecs>>\nec2 = <<ec2>>\nprincipals = [\"123456789012\"]\n",
    )],
    fields: &[
        Field {
            // The trust: ECS tasks trusted or not. Out of band: the trust rewritten, a policy
            // of someone's put on it and a managed one attached.
            marker: "ecs",
            a: "true",
            b: "false",
            change: Some(|cx| {
                let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
                cx.block(
                    cx.c.iam
                        .update_assume_role_policy()
                        .role_name(LIBRECHAT_ROLE)
                        .policy_document(trust)
                        .send(),
                )
                .unwrap();
                cx.block(
                    cx.c.iam
                        .put_role_policy()
                        .role_name(LIBRECHAT_ROLE)
                        .policy_name("Extra")
                        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
                        .send(),
                )
                .unwrap();
                cx.block(
                    cx.c.iam
                        .attach_role_policy()
                        .role_name(LIBRECHAT_ROLE)
                        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                        .send(),
                )
                .unwrap();
            }),
        },
        Field {
            // EC2: the instance profile of the role's name, made and deleted with it.
            marker: "ec2",
            a: "true",
            b: "false",
            change: None,
        },
    ],
    name: LIBRECHAT_ROLE,
    setup: nothing,
    // The role, and its instance profile when it has one.
    live: |cx| {
        let roles = cx.block(cx.c.iam.list_roles().send()).unwrap();
        let profiles = cx.block(cx.c.iam.list_instance_profiles().send()).unwrap();
        roles
            .roles()
            .iter()
            .map(|r| r.role_name().to_string())
            .filter(|n| n.starts_with(LIBRECHAT_ROLE))
            .chain(
                profiles
                    .instance_profiles()
                    .iter()
                    .map(|p| format!("instance profile {}", p.instance_profile_name()))
                    .filter(|n| n.contains(LIBRECHAT_ROLE)),
            )
            .collect()
    },
    count: 2,
    delete: Some(|cx| {
        // Behind the tool's back, as the console does it: out of its instance profile, its
        // policies, then the role.
        let _ = cx.block(
            cx.c.iam
                .remove_role_from_instance_profile()
                .instance_profile_name(LIBRECHAT_ROLE)
                .role_name(LIBRECHAT_ROLE)
                .send(),
        );
        delete_role_policies(cx, LIBRECHAT_ROLE);
        cx.block(cx.c.iam.delete_role().role_name(LIBRECHAT_ROLE).send())
            .unwrap();
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    // No [librechat.role]: the stack's role goes, with its instance profile.
    removed: &[("entry", "")],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        cx.block(
            cx.c.iam
                .create_role()
                .role_name(LIBRECHAT_ROLE)
                .assume_role_policy_document(trust)
                .send(),
        )
        .unwrap();
    }),
    untag: Some(|cx| {
        cx.block(
            cx.c.iam
                .untag_role()
                .role_name(LIBRECHAT_ROLE)
                .tag_keys("stack")
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};
