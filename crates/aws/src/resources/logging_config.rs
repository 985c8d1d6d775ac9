//! Model invocation logging: read, put (patiently, while a fresh role propagates), delete.

use crate::error::{context, AwsError};
use crate::resources::Observation;
use crate::retry::patiently;
use crate::Clients;
use aws_sdk_bedrock::types::{CloudWatchConfig, LoggingConfig, S3Config};
use bedrock_plan::resources::logging_config::{LoggingSettings, Step};
use bedrock_plan::Created;
use bedrock_plan::DesiredState;

/// The account's configuration in the region (read even when logging is another's, for what
/// points where); the stack that owns the role it points at; and that role, when it is this
/// stack's under an earlier name (read whole, to retire it).
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let logging = read(c).await?;
    let ours = d.logging.role_arn.as_deref().unwrap_or_default();
    let owner = owner(c, logging.as_ref(), ours).await?;
    let mut previous = None;
    if d.logging_managed && owner.as_deref() == Some(d.stack.as_str()) {
        let arn = logging.as_ref().and_then(|l| l.role_arn.clone());
        if let Some(name) = arn.as_deref().and_then(|a| a.rsplit('/').next()) {
            let mut role = d.role.clone();
            role.name = name.to_string();
            previous = crate::resources::logging_role::read(c, &role)
                .await?
                .map(|r| (name.to_string(), r));
        }
    }
    Ok(Box::new(move |o| {
        o.logging = logging;
        o.logging_owner = owner;
        o.previous_role = previous;
    }))
}

pub(crate) async fn read(c: &Clients) -> Result<Option<LoggingSettings>, AwsError> {
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
            s3_destination_key_prefix: l
                .s3_config()
                .and_then(|s| s.key_prefix())
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            text: l.text_data_delivery_enabled().unwrap_or(false),
            image: l.image_data_delivery_enabled().unwrap_or(false),
            embedding: l.embedding_data_delivery_enabled().unwrap_or(false),
            video: l.video_data_delivery_enabled().unwrap_or(false),
            audio: l.audio_data_delivery_enabled().unwrap_or(false),
        }
    }))
}

/// The stack that made the role a configuration points at, when it is not `ours` and is
/// tagged by this tool: a configuration through another stack's role is that stack's.
pub(crate) async fn owner(
    c: &Clients,
    settings: Option<&LoggingSettings>,
    ours: &str,
) -> Result<Option<String>, AwsError> {
    let Some(arn) = settings.and_then(|s| s.role_arn.as_deref()) else {
        return Ok(None);
    };
    if arn == ours {
        return Ok(None);
    }
    // arn:aws:iam::123456789012:role/path/Name: the name is the last segment.
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let tags = crate::resources::logging_role::role_tags(c, name).await?;
    let tool = tags.get(bedrock_spec::MANAGED_BY_TAG).map(String::as_str)
        == Some(bedrock_spec::MANAGED_BY_VALUE);
    Ok(tags.get(bedrock_spec::STACK_TAG).filter(|_| tool).cloned())
}

fn logging_config(s: &LoggingSettings) -> Result<LoggingConfig, AwsError> {
    let invalid = || crate::error::build_failed("building the logging configuration");
    let cloudwatch = match &s.log_group {
        Some(group) => {
            let mut cw = CloudWatchConfig::builder()
                .log_group_name(group)
                .role_arn(s.role_arn.clone().unwrap_or_default());
            if let Some(bucket) = &s.large_data_bucket {
                cw = cw.large_data_delivery_s3_config(
                    S3Config::builder()
                        .bucket_name(bucket)
                        .set_key_prefix(s.large_data_key_prefix.clone())
                        .build()
                        .map_err(invalid())?,
                );
            }
            Some(cw.build().map_err(invalid())?)
        }
        None => None,
    };
    let s3 = match &s.s3_destination {
        Some(bucket) => Some(
            S3Config::builder()
                .bucket_name(bucket)
                .set_key_prefix(s.s3_destination_key_prefix.clone())
                .build()
                .map_err(invalid())?,
        ),
        None => None,
    };
    // Every delivery flag is sent explicitly: an omitted one is not "keep what AWS has", it
    // is "on" for text, image, embedding and video (terraform-provider-aws#41312).
    Ok(LoggingConfig::builder()
        .set_cloud_watch_config(cloudwatch)
        .set_s3_config(s3)
        .text_data_delivery_enabled(s.text)
        .image_data_delivery_enabled(s.image)
        .embedding_data_delivery_enabled(s.embedding)
        .video_data_delivery_enabled(s.video)
        .audio_data_delivery_enabled(s.audio)
        .build())
}

/// Bedrock's answer while a role made a moment ago has not propagated: it cannot validate
/// the permissions. That passes with time.
fn role_not_yet_usable(e: &AwsError) -> bool {
    e.code_is("ValidationException") && e.message.contains("Failed to validate permissions")
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &bedrock_plan::Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::PutLogging { settings } => {
            let config = logging_config(settings)?;
            patiently(role_not_yet_usable, || {
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
            })
            .await?;
        }
        Step::DeleteLogging => {
            c.bedrock
                .delete_model_invocation_logging_configuration()
                .send()
                .await
                .map_err(context(what))?;
        }
    }
    Ok(None)
}
