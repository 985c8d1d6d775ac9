//! The AWS layer. This file is the one place the SDK configuration is built: real AWS through
//! the standard credential chain, the embedded emulator (`--local`), or any AWS-compatible
//! endpoint (`--endpoint-url`). Region, endpoint, credentials for the emulator, retries and
//! S3 addressing are decided here and nowhere else.

mod apply;
mod error;
mod logs;
mod observe;
mod recorder;

pub use apply::{apply, ApplyOutcome};
pub use error::AwsError;
pub use logs::{read_events, LogEvent};
pub use observe::{caller_account, decode_policy, observe};
pub use recorder::{Call, CallStats, Recorder};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use bedrock_emulator::{EmulatorError, Instance, StartOptions};
use std::time::Duration;

/// Where the AWS calls go.
#[derive(Debug, Clone)]
pub enum Target {
    /// Real AWS: the standard credential chain; AWS_PROFILE and AWS_ENDPOINT_URL apply.
    Aws,
    /// The embedded emulator, started when it is not running.
    Local(Instance),
    /// Any other AWS-compatible endpoint, with the standard credential chain.
    Endpoint(String),
}

impl Target {
    /// One line saying where the calls go, for the top of every AWS-touching command.
    pub fn describe(&self, region: &str) -> String {
        match self {
            Target::Aws => format!("using AWS in {region} (standard credential chain)"),
            Target::Local(i) => format!(
                "using the embedded AWS emulator at {} (not AWS), region {region}",
                i.endpoint()
            ),
            Target::Endpoint(url) => {
                format!("using the AWS-compatible endpoint {url}, region {region}")
            }
        }
    }

    /// For the emulator: start it when it is not running. Returns a line to show when it
    /// was started now.
    pub fn prepare(&self, progress: &mut dyn FnMut(&str)) -> Result<Option<String>, EmulatorError> {
        match self {
            Target::Local(instance) => {
                let started = instance.start(&StartOptions::default(), progress)?;
                Ok(started.new.then(|| {
                    format!(
                        "started the embedded AWS emulator (pid {}) at {}; `cargo xtask local stop` ends it",
                        started.pid.unwrap_or_default(),
                        started.endpoint
                    )
                }))
            }
            _ => Ok(None),
        }
    }
}

/// Retries: the SDK's standard mode (exponential backoff with jitter for throttling, 5xx and
/// dropped connections), with a few more attempts than its default of 3 because provisioning
/// runs in bursts that AWS throttles.
pub const MAX_ATTEMPTS: u32 = 5;

/// The SDK configuration for `target` in `region` (the spec's region: the stack lives there).
pub async fn sdk_config(target: &Target, region: &str) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    match target {
        Target::Aws => {}
        Target::Endpoint(url) => loader = loader.endpoint_url(url),
        Target::Local(instance) => {
            loader = loader
                .endpoint_url(instance.endpoint())
                .credentials_provider(aws_sdk_sts::config::Credentials::new(
                    bedrock_emulator::ACCESS_KEY_ID,
                    bedrock_emulator::SECRET_ACCESS_KEY,
                    None,
                    None,
                    "embedded-emulator",
                ))
        }
    }
    loader.load().await
}

/// A client for every service the stack uses, all reporting to one [`Recorder`].
#[derive(Debug, Clone)]
pub struct Clients {
    pub bedrock: aws_sdk_bedrock::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub sts: aws_sdk_sts::Client,
    pub recorder: Recorder,
}

impl Clients {
    pub fn new(config: &SdkConfig, target: &Target) -> Self {
        let recorder = Recorder::default();
        // Emulators and most AWS-compatible endpoints serve buckets by path, not by host name.
        let path_style = !matches!(target, Target::Aws);
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .interceptor(recorder.clone())
            .build();
        Clients {
            bedrock: aws_sdk_bedrock::Client::from_conf(
                aws_sdk_bedrock::config::Builder::from(config)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(config)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            s3: aws_sdk_s3::Client::from_conf(s3),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(config)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(config)
                    .interceptor(recorder.clone())
                    .build(),
            ),
            recorder,
        }
    }

    pub async fn connect(target: &Target, region: &str) -> Self {
        Clients::new(&sdk_config(target, region).await, target)
    }
}
