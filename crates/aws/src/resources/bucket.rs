//! The log bucket: read every setting at once; create, tag, harden, empty and delete.

use crate::error::{
    build_failed, context, done_unless, from_s3, status_of, AwsError, Class, Modelled,
};
use crate::resources::logging_role::decode_policy;
use crate::resources::Observation;
use crate::Clients;
use aws_sdk_s3::types as s3;
use bedrock_plan::resources::bucket::{
    Desired, LifecycleRule, Observed, ObservedBucket, PublicAccessBlock, Step,
};
use bedrock_plan::Created;
use bedrock_plan::DesiredState;
use std::collections::BTreeMap;

/// A setting's read: None when S3 answers that it is not there (or the bucket is not: the
/// classes of S3's answers are said once, in `error`).
macro_rules! absent_or {
    ($result:expr, $what:expr) => {
        match from_s3($result) {
            Ok(v) => Some(v),
            Err(e) if e.is(Class::NotFound) => None,
            Err(e) => return Err(context($what)(e)),
        }
    };
}

/// The stack's bucket, when the stack manages logging.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let bucket = if d.logging_managed {
        read(c, &d.bucket).await?
    } else {
        Default::default()
    };
    Ok(Box::new(move |o| o.bucket = bucket))
}

pub(crate) async fn read(c: &Clients, d: &Desired) -> Result<Observed, AwsError> {
    let name = d.name.as_str();
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
    if let Err(e) = head {
        return match status_of(&e) {
            Some(404) => Ok(Observed::Missing),
            Some(403) => Ok(Observed::Foreign),
            Some(301) => {
                let region = e
                    .raw_response()
                    .and_then(|r| r.headers().get("x-amz-bucket-region"))
                    .unwrap_or("another region")
                    .to_string();
                Ok(Observed::OtherRegion { region })
            }
            _ => Err(context(format!("reading bucket {name}"))(e)),
        };
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
        return Ok(Observed::OtherRegion { region });
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
    Ok(Observed::Present(ObservedBucket {
        tags,
        public_access_block,
        encryption,
        ownership,
        policy,
        lifecycle,
    }))
}

/// What a page of per-key delete errors says: how many, the first few keys and codes, and
/// what to do.
fn undeletable(errors: &[s3::Error]) -> String {
    const SHOWN: usize = 5;
    let keys: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(|e| {
            format!(
                "{} ({}: {})",
                e.key().unwrap_or("?"),
                e.code().unwrap_or("error"),
                e.message().unwrap_or("no message")
            )
        })
        .collect();
    let more = if errors.len() > SHOWN {
        format!(" and {} more", errors.len() - SHOWN)
    } else {
        String::new()
    };
    format!(
        "{} object versions could not be deleted: {}{more}\n  help: something protects them (an object lock, a legal hold, a bucket policy): remove it, then run the destroy again; the bucket and these objects stay",
        errors.len(),
        keys.join(", ")
    )
}

/// A rule's prefix: in its filter, or (rules written before filters existed) on the rule.
#[allow(deprecated)]
fn rule_prefix(r: &s3::LifecycleRule) -> String {
    r.filter()
        .and_then(|f| f.prefix())
        .or(r.prefix())
        .unwrap_or_default()
        .to_string()
}

fn tag_set(what: &str, tags: &BTreeMap<String, String>) -> Result<Vec<s3::Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| s3::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(build_failed(what))
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &bedrock_plan::Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    let build_error = build_failed(&what);
    match step {
        Step::CreateBucket { name, region, tags } => {
            // Tags in the create itself: an apply stopped right after it leaves a bucket that
            // is recognisably this stack's, never an untagged one to refuse as foreign.
            let mut configuration =
                s3::CreateBucketConfiguration::builder().set_tags(Some(tag_set(&what, tags)?));
            // us-east-1 is S3's default and refuses to be named as a location constraint.
            if region != "us-east-1" {
                configuration = configuration
                    .location_constraint(s3::BucketLocationConstraint::from(region.as_str()));
            }
            let create =
                c.s3.create_bucket()
                    .bucket(name)
                    .object_ownership(s3::ObjectOwnership::BucketOwnerEnforced)
                    .create_bucket_configuration(configuration.build());
            done_unless(from_s3(create.send().await), Class::AlreadyExists, what)?;
        }
        Step::PutPublicAccessBlock { name, block } => {
            c.s3.put_public_access_block()
                .bucket(name)
                .public_access_block_configuration(
                    s3::PublicAccessBlockConfiguration::builder()
                        .block_public_acls(block.block_public_acls)
                        .ignore_public_acls(block.ignore_public_acls)
                        .block_public_policy(block.block_public_policy)
                        .restrict_public_buckets(block.restrict_public_buckets)
                        .build(),
                )
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutBucketEncryption { name, algorithm } => {
            let rule = s3::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    s3::ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(s3::ServerSideEncryption::from(algorithm.as_str()))
                        .build()
                        .map_err(build_error)?,
                )
                .build();
            let config = s3::ServerSideEncryptionConfiguration::builder()
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
        Step::PutOwnershipControls { name, ownership } => {
            let controls = s3::OwnershipControls::builder()
                .rules(
                    s3::OwnershipControlsRule::builder()
                        .object_ownership(s3::ObjectOwnership::from(ownership.as_str()))
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
                .policy(serde_json::to_string(policy).unwrap_or_default())
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PutBucketLifecycle { name, rule } => put_lifecycle(c, &what, name, rule).await?,
        Step::EmptyAndDeleteBucket { name } => empty_and_delete(c, name).await?,
    }
    Ok(None)
}

/// This tool's rule. S3 replaces the whole configuration: every other rule is kept exactly
/// as it is.
async fn put_lifecycle(
    c: &Clients,
    what: &str,
    name: &str,
    rule: &LifecycleRule,
) -> Result<(), AwsError> {
    let build_error = build_failed(what);
    let mut rules: Vec<s3::LifecycleRule> = match from_s3(
        c.s3.get_bucket_lifecycle_configuration()
            .bucket(name)
            .send()
            .await,
    ) {
        Ok(out) => out
            .rules()
            .iter()
            .filter(|r| r.id() != Some(rule.id.as_str()))
            .cloned()
            .collect(),
        Err(e) if e.is(Class::NotFound) => Vec::new(),
        Err(e) => {
            return Err(context(format!("reading the lifecycle of bucket {name}"))(
                e,
            ))
        }
    };
    let mut ours = s3::LifecycleRule::builder()
        .id(&rule.id)
        .filter(
            s3::LifecycleRuleFilter::builder()
                .prefix(&rule.prefix)
                .build(),
        )
        .status(if rule.enabled {
            s3::ExpirationStatus::Enabled
        } else {
            s3::ExpirationStatus::Disabled
        });
    if let Some(days) = rule.expiration_days {
        ours = ours.expiration(
            s3::LifecycleExpiration::builder()
                .days(i32::try_from(days).unwrap_or(i32::MAX))
                .build(),
        );
    }
    rules.push(ours.build().map_err(build_error)?);
    let config = s3::BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(build_error)?;
    c.s3.put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(context(what))?;
    Ok(())
}

/// Delete every object version and delete marker, then the bucket. Only reached with
/// `destroy --delete-data`: this is the data. Every page's per-key errors are read: an
/// object that cannot be deleted (an object lock, a legal hold, a policy) stops it with the
/// keys named, rather than listing it again forever.
async fn empty_and_delete(c: &Clients, name: &str) -> Result<(), AwsError> {
    let what = format!("emptying bucket {name}");
    let mut previous: Vec<(String, Option<String>)> = Vec::new();
    loop {
        let listing = match from_s3(
            c.s3.list_object_versions()
                .bucket(name)
                .max_keys(1000)
                .send()
                .await,
        ) {
            Ok(l) => l,
            Err(e) if e.is(Class::NotFound) => return Ok(()),
            Err(e) => return Err(context(format!("listing the objects of bucket {name}"))(e)),
        };
        let versions = listing.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = listing
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        let listed: Vec<(String, Option<String>)> = versions
            .chain(markers)
            .map(|(key, version)| {
                (
                    key.unwrap_or_default().to_string(),
                    version.map(str::to_string),
                )
            })
            .collect();
        if listed.is_empty() {
            break;
        }
        if listed == previous {
            return Err(AwsError::local(
                what,
                format!(
                    "the same {} object versions are listed again after they were deleted",
                    listed.len()
                ),
            ));
        }
        let ids = listed
            .iter()
            .map(|(key, version)| {
                s3::ObjectIdentifier::builder()
                    .key(key)
                    .set_version_id(version.clone())
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(build_failed(&what))?;
        let delete = s3::Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(build_failed(&what))?;
        let out =
            c.s3.delete_objects()
                .bucket(name)
                .delete(delete)
                .send()
                .await
                .map_err(context(what.clone()))?;
        if !out.errors().is_empty() {
            return Err(AwsError::local(what, undeletable(out.errors())));
        }
        previous = listed;
    }
    let deleted = c.s3.delete_bucket().bucket(name).send().await;
    done_unless(
        from_s3(deleted),
        Class::NotFound,
        format!("deleting bucket {name}"),
    )
}
