// The log group invocation records go to; it holds them, so it is kept unless --delete-data.

pub static ENTRY: Entry = Entry {
    kind: "log_group",
    spec: LOGGING_SPEC,
    defaults: LOGGING_DEFAULTS,
    fields: &[Field {
        marker: "retention",
        a: "30",
        b: "90",
        change: Some(|cx| {
            cx.block(
                cx.c.logs
                    .put_retention_policy()
                    .log_group_name(LOG_GROUP)
                    .retention_in_days(7)
                    .send(),
            )
            .unwrap();
        }),
    }],
    name: LOG_GROUP,
    setup: nothing,
    live: |cx| {
        let out = cx
            .block(
                cx.c.logs
                    .describe_log_groups()
                    .log_group_name_prefix(LOG_GROUP)
                    .send(),
            )
            .unwrap();
        out.log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .collect()
    },
    count: 1,
    delete: Some(|cx| {
        cx.block(cx.c.logs.delete_log_group().log_group_name(LOG_GROUP).send())
            .unwrap();
    }),
    destroy: &["destroy", "--yes", "--delete-data"],
    destroy_leaves: 0,
    // Records to the bucket alone: the log group holds the records from before, and stays.
    removed: &[("destinations", r#"["s3"]"#)],
    removed_leaves: 1,
    adopt: Adopt::Untagged(|cx| {
        cx.block(cx.c.logs.create_log_group().log_group_name(LOG_GROUP).send())
            .unwrap();
    }),
    untag: Some(|cx| {
        cx.block(
            cx.c.logs
                .untag_resource()
                .resource_arn(LOG_GROUP_ARN)
                .tag_keys("stack")
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};
