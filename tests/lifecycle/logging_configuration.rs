// Model invocation logging: one configuration per account and region, untaggable; this
// stack's when it points at the stack's role and log group.

pub static ENTRY: Entry = Entry {
    kind: "logging_configuration",
    spec: LOGGING_SPEC,
    defaults: LOGGING_DEFAULTS,
    fields: &[
        Field {
            marker: "text",
            a: "true",
            b: "false",
            change: Some(|cx| put(cx, false, false)),
        },
        Field {
            marker: "image",
            a: "false",
            b: "true",
            change: Some(|cx| put(cx, true, true)),
        },
        Field {
            marker: "destinations",
            a: r#"["cloudwatch"]"#,
            b: r#"["cloudwatch", "s3"]"#,
            change: None,
        },
    ],
    name: "us-east-1",
    setup: nothing,
    live: |cx| {
        let out = cx
            .block(
                cx.c.bedrock
                    .get_model_invocation_logging_configuration()
                    .send(),
            )
            .unwrap();
        out.logging_config()
            .map(|l| format!("{l:?}"))
            .into_iter()
            .collect()
    },
    count: 1,
    delete: Some(|cx| {
        cx.block(
            cx.c.bedrock
                .delete_model_invocation_logging_configuration()
                .send(),
        )
        .unwrap();
    }),
    destroy: &["destroy", "--yes", "--delete-data"],
    destroy_leaves: 0,
    // Logging left to another team: the configuration stays as it is, theirs now.
    removed: LOGGING_LEFT,
    removed_leaves: 1,
    adopt: Adopt::Untagged(|cx| {
        crate::stack::logging_set_elsewhere(&cx.c, "/security/bedrock", "SecurityLogging");
    }),
    untag: None,
    retag: None,
    untaggable: Some("the configuration is the account's, one per region, and AWS tags none"),
};

/// The stack's configuration, changed behind the tool's back: text delivery and image
/// delivery as given.
fn put(cx: &Ctx, text: bool, image: bool) {
    use aws_sdk_bedrock::types::*;
    let config = LoggingConfig::builder()
        .cloud_watch_config(
            CloudWatchConfig::builder()
                .log_group_name(LOG_GROUP)
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{ROLE}"))
                .large_data_delivery_s3_config(
                    S3Config::builder()
                        .bucket_name(BUCKET)
                        .key_prefix("large-data")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .text_data_delivery_enabled(text)
        .image_data_delivery_enabled(image)
        .embedding_data_delivery_enabled(true)
        .video_data_delivery_enabled(false)
        .build();
    cx.block(
        cx.c.bedrock
            .put_model_invocation_logging_configuration()
            .logging_config(config)
            .send(),
    )
    .unwrap();
}
