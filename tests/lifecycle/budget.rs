// The stack's AWS Budgets budget: its monthly limit, its alerts and where they go.

const NAME: &str = "librechat-bedrock-lc-budget-us-east-1";

pub static ENTRY: Entry = Entry {
    kind: "budget",
    spec: r#"
[stack]
name = "lc-budget"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-budget-profile"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_LC_BUDGET"

<<entry>>
"#,
    defaults: &[(
        "entry",
        "[cost.budget]\nmonthly_usd = <<limit>>\nalert_at_percent = <<percents>>\nalert_email = \"<<email>>\"\n",
    )],
    fields: &[
        Field {
            marker: "limit",
            a: "300",
            b: "450.5",
            change: Some(|cx| {
                let mut budget = described(cx);
                budget.budget_limit = Some(
                    aws_sdk_budgets::types::Spend::builder()
                        .amount("9999")
                        .unit("USD")
                        .build()
                        .unwrap(),
                );
                cx.block(
                    cx.c.budgets
                        .update_budget()
                        .account_id(ACCOUNT)
                        .new_budget(budget)
                        .send(),
                )
                .unwrap();
            }),
        },
        Field {
            marker: "percents",
            a: "[80, 100]",
            b: "[50, 120]",
            change: Some(|cx| {
                // One alert's threshold moved by hand.
                let old = notifications(cx).remove(0);
                let new = aws_sdk_budgets::types::Notification::builder()
                    .notification_type(old.notification_type().clone())
                    .comparison_operator(old.comparison_operator().clone())
                    .threshold(7.0)
                    .threshold_type(aws_sdk_budgets::types::ThresholdType::Percentage)
                    .build()
                    .unwrap();
                cx.block(
                    cx.c.budgets
                        .update_notification()
                        .account_id(ACCOUNT)
                        .budget_name(NAME)
                        .old_notification(old)
                        .new_notification(new)
                        .send(),
                )
                .unwrap();
            }),
        },
        Field {
            marker: "email",
            a: "finops@example.com",
            b: "cfo@example.com",
            change: Some(|cx| {
                // One alert sent to another address by hand.
                let n = notifications(cx).remove(0);
                let to = |address: &str| {
                    aws_sdk_budgets::types::Subscriber::builder()
                        .subscription_type(aws_sdk_budgets::types::SubscriptionType::Email)
                        .address(address)
                        .build()
                        .unwrap()
                };
                let live = cx
                    .block(
                        cx.c.budgets
                            .describe_subscribers_for_notification()
                            .account_id(ACCOUNT)
                            .budget_name(NAME)
                            .notification(n.clone())
                            .send(),
                    )
                    .unwrap();
                let old = live.subscribers()[0].clone();
                cx.block(
                    cx.c.budgets
                        .update_subscriber()
                        .account_id(ACCOUNT)
                        .budget_name(NAME)
                        .notification(n)
                        .old_subscriber(old)
                        .new_subscriber(to("someone-else@example.com"))
                        .send(),
                )
                .unwrap();
            }),
        },
    ],
    name: NAME,
    setup: nothing,
    live: |cx| {
        let out = cx
            .block(cx.c.budgets.describe_budgets().account_id(ACCOUNT).send())
            .unwrap();
        out.budgets()
            .iter()
            .map(|b| format!("budget {}", b.budget_name()))
            .collect()
    },
    count: 1,
    delete: Some(|cx| {
        cx.block(
            cx.c.budgets
                .delete_budget()
                .account_id(ACCOUNT)
                .budget_name(NAME)
                .send(),
        )
        .unwrap();
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    removed: &[("entry", "")],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        let budget = aws_sdk_budgets::types::Budget::builder()
            .budget_name(NAME)
            .budget_limit(
                aws_sdk_budgets::types::Spend::builder()
                    .amount("300")
                    .unit("USD")
                    .build()
                    .unwrap(),
            )
            .time_unit(aws_sdk_budgets::types::TimeUnit::Monthly)
            .budget_type(aws_sdk_budgets::types::BudgetType::Cost)
            .build()
            .unwrap();
        cx.block(
            cx.c.budgets
                .create_budget()
                .account_id(ACCOUNT)
                .budget(budget)
                .send(),
        )
        .unwrap();
    }),
    untag: Some(|cx| {
        cx.block(
            cx.c.budgets
                .untag_resource()
                .resource_arn(format!("arn:aws:budgets::{ACCOUNT}:budget/{NAME}"))
                .resource_tag_keys("stack")
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};

/// The stack's budget as Budgets answers it.
fn described(cx: &Ctx) -> aws_sdk_budgets::types::Budget {
    let out = cx
        .block(
            cx.c.budgets
                .describe_budget()
                .account_id(ACCOUNT)
                .budget_name(NAME)
                .send(),
        )
        .unwrap();
    out.budget().unwrap().clone()
}

/// The stack's budget's notifications.
fn notifications(cx: &Ctx) -> Vec<aws_sdk_budgets::types::Notification> {
    let out = cx
        .block(
            cx.c.budgets
                .describe_notifications_for_budget()
                .account_id(ACCOUNT)
                .budget_name(NAME)
                .send(),
        )
        .unwrap();
    out.notifications().to_vec()
}
