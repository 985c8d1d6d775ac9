//! Model invocation logging's destinations end to end: the stack's bucket alone (no role, no
//! log group), a log group and the bucket together, and every delivery flag sent explicitly.

use crate::stack;
use stack::*;
use std::io::Read;

const S3_ONLY: &str = r#"
[stack]
name = "s3only"
region = "us-east-1"

[logging]
destinations = ["s3"]
audio = true

[[profiles]]
name = "LibreChat-Claude-Sonnet-4-5"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_SONNET_45_PROFILE"
"#;

const BUCKET: &str = "bedrock-logs-123456789012";

/// The records Bedrock delivered to the bucket's S3 destination.
fn s3_records(c: &bedrock_aws::Clients) -> Vec<serde_json::Value> {
    let rt = rt();
    let listed = rt
        .block_on(
            c.s3.list_objects_v2()
                .bucket(BUCKET)
                .prefix("invocation-logs/")
                .send(),
        )
        .unwrap();
    let mut records = Vec::new();
    for o in listed.contents() {
        let key = o.key().unwrap();
        if !key.ends_with(".json.gz") {
            continue;
        }
        let bytes = rt.block_on(async {
            let out =
                c.s3.get_object()
                    .bucket(BUCKET)
                    .key(key)
                    .send()
                    .await
                    .unwrap();
            out.body.collect().await.unwrap().into_bytes()
        });
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert!(
            key.starts_with(&format!(
                "invocation-logs/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/us-east-1/"
            )),
            "{key}"
        );
        records.extend(
            text.lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()),
        );
    }
    records
}

#[test]
fn s3_alone_needs_no_role_and_no_log_group_and_verify_reads_the_bucket() {
    let _turn = turn();
    let dir = project(Some(S3_ONLY));
    apply(dir.path());
    let c = clients("us-east-1");
    let rt = rt();
    let role = rt.block_on(c.iam.get_role().role_name("BedrockLoggingRole").send());
    assert!(role.is_err(), "no logging role: {role:?}");
    let groups = rt
        .block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix("/aws/bedrock")
                .send(),
        )
        .unwrap();
    assert!(groups.log_groups().is_empty(), "{groups:?}");
    let config = rt
        .block_on(
            c.bedrock
                .get_model_invocation_logging_configuration()
                .send(),
        )
        .unwrap();
    let l = config.logging_config().unwrap();
    assert!(l.cloud_watch_config().is_none());
    assert_eq!(
        l.s3_config().map(|s| (s.bucket_name(), s.key_prefix())),
        Some((BUCKET, Some("invocation-logs")))
    );
    // Every delivery flag is sent, whatever its value.
    assert_eq!(
        (
            l.text_data_delivery_enabled(),
            l.image_data_delivery_enabled(),
            l.embedding_data_delivery_enabled(),
            l.video_data_delivery_enabled(),
            l.audio_data_delivery_enabled()
        ),
        (Some(true), Some(true), Some(true), Some(false), Some(true))
    );
    assert!(!dir
        .path()
        .join("policies/bedrock-logging-trust.rendered.json")
        .exists());

    let env = env_values(dir.path());
    let profile = &env["BEDROCK_SONNET_45_PROFILE"];
    converse(&runtime_client(), profile);
    let records = s3_records(&c);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["modelId"], profile.as_str());

    let r = run(dir.path(), &["verify", "--json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["s3"], "s3://bedrock-logs-123456789012/invocation-logs");
    assert_eq!(v["report"]["models"][0]["via_profile"], 1);
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);

    // An object that holds no records (put under the prefix by hand) is skipped and named;
    // the records are still read, by verify and by usage.
    let junk = format!(
        "invocation-logs/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/us-east-1/2026/12/01/00/junk.json.gz"
    );
    rt.block_on(
        c.s3.put_object()
            .bucket(BUCKET)
            .key(&junk)
            .body(b"not gzip".to_vec().into())
            .send(),
    )
    .unwrap();
    let r = run(dir.path(), &["verify", "--json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["report"]["models"][0]["via_profile"], 1, "{v}");
    assert!(
        v["skipped"][0].as_str().unwrap().contains("junk.json.gz"),
        "{v}"
    );
    let r = run(dir.path(), &["usage", "--since", "1h"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "records in the last 1h (s3://bedrock-logs-123456789012/invocation-logs, us-east-1): 1"
        ) && r
            .stdout
            .contains("skipped, holds no records: s3://bedrock-logs-123456789012/")
            && r.stdout.contains("junk.json.gz"),
        "{}",
        r.stdout
    );
}

#[test]
fn both_destinations_get_every_record_and_dropping_cloudwatch_retires_the_role() {
    let _turn = turn();
    let both = S3_ONLY.replace(
        r#"destinations = ["s3"]"#,
        r#"destinations = ["cloudwatch", "s3"]"#,
    );
    let dir = project(Some(&both));
    apply(dir.path());
    let c = clients("us-east-1");
    let profile = env_values(dir.path())["BEDROCK_SONNET_45_PROFILE"].clone();
    converse(&runtime_client(), &profile);
    assert_eq!(s3_records(&c).len(), 1);
    let events = rt()
        .block_on(bedrock_aws::read_events(
            &c,
            "/aws/bedrock/model-invocations",
            0,
            &|_| {},
        ))
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let r = run(dir.path(), &["verify", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["log_group"], "/aws/bedrock/model-invocations",
        "a log group is read first"
    );

    // Back to the bucket alone: the role goes (after the configuration stops naming it), the
    // log group and its records stay.
    std::fs::write(dir.path().join("bedrock.toml"), S3_ONLY).unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("- role BedrockLoggingRole  # no longer needed")
            && plan.stdout.contains(
                "log group /aws/bedrock/model-invocations: holds the invocation logs from before"
            ),
        "{}",
        plan.stdout
    );
    let policies = dir.path().join("policies");
    assert!(policies
        .join("bedrock-logging-trust.rendered.json")
        .exists());
    apply(dir.path());
    assert!(rt()
        .block_on(c.iam.get_role().role_name("BedrockLoggingRole").send())
        .is_err());
    // The retired role's rendered policies are removed with it; the bucket's stays.
    for gone in [
        "bedrock-logging-trust.rendered.json",
        "bedrock-logging-cloudwatch.rendered.json",
        "bedrock-logging-s3.rendered.json",
    ] {
        assert!(!policies.join(gone).exists(), "{gone} left behind");
    }
    assert!(policies.join("bedrock-logs-bucket.rendered.json").exists());
    assert_eq!(
        rt().block_on(
            c.logs
                .describe_log_groups()
                .log_group_name_prefix("/aws/bedrock")
                .send()
        )
        .unwrap()
        .log_groups()
        .len(),
        1
    );
    assert_eq!(writes(&apply(dir.path())), 0);
}
