//! The AWS layer. This file is the one place the SDK configuration is built: real AWS through
//! the standard credential chain, or any AWS-compatible endpoint (the embedded emulator is
//! one, started by the command layer) with its own credentials. Region, endpoint,
//! credentials, retries and S3 addressing are decided here and nowhere else.
//!
//! Above it, the layer observes live state ([`observe`]) and executes a plan that the pure
//! planner computed ([`apply`]); each kind of resource reads and executes in its own module
//! of `resources/`.

mod apply;
pub mod catalog;
mod error;
mod logs;
mod observe;
pub mod organization;
mod pace;
mod progress;
mod quotas;
mod recorder;
mod resources;
mod retry;
mod sweep;
mod tags;
mod tokens;

pub use apply::{apply, apply_after_files, WRITE_CONCURRENCY};
pub use error::AwsError;
pub use progress::{Progress, ProgressFn};

pub use logs::{read_events, read_s3_records, LogEvent};
pub use observe::{caller_account, observe};
pub use pace::{Rate, Table as RateTable, RATES};
pub use quotas::{read_quotas, LiveQuota, ModelNames};
pub use recorder::{Call, CallStats, Recorder};
pub use resources::guardrail::guardrail_version;
pub use resources::inference_profile::{read_profile, LiveProfile};
pub use resources::logging_role::decode_policy;
pub use resources::monitoring::{profile_figures, Figures};
pub use sweep::find_leftovers;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_bedrock::config::retry::RetryPartition;
use std::sync::Arc;
use std::time::Duration;

/// Where the AWS calls go, and with which credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// None: AWS itself (`AWS_ENDPOINT_URL` still applies, as in every AWS tool).
    pub url: Option<String>,
    /// Fixed credentials (an emulator's); None: the standard credential chain.
    pub credentials: Option<StaticCredentials>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// A role session's token.
    pub session_token: Option<String>,
}

/// A role to assume, in the account its ARN names (`--assume-role`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    /// What CloudTrail shows the session as: this tool and its command.
    pub session_name: String,
}

/// Assume `role` with the credentials of `endpoint` (STS AssumeRole, one call): the same
/// endpoint with the session's credentials, valid for an hour (the most AWS grants a chained
/// role session). The error is STS's, with what was being done.
pub async fn assume_role(
    endpoint: &Endpoint,
    region: &str,
    role: &AssumeRole,
) -> Result<Endpoint, AwsError> {
    let config = sdk_config(endpoint, region).await;
    // Paced like every call: a run across many accounts assumes each role at once.
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&config)
            .interceptor(pace::Pacer {
                caller: caller_of(endpoint),
                region: region.to_string(),
                service: "sts",
            })
            .build(),
    );
    let out = sts
        .assume_role()
        .role_arn(&role.role_arn)
        .role_session_name(&role.session_name)
        .set_external_id(role.external_id.clone())
        .send()
        .await
        .map_err(error::context(format!("assuming role {}", role.role_arn)))?;
    let Some(c) = out.credentials() else {
        return Err(AwsError {
            context: format!("assuming role {}", role.role_arn),
            code: None,
            message: "STS answered without credentials".into(),
            class: None,
        });
    };
    Ok(Endpoint {
        url: endpoint.url.clone(),
        credentials: Some(StaticCredentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: c.secret_access_key().to_string(),
            session_token: Some(c.session_token().to_string()),
        }),
    })
}

impl Endpoint {
    /// Real AWS through the standard credential chain.
    pub fn aws() -> Self {
        Endpoint::default()
    }

    /// Any AWS-compatible endpoint; `credentials` None uses the standard chain.
    pub fn url(url: &str, credentials: Option<StaticCredentials>) -> Self {
        Endpoint {
            url: Some(url.to_string()),
            credentials,
        }
    }
}

/// Retries: the SDK's standard mode (exponential backoff with jitter for throttling, 5xx and
/// dropped connections), with a few more attempts than its default of 3; every attempt is
/// paced at AWS's documented rate for its operation (`pace.rs`). Not the adaptive mode: after
/// a run of throttling answers its client-side rate slowed the retries past the call's time
/// limit, so a throttle that lasts ended as a timeout instead of AWS's own error
/// (`crates/aws/tests/faults.rs`); pacing already keeps the rate under the quota.
pub const MAX_ATTEMPTS: u32 = 5;

/// How long one call may take, retries included, in seconds: `BEDROCK_XTASK_TIMEOUT_SECONDS`,
/// 60 by default (Bedrock's control plane answers in well under a second; a stalled
/// endpoint fails within this, naming the call).
pub fn call_timeout() -> u64 {
    std::env::var("BEDROCK_XTASK_TIMEOUT_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(60)
}

/// The SDK configuration for `endpoint` in `region` (the spec's region: the stack lives there).
pub async fn sdk_config(endpoint: &Endpoint, region: &str) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(call_timeout().div_ceil(2).max(1)))
                .operation_timeout(Duration::from_secs(call_timeout()))
                .build(),
        );
    if let Some(url) = &endpoint.url {
        loader = loader.endpoint_url(url);
    }
    if let Some(c) = &endpoint.credentials {
        loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
            &c.access_key_id,
            &c.secret_access_key,
            c.session_token.clone(),
            None,
            "static",
        ));
    }
    // One HTTPS client for every call, the credential providers' too, each request paced.
    // A paced request waits for its turn before its body is read, which the SDK's upload
    // stall check counts as a stalled upload (0 B/s) after 5 s: with a hundred accounts'
    // AssumeRole in one caller's queue, calls failed so. The tool uploads only small
    // documents; downloads keep the check.
    loader
        .stalled_stream_protection(
            aws_sdk_sts::config::StalledStreamProtectionConfig::enabled()
                .upload_enabled(false)
                .build(),
        )
        .http_client(pace::PacedClient(pace::https_client()))
        .load()
        .await
}

/// A client for every service the stack uses, all reporting to one [`Recorder`].
#[derive(Debug, Clone)]
pub struct Clients {
    pub bedrock: aws_sdk_bedrock::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sns: aws_sdk_sns::Client,
    /// Service Quotas: the quotas that bound the stack's models.
    pub servicequotas: aws_sdk_servicequotas::Client,
    /// Cost Explorer: one endpoint for the partition (us-east-1 for aws).
    pub ce: aws_sdk_costexplorer::Client,
    /// AWS Budgets: one endpoint for the partition (us-east-1 for aws).
    pub budgets: aws_sdk_budgets::Client,
    /// AWS Organizations: global, served from us-east-1.
    pub organizations: aws_sdk_organizations::Client,
    pub sts: aws_sdk_sts::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub recorder: Recorder,
    /// What the clients were made from, for the same clients in another region.
    config: SdkConfig,
    path_style: bool,
    /// Whose quotas the calls count against: the endpoint and the credentials.
    caller: Arc<str>,
}

/// A service's client: recorded, paced at the table's rates under `service` (botocore's
/// name), with its own retry partition per caller, so that one account's throttling does
/// not slow another's.
macro_rules! client {
    ($sdk:ident, $service:literal, $config:expr, $recorder:expr, $caller:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from($config)
                .interceptor($recorder.clone())
                .interceptor(pace::Pacer {
                    caller: $caller.clone(),
                    region: region_of($config),
                    service: $service,
                })
                .retry_partition(RetryPartition::new(format!(
                    "{}-{}-{}",
                    $service,
                    region_of($config),
                    $caller
                )))
                .build(),
        )
    };
}

/// Whose quotas calls count against: where they go and with which access key (the standard
/// chain's, whichever it is, counts as one caller).
fn caller_of(endpoint: &Endpoint) -> Arc<str> {
    format!(
        "{}|{}",
        endpoint.url.as_deref().unwrap_or("aws"),
        endpoint
            .credentials
            .as_ref()
            .map_or("default-chain", |c| c.access_key_id.as_str())
    )
    .into()
}

fn region_of(config: &SdkConfig) -> String {
    config
        .region()
        .map(|r| r.as_ref().to_string())
        .unwrap_or_default()
}

impl Clients {
    pub fn new(config: &SdkConfig, endpoint: &Endpoint) -> Self {
        // Emulators and most AWS-compatible endpoints serve buckets by path, not by host name.
        Clients::build(
            config,
            endpoint.url.is_some(),
            Recorder::default(),
            caller_of(endpoint),
        )
    }

    /// The region the clients were made for.
    pub fn region(&self) -> String {
        region_of(&self.config)
    }

    /// The same clients in another region, reporting to the same recorder.
    pub fn in_region(&self, region: &str) -> Self {
        let config = self
            .config
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        Clients::build(
            &config,
            self.path_style,
            self.recorder.clone(),
            self.caller.clone(),
        )
    }

    fn build(config: &SdkConfig, path_style: bool, recorder: Recorder, caller: Arc<str>) -> Self {
        // The services with one endpoint per partition.
        let global = config.to_builder().region(Region::new("us-east-1")).build();
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .interceptor(recorder.clone())
            .interceptor(pace::Pacer {
                caller: caller.clone(),
                region: region_of(config),
                service: "s3",
            })
            .retry_partition(RetryPartition::new(format!(
                "s3-{}-{caller}",
                region_of(config)
            )))
            .build();
        Clients {
            bedrock: client!(aws_sdk_bedrock, "bedrock", config, recorder, caller),
            iam: client!(aws_sdk_iam, "iam", config, recorder, caller),
            s3: aws_sdk_s3::Client::from_conf(s3),
            logs: client!(aws_sdk_cloudwatchlogs, "logs", config, recorder, caller),
            cloudwatch: client!(aws_sdk_cloudwatch, "cloudwatch", config, recorder, caller),
            sns: client!(aws_sdk_sns, "sns", config, recorder, caller),
            // What plan and doctor show beside their work: a failing Service Quotas is said
            // after one more try, not waited on through the standard retries.
            servicequotas: aws_sdk_servicequotas::Client::from_conf(
                aws_sdk_servicequotas::config::Builder::from(config)
                    .interceptor(recorder.clone())
                    .interceptor(pace::Pacer {
                        caller: caller.clone(),
                        region: region_of(config),
                        service: "servicequotas",
                    })
                    .retry_partition(RetryPartition::new(format!(
                        "servicequotas-{}-{caller}",
                        region_of(config)
                    )))
                    .retry_config(
                        aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(2),
                    )
                    .build(),
            ),
            ce: client!(aws_sdk_costexplorer, "ce", &global, recorder, caller),
            budgets: client!(aws_sdk_budgets, "budgets", &global, recorder, caller),
            organizations: client!(
                aws_sdk_organizations,
                "organizations",
                &global,
                recorder,
                caller
            ),
            sts: client!(aws_sdk_sts, "sts", config, recorder, caller),
            tagging: client!(
                aws_sdk_resourcegroupstagging,
                "resourcegroupstaggingapi",
                config,
                recorder,
                caller
            ),
            recorder,
            config: config.clone(),
            path_style,
            caller,
        }
    }

    pub async fn connect(endpoint: &Endpoint, region: &str) -> Self {
        Clients::new(&sdk_config(endpoint, region).await, endpoint)
    }
}
