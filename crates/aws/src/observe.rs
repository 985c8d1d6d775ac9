//! Observe: read the live state of everything the spec manages. After the caller's identity,
//! every read is issued at once, and the reads that need a first answer (a role's inline
//! policies, each profile's tags) at once after that: three sequential round trips however
//! many profiles there are. Absence is a state, not an error.

use crate::error::{context, AwsError};
use crate::Clients;
use aws_sdk_bedrock::error::ProvideErrorMetadata;
use aws_sdk_bedrock::types::InferenceProfileType;
use bedrock_plan::{
    BucketState, DesiredState, LifecycleRule, LoggingSettings, ObservedBucket, ObservedLogGroup,
    ObservedProfile, ObservedRole, ObservedState, PublicAccessBlock, SourceState,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// At most this many reads of one kind (profile tags, policies) in flight at once.
const READ_CONCURRENCY: usize = 32;

/// The account the credentials belong to.
pub async fn caller_account(c: &Clients) -> Result<String, AwsError> {
    let out = c.sts.get_caller_identity().send().await.map_err(context(
        "reading the caller identity (sts:GetCallerIdentity)",
    ))?;
    out.account().map(str::to_string).ok_or_else(|| AwsError {
        context: "reading the caller identity".into(),
        code: None,
        message: "the answer has no account".into(),
    })
}

/// Whether an SDK error carries one of these codes (the service answered "not there").
fn is_code<E: ProvideErrorMetadata>(e: &E, codes: &[&str]) -> bool {
    e.code().is_some_and(|c| codes.contains(&c))
}

fn status_of<E, R: HttpStatus>(e: &aws_sdk_bedrock::error::SdkError<E, R>) -> Option<u16> {
    e.raw_response().map(HttpStatus::status_code)
}

trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

/// A policy document as IAM returns it (URL-encoded JSON) or as S3 does (JSON).
pub fn decode_policy(text: &str) -> Value {
    let decoded = if text.trim_start().starts_with('{') {
        text.to_string()
    } else {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    serde_json::from_str(&decoded).unwrap_or(Value::String(decoded))
}

/// Read everything `desired` manages, for the account `account_id`.
pub async fn observe(
    c: &Clients,
    desired: &DesiredState,
    account_id: &str,
) -> Result<ObservedState, AwsError> {
    let (log_group, bucket, role, logging, profiles, sources, runtime_role) = tokio::join!(
        log_group(c, desired),
        bucket(c, desired),
        role(c, desired),
        logging(c),
        profiles(c),
        sources(c, desired),
        runtime_role(c, desired),
    );
    Ok(ObservedState {
        account_id: account_id.to_string(),
        log_group: log_group?,
        bucket: bucket?,
        role: role?,
        logging: logging?,
        profiles: profiles?,
        sources: sources?,
        runtime_role: runtime_role?,
    })
}

/// LibreChat's role, when the spec names one: its tags and this tool's policy on it.
async fn runtime_role(
    c: &Clients,
    d: &DesiredState,
) -> Result<Option<bedrock_plan::ObservedRuntimeRole>, AwsError> {
    let Some(rt) = &d.runtime else {
        return Ok(None);
    };
    let name = rt.role.as_str();
    let (role, tags, policy) = tokio::join!(
        c.iam.get_role().role_name(name).send(),
        c.iam.list_role_tags().role_name(name).send(),
        c.iam
            .get_role_policy()
            .role_name(name)
            .policy_name(bedrock_plan::runtime_policy_name())
            .send(),
    );
    match role {
        Ok(_) => {}
        Err(e) if is_code(&e, &["NoSuchEntity"]) => return Ok(None),
        Err(e) => return Err(context(format!("reading LibreChat's role {name}"))(e)),
    }
    let tags = match tags {
        Ok(t) => t
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        Err(e) if is_code(&e, &["NoSuchEntity"]) => BTreeMap::new(),
        Err(e) => return Err(context(format!("reading the tags of role {name}"))(e)),
    };
    let policy = match policy {
        Ok(p) => Some(decode_policy(p.policy_document())),
        Err(e) if is_code(&e, &["NoSuchEntity"]) => None,
        Err(e) => {
            return Err(context(format!(
                "reading the Bedrock policy of role {name}"
            ))(e))
        }
    };
    Ok(Some(bedrock_plan::ObservedRuntimeRole { tags, policy }))
}

async fn log_group(c: &Clients, d: &DesiredState) -> Result<Option<ObservedLogGroup>, AwsError> {
    let name = &d.log_group.name;
    let (groups, tags) = tokio::join!(
        c.logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send(),
        c.logs
            .list_tags_for_resource()
            .resource_arn(d.log_group_arn())
            .send(),
    );
    let groups = groups.map_err(context(format!("reading log group {name}")))?;
    let Some(group) = groups
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name.as_str()))
    else {
        return Ok(None);
    };
    let tags = match tags {
        Ok(t) => t.tags().cloned().unwrap_or_default().into_iter().collect(),
        Err(e) if is_code(&e, &["ResourceNotFoundException"]) => BTreeMap::new(),
        Err(e) => return Err(context(format!("reading the tags of log group {name}"))(e)),
    };
    Ok(Some(ObservedLogGroup {
        name: name.clone(),
        retention_days: group
            .retention_in_days()
            .and_then(|d| u32::try_from(d).ok()),
        tags,
    }))
}

/// The codes S3 answers with for a setting that is not there (or a bucket that is not).
const ABSENT: &[&str] = &[
    "NoSuchBucket",
    "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "NoSuchBucketPolicy",
    "NoSuchLifecycleConfiguration",
    "NoSuchTagSet",
    "NoSuchTagSetError",
];

macro_rules! absent_or {
    ($result:expr, $what:expr) => {
        match $result {
            Ok(v) => Some(v),
            Err(e) if is_code(&e, ABSENT) || status_of(&e) == Some(404) => None,
            Err(e) => return Err(context($what)(e)),
        }
    };
}

async fn bucket(c: &Clients, d: &DesiredState) -> Result<BucketState, AwsError> {
    let name = d.bucket.name.as_str();
    let s3 = &c.s3;
    let (head, location, tagging, pab, encryption, ownership, policy, lifecycle) = tokio::join!(
        s3.head_bucket().bucket(name).send(),
        s3.get_bucket_location().bucket(name).send(),
        s3.get_bucket_tagging().bucket(name).send(),
        s3.get_public_access_block().bucket(name).send(),
        s3.get_bucket_encryption().bucket(name).send(),
        s3.get_bucket_ownership_controls().bucket(name).send(),
        s3.get_bucket_policy().bucket(name).send(),
        s3.get_bucket_lifecycle_configuration().bucket(name).send(),
    );
    match head {
        Ok(_) => {}
        Err(e) => {
            return match status_of(&e) {
                Some(404) => Ok(BucketState::Missing),
                Some(403) => Ok(BucketState::Foreign),
                Some(301) => {
                    let region = e
                        .raw_response()
                        .and_then(|r| r.headers().get("x-amz-bucket-region"))
                        .unwrap_or("another region")
                        .to_string();
                    Ok(BucketState::OtherRegion { region })
                }
                _ => Err(context(format!("reading bucket {name}"))(e)),
            }
        }
    }
    let region = match location {
        Ok(l) => match l.location_constraint().map(|c| c.as_str().to_string()) {
            None => "us-east-1".to_string(),
            Some(c) if c.is_empty() => "us-east-1".to_string(),
            Some(c) if c == "EU" => "eu-west-1".to_string(),
            Some(c) => c,
        },
        Err(e) => return Err(context(format!("reading the region of bucket {name}"))(e)),
    };
    if region != d.region {
        return Ok(BucketState::OtherRegion { region });
    }
    let tags = absent_or!(tagging, format!("reading the tags of bucket {name}"))
        .map(|t| {
            t.tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let public_access_block = absent_or!(
        pab,
        format!("reading the public access block of bucket {name}")
    )
    .and_then(|p| p.public_access_block_configuration().cloned())
    .map(|p| PublicAccessBlock {
        block_public_acls: p.block_public_acls().unwrap_or(false),
        ignore_public_acls: p.ignore_public_acls().unwrap_or(false),
        block_public_policy: p.block_public_policy().unwrap_or(false),
        restrict_public_buckets: p.restrict_public_buckets().unwrap_or(false),
    });
    let encryption = absent_or!(
        encryption,
        format!("reading the default encryption of bucket {name}")
    )
    .and_then(|e| {
        e.server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .map(|d| d.sse_algorithm().as_str().to_string())
    });
    let ownership = absent_or!(
        ownership,
        format!("reading the ownership controls of bucket {name}")
    )
    .and_then(|o| {
        o.ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string())
    });
    let policy = absent_or!(policy, format!("reading the policy of bucket {name}"))
        .and_then(|p| p.policy().map(decode_policy));
    let lifecycle = absent_or!(lifecycle, format!("reading the lifecycle of bucket {name}"))
        .map(|l| {
            l.rules()
                .iter()
                .map(|r| LifecycleRule {
                    id: r.id().unwrap_or_default().to_string(),
                    prefix: rule_prefix(r),
                    enabled: r.status().as_str() == "Enabled",
                    expiration_days: r
                        .expiration()
                        .and_then(|e| e.days())
                        .and_then(|d| u32::try_from(d).ok()),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(BucketState::Present(ObservedBucket {
        tags,
        public_access_block,
        encryption,
        ownership,
        policy,
        lifecycle,
    }))
}

async fn role(c: &Clients, d: &DesiredState) -> Result<Option<ObservedRole>, AwsError> {
    let name = d.role.name.as_str();
    let iam = &c.iam;
    let (role, names, attached, tags) = tokio::join!(
        iam.get_role().role_name(name).send(),
        iam.list_role_policies().role_name(name).send(),
        iam.list_attached_role_policies().role_name(name).send(),
        iam.list_role_tags().role_name(name).send(),
    );
    let role = match role {
        Ok(r) => r,
        Err(e) if is_code(&e, &["NoSuchEntity"]) => return Ok(None),
        Err(e) => return Err(context(format!("reading role {name}"))(e)),
    };
    let Some(role) = role.role() else {
        return Ok(None);
    };
    let names = match names {
        Ok(n) => n.policy_names().to_vec(),
        Err(e) if is_code(&e, &["NoSuchEntity"]) => vec![],
        Err(e) => return Err(context(format!("listing the policies of role {name}"))(e)),
    };
    let attached = match attached {
        Ok(a) => a
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect(),
        Err(e) if is_code(&e, &["NoSuchEntity"]) => vec![],
        Err(e) => {
            return Err(context(format!(
                "listing the attached policies of role {name}"
            ))(e))
        }
    };
    let tags: BTreeMap<String, String> = match tags {
        Ok(t) => t
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        Err(e) if is_code(&e, &["NoSuchEntity"]) => BTreeMap::new(),
        Err(e) => return Err(context(format!("reading the tags of role {name}"))(e)),
    };
    let limit = Arc::new(Semaphore::new(READ_CONCURRENCY));
    let mut reads = tokio::task::JoinSet::new();
    for policy in names {
        let iam = iam.clone();
        let role = name.to_string();
        let limit = limit.clone();
        reads.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let out = iam
                .get_role_policy()
                .role_name(&role)
                .policy_name(&policy)
                .send()
                .await
                .map_err(context(format!("reading policy {policy} of role {role}")))?;
            Ok::<_, AwsError>((policy, decode_policy(out.policy_document())))
        });
    }
    let mut inline = BTreeMap::new();
    while let Some(joined) = reads.join_next().await {
        let (policy, doc) = joined.map_err(join_error)??;
        inline.insert(policy, doc);
    }
    Ok(Some(ObservedRole {
        arn: role.arn().to_string(),
        trust: role
            .assume_role_policy_document()
            .map(decode_policy)
            .unwrap_or(Value::Null),
        inline,
        attached,
        tags,
    }))
}

/// A rule's prefix: in its filter, or (rules written before filters existed) on the rule.
#[allow(deprecated)]
fn rule_prefix(r: &aws_sdk_s3::types::LifecycleRule) -> String {
    r.filter()
        .and_then(|f| f.prefix())
        .or(r.prefix())
        .unwrap_or_default()
        .to_string()
}

fn join_error(e: tokio::task::JoinError) -> AwsError {
    AwsError {
        context: "a concurrent read".into(),
        code: None,
        message: e.to_string(),
    }
}

async fn logging(c: &Clients) -> Result<Option<LoggingSettings>, AwsError> {
    let out = c
        .bedrock
        .get_model_invocation_logging_configuration()
        .send()
        .await
        .map_err(context(
            "reading the model invocation logging configuration",
        ))?;
    Ok(out.logging_config().map(|l| {
        let cw = l.cloud_watch_config();
        let large = cw.and_then(|c| c.large_data_delivery_s3_config());
        LoggingSettings {
            log_group: cw.map(|c| c.log_group_name().to_string()),
            role_arn: cw.map(|c| c.role_arn().to_string()),
            large_data_bucket: large.map(|s| s.bucket_name().to_string()),
            large_data_key_prefix: large
                .and_then(|s| s.key_prefix())
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            s3_destination: l.s3_config().map(|s| s.bucket_name().to_string()),
            text: l.text_data_delivery_enabled().unwrap_or(false),
            image: l.image_data_delivery_enabled().unwrap_or(false),
            embedding: l.embedding_data_delivery_enabled().unwrap_or(false),
            video: l.video_data_delivery_enabled().unwrap_or(false),
            audio: l.audio_data_delivery_enabled().unwrap_or(false),
        }
    }))
}

async fn profiles(c: &Clients) -> Result<Vec<ObservedProfile>, AwsError> {
    let summaries: Vec<_> = c
        .bedrock
        .list_inference_profiles()
        .type_equals(InferenceProfileType::Application)
        .max_results(1000)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context("listing the application inference profiles"))?;
    let limit = Arc::new(Semaphore::new(READ_CONCURRENCY));
    let mut reads = tokio::task::JoinSet::new();
    for (i, s) in summaries.iter().enumerate() {
        let bedrock = c.bedrock.clone();
        let arn = s.inference_profile_arn().to_string();
        let limit = limit.clone();
        reads.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let tags = match bedrock
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
            {
                Ok(t) => t
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
                // Deleted between the listing and now: no tags, and the next run will not see it.
                Err(e) if is_code(&e, &["ResourceNotFoundException"]) => BTreeMap::new(),
                Err(e) => {
                    return Err(context(format!(
                        "reading the tags of inference profile {arn}"
                    ))(e))
                }
            };
            Ok::<_, AwsError>((i, tags))
        });
    }
    let mut tags: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); summaries.len()];
    while let Some(joined) = reads.join_next().await {
        let (i, t) = joined.map_err(join_error)??;
        tags[i] = t;
    }
    Ok(summaries
        .into_iter()
        .zip(tags)
        .map(|(s, tags)| ObservedProfile {
            name: s.inference_profile_name().to_string(),
            arn: s.inference_profile_arn().to_string(),
            description: s.description().map(str::to_string),
            models: s
                .models()
                .iter()
                .filter_map(|m| m.model_arn().map(str::to_string))
                .collect(),
            status: s.status().as_str().to_string(),
            tags,
        })
        .collect())
}

/// What each source the spec copies from routes to.
async fn sources(c: &Clients, d: &DesiredState) -> Result<BTreeMap<String, SourceState>, AwsError> {
    let arns: BTreeSet<String> = d.profiles.iter().map(|p| p.source_arn.clone()).collect();
    let mut reads = tokio::task::JoinSet::new();
    for arn in arns {
        let bedrock = c.bedrock.clone();
        reads.spawn(async move {
            let id = arn
                .rsplit_once('/')
                .map(|(_, id)| id.to_string())
                .unwrap_or_default();
            let state = if arn.contains(":foundation-model/") {
                match bedrock
                    .get_foundation_model()
                    .model_identifier(&id)
                    .send()
                    .await
                {
                    Ok(_) => SourceState::Routes {
                        models: vec![arn.clone()],
                    },
                    Err(e)
                        if is_code(&e, &["ResourceNotFoundException", "ValidationException"]) =>
                    {
                        SourceState::Missing
                    }
                    Err(e) => return Err(context(format!("reading foundation model {id}"))(e)),
                }
            } else {
                match bedrock
                    .get_inference_profile()
                    .inference_profile_identifier(&id)
                    .send()
                    .await
                {
                    Ok(p) => SourceState::Routes {
                        models: p
                            .models()
                            .iter()
                            .filter_map(|m| m.model_arn().map(str::to_string))
                            .collect(),
                    },
                    Err(e)
                        if is_code(&e, &["ResourceNotFoundException", "ValidationException"]) =>
                    {
                        SourceState::Missing
                    }
                    Err(e) => {
                        return Err(context(format!("reading system inference profile {id}"))(e))
                    }
                }
            };
            Ok::<_, AwsError>((arn, state))
        });
    }
    let mut out = BTreeMap::new();
    while let Some(joined) = reads.join_next().await {
        let (arn, state) = joined.map_err(join_error)??;
        out.insert(arn, state);
    }
    Ok(out)
}
