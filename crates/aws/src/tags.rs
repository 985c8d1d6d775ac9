//! Tags in bulk: the Resource Groups Tagging API's `GetResources` returns the tags of every
//! resource of a type in the region, a hundred per call, so that observing does not make
//! one call per resource. It covers every resource type but IAM users and roles, and lists
//! only resources that have (or had) tags: an untagged resource is absent, not an error.

use crate::error::{context, AwsError};
use crate::Clients;
use std::collections::BTreeMap;

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
