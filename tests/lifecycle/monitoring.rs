// The stack's dashboard, its alarms, and the SNS topic they go to.

const PREFIX: &str = "librechat-bedrock-lc-monitoring-us-east-1";

pub static ENTRY: Entry = Entry {
    kind: "monitoring",
    spec: r#"
[stack]
name = "lc-monitoring"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-monitoring-profile"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_LC_MONITORING"

<<entry>>
"#,
    defaults: &[(
        "entry",
        "[monitoring]\ndashboard = <<dashboard>>\nalarm_email = \"<<email>>\"\n",
    )],
    fields: &[
        Field {
            marker: "dashboard",
            a: "true",
            b: "false",
            change: Some(|cx| {
                let body = r#"{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":3,"properties":{"markdown":"changed by hand"}}]}"#;
                cx.block(
                    cx.c.cloudwatch
                        .put_dashboard()
                        .dashboard_name(PREFIX)
                        .dashboard_body(body)
                        .send(),
                )
                .unwrap();
            }),
        },
        Field {
            marker: "email",
            a: "ops@example.com",
            b: "oncall@example.com",
            change: Some(|cx| {
                // Every alarm of the stack's, its threshold changed by hand.
                for name in alarms(cx) {
                    let a = cx
                        .block(cx.c.cloudwatch.describe_alarms().alarm_names(&name).send())
                        .unwrap();
                    let a = a.metric_alarms()[0].clone();
                    cx.block(
                        cx.c.cloudwatch
                            .put_metric_alarm()
                            .alarm_name(&name)
                            .set_metrics(Some(a.metrics().to_vec()))
                            .set_metric_name(a.metric_name().map(str::to_string))
                            .set_namespace(a.namespace().map(str::to_string))
                            .set_statistic(a.statistic().cloned())
                            .set_period(a.period())
                            .set_dimensions(Some(a.dimensions().to_vec()))
                            .set_evaluation_periods(a.evaluation_periods())
                            .set_comparison_operator(a.comparison_operator().cloned())
                            .threshold(a.threshold().unwrap_or(0.0) + 1000.0)
                            .set_alarm_actions(Some(a.alarm_actions().to_vec()))
                            .send(),
                    )
                    .unwrap();
                }
            }),
        },
    ],
    name: PREFIX,
    setup: nothing,
    live: |cx| {
        let mut live: Vec<String> = Vec::new();
        let dashboards = cx
            .block(
                cx.c.cloudwatch
                    .list_dashboards()
                    .dashboard_name_prefix("librechat-bedrock-lc")
                    .send(),
            )
            .unwrap();
        for d in dashboards.dashboard_entries() {
            live.push(format!("dashboard {}", d.dashboard_name().unwrap_or_default()));
        }
        for a in alarms(cx) {
            live.push(format!("alarm {a}"));
        }
        let topics = cx.block(cx.c.sns.list_topics().send()).unwrap();
        for t in topics.topics() {
            live.push(format!("topic {}", t.topic_arn().unwrap_or_default()));
        }
        live
    },
    count: 3,
    delete: Some(|cx| {
        cx.block(
            cx.c.cloudwatch
                .delete_dashboards()
                .dashboard_names(PREFIX)
                .send(),
        )
        .unwrap();
    }),
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    removed: &[("entry", "")],
    removed_leaves: 0,
    adopt: Adopt::Untagged(|cx| {
        cx.block(
            cx.c.sns
                .create_topic()
                .name(format!("{PREFIX}-alarms"))
                .send(),
        )
        .unwrap();
    }),
    untag: Some(|cx| {
        let topic = format!("arn:aws:sns:us-east-1:{ACCOUNT}:{PREFIX}-alarms");
        cx.block(
            cx.c.sns
                .untag_resource()
                .resource_arn(topic)
                .tag_keys("stack")
                .send(),
        )
        .unwrap();
    }),
    retag: None,
    untaggable: None,
};

/// The names of the account's alarms of this stack's prefix.
fn alarms(cx: &Ctx) -> Vec<String> {
    let out = cx
        .block(
            cx.c.cloudwatch
                .describe_alarms()
                .alarm_name_prefix("librechat-bedrock-lc")
                .send(),
        )
        .unwrap();
    out.metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name().map(str::to_string))
        .collect()
}
