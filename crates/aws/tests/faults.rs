//! Throttling, server errors and dropped connections injected by the emulator are survived
//! by the SDK's standard retry; the propagation delay fails fresh roles until they are old
//! enough; latency is applied per request without serialising concurrent ones.
//!
//! One test, in order: faults and settings are global to the emulator.

mod common;
use aws_sdk_bedrock::types::{CloudWatchConfig, LoggingConfig};
use bedrock_emulator::{Fault, FaultKind};
use common::{clients, instance, ACCOUNT};
use std::time::{Duration, Instant};

fn fault(service: &str, operation: &str, count: u32, kind: FaultKind) -> Fault {
    Fault {
        service: Some(service.into()),
        operation: Some(operation.into()),
        count,
        kind,
    }
}

fn pending(control: &bedrock_emulator::Control) -> usize {
    control.state().unwrap()["faults"].as_array().unwrap().len()
}

#[tokio::test]
async fn faults_latency_and_propagation() {
    let c = clients("us-east-1").await;
    let control = instance().control();

    // Throttling below the retry budget: the call succeeds, every fault was served.
    control
        .inject(&fault(
            "bedrock",
            "ListInferenceProfiles",
            2,
            FaultKind::Throttle,
        ))
        .unwrap();
    c.bedrock
        .list_inference_profiles()
        .send()
        .await
        .expect("retried past two 429s");
    assert_eq!(pending(&control), 0);

    // Throttling beyond it: the SDK gives up with the modelled throttling error.
    control
        .inject(&fault(
            "bedrock",
            "ListInferenceProfiles",
            bedrock_aws::MAX_ATTEMPTS,
            FaultKind::Throttle,
        ))
        .unwrap();
    let e = c
        .bedrock
        .list_inference_profiles()
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_throttling_exception()),
        "{e:?}"
    );
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(429));

    // IAM's own throttling (query protocol), a 500 and a dropped connection: all retried.
    control
        .inject(&fault("iam", "ListRoles", 2, FaultKind::Throttle))
        .unwrap();
    c.iam
        .list_roles()
        .send()
        .await
        .expect("retried past IAM throttling");
    control
        .inject(&fault(
            "bedrock",
            "ListInferenceProfiles",
            1,
            FaultKind::Server,
        ))
        .unwrap();
    c.bedrock
        .list_inference_profiles()
        .send()
        .await
        .expect("retried past a 500");
    control
        .inject(&fault(
            "bedrock",
            "ListInferenceProfiles",
            1,
            FaultKind::Drop,
        ))
        .unwrap();
    c.bedrock
        .list_inference_profiles()
        .send()
        .await
        .expect("retried past a dropped connection");
    control
        .inject(&fault("logs", "DescribeLogGroups", 1, FaultKind::Throttle))
        .unwrap();
    c.logs
        .describe_log_groups()
        .send()
        .await
        .expect("retried past Logs throttling");
    assert_eq!(pending(&control), 0);
    control
        .inject(&fault(
            "bedrock",
            "CreateInferenceProfile",
            1,
            FaultKind::Throttle,
        ))
        .unwrap();
    control.clear_faults().unwrap();
    assert_eq!(pending(&control), 0);

    // Propagation: a role younger than the delay fails the logging check, then passes.
    let role = "PropagationRole";
    let group = "/test/propagation";
    c.logs
        .create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    let trust = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "bedrock.amazonaws.com"}}, "Action": "sts:AssumeRole", "Condition": {{"StringEquals": {{"aws:SourceAccount": "{ACCOUNT}"}}}}}}]}}"#
    );
    let permissions = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}:log-stream:aws/bedrock/modelinvocations"}}]}}"#
    );
    control.set_propagation_delay(3.0).unwrap();
    c.iam
        .create_role()
        .role_name(role)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    c.iam
        .put_role_policy()
        .role_name(role)
        .policy_name("Logs")
        .policy_document(permissions)
        .send()
        .await
        .unwrap();
    let created = Instant::now();
    let put = || {
        c.bedrock
            .put_model_invocation_logging_configuration()
            .logging_config(
                LoggingConfig::builder()
                    .cloud_watch_config(
                        CloudWatchConfig::builder()
                            .log_group_name(group)
                            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
    };
    let young = put().await.unwrap_err();
    assert!(
        young
            .as_service_error()
            .is_some_and(|e| e.is_validation_exception()),
        "{young:?}"
    );
    assert!(
        created.elapsed() < Duration::from_secs(3),
        "the first attempt came too late to prove anything"
    );
    tokio::time::sleep(
        Duration::from_secs(3).saturating_sub(created.elapsed()) + Duration::from_millis(300),
    )
    .await;
    put().await.expect("the role is old enough now");
    control.set_propagation_delay(0.0).unwrap();

    // Latency: each request waits, concurrent requests wait together. Eight requests at
    // 400 ms would take 3.2 s one after another; together they take about 0.4 s.
    control.set_latency_ms(400.0).unwrap();
    let started = Instant::now();
    let calls = (0..8).map(|_| {
        let b = c.bedrock.clone();
        tokio::spawn(async move { b.list_inference_profiles().max_results(1).send().await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    control.set_latency_ms(0.0).unwrap();
    assert!(
        elapsed >= Duration::from_millis(400),
        "latency not applied: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(2400),
        "concurrent requests were serialised: {elapsed:?}"
    );
}
