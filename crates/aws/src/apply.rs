//! Apply: execute a plan's steps. Phases run in order (foundations, then their settings,
//! then the logging configuration, then the profiles); the chains of a phase run
//! concurrently, at most [`WRITE_CONCURRENCY`] at a time; a chain's steps run in order.
//!
//! On top of the SDK's standard retry (throttling, 5xx, dropped connections), two waits
//! that only time cures are retried explicitly for about two minutes: IAM propagation
//! (Bedrock's "Failed to validate permissions" for a freshly made role) and a
//! `ConflictException` on create (a replaced profile's name not yet free). Every create is
//! idempotent (tags in the create call itself, a deterministic `clientRequestToken`,
//! "already exists" taken as done), and every created profile is read back until ACTIVE, so
//! an apply stopped at any point converges when run again.

use crate::error::{context, AwsError};
use crate::Clients;
use aws_sdk_bedrock::error::ProvideErrorMetadata;
use aws_sdk_bedrock::types::{
    CloudWatchConfig, InferenceProfileModelSource, InferenceProfileStatus, LoggingConfig, S3Config,
};
use bedrock_plan::{LoggingSettings, Plan, Step};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// At most this many chains of a phase run at once.
pub const WRITE_CONCURRENCY: usize = 8;
/// How long the explicit retries wait in all.
const PATIENCE: Duration = Duration::from_secs(120);

/// What apply did that the generated files need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// Profiles created now: name -> ARN.
    pub created: BTreeMap<String, String>,
    /// Profiles deleted now, by name (a replaced one is deleted and created).
    pub deleted: Vec<String>,
    pub writes: usize,
}

/// Testing aid: stop the process right after this many writes, as a kill would, to prove that
/// a rerun converges (`BEDROCK_XTASK_ABORT_AFTER_WRITES`).
fn abort_after() -> Option<usize> {
    std::env::var("BEDROCK_XTASK_ABORT_AFTER_WRITES")
        .ok()?
        .parse()
        .ok()
}

/// Run every step of `plan`. `progress` hears a line per step done.
pub async fn apply(
    c: &Clients,
    plan: &Plan,
    progress: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<ApplyOutcome, Vec<AwsError>> {
    let writes = Arc::new(AtomicUsize::new(0));
    let abort = abort_after();
    let mut outcome = ApplyOutcome::default();
    for phase in plan.phases() {
        let limit = Arc::new(Semaphore::new(WRITE_CONCURRENCY));
        // What earlier phases created, for the steps that need those ARNs.
        let created = Arc::new(outcome.created.clone());
        let mut chains = tokio::task::JoinSet::new();
        for chain in phase.chains {
            let c = c.clone();
            let limit = limit.clone();
            let progress = progress.clone();
            let writes = writes.clone();
            let region = plan.region.clone();
            let created = created.clone();
            chains.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let mut done = Vec::new();
                for step in chain {
                    let result = run(&c, &step, &region, &created).await?;
                    progress(&step.describe());
                    let n = writes.fetch_add(1, Ordering::SeqCst) + 1;
                    if abort.is_some_and(|a| n >= a) {
                        eprintln!("aborted after {n} writes (BEDROCK_XTASK_ABORT_AFTER_WRITES)");
                        std::process::exit(130);
                    }
                    done.push((step, result));
                }
                Ok::<_, AwsError>(done)
            });
        }
        // Let every chain of the phase finish, so that one failure does not leave others
        // half done; then stop before the next phase, which depends on this one.
        let mut errors = Vec::new();
        while let Some(joined) = chains.join_next().await {
            match joined {
                Ok(Ok(done)) => {
                    for (step, result) in done {
                        match (step, result) {
                            (Step::CreateProfile { name, .. }, Some(arn)) => {
                                outcome.created.insert(name, arn);
                            }
                            (Step::DeleteProfile { name, .. }, _) => outcome.deleted.push(name),
                            _ => {}
                        }
                    }
                }
                Ok(Err(e)) => errors.push(e),
                Err(e) => errors.push(AwsError {
                    context: "a concurrent write".into(),
                    code: None,
                    message: e.to_string(),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
    }
    outcome.writes = writes.load(Ordering::SeqCst);
    Ok(outcome)
}

/// Retry `attempt` while `retryable` says the error is one that time cures, with backoff,
/// for about [`PATIENCE`].
async fn patiently<T, F, Fut>(
    retryable: impl Fn(&AwsError) -> bool,
    mut attempt: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let mut waited = Duration::ZERO;
    let mut delay = Duration::from_millis(500);
    loop {
        match attempt().await {
            Err(e) if retryable(&e) && waited < PATIENCE => {
                tokio::time::sleep(delay).await;
                waited += delay;
                delay = (delay * 2).min(Duration::from_secs(15));
            }
            other => return other,
        }
    }
}

fn code_is(e: &AwsError, code: &str) -> bool {
    e.code.as_deref() == Some(code)
}

fn tags_of<T>(tags: &BTreeMap<String, String>, make: impl Fn(&str, &str) -> T) -> Vec<T> {
    tags.iter().map(|(k, v)| make(k, v)).collect()
}

/// An SDK builder's failure as an error of `what`.
fn build_failed<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> AwsError + Copy + '_ {
    move |e| AwsError {
        context: what.to_string(),
        code: None,
        message: e.to_string(),
    }
}

/// Every SDK builder result, or the first failure as an error of `what`.
fn built<T, E: std::fmt::Display>(
    what: &str,
    items: Vec<Result<T, E>>,
) -> Result<Vec<T>, AwsError> {
    items
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AwsError {
            context: what.to_string(),
            code: None,
            message: e.to_string(),
        })
}

fn policy_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn logging_config(s: &LoggingSettings) -> Result<LoggingConfig, AwsError> {
    let invalid = |e: aws_sdk_bedrock::error::BuildError| AwsError {
        context: "building the logging configuration".into(),
        code: None,
        message: e.to_string(),
    };
    let mut cw = CloudWatchConfig::builder()
        .log_group_name(s.log_group.clone().unwrap_or_default())
        .role_arn(s.role_arn.clone().unwrap_or_default());
    if let Some(bucket) = &s.large_data_bucket {
        cw = cw.large_data_delivery_s3_config(
            S3Config::builder()
                .bucket_name(bucket)
                .set_key_prefix(s.large_data_key_prefix.clone())
                .build()
                .map_err(invalid)?,
        );
    }
    Ok(LoggingConfig::builder()
        .cloud_watch_config(cw.build().map_err(invalid)?)
        .text_data_delivery_enabled(s.text)
        .image_data_delivery_enabled(s.image)
        .embedding_data_delivery_enabled(s.embedding)
        .video_data_delivery_enabled(s.video)
        .audio_data_delivery_enabled(s.audio)
        .build())
}

/// One step; returns the ARN of a created profile.
async fn run(
    c: &Clients,
    step: &Step,
    region: &str,
    created: &BTreeMap<String, String>,
) -> Result<Option<String>, AwsError> {
    let what = step.describe();
    match step {
        Step::CreateLogGroup { name, tags } => {
            match c
                .logs
                .create_log_group()
                .log_group_name(name)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send()
                .await
            {
                Ok(_) => {}
                // Created by an earlier, interrupted apply: done.
                Err(e) if e.code() == Some("ResourceAlreadyExistsException") => {}
                Err(e) => return Err(context(what)(e)),
            }
        }
        Step::TagLogGroup { arn, tags } => {
            c.logs
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutRetentionPolicy { name, days } => {
            c.logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(i32::try_from(*days).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteLogGroup { name } => {
            match c.logs.delete_log_group().log_group_name(name).send().await {
                Ok(_) => {}
                Err(e) if e.code() == Some("ResourceNotFoundException") => {}
                Err(e) => return Err(context(what)(e)),
            }
        }
        Step::CreateBucket { name, region, tags } => {
            let s3_tags = built(
                &what,
                tags_of(tags, |k, v| {
                    aws_sdk_s3::types::Tag::builder().key(k).value(v).build()
                }),
            )?;
            // Tags in the create itself: an apply stopped right after it leaves a bucket that
            // is recognisably this stack's, never an untagged one to refuse as foreign.
            let mut configuration =
                aws_sdk_s3::types::CreateBucketConfiguration::builder().set_tags(Some(s3_tags));
            // us-east-1 is S3's default and refuses to be named as a location constraint.
            if region != "us-east-1" {
                configuration = configuration.location_constraint(
                    aws_sdk_s3::types::BucketLocationConstraint::from(region.as_str()),
                );
            }
            let create =
                c.s3.create_bucket()
                    .bucket(name)
                    .object_ownership(aws_sdk_s3::types::ObjectOwnership::BucketOwnerEnforced)
                    .create_bucket_configuration(configuration.build());
            match create.send().await {
                Ok(_) => {}
                Err(e) if e.code() == Some("BucketAlreadyOwnedByYou") => {}
                Err(e) => return Err(context(what)(e)),
            }
        }
        Step::PutBucketTagging { name, tags } => {
            let tagging = aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(built(
                    &what,
                    tags_of(tags, |k, v| {
                        aws_sdk_s3::types::Tag::builder().key(k).value(v).build()
                    }),
                )?))
                .build()
                .map_err(|e| AwsError {
                    context: what.clone(),
                    code: None,
                    message: e.to_string(),
                })?;
            c.s3.put_bucket_tagging()
                .bucket(name)
                .tagging(tagging)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutPublicAccessBlock { name } => {
            c.s3.put_public_access_block()
                .bucket(name)
                .public_access_block_configuration(
                    aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutBucketEncryption { name } => {
            let build_error = build_failed(&what);
            let rule = aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::Aes256)
                        .build()
                        .map_err(build_error)?,
                )
                .build();
            let config = aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(build_error)?;
            c.s3.put_bucket_encryption()
                .bucket(name)
                .server_side_encryption_configuration(config)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutOwnershipControls { name } => {
            let build_error = build_failed(&what);
            let controls = aws_sdk_s3::types::OwnershipControls::builder()
                .rules(
                    aws_sdk_s3::types::OwnershipControlsRule::builder()
                        .object_ownership(aws_sdk_s3::types::ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .map_err(build_error)?,
                )
                .build()
                .map_err(build_error)?;
            c.s3.put_bucket_ownership_controls()
                .bucket(name)
                .ownership_controls(controls)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutBucketPolicy { name, policy } => {
            c.s3.put_bucket_policy()
                .bucket(name)
                .policy(policy_text(policy))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutBucketLifecycle { name, rule } => {
            let build_error = build_failed(&what);
            // S3 replaces the whole configuration: keep every other rule exactly as it is.
            let mut rules: Vec<aws_sdk_s3::types::LifecycleRule> = match c
                .s3
                .get_bucket_lifecycle_configuration()
                .bucket(name)
                .send()
                .await
            {
                Ok(out) => out
                    .rules()
                    .iter()
                    .filter(|r| r.id() != Some(rule.id.as_str()))
                    .cloned()
                    .collect(),
                Err(e) if e.code() == Some("NoSuchLifecycleConfiguration") => Vec::new(),
                Err(e) => {
                    return Err(context(format!("reading the lifecycle of bucket {name}"))(
                        e,
                    ))
                }
            };
            let mut ours = aws_sdk_s3::types::LifecycleRule::builder()
                .id(&rule.id)
                .filter(
                    aws_sdk_s3::types::LifecycleRuleFilter::builder()
                        .prefix(&rule.prefix)
                        .build(),
                )
                .status(if rule.enabled {
                    aws_sdk_s3::types::ExpirationStatus::Enabled
                } else {
                    aws_sdk_s3::types::ExpirationStatus::Disabled
                });
            if let Some(days) = rule.expiration_days {
                ours = ours.expiration(
                    aws_sdk_s3::types::LifecycleExpiration::builder()
                        .days(i32::try_from(days).unwrap_or(i32::MAX))
                        .build(),
                );
            }
            rules.push(ours.build().map_err(build_error)?);
            let config = aws_sdk_s3::types::BucketLifecycleConfiguration::builder()
                .set_rules(Some(rules))
                .build()
                .map_err(build_error)?;
            c.s3.put_bucket_lifecycle_configuration()
                .bucket(name)
                .lifecycle_configuration(config)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::EmptyAndDeleteBucket { name } => empty_and_delete_bucket(c, name).await?,
        Step::CreateRole { name, trust, tags } => {
            let tags = built(
                &what,
                tags_of(tags, |k, v| {
                    aws_sdk_iam::types::Tag::builder().key(k).value(v).build()
                }),
            )?;
            match c
                .iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(policy_text(trust))
                .description("Lets Amazon Bedrock write model invocation logs (managed by librechat-bedrock)")
                .set_tags(Some(tags))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if e.code() == Some("EntityAlreadyExists") => {
                    c.iam.update_assume_role_policy().role_name(name).policy_document(policy_text(trust)).send().await.map_err(context(what))?;
                }
                Err(e) => return Err(context(what)(e)),
            }
        }
        Step::TagRole { name, tags } => {
            let tags = built(
                &what,
                tags_of(tags, |k, v| {
                    aws_sdk_iam::types::Tag::builder().key(k).value(v).build()
                }),
            )?;
            c.iam
                .tag_role()
                .role_name(name)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::UpdateTrust { name, trust } => {
            c.iam
                .update_assume_role_policy()
                .role_name(name)
                .policy_document(policy_text(trust))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutRolePolicy {
            role,
            name,
            document,
        } => {
            c.iam
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(policy_text(document))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteRolePolicy { role, name } => match c
            .iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if e.code() == Some("NoSuchEntity") => {}
            Err(e) => return Err(context(what)(e)),
        },
        Step::DetachRolePolicy { role, arn } => match c
            .iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if e.code() == Some("NoSuchEntity") => {}
            Err(e) => return Err(context(what)(e)),
        },
        Step::DeleteRole { name } => match c.iam.delete_role().role_name(name).send().await {
            Ok(_) => {}
            Err(e) if e.code() == Some("NoSuchEntity") => {}
            Err(e) => return Err(context(what)(e)),
        },
        Step::PutLogging { settings } => {
            let config = logging_config(settings)?;
            // A role made a moment ago may not have propagated yet: Bedrock then says it
            // cannot validate the permissions. That passes with time.
            patiently(
                |e| {
                    code_is(e, "ValidationException")
                        && e.message.contains("Failed to validate permissions")
                },
                || {
                    let config = config.clone();
                    let what = what.clone();
                    async move {
                        c.bedrock
                            .put_model_invocation_logging_configuration()
                            .logging_config(config)
                            .send()
                            .await
                            .map_err(context(what))
                    }
                },
            )
            .await?;
        }
        Step::DeleteLogging => {
            c.bedrock
                .delete_model_invocation_logging_configuration()
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::CreateProfile {
            name,
            source_arn,
            description,
            tags,
            token,
        } => {
            let bedrock_tags = built(
                &what,
                tags_of(tags, |k, v| {
                    aws_sdk_bedrock::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                }),
            )?;
            // The token makes a retried or repeated create safe. But a token already used
            // for a profile that was deleted since (out of band) is answered with that dead
            // profile's ARN: then create again under a token derived from it.
            for attempt in 0..3 {
                let token = if attempt == 0 {
                    token.clone()
                } else {
                    format!("{token}-{attempt}")
                };
                let out = patiently(
                    |e| code_is(e, "ConflictException"),
                    || {
                        let what = what.clone();
                        let bedrock_tags = bedrock_tags.clone();
                        let token = token.clone();
                        async move {
                            c.bedrock
                                .create_inference_profile()
                                .inference_profile_name(name)
                                .model_source(InferenceProfileModelSource::CopyFrom(
                                    source_arn.clone(),
                                ))
                                .set_description(description.clone())
                                .set_tags(Some(bedrock_tags))
                                .client_request_token(token)
                                .send()
                                .await
                                .map_err(context(what))
                        }
                    },
                )
                .await?;
                let arn = out.inference_profile_arn().to_string();
                match wait_active(c, &arn).await {
                    Ok(()) => return Ok(Some(arn)),
                    Err(e) if code_is(&e, "ResourceNotFoundException") => continue,
                    Err(e) => return Err(e),
                }
            }
            let _ = region;
            return Err(AwsError {
                context: what,
                code: None,
                message: "Bedrock kept answering with profiles that no longer exist".into(),
            });
        }
        Step::PutRuntimePolicy {
            role,
            name,
            document,
            pending,
        } => {
            let mut text = policy_text(document);
            for profile in pending {
                let Some(arn) = created.get(profile) else {
                    return Err(AwsError {
                        context: what,
                        code: None,
                        message: format!("inference profile {profile} was to be created earlier in this apply, and was not"),
                    });
                };
                text = text.replace(&bedrock_plan::pending_arn(profile), arn);
            }
            c.iam
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(text)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteProfile { arn, .. } => match c
            .bedrock
            .delete_inference_profile()
            .inference_profile_identifier(arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceNotFoundException") => {}
            Err(e) => return Err(context(what)(e)),
        },
        Step::TagProfile { arn, tags } => {
            let bedrock_tags = built(
                &what,
                tags_of(tags, |k, v| {
                    aws_sdk_bedrock::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                }),
            )?;
            c.bedrock
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(bedrock_tags))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::UntagProfile { arn, keys } => {
            c.bedrock
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys.clone()))
                .send()
                .await
                .map_err(context(what))?;
        }
    }
    Ok(None)
}

async fn wait_active(c: &Clients, arn: &str) -> Result<(), AwsError> {
    let not_yet = AwsError {
        context: format!("waiting for {arn} to be ACTIVE"),
        code: Some("NotActive".into()),
        message: "still not ACTIVE".into(),
    };
    patiently(
        |e| e.code.as_deref() == Some("NotActive"),
        || {
            let not_yet = not_yet.clone();
            async move {
                let p = c
                    .bedrock
                    .get_inference_profile()
                    .inference_profile_identifier(arn)
                    .send()
                    .await
                    .map_err(context(format!("waiting for {arn} to be ACTIVE")))?;
                if p.status() == &InferenceProfileStatus::Active {
                    Ok(())
                } else {
                    Err(not_yet)
                }
            }
        },
    )
    .await
}

/// Delete every object version and delete marker, then the bucket. Only reached with
/// `destroy --delete-data`: this is the data.
async fn empty_and_delete_bucket(c: &Clients, name: &str) -> Result<(), AwsError> {
    loop {
        let listing = match c
            .s3
            .list_object_versions()
            .bucket(name)
            .max_keys(1000)
            .send()
            .await
        {
            Ok(l) => l,
            Err(e) if e.code() == Some("NoSuchBucket") => return Ok(()),
            Err(e) => return Err(context(format!("listing the objects of bucket {name}"))(e)),
        };
        let mut ids: Vec<aws_sdk_s3::types::ObjectIdentifier> = Vec::new();
        for v in listing.versions() {
            if let Ok(id) = aws_sdk_s3::types::ObjectIdentifier::builder()
                .key(v.key().unwrap_or_default())
                .set_version_id(v.version_id().map(str::to_string))
                .build()
            {
                ids.push(id);
            }
        }
        for m in listing.delete_markers() {
            if let Ok(id) = aws_sdk_s3::types::ObjectIdentifier::builder()
                .key(m.key().unwrap_or_default())
                .set_version_id(m.version_id().map(str::to_string))
                .build()
            {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            break;
        }
        let delete = aws_sdk_s3::types::Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| AwsError {
                context: format!("emptying bucket {name}"),
                code: None,
                message: e.to_string(),
            })?;
        c.s3.delete_objects()
            .bucket(name)
            .delete(delete)
            .send()
            .await
            .map_err(context(format!("emptying bucket {name}")))?;
    }
    match c.s3.delete_bucket().bucket(name).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("NoSuchBucket") => Ok(()),
        Err(e) => Err(context(format!("deleting bucket {name}"))(e)),
    }
}
