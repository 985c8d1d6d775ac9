//! What exists, as the AWS layer read it. Absence is a state (`None`, `Missing`), not an error.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ObservedState {
    /// The caller's account (STS GetCallerIdentity).
    pub account_id: String,
    pub log_group: Option<ObservedLogGroup>,
    pub bucket: BucketState,
    pub role: Option<ObservedRole>,
    /// The invocation logging configuration of the account and region, if any.
    pub logging: Option<LoggingSettings>,
    /// Every application inference profile in the region.
    pub profiles: Vec<ObservedProfile>,
    /// What each source the spec copies from routes to, by source ARN.
    pub sources: BTreeMap<String, SourceState>,
    /// LibreChat's role (`[librechat] runtime_role`), when the spec names one and it exists.
    pub runtime_role: Option<ObservedRuntimeRole>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedRuntimeRole {
    pub tags: BTreeMap<String, String>,
    /// This tool's inline policy on it, if present.
    pub policy: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedLogGroup {
    pub name: String,
    pub retention_days: Option<u32>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BucketState {
    #[default]
    Missing,
    /// The name exists in another region of this account.
    OtherRegion {
        region: String,
    },
    /// The name is taken by another account (403 on HeadBucket).
    Foreign,
    Present(ObservedBucket),
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ObservedBucket {
    pub tags: BTreeMap<String, String>,
    pub public_access_block: Option<PublicAccessBlock>,
    /// The default encryption algorithm (`AES256`, `aws:kms`, ...), if any.
    pub encryption: Option<String>,
    /// The object ownership setting (`BucketOwnerEnforced`, ...), if any.
    pub ownership: Option<String>,
    pub policy: Option<Value>,
    pub lifecycle: Vec<LifecycleRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleRule {
    pub id: String,
    pub prefix: String,
    pub enabled: bool,
    pub expiration_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedRole {
    pub arn: String,
    /// The trust policy, decoded (IAM returns it URL-encoded).
    pub trust: Value,
    /// Inline policies by name, decoded.
    pub inline: BTreeMap<String, Value>,
    /// ARNs of attached managed policies.
    pub attached: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// The parts of a logging configuration this tool manages, in one comparable shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggingSettings {
    pub log_group: Option<String>,
    pub role_arn: Option<String>,
    pub large_data_bucket: Option<String>,
    pub large_data_key_prefix: Option<String>,
    /// An S3 destination of its own (not managed by this tool: the spec never sets one).
    pub s3_destination: Option<String>,
    pub text: bool,
    pub image: bool,
    pub embedding: bool,
    pub video: bool,
    pub audio: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedProfile {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    /// Foundation-model ARNs the profile routes to.
    pub models: Vec<String>,
    pub status: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SourceState {
    /// The source exists in the region and routes to these foundation models.
    Routes { models: Vec<String> },
    /// No such system-defined profile or foundation model in the region.
    Missing,
}
