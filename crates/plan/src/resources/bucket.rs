//! The S3 bucket for large invocation payloads, hardened: every public access block, SSE-S3
//! default encryption (SSE-KMS kept when someone chose it), bucket-owner-enforced ownership,
//! the bucket policy from `policies/`, and a lifecycle rule expiring the payloads with the
//! logs. It holds data: destroy keeps it unless `--delete-data`.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::{value_of, Planner};
use crate::policy_doc;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{Inputs, KindPlanner};
use crate::tagging::Tagged;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const KIND: Kind = Kind {
    id: "bucket",
    label: "bucket",
    spec_key: "[logging] bucket",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

/// The bucket lifecycle rule this tool owns: large payloads expire with the log events that
/// point at them.
pub const LIFECYCLE_RULE_ID: &str = "librechat-bedrock-expire-large-data";
/// The default encryption this tool sets: SSE-S3.
pub const ENCRYPTION: &str = "AES256";
/// The object ownership this tool sets: ACLs off, the bucket owner owns every object.
pub const OWNERSHIP: &str = "BucketOwnerEnforced";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desired {
    pub name: String,
    pub region: String,
    pub policy: Value,
    /// The key prefix the lifecycle rule applies to (`large-data/`, or empty).
    pub object_prefix: String,
    pub expiration_days: u32,
}

impl Desired {
    pub fn lifecycle(&self) -> LifecycleRule {
        LifecycleRule {
            id: LIFECYCLE_RULE_ID.to_string(),
            prefix: self.object_prefix.clone(),
            enabled: true,
            expiration_days: Some(self.expiration_days),
        }
    }
}

pub fn desired(i: &Inputs) -> Desired {
    let prefix = i.spec.logging.key_prefix.trim_end_matches('/');
    Desired {
        name: i.spec.bucket_name(i.account_id),
        region: i.spec.stack.region.clone(),
        policy: i.policy(bedrock_policy::PolicyKind::LogsBucket),
        object_prefix: if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        },
        expiration_days: i.spec.logging.retention_days,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Observed {
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

impl LifecycleRule {
    /// The rule as the plan shows it: "expire large-data/* after 90 days".
    pub fn describe(&self) -> String {
        let what = match self.expiration_days {
            Some(days) => format!("expire {}* after {days} days", self.prefix),
            None => format!("keep {}* (no expiration)", self.prefix),
        };
        if self.enabled {
            what
        } else {
            format!("{what}, disabled")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    /// Created with its tags and object ownership in the same call: never seen untagged.
    CreateBucket {
        name: String,
        region: String,
        tags: BTreeMap<String, String>,
    },
    PutPublicAccessBlock {
        name: String,
        block: PublicAccessBlock,
    },
    PutBucketEncryption {
        name: String,
        algorithm: String,
    },
    PutOwnershipControls {
        name: String,
        ownership: String,
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
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateBucket { name, .. } => format!("create bucket {name}"),
            Step::PutPublicAccessBlock { name, .. } => {
                format!("block public access to bucket {name}")
            }
            Step::PutBucketEncryption { name, .. } => {
                format!("set default encryption of bucket {name}")
            }
            Step::PutOwnershipControls { name, .. } => {
                format!("enforce bucket owner ownership of {name}")
            }
            Step::PutBucketPolicy { name, .. } => format!("put the bucket policy of {name}"),
            Step::PutBucketLifecycle { name, .. } => {
                format!("put the lifecycle rules of bucket {name}")
            }
            Step::EmptyAndDeleteBucket { name } => format!("empty and delete bucket {name}"),
        }
    }
}

fn settings(p: &Planner) -> [(Step, FieldDiff); 5] {
    let d = &p.desired.bucket;
    let name = d.name.clone();
    [
        (
            Step::PutPublicAccessBlock {
                name: name.clone(),
                block: PublicAccessBlock::ALL,
            },
            FieldDiff::new(
                "public_access_block",
                Value::Null,
                value_of(&PublicAccessBlock::ALL),
            ),
        ),
        (
            Step::PutBucketEncryption {
                name: name.clone(),
                algorithm: ENCRYPTION.into(),
            },
            FieldDiff::new("encryption", Value::Null, json!(ENCRYPTION)),
        ),
        (
            Step::PutOwnershipControls {
                name: name.clone(),
                ownership: OWNERSHIP.into(),
            },
            FieldDiff::new("ownership", Value::Null, json!(OWNERSHIP)),
        ),
        (
            Step::PutBucketPolicy {
                name: name.clone(),
                policy: d.policy.clone(),
            },
            FieldDiff::policy("policy", None, &d.policy),
        ),
        (
            Step::PutBucketLifecycle {
                name,
                rule: d.lifecycle(),
            },
            FieldDiff::new(
                "lifecycle",
                Value::Null,
                json!(format!(
                    "expire {}* after {} days",
                    d.object_prefix, d.expiration_days
                )),
            ),
        ),
    ]
}

fn plan(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    let d = p.desired.bucket.clone();
    p.keep(
        KIND,
        &d.name,
        format!(
            "holds {}: `destroy` keeps it unless --delete-data",
            holds(p.desired)
        ),
    );
    let o = match &p.observed.bucket {
        Observed::Missing => {
            let mut steps = vec![Chain::one(
                Phase::Foundations,
                Step::CreateBucket {
                    name: d.name.clone(),
                    region: d.region.clone(),
                    tags: p.desired.managed_tags.clone(),
                },
            )];
            let mut diffs = Vec::new();
            for (step, diff) in settings(p) {
                steps.push(Chain::one(Phase::Settings, step));
                diffs.push(diff);
            }
            p.push(
                KIND,
                &d.name,
                Action::Create,
                "does not exist",
                diffs,
                steps,
            );
            return;
        }
        Observed::OtherRegion { region } => {
            let problem = format!(
                "bucket {} exists in {region}, but the stack is in {}: Bedrock only logs to a bucket in its own region\n  help: choose another [logging] bucket name (\"{{region}}\" in it keeps names apart)",
                d.name, d.region
            );
            p.problems.push(problem);
            return;
        }
        Observed::Foreign => {
            p.problems.push(format!(
                "bucket name {} is taken by another AWS account (bucket names are global)\n  help: choose another [logging] bucket name; \"{{account_id}}\" in it makes it yours",
                d.name
            ));
            return;
        }
        Observed::Present(o) => o.clone(),
    };
    let mut diffs = Vec::new();
    let mut steps = Vec::new();
    let tagged = Tagged::Bucket {
        name: d.name.clone(),
    };
    let Some(action) = p.ownership(KIND, &d.name, &o.tags, tagged, &mut diffs, &mut steps) else {
        return;
    };
    // SSE-KMS is stronger than the SSE-S3 default: keep it when someone chose it.
    let encrypted = o
        .encryption
        .as_deref()
        .is_some_and(|e| e == ENCRYPTION || e.starts_with("aws:kms"));
    let ours = d.lifecycle();
    let theirs = o
        .lifecycle
        .iter()
        .find(|r| r.id == LIFECYCLE_RULE_ID)
        .cloned();
    let current = [
        o.public_access_block == Some(PublicAccessBlock::ALL),
        encrypted,
        o.ownership.as_deref() == Some(OWNERSHIP),
        o.policy
            .as_ref()
            .is_some_and(|policy| policy_doc::equivalent(policy, &d.policy)),
        theirs.as_ref() == Some(&ours),
    ];
    let before = [
        value_of(&o.public_access_block),
        value_of(&o.encryption),
        value_of(&o.ownership),
        Value::Null,
        value_of(&theirs),
    ];
    for (((step, diff), ok), before) in settings(p).into_iter().zip(current).zip(before) {
        if ok {
            continue;
        }
        diffs.push(match &step {
            Step::PutBucketPolicy { policy, .. } => {
                FieldDiff::policy("policy", o.policy.as_ref(), policy)
            }
            Step::PutBucketLifecycle { rule, .. } => FieldDiff::new(
                "lifecycle",
                theirs.as_ref().map_or(Value::Null, |r| json!(r.describe())),
                json!(rule.describe()),
            ),
            _ => FieldDiff { before, ..diff },
        });
        steps.push(Chain::one(Phase::Settings, step));
    }
    p.settle(KIND, &d.name, action, "differs from the spec", diffs, steps);
}

fn destroy(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    let Observed::Present(o) = p.observed.bucket.clone() else {
        return;
    };
    let name = p.desired.bucket.name.clone();
    let delete = Step::EmptyAndDeleteBucket { name: name.clone() };
    let held = holds(p.desired);
    let what = (held, "every object in it");
    p.destroy_data(KIND, &name, &o.tags, what, delete.into());
}

/// What the bucket holds, by where the spec sends the records: every record (the S3
/// destination), or only the bodies over 100 KiB of the records sent to CloudWatch Logs.
fn holds(d: &DesiredStack) -> &'static str {
    match (d.logging.s3_destination.is_some(), d.logging_to_cloudwatch) {
        (true, true) => {
            "the invocation records, and the large bodies of those sent to CloudWatch Logs"
        }
        (true, false) => "the invocation records",
        _ => "the large bodies (over 100 KiB) of the invocation records",
    }
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    if !d.logging_managed {
        return;
    }
    let b = &d.bucket;
    let partition = d.log_group.arn.split(':').nth(1).unwrap_or("aws");
    let output = match &o.bucket {
        Observed::Present(live) if d.owns(&live.tags) => Some(
            Output::new(
                KIND.id,
                &b.name,
                Some(&format!("arn:{partition}:s3:::{}", b.name)),
            )
            .with("region", &b.region),
        ),
        _ => None,
    };
    out.found(&KIND, &b.name, output);
}
