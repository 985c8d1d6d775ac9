// Cost allocation tags: Billing's settings of the account, activated for the keys the spec
// names; destroy leaves them active (the account's).

pub static ENTRY: Entry = Entry {
    kind: "cost_allocation_tag",
    spec: r#"
[stack]
name = "lc-cost"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-cost-profile"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_LC_COST"
tags = { Application = "LibreChat", Environment = "Test" }

<<entry>>
"#,
    defaults: &[("entry", "[cost]\nactivate_tags = [\"<<key>>\"]\n")],
    fields: &[Field {
        marker: "key",
        a: "Application",
        b: "Environment",
        change: None,
    }],
    name: "Application",
    // Billing knows a key once a resource carries it (on AWS, up to a day later): a log group
    // of the account's carries both, so the first apply activates them.
    setup: |cx| {
        cx.block(
            cx.c.logs
                .create_log_group()
                .log_group_name("/already/tagged")
                .tags("Application", "Other")
                .tags("Environment", "Other")
                .send(),
        )
        .unwrap();
    },
    live: |cx| {
        let out = cx
            .block(
                cx.c.ce
                    .list_cost_allocation_tags()
                    .status(aws_sdk_costexplorer::types::CostAllocationTagStatus::Active)
                    .send(),
            )
            .unwrap();
        let key = cx.value("key");
        out.cost_allocation_tags()
            .iter()
            .map(|t| t.tag_key().to_string())
            .filter(|k| k == key)
            .collect()
    },
    count: 1,
    delete: Some(|cx| {
        let entry = aws_sdk_costexplorer::types::CostAllocationTagStatusEntry::builder()
            .tag_key(cx.value("key"))
            .status(aws_sdk_costexplorer::types::CostAllocationTagStatus::Inactive)
            .build()
            .unwrap();
        cx.block(
            cx.c.ce
                .update_cost_allocation_tags_status()
                .cost_allocation_tags_status(entry)
                .send(),
        )
        .unwrap();
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 1,
    removed: &[("entry", "")],
    removed_leaves: 1,
    adopt: Adopt::NotApplicable(
        "cost allocation tags are the account's Billing settings, not resources of a stack",
    ),
    untag: None,
    retag: None,
    untaggable: Some("cost allocation tags are settings of the account's Billing"),
};
