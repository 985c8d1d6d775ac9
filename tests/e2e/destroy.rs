//! `destroy`: what it removes and what it keeps (data, foreign resources, the user's lines
//! of `.env`), and a bucket whose objects cannot be deleted.

use super::*;

#[test]
fn destroy_removes_the_stack_and_keeps_data_and_foreign_resources() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let c = clients("us-east-1");
    let rt = rt();
    let bucket = format!("bedrock-logs-{ACCOUNT}");
    rt.block_on(
        c.s3.put_object()
            .bucket(&bucket)
            .key("large-data/payload.json")
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
            .send(),
    )
    .unwrap();
    let source =
        format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-pro-v1:0");
    rt.block_on(
        c.bedrock
            .create_inference_profile()
            .inference_profile_name("Someone-Elses")
            .model_source(aws_sdk_bedrock::types::InferenceProfileModelSource::CopyFrom(source))
            .send(),
    )
    .unwrap();

    let refused = run(dir.path(), &["destroy"]);
    assert_eq!(
        refused.code, 1,
        "destroy without --yes and without a terminal must refuse"
    );
    assert!(
        refused
            .stderr
            .contains("refusing to change AWS without confirmation"),
        "{}",
        refused.stderr
    );

    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("holds the invocation logs: pass --delete-data"),
        "{}",
        r.stdout
    );
    let names: Vec<String> = application_profiles(&c)
        .iter()
        .map(|p| p.inference_profile_name().to_string())
        .collect();
    assert_eq!(names, ["Someone-Elses"]);
    assert!(rt
        .block_on(c.iam.get_role().role_name("BedrockLoggingRole").send())
        .is_err());
    assert!(rt
        .block_on(
            c.bedrock
                .get_model_invocation_logging_configuration()
                .send()
        )
        .unwrap()
        .logging_config()
        .is_none());
    assert!(
        rt.block_on(
            c.s3.head_object()
                .bucket(&bucket)
                .key("large-data/payload.json")
                .send()
        )
        .is_ok(),
        "the payload was kept"
    );
    let groups = rt
        .block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix("/aws/bedrock/model-invocations")
                .send(),
        )
        .unwrap();
    assert_eq!(groups.log_groups().len(), 1, "the log group was kept");

    let r = run(dir.path(), &["destroy", "--yes", "--delete-data"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        rt.block_on(c.s3.head_bucket().bucket(&bucket).send())
            .is_err(),
        "the bucket is gone"
    );
    let groups = rt
        .block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix("/aws/bedrock/model-invocations")
                .send(),
        )
        .unwrap();
    assert!(groups.log_groups().is_empty());
    assert_eq!(
        application_profiles(&c).len(),
        1,
        "the foreign profile stays"
    );
}

#[test]
fn destroy_takes_the_stack_s_lines_out_of_env_and_keeps_the_rest() {
    let _turn = turn();
    let dir = project(None);
    std::fs::write(dir.path().join(".env"), "# mine\nOPENAI_API_KEY=sk-test\n").unwrap();
    apply(dir.path());
    assert_eq!(env_values(dir.path()).len(), 5);
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("~ file .env"), "{}", r.stdout);
    let env = env_values(dir.path());
    assert_eq!(
        env.get("OPENAI_API_KEY").map(String::as_str),
        Some("sk-test")
    );
    assert!(
        !env.keys().any(|k| k.ends_with("_PROFILE")),
        "the deleted profiles' lines are gone: {env:?}"
    );
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(
        text.starts_with("# mine\nOPENAI_API_KEY=sk-test\n"),
        "{text}"
    );
}

#[test]
fn a_bucket_whose_objects_cannot_be_deleted_stops_destroy_with_the_keys() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let c = clients("us-east-1");
    let rt = rt();
    let bucket = format!("bedrock-logs-{ACCOUNT}");
    // Someone put a payload under a legal hold (object lock, enabled on the versioned bucket).
    rt.block_on(
        c.s3.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    rt.block_on(
        c.s3.put_object_lock_configuration()
            .bucket(&bucket)
            .object_lock_configuration(
                aws_sdk_s3::types::ObjectLockConfiguration::builder()
                    .object_lock_enabled(aws_sdk_s3::types::ObjectLockEnabled::Enabled)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    let key = "large-data/held.json";
    rt.block_on(
        c.s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
            .send(),
    )
    .unwrap();
    let hold = |status: aws_sdk_s3::types::ObjectLockLegalHoldStatus| {
        rt.block_on(
            c.s3.put_object_legal_hold()
                .bucket(&bucket)
                .key(key)
                .legal_hold(
                    aws_sdk_s3::types::ObjectLockLegalHold::builder()
                        .status(status)
                        .build(),
                )
                .send(),
        )
        .unwrap();
    };
    hold(aws_sdk_s3::types::ObjectLockLegalHoldStatus::On);
    let r = run(dir.path(), &["destroy", "--yes", "--delete-data"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "emptying bucket {bucket}: 1 object versions could not be deleted: {key} (AccessDenied"
        )),
        "{}",
        r.stderr
    );
    assert!(rt
        .block_on(c.s3.head_bucket().bucket(&bucket).send())
        .is_ok());
    // With the hold lifted, the same command finishes the job.
    hold(aws_sdk_s3::types::ObjectLockLegalHoldStatus::Off);
    let r = run(dir.path(), &["destroy", "--yes", "--delete-data"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(rt
        .block_on(c.s3.head_bucket().bucket(&bucket).send())
        .is_err());
}
