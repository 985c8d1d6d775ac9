//! The guide's cost and monitoring promises, end to end: tag keys activated as cost
//! allocation tags (pending until Billing knows them; a member account of an Organization told
//! what to run in the management account), and the stack's dashboard, alarms and alarm topic,
//! with `verify` reading Bedrock's metrics.

mod alarm_email;
use crate::common;
use crate::stack;
use stack::*;

const COSTED: &str = r#"
[stack]
name = "costed"
region = "us-east-1"

[[profiles]]
name = "LibreChat-Claude-Sonnet-4-5"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_SONNET_45_PROFILE"
tags = { Application = "LibreChat" }

[cost]
activate_tags = ["Application"]
"#;

#[test]
fn a_tag_key_is_pending_until_billing_knows_it_then_activated() {
    let _turn = turn();
    let dir = project(Some(COSTED));
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains(
            "cost allocation tag Application: pending: Billing knows a tag key up to a day after"
        ),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    // Now a resource carries the key: Billing knows it, inactive.
    let plan = run(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    assert!(
        plan.stdout.contains(
            "~ cost allocation tag Application  # Billing knows the key, and it is not active"
        ),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
    let json = run(dir.path(), &["plan", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let tag = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "cost_allocation_tag")
        .unwrap();
    assert_eq!(
        (tag["name"].as_str(), tag["reason"].as_str()),
        (Some("Application"), Some("active in Billing"))
    );
}

#[test]
fn a_member_account_is_told_to_activate_tags_in_the_management_account() {
    let _turn = turn();
    let c = clients("us-east-1");
    let rt = rt();
    // The emulator's account manages an Organization; a member account of it runs the plan.
    let member = rt.block_on(async {
        c.organizations.create_organization().send().await.unwrap();
        let made = c
            .organizations
            .create_account()
            .email("member@example.com")
            .account_name("member")
            .send()
            .await
            .unwrap();
        let status = made.create_account_status().unwrap();
        status.account_id().unwrap().to_string()
    });
    let creds = rt
        .block_on(
            c.sts
                .assume_role()
                .role_arn(format!(
                    "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
                ))
                .role_session_name("platform")
                .send(),
        )
        .unwrap();
    let creds = creds.credentials().unwrap();
    let dir = project(Some(COSTED));
    let endpoint = emulator().instance.endpoint();
    let r = common::xtask_env(
        dir.path(),
        &["plan", "--endpoint-url", &endpoint],
        &[
            ("AWS_ACCESS_KEY_ID", creds.access_key_id()),
            ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key()),
            ("AWS_SESSION_TOKEN", creds.session_token()),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!("account {member} is a member of an AWS Organization, where only the Organization's management account 123456789012 may activate cost allocation tags"))
            || r.stdout.contains(&format!("account {member} is a member of an AWS Organization, where only the Organization's management account may activate cost allocation tags")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("aws ce update-cost-allocation-tags-status --cost-allocation-tags-status TagKey=Application,Status=Active"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_dashboard_names_every_profile_and_the_alarms_reach_the_subscription() {
    let _turn = turn();
    let spec =
        guide_spec() + "\n[monitoring]\ndashboard = true\nalarm_email = \"ops@example.com\"\n";
    let dir = project(Some(&spec));
    apply(dir.path());
    assert_eq!(writes(&apply(dir.path())), 0, "converged");
    let c = clients("us-east-1");
    let rt = rt();
    let prefix = "librechat-bedrock-librechat-us-east-1";
    let body = rt
        .block_on(c.cloudwatch.get_dashboard().dashboard_name(prefix).send())
        .unwrap()
        .dashboard_body()
        .unwrap()
        .to_string();
    let env = env_values(dir.path());
    for (name, var) in [
        ("LibreChat-Claude-3-7-Sonnet", "BEDROCK_CLAUDE_37_PROFILE"),
        ("LibreChat-Claude-Sonnet-4-5", "BEDROCK_SONNET_45_PROFILE"),
        ("LibreChat-Claude-Opus-4-5", "BEDROCK_OPUS_45_PROFILE"),
    ] {
        assert!(
            body.contains(&format!("{name}: Invocations")),
            "{name} in {body}"
        );
        assert!(body.contains(&env[var]), "{name}'s ARN in {body}");
        assert!(
            body.contains("AWS/Bedrock") && body.contains("InvocationThrottles"),
            "{body}"
        );
    }
    let alarms = rt
        .block_on(
            c.cloudwatch
                .describe_alarms()
                .alarm_name_prefix(prefix)
                .send(),
        )
        .unwrap();
    let names: Vec<&str> = alarms
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name())
        .collect();
    for expected in [
        "librechat-bedrock-librechat-us-east-1-log-delivery-cloudwatch",
        "librechat-bedrock-librechat-us-east-1-throttles-LibreChat-Claude-Opus-4-5",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let topic = alarms.metric_alarms()[0].alarm_actions()[0].to_string();
    assert!(
        topic.ends_with(":librechat-bedrock-librechat-us-east-1-alarms"),
        "{topic}"
    );
    let subscriptions = rt
        .block_on(c.sns.list_subscriptions_by_topic().topic_arn(&topic).send())
        .unwrap();
    assert!(
        subscriptions
            .subscriptions()
            .iter()
            .any(|s| s.protocol() == Some("email") && s.endpoint() == Some("ops@example.com")),
        "{subscriptions:?}"
    );

    // Bedrock's metrics of a call, read back by verify.
    converse(&runtime_client(), &env["BEDROCK_SONNET_45_PROFILE"]);
    let r = run(dir.path(), &["verify", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let sonnet = v["report"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["profile"] == "LibreChat-Claude-Sonnet-4-5")
        .unwrap();
    assert_eq!(sonnet["metrics"]["invocations"], 1.0, "{sonnet}");
    let text = run(dir.path(), &["verify"]);
    assert!(
        text.stdout.contains("CloudWatch metrics (AWS/Bedrock)"),
        "{}",
        text.stdout
    );

    let gone = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(gone.code, 0, "{}", gone.stderr);
    assert!(rt
        .block_on(c.cloudwatch.get_dashboard().dashboard_name(prefix).send())
        .is_err());
    let left = rt
        .block_on(
            c.cloudwatch
                .describe_alarms()
                .alarm_name_prefix(prefix)
                .send(),
        )
        .unwrap();
    assert!(left.metric_alarms().is_empty(), "{left:?}");
    let topics = rt.block_on(c.sns.list_topics().send()).unwrap();
    assert!(topics.topics().is_empty(), "{topics:?}");
}

#[test]
fn sns_and_cloudwatch_refuse_what_aws_refuses_and_alarms_keep_their_state_on_update() {
    let _turn = turn();
    let (c, rt) = (clients("us-east-1"), rt());
    let topic = rt
        .block_on(c.sns.create_topic().name("refusals").send())
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();

    // An unknown protocol.
    let refused = rt
        .block_on(
            c.sns
                .subscribe()
                .topic_arn(&topic)
                .protocol("ftp")
                .endpoint("ftp://example.com")
                .send(),
        )
        .unwrap_err();
    let refused = refused.as_service_error().unwrap();
    assert!(refused.is_invalid_parameter_exception(), "{refused:?}");
    assert_eq!(
        refused.meta().message(),
        Some("Invalid parameter: Amazon SNS does not support this protocol string: ftp")
    );

    // Subscribe answers "pending confirmation" for an email, unless asked for the ARN.
    let subscribe = |email: &str, arn: bool| {
        rt.block_on(
            c.sns
                .subscribe()
                .topic_arn(&topic)
                .protocol("email")
                .endpoint(email)
                .return_subscription_arn(arn)
                .send(),
        )
        .unwrap()
        .subscription_arn()
        .unwrap()
        .to_string()
    };
    assert_eq!(subscribe("a@example.com", false), "pending confirmation");
    assert!(subscribe("a@example.com", true).starts_with(&format!("{topic}:")));

    // A new alarm starts INSUFFICIENT_DATA; an update keeps the state it has.
    let put = |threshold: f64| {
        rt.block_on(
            c.cloudwatch
                .put_metric_alarm()
                .alarm_name("refusals-alarm")
                .namespace("AWS/Bedrock")
                .metric_name("InvocationThrottles")
                .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
                .period(300)
                .evaluation_periods(1)
                .threshold(threshold)
                .comparison_operator(
                    aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold,
                )
                .send(),
        )
        .unwrap();
        let out = rt
            .block_on(
                c.cloudwatch
                    .describe_alarms()
                    .alarm_names("refusals-alarm")
                    .send(),
            )
            .unwrap();
        let a = &out.metric_alarms()[0];
        (
            a.state_value().map(|s| s.as_str().to_string()),
            a.threshold(),
        )
    };
    assert_eq!(put(0.0), (Some("INSUFFICIENT_DATA".into()), Some(0.0)));
    rt.block_on(
        c.cloudwatch
            .set_alarm_state()
            .alarm_name("refusals-alarm")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
            .state_reason("by hand")
            .send(),
    )
    .unwrap();
    assert_eq!(put(5.0), (Some("ALARM".into()), Some(5.0)));

    // Dashboard bodies AWS refuses, each with its message.
    let widgets_error = |path: &str, message: &str| {
        format!(
            "The dashboard body is invalid, there are 1 validation errors:\n[\n  {{\n    \"dataPath\": \"{path}\",\n    \"message\": \"{message}\"\n  }}\n]"
        )
    };
    for (body, message) in [
        (
            "not json",
            "The field DashboardBody must be a valid JSON object".to_string(),
        ),
        (
            "[]",
            "The field DashboardBody must be a valid JSON object".to_string(),
        ),
        (
            "{}",
            widgets_error("", "Should have required property 'widgets'"),
        ),
        (
            r#"{"widgets":{}}"#,
            widgets_error("/widgets", "Should be array"),
        ),
        (
            r#"{"widgets":[{"properties":{"markdown":"x"}}]}"#,
            widgets_error("/widgets/0", "Should have required property 'type'"),
        ),
        (
            r#"{"widgets":[{"type":"text","width":25,"properties":{"markdown":"x"}}]}"#,
            widgets_error("/widgets/0/width", "Should be <= 24"),
        ),
    ] {
        let refused = rt
            .block_on(
                c.cloudwatch
                    .put_dashboard()
                    .dashboard_name("refusals")
                    .dashboard_body(body)
                    .send(),
            )
            .unwrap_err();
        let refused = refused.as_service_error().unwrap();
        assert!(
            refused.is_dashboard_invalid_input_error(),
            "{body}: {refused:?}"
        );
        assert_eq!(refused.meta().message(), Some(message.as_str()), "{body}");
    }
    let listed = rt.block_on(c.cloudwatch.list_dashboards().send()).unwrap();
    assert!(listed.dashboard_entries().is_empty(), "{listed:?}");
    let body = r#"{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":3,"properties":{"markdown":"x"}}]}"#;
    rt.block_on(
        c.cloudwatch
            .put_dashboard()
            .dashboard_name("refusals")
            .dashboard_body(body)
            .send(),
    )
    .unwrap();
}
