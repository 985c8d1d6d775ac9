//! The alarm email's subscription as AWS keeps it: pending until its address confirms, the
//! stack's own addresses recorded on its topic, someone else's subscription never touched.

use crate::stack::*;

const ALARM_TOPIC: &str = "librechat-bedrock-librechat-us-east-1-alarms";

fn monitored(email: &str) -> String {
    guide_spec() + &format!("\n[monitoring]\nalarm_email = \"{email}\"\n")
}

/// Each email subscription of the stack's alarm topic, (endpoint, SubscriptionArn), sorted.
fn email_subscriptions(
    c: &bedrock_aws::Clients,
    rt: &tokio::runtime::Runtime,
) -> Vec<(String, String)> {
    let topic = format!("arn:aws:sns:us-east-1:{ACCOUNT}:{ALARM_TOPIC}");
    let listed = rt
        .block_on(c.sns.list_subscriptions_by_topic().topic_arn(topic).send())
        .unwrap();
    let mut out: Vec<(String, String)> = listed
        .subscriptions()
        .iter()
        .filter(|s| s.protocol() == Some("email"))
        .map(|s| {
            let arn = s.subscription_arn().unwrap_or_default();
            let arn = if arn.starts_with("arn:") {
                "(its ARN)"
            } else {
                arn
            };
            (
                s.endpoint().unwrap_or_default().to_string(),
                arn.to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pending(email: &str) -> (String, String) {
    (email.to_string(), "PendingConfirmation".to_string())
}

/// The stack's alarm topic's `alarm-email` tag: the addresses the stack subscribed.
fn alarm_email_tag(c: &bedrock_aws::Clients, rt: &tokio::runtime::Runtime) -> Option<String> {
    let topic = format!("arn:aws:sns:us-east-1:{ACCOUNT}:{ALARM_TOPIC}");
    let listed = rt
        .block_on(c.sns.list_tags_for_resource().resource_arn(topic).send())
        .unwrap();
    listed
        .tags()
        .iter()
        .find(|t| t.key() == "alarm-email")
        .map(|t| t.value().to_string())
}

#[test]
fn an_alarm_email_is_pending_until_confirmed_and_a_former_address_goes_once_it_can() {
    let _turn = turn();
    let dir = project(Some(&monitored("ops@example.com")));
    apply(dir.path());
    let (c, rt) = (clients("us-east-1"), rt());
    let control = emulator().instance.control();
    let topic = format!("arn:aws:sns:us-east-1:{ACCOUNT}:{ALARM_TOPIC}");

    // As AWS has it: pending until the address confirms, and then not to be unsubscribed.
    assert_eq!(
        email_subscriptions(&c, &rt),
        vec![pending("ops@example.com")]
    );
    let listed = control.sns_pending().unwrap();
    let arn = listed["pending"][0]["subscription_arn"].as_str().unwrap();
    let attributes = rt
        .block_on(
            c.sns
                .get_subscription_attributes()
                .subscription_arn(arn)
                .send(),
        )
        .unwrap();
    assert_eq!(
        attributes
            .attributes()
            .unwrap()
            .get("PendingConfirmation")
            .map(String::as_str),
        Some("true")
    );
    let refused = rt
        .block_on(c.sns.unsubscribe().subscription_arn(arn).send())
        .unwrap_err();
    let refused = refused.as_service_error().unwrap();
    assert!(refused.is_invalid_parameter_exception(), "{refused:?}");
    assert_eq!(
        refused.meta().message(),
        Some("Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription that is pending confirmation")
    );

    // Every new alarm is INSUFFICIENT_DATA until CloudWatch has evaluated it.
    let alarms = rt
        .block_on(
            c.cloudwatch
                .describe_alarms()
                .alarm_name_prefix("librechat-bedrock-librechat-us-east-1")
                .send(),
        )
        .unwrap();
    assert!(!alarms.metric_alarms().is_empty());
    for a in alarms.metric_alarms() {
        assert_eq!(
            (a.state_value().map(|s| s.as_str()), a.state_reason()),
            (
                Some("INSUFFICIENT_DATA"),
                Some("Unchecked: Initial alarm creation")
            ),
            "{a:?}"
        );
    }

    // A pending subscription is the spec's: nothing to do, no drift.
    assert_eq!(writes(&apply(dir.path())), 0, "converged");
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
    // The topic records the address the stack subscribed.
    assert_eq!(alarm_email_tag(&c, &rt).as_deref(), Some("ops@example.com"));

    // Someone subscribes an address of theirs by hand, and confirms it: not the stack's,
    // never touched, and no drift.
    rt.block_on(
        c.sns
            .subscribe()
            .topic_arn(&topic)
            .protocol("email")
            .endpoint("security@example.com")
            .send(),
    )
    .unwrap();
    control.sns_confirm(&topic, "security@example.com").unwrap();
    let by_hand = || ("security@example.com".to_string(), "(its ARN)".to_string());
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains("subscription of security@example.com")
            && plan.stdout.contains("someone else's subscription"),
        "{}",
        plan.stdout
    );
    assert_eq!(writes(&apply(dir.path())), 0, "converged");

    // A new address while the former one is pending: the new one subscribed, the former
    // kept (AWS refuses to unsubscribe it; it receives nothing and expires).
    std::fs::write(
        dir.path().join("bedrock.toml"),
        monitored("oncall@example.com"),
    )
    .unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains("subscription of ops@example.com")
            && plan
                .stdout
                .contains("pending confirmation: AWS refuses to unsubscribe it"),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    assert_eq!(
        email_subscriptions(&c, &rt),
        vec![
            pending("oncall@example.com"),
            pending("ops@example.com"),
            by_hand()
        ]
    );
    // The tag names the new address, and remembers the former one while it is pending.
    assert_eq!(
        alarm_email_tag(&c, &rt).as_deref(),
        Some("oncall@example.com ops@example.com")
    );
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);

    // The former address confirms from the mail it had: alarms would reach it, which is
    // drift; apply unsubscribes it.
    control.sns_confirm(&topic, "ops@example.com").unwrap();
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 2, "{}\n{}", drift.stdout, drift.stderr);
    assert!(drift.stdout.contains(ALARM_TOPIC), "{}", drift.stdout);
    apply(dir.path());
    assert_eq!(
        email_subscriptions(&c, &rt),
        vec![pending("oncall@example.com"), by_hand()]
    );
    assert_eq!(
        alarm_email_tag(&c, &rt).as_deref(),
        Some("oncall@example.com")
    );

    // The spec's address confirms: still converged.
    control.sns_confirm(&topic, "oncall@example.com").unwrap();
    assert_eq!(
        email_subscriptions(&c, &rt),
        vec![
            ("oncall@example.com".to_string(), "(its ARN)".to_string()),
            by_hand()
        ]
    );
    assert_eq!(writes(&apply(dir.path())), 0, "converged");

    // The tag edited by hand is drift, like any tag; apply puts it back and unsubscribes
    // nobody.
    rt.block_on(
        c.sns
            .tag_resource()
            .resource_arn(&topic)
            .tags(
                aws_sdk_sns::types::Tag::builder()
                    .key("alarm-email")
                    .value("edited@example.com")
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .unwrap();
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 2, "{}\n{}", drift.stdout, drift.stderr);
    assert!(drift.stdout.contains("alarm-email"), "{}", drift.stdout);
    apply(dir.path());
    assert_eq!(
        alarm_email_tag(&c, &rt).as_deref(),
        Some("oncall@example.com")
    );
    assert_eq!(
        email_subscriptions(&c, &rt),
        vec![
            ("oncall@example.com".to_string(), "(its ARN)".to_string()),
            by_hand()
        ]
    );
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
    let gone = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(gone.code, 0, "{}", gone.stderr);
    assert!(control.sns_pending().unwrap()["pending"]
        .as_array()
        .unwrap()
        .is_empty());
}
