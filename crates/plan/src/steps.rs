//! The AWS calls a plan makes, in dependency order. A [`Phase`] holds chains: the steps of a
//! chain run one after another (a replace deletes before it creates); chains of a phase run
//! concurrently; phases run in order.

use crate::observed::{LifecycleRule, LoggingSettings};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    CreateLogGroup {
        name: String,
        tags: BTreeMap<String, String>,
    },
    TagLogGroup {
        arn: String,
        tags: BTreeMap<String, String>,
    },
    PutRetentionPolicy {
        name: String,
        days: u32,
    },
    DeleteLogGroup {
        name: String,
    },
    /// Created with its tags and object ownership in the same call: never seen untagged.
    CreateBucket {
        name: String,
        region: String,
        tags: BTreeMap<String, String>,
    },
    /// The bucket's whole tag set (S3 replaces it).
    PutBucketTagging {
        name: String,
        tags: BTreeMap<String, String>,
    },
    PutPublicAccessBlock {
        name: String,
    },
    PutBucketEncryption {
        name: String,
    },
    PutOwnershipControls {
        name: String,
    },
    PutBucketPolicy {
        name: String,
        policy: Value,
    },
    /// This tool's lifecycle rule; apply keeps every other rule of the bucket as it is.
    PutBucketLifecycle {
        name: String,
        rule: LifecycleRule,
    },
    /// Deletes every object version and the bucket: data loss, only with --delete-data.
    EmptyAndDeleteBucket {
        name: String,
    },
    CreateRole {
        name: String,
        trust: Value,
        tags: BTreeMap<String, String>,
    },
    TagRole {
        name: String,
        tags: BTreeMap<String, String>,
    },
    UpdateTrust {
        name: String,
        trust: Value,
    },
    PutRolePolicy {
        role: String,
        name: String,
        document: Value,
    },
    DeleteRolePolicy {
        role: String,
        name: String,
    },
    DetachRolePolicy {
        role: String,
        arn: String,
    },
    DeleteRole {
        name: String,
    },
    PutLogging {
        settings: LoggingSettings,
    },
    DeleteLogging,
    CreateProfile {
        name: String,
        source_arn: String,
        description: Option<String>,
        tags: BTreeMap<String, String>,
        /// Deterministic: a retried or repeated create cannot make a second profile.
        token: String,
    },
    DeleteProfile {
        name: String,
        arn: String,
    },
    /// LibreChat's policy; `pending` names profiles created earlier in this apply, whose ARNs
    /// replace the `pending-arn-of:<name>` markers in the document.
    PutRuntimePolicy {
        role: String,
        name: String,
        document: Value,
        pending: Vec<String>,
    },
    TagProfile {
        arn: String,
        tags: BTreeMap<String, String>,
    },
    UntagProfile {
        arn: String,
        keys: Vec<String>,
    },
}

impl Step {
    /// A short description for progress lines.
    pub fn describe(&self) -> String {
        match self {
            Step::CreateLogGroup { name, .. } => format!("create log group {name}"),
            Step::TagLogGroup { arn, .. } => format!("tag log group {arn}"),
            Step::PutRetentionPolicy { name, days } => {
                format!("set retention of {name} to {days} days")
            }
            Step::DeleteLogGroup { name } => format!("delete log group {name}"),
            Step::CreateBucket { name, .. } => format!("create bucket {name}"),
            Step::PutBucketTagging { name, .. } => format!("tag bucket {name}"),
            Step::PutPublicAccessBlock { name } => format!("block public access to bucket {name}"),
            Step::PutBucketEncryption { name } => {
                format!("set default encryption of bucket {name}")
            }
            Step::PutOwnershipControls { name } => {
                format!("enforce bucket owner ownership of {name}")
            }
            Step::PutBucketPolicy { name, .. } => format!("put the bucket policy of {name}"),
            Step::PutBucketLifecycle { name, .. } => {
                format!("put the lifecycle rules of bucket {name}")
            }
            Step::EmptyAndDeleteBucket { name } => format!("empty and delete bucket {name}"),
            Step::CreateRole { name, .. } => format!("create role {name}"),
            Step::TagRole { name, .. } => format!("tag role {name}"),
            Step::UpdateTrust { name, .. } => format!("update the trust policy of role {name}"),
            Step::PutRolePolicy { role, name, .. } => format!("put policy {name} on role {role}"),
            Step::DeleteRolePolicy { role, name } => {
                format!("delete policy {name} from role {role}")
            }
            Step::DetachRolePolicy { role, arn } => format!("detach {arn} from role {role}"),
            Step::DeleteRole { name } => format!("delete role {name}"),
            Step::PutLogging { .. } => "put the model invocation logging configuration".to_string(),
            Step::DeleteLogging => "delete the model invocation logging configuration".to_string(),
            Step::CreateProfile { name, .. } => format!("create inference profile {name}"),
            Step::DeleteProfile { name, .. } => format!("delete inference profile {name}"),
            Step::PutRuntimePolicy { role, name, .. } => {
                format!("put policy {name} on LibreChat's role {role}")
            }
            Step::TagProfile { arn, .. } => format!("tag inference profile {arn}"),
            Step::UntagProfile { arn, .. } => format!("untag inference profile {arn}"),
        }
    }
}

/// Steps that run one after another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chain {
    /// Lower ranks run first.
    pub rank: u8,
    pub steps: Vec<Step>,
}

/// The chains of one rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub rank: u8,
    pub chains: Vec<Vec<Step>>,
}
