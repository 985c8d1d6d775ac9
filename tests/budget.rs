//! `[cost.budget]` beyond the lifecycle suite: its alerts sent to the stack's topic (whose
//! policy then lets AWS Budgets publish, and stops once they no longer go there) or to the
//! user's (refused at plan time until its policy allows Budgets); the filter it counts by,
//! the Bedrock service until the stack's tag is an active cost allocation tag, then the tag;
//! and the spec's checks.

use crate::stack::*;

const BASE: &str = r#"
[stack]
name = "budgeted"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "budgeted-claude"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_BUDGETED"
"#;

const NAME: &str = "librechat-bedrock-budgeted-us-east-1";

fn spec(rest: &str) -> String {
    format!("{BASE}\n{rest}")
}

/// A budget's filters, each with its values.
type Filters = Vec<(String, Vec<String>)>;

/// The budget's filters, and each alert's subscribers, as Budgets answers them.
fn budget(c: &bedrock_aws::Clients) -> (Filters, Vec<Vec<String>>) {
    let rt = rt();
    let b = rt
        .block_on(
            c.budgets
                .describe_budget()
                .account_id(ACCOUNT)
                .budget_name(NAME)
                .send(),
        )
        .unwrap();
    #[allow(deprecated)]
    let mut filters: Filters = b
        .budget()
        .unwrap()
        .cost_filters()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    filters.sort();
    let notifications = rt
        .block_on(
            c.budgets
                .describe_notifications_for_budget()
                .account_id(ACCOUNT)
                .budget_name(NAME)
                .send(),
        )
        .unwrap();
    let subscribers = notifications
        .notifications()
        .iter()
        .map(|n| {
            let s = rt
                .block_on(
                    c.budgets
                        .describe_subscribers_for_notification()
                        .account_id(ACCOUNT)
                        .budget_name(NAME)
                        .notification(n.clone())
                        .send(),
                )
                .unwrap();
            s.subscribers()
                .iter()
                .map(|s| format!("{} {}", s.subscription_type().as_str(), s.address()))
                .collect()
        })
        .collect();
    (filters, subscribers)
}

fn topic_policy(c: &bedrock_aws::Clients, arn: &str) -> serde_json::Value {
    let out = rt()
        .block_on(c.sns.get_topic_attributes().topic_arn(arn).send())
        .unwrap();
    serde_json::from_str(&out.attributes().unwrap()["Policy"]).unwrap()
}

fn statements(policy: &serde_json::Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn alerts_to_the_stack_s_topic_open_its_policy_to_budgets_and_close_it_when_they_go() {
    let _turn = turn();
    let with_topic = spec(
        "[monitoring]\nalarm_email = \"ops@example.com\"\n\n[cost.budget]\nmonthly_usd = 250\n",
    );
    let dir = project(Some(&with_topic));
    let first = apply(dir.path());
    assert!(
        first.stdout.contains(&format!("+ budget {NAME}")),
        "{}",
        first.stdout
    );
    let c = clients("us-east-1");
    let topic =
        format!("arn:aws:sns:us-east-1:{ACCOUNT}:librechat-bedrock-budgeted-us-east-1-alarms");
    let (filters, subscribers) = budget(&c);
    assert_eq!(subscribers.len(), 4, "80 and 100%, actual and forecasted");
    for s in &subscribers {
        assert_eq!(s, &vec![format!("SNS {topic}")]);
    }
    // Billing does not know the stack's tag active: Bedrock's cost in the Region, said so.
    assert_eq!(
        filters,
        vec![
            ("Region".to_string(), vec!["us-east-1".to_string()]),
            ("Service".to_string(), vec!["Amazon Bedrock".to_string()]),
        ]
    );
    assert!(
        first.stdout.contains(
            "counts all of Amazon Bedrock in us-east-1 in this account, not only this stack"
        ),
        "{}",
        first.stdout
    );
    let policy = topic_policy(&c, &topic);
    assert!(
        statements(&policy).contains(&"LibreChatBedrockBudgets".to_string()),
        "{policy:#}"
    );
    let again = apply(dir.path());
    assert_eq!(writes(&again), 0, "{}", again.stdout);
    assert_eq!(run(dir.path(), &["drift"]).code, 0);

    // The alerts go to an address now: the topic's statement for Budgets is taken off, the
    // rest of its policy kept.
    let to_email = with_topic.replace(
        "monthly_usd = 250\n",
        "monthly_usd = 250\nalert_email = \"finops@example.com\"\n",
    );
    std::fs::write(dir.path().join("bedrock.toml"), to_email).unwrap();
    let moved = apply(dir.path());
    assert!(moved.stdout.contains("policy of topic"), "{}", moved.stdout);
    let (_, subscribers) = budget(&c);
    for s in &subscribers {
        assert_eq!(s, &vec!["EMAIL finops@example.com".to_string()]);
    }
    let policy = topic_policy(&c, &topic);
    assert!(
        !statements(&policy).contains(&"LibreChatBedrockBudgets".to_string()),
        "{policy:#}"
    );
    assert!(
        !statements(&policy).is_empty(),
        "the owner's statement stays"
    );
    assert_eq!(writes(&apply(dir.path())), 0);

    // The budget taken out of the spec is deleted.
    std::fs::write(
        dir.path().join("bedrock.toml"),
        spec("[monitoring]\nalarm_email = \"ops@example.com\"\n"),
    )
    .unwrap();
    let removed = apply(dir.path());
    assert!(
        removed.stdout.contains(&format!("- budget {NAME}")),
        "{}",
        removed.stdout
    );
    let left = rt()
        .block_on(c.budgets.describe_budgets().account_id(ACCOUNT).send())
        .unwrap();
    assert!(left.budgets().is_empty());
}

#[test]
fn a_user_topic_that_budgets_may_not_publish_to_is_refused_at_plan_time() {
    let _turn = turn();
    let c = clients("us-east-1");
    let topic = rt()
        .block_on(c.sns.create_topic().name("finops-alerts").send())
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    let dir = project(Some(&spec(&format!(
        "[monitoring]\nalarm_topic_arn = \"{topic}\"\n\n[cost.budget]\nmonthly_usd = 100\nalert_on = [\"actual\"]\n"
    ))));
    refused(
        dir.path(),
        &["apply", "--yes"],
        &[
            "its policy does not let AWS Budgets publish to it",
            "\"budgets.amazonaws.com\"",
            "set-topic-attributes",
        ],
    );
    let default = topic_policy(&c, &topic);
    let set_policy = |statements: Vec<serde_json::Value>| {
        let mut policy = default.clone();
        policy["Statement"]
            .as_array_mut()
            .unwrap()
            .extend(statements);
        rt().block_on(
            c.sns
                .set_topic_attributes()
                .topic_arn(&topic)
                .attribute_name("Policy")
                .attribute_value(policy.to_string())
                .send(),
        )
        .unwrap();
    };
    let allow = bedrock_plan::resources::budget::budgets_statement(&topic, ACCOUNT);
    // A statement for another account's budgets is not one for this account's.
    let mut elsewhere = allow.clone();
    elsewhere["Condition"] =
        serde_json::json!({"StringEquals": {"aws:SourceAccount": "999999999999"}});
    set_policy(vec![elsewhere]);
    refused(
        dir.path(),
        &["apply", "--yes"],
        &["its policy does not let AWS Budgets publish to it"],
    );
    // The statement the error gives, beside a deny of what is not sent over TLS (Budgets
    // publishes over TLS): the budget is made.
    let tls = serde_json::json!({"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "SNS:Publish", "Resource": topic, "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
    set_policy(vec![allow, tls]);
    apply(dir.path());
    let (_, subscribers) = budget(&c);
    assert_eq!(subscribers, vec![vec![format!("SNS {topic}")]; 2]);
    assert_eq!(writes(&apply(dir.path())), 0);

    // To the stack's own topic instead: one SNS subscriber an alert, so it is replaced.
    let to_stack = "[monitoring]\nalarm_email = \"ops@example.com\"\n\n[cost.budget]\nmonthly_usd = 100\nalert_on = [\"actual\"]\n";
    std::fs::write(dir.path().join("bedrock.toml"), spec(to_stack)).unwrap();
    let moved = apply(dir.path());
    assert!(
        moved.stdout.contains("AWS Budgets: \"may publish\""),
        "{}",
        moved.stdout
    );
    let stack_topic =
        format!("arn:aws:sns:us-east-1:{ACCOUNT}:librechat-bedrock-budgeted-us-east-1-alarms");
    let (_, subscribers) = budget(&c);
    assert_eq!(subscribers, vec![vec![format!("SNS {stack_topic}")]; 2]);
    assert_eq!(writes(&apply(dir.path())), 0);
}

#[test]
fn the_budget_counts_the_stack_s_tag_once_billing_has_it_active() {
    let _turn = turn();
    let dir = project(Some(&spec(
        "[cost]\nactivate_tags = [\"stack\"]\n\n[cost.budget]\nmonthly_usd = 80.25\nalert_email = \"finops@example.com\"\n",
    )));
    // The first apply makes the profile that carries the tag: Billing knows the key only
    // after, so the budget counts the service for now.
    let first = apply(dir.path());
    assert!(
        first
            .stdout
            .contains("Billing does not know the stack's tag key \"stack\" yet"),
        "{}",
        first.stdout
    );
    let c = clients("us-east-1");
    assert!(budget(&c).0.iter().any(|(k, _)| k == "Service"));
    // The second activates the key (Billing knows it now), and the budget filters by it in
    // the same apply; the filter stays when the key is set inactive by hand and activated
    // again.
    let second = apply(dir.path());
    assert!(
        second.stdout.contains("~ budget")
            && second
                .stdout
                .contains("the stack's tag is an active cost allocation tag now"),
        "{}",
        second.stdout
    );
    let tagged = vec![
        ("Region".to_string(), vec!["us-east-1".to_string()]),
        (
            "TagKeyValue".to_string(),
            vec!["user:stack$budgeted".to_string()],
        ),
    ];
    assert_eq!(budget(&c).0, tagged);
    let entry = aws_sdk_costexplorer::types::CostAllocationTagStatusEntry::builder()
        .tag_key("stack")
        .status(aws_sdk_costexplorer::types::CostAllocationTagStatus::Inactive)
        .build()
        .unwrap();
    rt().block_on(
        c.ce.update_cost_allocation_tags_status()
            .cost_allocation_tags_status(entry)
            .send(),
    )
    .unwrap();
    let reactivated = apply(dir.path());
    assert!(
        !reactivated.stdout.contains("~ budget"),
        "the filter does not flip while the apply activates the key:\n{}",
        reactivated.stdout
    );
    assert_eq!(budget(&c).0, tagged);
    assert_eq!(writes(&apply(dir.path())), 0);
}

#[test]
fn bad_budgets_are_refused_before_aws_with_what_to_write() {
    let cases = [
        (
            "[cost.budget]\nmonthly_usd = 100\n",
            "the budget's alerts go nowhere",
        ),
        (
            "[cost.budget]\nmonthly_usd = 0\nalert_email = \"a@example.com\"\n",
            "it must be above 0",
        ),
        (
            "[cost.budget]\nmonthly_usd = 10.005\nalert_email = \"a@example.com\"\n",
            "more than two decimals",
        ),
        (
            "[cost.budget]\nmonthly_usd = 10\nalert_at_percent = [50, 80, 100]\nalert_email = \"a@example.com\"\n",
            "make 6 alerts: AWS Budgets takes at most 5 a budget",
        ),
        (
            "[cost.budget]\nmonthly_usd = 10\nalert_at_percent = [80, 80]\nalert_email = \"a@example.com\"\n",
            "80 is listed twice",
        ),
        (
            "[cost.budget]\nmonthly_usd = 10\nalert_on = [\"planned\"]\nalert_email = \"a@example.com\"\n",
            "\"planned\" is not a spend an alert compares with",
        ),
        (
            "[cost.budget]\nalert_email = \"a@example.com\"\n",
            "missing required key `monthly_usd` in [cost.budget]",
        ),
        (
            "[cost.budget]\nmonthly_usd = 10\nalert_email = \"not an address\"\n",
            "is not an email address",
        ),
    ];
    for (rest, expected) in cases {
        let dir = project(Some(&spec(rest)));
        refused_before_aws(dir.path(), &["plan"], &[expected]);
    }
}
