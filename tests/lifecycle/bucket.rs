// The bucket of large payloads; it holds them, so it is kept unless --delete-data.

pub static ENTRY: Entry = Entry {
    kind: "bucket",
    spec: LOGGING_SPEC,
    defaults: LOGGING_DEFAULTS,
    fields: &[
        Field {
            marker: "prefix",
            a: "large-data",
            b: "payloads",
            change: Some(|cx| {
                cx.block(cx.c.s3.delete_bucket_lifecycle().bucket(BUCKET).send())
                    .unwrap();
            }),
        },
        Field {
            marker: "retention",
            a: "30",
            b: "90",
            change: Some(|cx| {
                cx.block(cx.c.s3.delete_bucket_policy().bucket(BUCKET).send())
                    .unwrap();
            }),
        },
    ],
    name: BUCKET,
    setup: nothing,
    live: |cx| {
        let out = cx.block(cx.c.s3.list_buckets().send()).unwrap();
        out.buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_string))
            .filter(|n| n.starts_with("lc-logs"))
            .collect()
    },
    count: 1,
    delete: Some(|cx| {
        cx.block(cx.c.s3.delete_bucket().bucket(BUCKET).send())
            .unwrap();
    }),
    destroy: &["destroy", "--yes", "--delete-data"],
    destroy_leaves: 0,
    // Logging left to another team: the bucket holds the payloads from before, and stays.
    removed: LOGGING_LEFT,
    removed_leaves: 1,
    adopt: Adopt::Untagged(|cx| {
        cx.block(cx.c.s3.create_bucket().bucket(BUCKET).send())
            .unwrap();
    }),
    untag: Some(|cx| {
        let tags = aws_sdk_s3::types::Tagging::builder()
            .tag_set(
                aws_sdk_s3::types::Tag::builder()
                    .key("managed-by")
                    .value("librechat-bedrock")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        cx.block(
            cx.c.s3
                .put_bucket_tagging()
                .bucket(BUCKET)
                .tagging(tags)
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};
