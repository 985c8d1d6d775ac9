//! What the lifecycle entries share: tags, the logging spec, IAM and Bedrock tag calls.

#![allow(dead_code)]

use super::Ctx;
use std::collections::BTreeMap;

// What entries share.

/// `k = v` pairs as a map.
pub fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// No setup: the account as reset leaves it.
pub fn nothing(_: &Ctx) {}

/// The logging kinds' spec: the log group, the bucket, the role and the configuration.
pub const LOGGING_SPEC: &str = r#"
[stack]
name = "lc-logging"
region = "us-east-1"

[logging]
<<logging>>
"#;

/// Every marker of [`LOGGING_SPEC`] a kind does not vary; `logging` is the whole section,
/// which `managed = false` replaces (logging left to another team).
pub const LOGGING_DEFAULTS: &[(&str, &str)] = &[
    (
        "logging",
        r#"role_name = "<<role>>"
log_group = "/aws/bedrock/lc"
bucket = "lc-logs-{account_id}"
retention_days = <<retention>>
key_prefix = "<<prefix>>"
text = <<text>>
image = <<image>>
destinations = <<destinations>>
"#,
    ),
    ("role", "LcLoggingRole"),
    ("retention", "30"),
    ("prefix", "large-data"),
    ("text", "true"),
    ("image", "false"),
    ("destinations", r#"["cloudwatch"]"#),
];

/// The logging section that leaves invocation logging to another stack or team.
pub const LOGGING_LEFT: &[(&str, &str)] = &[("logging", "managed = false")];

pub const LOG_GROUP: &str = "/aws/bedrock/lc";
pub const LOG_GROUP_ARN: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/bedrock/lc";
pub const BUCKET: &str = "lc-logs-123456789012";
pub const ROLE: &str = "LcLoggingRole";

/// A trust policy for Bedrock.
pub const BEDROCK_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// A role's inline policy names.
pub fn role_policies(cx: &Ctx, role: &str) -> Vec<String> {
    match cx.block(cx.c.iam.list_role_policies().role_name(role).send()) {
        Ok(out) => out.policy_names().to_vec(),
        Err(_) => Vec::new(),
    }
}

pub fn iam_tag(k: &str, v: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(k)
        .value(v)
        .build()
        .unwrap()
}

pub fn bedrock_tag(k: &str, v: &str) -> aws_sdk_bedrock::types::Tag {
    aws_sdk_bedrock::types::Tag::builder()
        .key(k)
        .value(v)
        .build()
        .unwrap()
}

/// Takes this stack's `stack` tag off a Bedrock resource.
pub fn bedrock_untag(cx: &Ctx, arn: String) {
    let untag =
        cx.c.bedrock
            .untag_resource()
            .resource_arn(arn)
            .tag_keys("stack");
    cx.block(untag.send()).unwrap();
}

/// Changes a Bedrock resource's `Team` tag and adds a stray one.
pub fn bedrock_retag(cx: &Ctx, arn: String) {
    let tag =
        cx.c.bedrock
            .tag_resource()
            .resource_arn(arn)
            .tags(bedrock_tag("Team", "changed-by-hand"))
            .tags(bedrock_tag("Stray", "x"));
    cx.block(tag.send()).unwrap();
}

/// Every inline policy of `role` replaced by `document`, behind the tool's back.
pub fn put_role_policies(cx: &Ctx, role: &str, document: &str) {
    for name in role_policies(cx, role) {
        let put =
            cx.c.iam
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document);
        cx.block(put.send()).unwrap();
    }
}

/// Every inline policy of `role` deleted, behind the tool's back.
pub fn delete_role_policies(cx: &Ctx, role: &str) {
    for name in role_policies(cx, role) {
        let delete =
            cx.c.iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(name);
        cx.block(delete.send()).unwrap();
    }
}
