//! Tags in bulk: the Resource Groups Tagging API's `GetResources` returns the tags of every
//! resource of a type in the region, a hundred per call, so that observing does not make
//! one call per resource. It covers every resource type but IAM users and roles, and lists
//! only resources that have (or had) tags: an untagged resource is absent, not an error.
//!
//! And the one tag step of every kind (`bedrock_plan::tagging`), through the calls of the
//! resource's service.

use crate::error::{build_failed, context, AwsError};
use crate::Clients;
use bedrock_plan::tagging::{Step, Tagged};
use std::collections::BTreeMap;

/// Tags as Bedrock's calls take them.
pub(crate) fn bedrock_tags(
    what: &str,
    tags: &BTreeMap<String, String>,
) -> Result<Vec<aws_sdk_bedrock::types::Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_bedrock::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(build_failed(what))
}

/// Tags as IAM's calls take them.
pub(crate) fn iam_tags(
    what: &str,
    tags: &BTreeMap<String, String>,
) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(build_failed(what))
}

/// Make a resource's tags what the step says: tag what is new or changed, then untag what
/// goes (S3 takes the whole set at once).
pub(crate) async fn execute(c: &Clients, step: &Step) -> Result<(), AwsError> {
    let what = step.describe();
    let Step::SetTags {
        resource, after, ..
    } = step;
    let (add, remove) = step.changes();
    let (adding, removing) = (!add.is_empty(), !remove.is_empty());
    match resource {
        Tagged::LogGroup { arn } => {
            if adding {
                let tag = c
                    .logs
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(add.into_iter().collect()));
                tag.send().await.map_err(context(&what))?;
            }
            if removing {
                let untag = c
                    .logs
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(remove));
                untag.send().await.map_err(context(&what))?;
            }
        }
        Tagged::Bucket { name } => {
            if after.is_empty() {
                let delete = c.s3.delete_bucket_tagging().bucket(name);
                delete.send().await.map_err(context(&what))?;
            } else {
                let set = after
                    .iter()
                    .map(|(k, v)| aws_sdk_s3::types::Tag::builder().key(k).value(v).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(build_failed(&what))?;
                let tagging = aws_sdk_s3::types::Tagging::builder()
                    .set_tag_set(Some(set))
                    .build()
                    .map_err(build_failed(&what))?;
                let put = c.s3.put_bucket_tagging().bucket(name).tagging(tagging);
                put.send().await.map_err(context(&what))?;
            }
        }
        Tagged::Role { name } => {
            if adding {
                let tags = iam_tags(&what, &add)?;
                let tag = c.iam.tag_role().role_name(name).set_tags(Some(tags));
                tag.send().await.map_err(context(&what))?;
            }
            if removing {
                let untag = c
                    .iam
                    .untag_role()
                    .role_name(name)
                    .set_tag_keys(Some(remove));
                untag.send().await.map_err(context(&what))?;
            }
        }
        Tagged::User { name } => {
            if adding {
                let tags = iam_tags(&what, &add)?;
                let tag = c.iam.tag_user().user_name(name).set_tags(Some(tags));
                tag.send().await.map_err(context(&what))?;
            }
            if removing {
                let untag = c
                    .iam
                    .untag_user()
                    .user_name(name)
                    .set_tag_keys(Some(remove));
                untag.send().await.map_err(context(&what))?;
            }
        }
        Tagged::Bedrock { arn } => {
            if adding {
                let tags = bedrock_tags(&what, &add)?;
                let tag = c
                    .bedrock
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(tags));
                tag.send().await.map_err(context(&what))?;
            }
            if removing {
                let untag = c
                    .bedrock
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(remove));
                untag.send().await.map_err(context(&what))?;
            }
        }
        Tagged::Budget { arn } => {
            if adding {
                let tags = add
                    .iter()
                    .map(|(k, v)| {
                        aws_sdk_budgets::types::ResourceTag::builder()
                            .key(k)
                            .value(v)
                            .build()
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(build_failed(&what))?;
                let tag = c
                    .budgets
                    .tag_resource()
                    .resource_arn(arn)
                    .set_resource_tags(Some(tags));
                tag.send().await.map_err(context(&what))?;
            }
            if removing {
                let untag = c
                    .budgets
                    .untag_resource()
                    .resource_arn(arn)
                    .set_resource_tag_keys(Some(remove));
                untag.send().await.map_err(context(&what))?;
            }
        }
        Tagged::Topic { arn } => {
            if adding {
                let tags = add
                    .iter()
                    .map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(build_failed(&what))?;
                let tag = c.sns.tag_resource().resource_arn(arn).set_tags(Some(tags));
                tag.send().await.map_err(context(&what))?;
            }
            if removing {
                let untag = c
                    .sns
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(remove));
                untag.send().await.map_err(context(&what))?;
            }
        }
    }
    Ok(())
}

/// The ARNs of every resource in the region that carries all of `tags`.
pub(crate) async fn tagged_with(
    c: &Clients,
    tags: &BTreeMap<String, String>,
) -> Result<Vec<String>, AwsError> {
    let mut request = c.tagging.get_resources().resources_per_page(100);
    for (key, value) in tags {
        request = request.tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                .key(key)
                .values(value)
                .build(),
        );
    }
    let pages = request
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context(
            "reading this stack's tagged resources (tag:GetResources)",
        ))?;
    Ok(pages
        .iter()
        .flat_map(|page| page.resource_tag_mapping_list())
        .filter_map(|m| m.resource_arn().map(str::to_string))
        .collect())
}

/// Tags by ARN of every tagged resource of `resource_type` (`service:type`) in the region.
pub(crate) async fn tags_by_arn(
    c: &Clients,
    resource_type: &str,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, AwsError> {
    let pages = c
        .tagging
        .get_resources()
        .resource_type_filters(resource_type)
        .resources_per_page(100)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context(format!(
            "reading the tags of every {resource_type} (tag:GetResources)"
        )))?;
    Ok(pages
        .iter()
        .flat_map(|page| page.resource_tag_mapping_list())
        .filter_map(|m| {
            let tags = m
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            m.resource_arn().map(|arn| (arn.to_string(), tags))
        })
        .collect())
}
