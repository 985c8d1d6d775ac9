//! PutModelInvocationLoggingConfiguration accepts a configuration only when the log group,
//! the role (its trust and its permissions) and the bucket are right, as AWS does. The role
//! and bucket policies are the project's own templates, rendered: they must pass.

mod common;
use aws_sdk_bedrock::types::{CloudWatchConfig, LoggingConfig, S3Config};
use bedrock_policy::{PolicyKind, Rendered};
use common::{clients, ACCOUNT};

const REGION: &str = "eu-central-1";

fn rendered(role: &str) -> Vec<Rendered> {
    let src = format!(
        "[stack]\nname = \"logging-test\"\nregion = \"{REGION}\"\naccount_id = \"{ACCOUNT}\"\n[logging]\nrole_name = \"{role}\"\nlog_group = \"/test/{role}\"\nbucket = \"logs-{}-{{account_id}}\"\n",
        role.to_lowercase()
    );
    let spec = bedrock_spec::check(&src).spec.expect("valid spec");
    bedrock_policy::built_in_templates()
        .iter()
        .map(|t| {
            bedrock_policy::render(t, &bedrock_policy::Placeholders::for_spec(&spec, ACCOUNT))
                .unwrap()
        })
        .collect()
}

fn doc(policies: &[Rendered], kind: PolicyKind) -> String {
    policies
        .iter()
        .find(|p| p.kind == kind)
        .unwrap()
        .to_canonical_json()
}

fn config(group: &str, role_arn: &str, bucket: &str) -> LoggingConfig {
    LoggingConfig::builder()
        .cloud_watch_config(
            CloudWatchConfig::builder()
                .log_group_name(group)
                .role_arn(role_arn)
                .large_data_delivery_s3_config(
                    S3Config::builder()
                        .bucket_name(bucket)
                        .key_prefix("large-data")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .text_data_delivery_enabled(true)
        .image_data_delivery_enabled(true)
        .embedding_data_delivery_enabled(true)
        .build()
}

#[tokio::test]
async fn logging_is_accepted_only_when_role_trust_permissions_group_and_bucket_are_right() {
    let c = clients(REGION).await;
    let role = "LoggingTestRole";
    let group = format!("/test/{role}");
    let bucket = format!("logs-{}-{ACCOUNT}", role.to_lowercase());
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    let policies = rendered(role);

    let none = c
        .bedrock
        .get_model_invocation_logging_configuration()
        .send()
        .await
        .unwrap();
    assert!(none.logging_config().is_none());

    let put = || {
        c.bedrock
            .put_model_invocation_logging_configuration()
            .logging_config(config(&group, &role_arn, &bucket))
            .send()
    };
    let refused = |step: &str, expected: &str, e: &aws_sdk_bedrock::error::SdkError<_>| {
        let e: &aws_sdk_bedrock::error::SdkError<aws_sdk_bedrock::operation::put_model_invocation_logging_configuration::PutModelInvocationLoggingConfigurationError> = e;
        let service = e
            .as_service_error()
            .unwrap_or_else(|| panic!("{step}: {e:?}"));
        assert!(service.is_validation_exception(), "{step}: {e:?}");
        let message = service.meta().message().unwrap_or_default().to_string();
        assert!(message.contains(expected), "{step}: {message}");
    };
    let log_group_failure = format!("Failed to validate permissions for log group: {group}, with role: {role_arn}. Verify the IAM role permissions are correct.");

    refused(
        "no log group",
        &log_group_failure,
        &put().await.unwrap_err(),
    );
    c.logs
        .create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    refused("no role", &log_group_failure, &put().await.unwrap_err());

    // A trust policy for another account is not trust.
    let trust = doc(&policies, PolicyKind::LoggingTrust);
    c.iam
        .create_role()
        .role_name(role)
        .assume_role_policy_document(trust.replace(ACCOUNT, "999999999999"))
        .send()
        .await
        .unwrap();
    refused(
        "trust for another account",
        &log_group_failure,
        &put().await.unwrap_err(),
    );
    c.iam
        .update_assume_role_policy()
        .role_name(role)
        .policy_document(&trust)
        .send()
        .await
        .unwrap();
    refused(
        "no permissions",
        &log_group_failure,
        &put().await.unwrap_err(),
    );

    // Permission on another group's stream is not permission.
    let cloudwatch = doc(&policies, PolicyKind::LoggingCloudWatch);
    c.iam
        .put_role_policy()
        .role_name(role)
        .policy_name("BedrockLoggingPolicy")
        .policy_document(cloudwatch.replace(&group, "/other"))
        .send()
        .await
        .unwrap();
    refused(
        "permission on another group",
        &log_group_failure,
        &put().await.unwrap_err(),
    );
    c.iam
        .put_role_policy()
        .role_name(role)
        .policy_name("BedrockLoggingPolicy")
        .policy_document(&cloudwatch)
        .send()
        .await
        .unwrap();

    let bucket_failure =
        format!("Failed to validate permissions for bucket: {bucket}, with role: {role_arn}");
    refused("no bucket", &bucket_failure, &put().await.unwrap_err());
    c.s3.create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .unwrap();
    refused(
        "no S3 permission",
        &bucket_failure,
        &put().await.unwrap_err(),
    );
    c.iam
        .put_role_policy()
        .role_name(role)
        .policy_name("BedrockS3Policy")
        .policy_document(doc(&policies, PolicyKind::LoggingS3))
        .send()
        .await
        .unwrap();

    put().await.expect("everything is in place");
    let got = c
        .bedrock
        .get_model_invocation_logging_configuration()
        .send()
        .await
        .unwrap();
    let cw = got
        .logging_config()
        .and_then(|l| l.cloud_watch_config())
        .expect("a configuration");
    assert_eq!(
        (cw.log_group_name(), cw.role_arn()),
        (group.as_str(), role_arn.as_str())
    );
    assert_eq!(
        cw.large_data_delivery_s3_config()
            .and_then(|s| s.key_prefix()),
        Some("large-data")
    );

    // An explicit Deny beats the Allow.
    let deny = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "logs:*", "Resource": "*"}]}"#;
    c.iam
        .put_role_policy()
        .role_name(role)
        .policy_name("Deny")
        .policy_document(deny)
        .send()
        .await
        .unwrap();
    refused(
        "explicit deny",
        &log_group_failure,
        &put().await.unwrap_err(),
    );
    c.iam
        .delete_role_policy()
        .role_name(role)
        .policy_name("Deny")
        .send()
        .await
        .unwrap();
    put().await.unwrap();

    c.bedrock
        .delete_model_invocation_logging_configuration()
        .send()
        .await
        .unwrap();
    let cleared = c
        .bedrock
        .get_model_invocation_logging_configuration()
        .send()
        .await
        .unwrap();
    assert!(cleared.logging_config().is_none());
}

#[tokio::test]
async fn permissions_from_attached_managed_policies_count() {
    let region = "ca-central-1";
    let c = clients(region).await;
    let role = "ManagedPoliciesRole";
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["bedrock.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]}"#;
    c.logs
        .create_log_group()
        .log_group_name("/managed/logs")
        .send()
        .await
        .unwrap();
    c.iam
        .create_role()
        .role_name(role)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let put = || {
        c.bedrock
            .put_model_invocation_logging_configuration()
            .logging_config(
                LoggingConfig::builder()
                    .cloud_watch_config(
                        CloudWatchConfig::builder()
                            .log_group_name("/managed/logs")
                            .role_arn(&role_arn)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
    };
    assert!(put().await.is_err(), "no permissions yet");
    // An AWS-managed policy exists in every account, as in AWS.
    c.iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn("arn:aws:iam::aws:policy/CloudWatchLogsFullAccess")
        .send()
        .await
        .expect("AWS-managed policies are there to attach");
    put()
        .await
        .expect("CloudWatchLogsFullAccess allows writing the log stream");
    c.iam
        .detach_role_policy()
        .role_name(role)
        .policy_arn("arn:aws:iam::aws:policy/CloudWatchLogsFullAccess")
        .send()
        .await
        .unwrap();
    assert!(put().await.is_err());
    let own = c
        .iam
        .create_policy()
        .policy_name("ManagedLogs")
        .policy_document(format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:{region}:{ACCOUNT}:log-group:/managed/logs:*"}}]}}"#))
        .send()
        .await
        .unwrap();
    c.iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(own.policy().unwrap().arn().unwrap())
        .send()
        .await
        .unwrap();
    put().await.expect("a customer-managed policy counts too");
}
