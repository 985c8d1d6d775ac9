//! `sweep`: every resource of the region whose `stack` tag starts with a prefix (and whose
//! `managed-by` tag is this tool's), each with the time it was made, for the planner to group
//! by stack and delete with the kinds' own steps.
//!
//! Where each kind is found:
//! - the Resource Groups Tagging API (`tag:GetResources`, filtered on `managed-by`): log
//!   groups, buckets, SNS topics, alarms, and profiles;
//! - application inference profiles: also listed (the tagging API's index may lag a profile
//!   made a moment ago: one absent from it has its tags read directly);
//! - guardrails: listed, each one's tags read;
//! - IAM roles (the tagging API lists none): one listing of the account's roles with their
//!   tags, policies and creation dates (`iam:GetAccountAuthorizationDetails`);
//! - alarms and topics: also listed by the name the tool gives them
//!   (`librechat-bedrock-<stack>-<region>...`), their tags read;
//! - dashboards, which take no tags: by that name alone, in this region;
//! - the account's model invocation logging configuration: when it points at a role, log
//!   group or bucket found here, it is that stack's.
//!
//! Ages: profiles and guardrails `createdAt`, log groups `creationTime`, roles `CreateDate`,
//! buckets `CreationDate`; an alarm's last configuration and a dashboard's last change (no
//! earlier time is known: a stack changed recently counts as young); a topic and the logging
//! configuration tell none.

use crate::error::{context, from_bedrock, from_cloudwatch, Class, Modelled};
use crate::{AwsError, Clients};
use aws_smithy_types::DateTime;
use bedrock_plan::sweep::{Leftover, What};
use bedrock_spec::{MANAGED_BY_TAG, MANAGED_BY_VALUE, STACK_TAG};
use std::collections::{BTreeMap, BTreeSet};

type Tags = BTreeMap<String, String>;

/// What the tool names its dashboards, alarms and topic with: `librechat-bedrock-<stack>`.
const NAME_PREFIX: &str = "librechat-bedrock-";

/// The stack a resource of the prefix belongs to, from its tags: only this tool's.
fn stack_of(tags: &Tags, prefix: &str) -> Option<String> {
    (tags.get(MANAGED_BY_TAG).map(String::as_str) == Some(MANAGED_BY_VALUE))
        .then(|| tags.get(STACK_TAG))
        .flatten()
        .filter(|s| s.starts_with(prefix))
        .cloned()
}

fn secs(t: Option<&DateTime>) -> Option<u64> {
    t.and_then(|t| u64::try_from(t.secs()).ok())
}

fn tags_of<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
    pairs.map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Every resource of the region (and every IAM role) tagged by this tool for a stack whose
/// name starts with `prefix`.
pub async fn find_leftovers(c: &Clients, prefix: &str) -> Result<Vec<Leftover>, AwsError> {
    let region = c.region();
    let (tagged, profiles, guardrails, roles, named, dashboards) = tokio::join!(
        tagged(c),
        profiles(c, prefix),
        guardrails(c, prefix),
        roles(c, prefix),
        named_monitoring(c, prefix),
        dashboards(c, prefix, &region),
    );
    let mut found = Vec::new();
    found.extend(profiles?);
    found.extend(guardrails?);
    found.extend(roles?);
    found.extend(named?);
    found.extend(dashboards?);
    let seen: BTreeSet<String> = found.iter().filter_map(|l| l.arn.clone()).collect();
    let mut groups = Vec::new();
    let mut alarms = Vec::new();
    for (arn, tags) in tagged? {
        let Some(stack) = stack_of(&tags, prefix) else {
            continue;
        };
        if seen.contains(&arn) {
            continue;
        }
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let (service, resource) = match parts.as_slice() {
            [_, _, service, _, _, resource] => (*service, *resource),
            _ => ("", arn.as_str()),
        };
        let mut leftover = Leftover {
            stack,
            what: What::Other,
            name: arn.clone(),
            arn: Some(arn.clone()),
            created: None,
        };
        match service {
            // Listed above, with their times.
            "bedrock"
                if resource.starts_with("application-inference-profile/")
                    || resource.starts_with("guardrail/") =>
            {
                continue
            }
            "iam" => continue,
            "logs" => {
                let name = resource
                    .trim_start_matches("log-group:")
                    .trim_end_matches(":*");
                leftover.what = What::LogGroup;
                leftover.name = name.to_string();
                groups.push(leftover);
                continue;
            }
            "s3" => {
                leftover.what = What::Bucket;
                leftover.name = resource.to_string();
            }
            "sns" => {
                leftover.what = What::Topic;
                leftover.name = resource.to_string();
            }
            "cloudwatch" if resource.starts_with("alarm:") => {
                leftover.what = What::Alarm;
                leftover.name = resource.trim_start_matches("alarm:").to_string();
                alarms.push(leftover);
                continue;
            }
            _ => {}
        }
        found.push(leftover);
    }
    found.extend(alarm_times(c, alarms).await?);
    found.extend(log_group_times(c, groups).await?);
    bucket_times(c, &mut found).await?;
    found.extend(logging(c, &found).await?);
    Ok(found)
}

/// Every resource of the region tagged `managed-by = librechat-bedrock`, with its tags.
async fn tagged(c: &Clients) -> Result<Vec<(String, Tags)>, AwsError> {
    let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
        .key(MANAGED_BY_TAG)
        .values(MANAGED_BY_VALUE)
        .build();
    let pages = c
        .tagging
        .get_resources()
        .tag_filters(filter)
        .resources_per_page(100)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context(
            "reading the resources tagged managed-by = librechat-bedrock (tag:GetResources)",
        ))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.resource_tag_mapping_list())
        .filter_map(|m| {
            let tags = tags_of(m.tags().iter().map(|t| (t.key(), t.value())));
            Some((m.resource_arn()?.to_string(), tags))
        })
        .collect())
}

/// Bedrock's tags of `arn` (none when it is gone since it was listed).
async fn bedrock_tags(c: &Clients, arn: &str, what: &str) -> Result<Tags, AwsError> {
    let read = c.bedrock.list_tags_for_resource().resource_arn(arn).send();
    match from_bedrock(read.await) {
        Ok(t) => Ok(tags_of(t.tags().iter().map(|t| (t.key(), t.value())))),
        Err(e) if e.is(Class::NotFound) => Ok(Tags::new()),
        Err(e) => Err(context(format!("reading the tags of {what} {arn}"))(e)),
    }
}

async fn profiles(c: &Clients, prefix: &str) -> Result<Vec<Leftover>, AwsError> {
    let (summaries, mut tags) = crate::resources::inference_profile::list_with_tags(c).await?;
    let mut out = Vec::new();
    for s in summaries {
        let arn = s.inference_profile_arn();
        if !tags.contains_key(arn) {
            let read = bedrock_tags(c, arn, "inference profile").await?;
            tags.insert(arn.to_string(), read);
        }
        if let Some(stack) = stack_of(&tags[arn], prefix) {
            out.push(Leftover {
                stack,
                what: What::InferenceProfile,
                name: s.inference_profile_name().to_string(),
                arn: Some(arn.to_string()),
                created: secs(s.created_at()),
            });
        }
    }
    Ok(out)
}

async fn guardrails(c: &Clients, prefix: &str) -> Result<Vec<Leftover>, AwsError> {
    let summaries = crate::resources::guardrail::list_all(c).await?;
    let mut out = Vec::new();
    for s in summaries {
        let tags = bedrock_tags(c, s.arn(), "guardrail").await?;
        if let Some(stack) = stack_of(&tags, prefix) {
            out.push(Leftover {
                stack,
                what: What::Guardrail,
                name: s.name().to_string(),
                arn: Some(s.arn().to_string()),
                created: secs(Some(s.created_at())),
            });
        }
    }
    Ok(out)
}

/// The account's roles and users of the prefix's stacks, with what deleting them takes.
async fn roles(c: &Clients, prefix: &str) -> Result<Vec<Leftover>, AwsError> {
    let mut out = Vec::new();
    let (roles, users) = crate::resources::runtime_policy::account_details(c).await?;
    for user in users {
        let tags = tags_of(user.tags().iter().map(|t| (t.key(), t.value())));
        let (Some(stack), Some(name)) = (stack_of(&tags, prefix), user.user_name()) else {
            continue;
        };
        out.push(Leftover {
            stack,
            what: What::User {
                inline: user
                    .user_policy_list()
                    .iter()
                    .filter_map(|p| p.policy_name().map(str::to_string))
                    .collect(),
                attached: user
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect(),
            },
            name: name.to_string(),
            arn: user.arn().map(str::to_string),
            created: secs(user.create_date()),
        });
    }
    for role in roles {
        let tags = tags_of(role.tags().iter().map(|t| (t.key(), t.value())));
        let (Some(stack), Some(name)) = (stack_of(&tags, prefix), role.role_name()) else {
            continue;
        };
        let inline = role
            .role_policy_list()
            .iter()
            .filter_map(|p| p.policy_name().map(str::to_string))
            .collect();
        let attached = role
            .attached_managed_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect();
        let instance_profiles = role
            .instance_profile_list()
            .iter()
            .map(|p| p.instance_profile_name().to_string())
            .collect();
        out.push(Leftover {
            stack,
            what: What::Role {
                inline,
                attached,
                instance_profiles,
            },
            name: name.to_string(),
            arn: role.arn().map(str::to_string),
            created: secs(role.create_date()),
        });
    }
    Ok(out)
}

/// Alarms and topics by the name the tool gives them (`librechat-bedrock-<stack>-...`),
/// with their tags read: what the tagging API's index has yet to list.
async fn named_monitoring(c: &Clients, prefix: &str) -> Result<Vec<Leftover>, AwsError> {
    let start = format!("{NAME_PREFIX}{prefix}");
    let (alarms, topics) = tokio::join!(
        c.cloudwatch
            .describe_alarms()
            .alarm_name_prefix(&start)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>(),
        c.sns
            .list_topics()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let alarms = alarms.map_err(context(format!("listing the alarms {start}*")))?;
    let topics = topics.map_err(context("listing the SNS topics"))?;
    let mut out = Vec::new();
    for a in alarms.iter().flat_map(|p| p.metric_alarms()) {
        let (Some(arn), Some(name)) = (a.alarm_arn(), a.alarm_name()) else {
            continue;
        };
        let read = c
            .cloudwatch
            .list_tags_for_resource()
            .resource_arn(arn)
            .send();
        let tags = match from_cloudwatch(read.await) {
            Ok(t) => t
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect(),
            Err(e) if e.is(Class::NotFound) => Tags::new(),
            Err(e) => return Err(context(format!("reading the tags of alarm {name}"))(e)),
        };
        if let Some(stack) = stack_of(&tags, prefix) {
            out.push(Leftover {
                stack,
                what: What::Alarm,
                name: name.to_string(),
                arn: Some(arn.to_string()),
                created: secs(a.alarm_configuration_updated_timestamp()),
            });
        }
    }
    for arn in topics.iter().filter_map(|t| t.topic_arn()) {
        let name = arn.rsplit(':').next().unwrap_or_default();
        if !name.starts_with(&start) {
            continue;
        }
        let read = c.sns.list_tags_for_resource().resource_arn(arn).send();
        let tags = read
            .await
            .map_err(context(format!("reading the tags of topic {arn}")))?;
        let tags = tags_of(tags.tags().iter().map(|t| (t.key(), t.value())));
        if let Some(stack) = stack_of(&tags, prefix) {
            out.push(Leftover {
                stack,
                what: What::Topic,
                name: name.to_string(),
                arn: Some(arn.to_string()),
                created: None,
            });
        }
    }
    Ok(out)
}

/// The dashboards `librechat-bedrock-<stack>-<region>` of this region whose stack starts
/// with the prefix (a dashboard takes no tags: its name is what makes it the stack's).
async fn dashboards(c: &Clients, prefix: &str, region: &str) -> Result<Vec<Leftover>, AwsError> {
    let start = format!("{NAME_PREFIX}{prefix}");
    let pages = c
        .cloudwatch
        .list_dashboards()
        .dashboard_name_prefix(&start)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context(format!("listing the dashboards {start}*")))?;
    let suffix = format!("-{region}");
    Ok(pages
        .iter()
        .flat_map(|p| p.dashboard_entries())
        .filter_map(|d| {
            let name = d.dashboard_name()?;
            let stack = name.strip_prefix(NAME_PREFIX)?.strip_suffix(&suffix)?;
            stack.starts_with(prefix).then(|| Leftover {
                stack: stack.to_string(),
                what: What::Dashboard,
                name: name.to_string(),
                arn: d.dashboard_arn().map(str::to_string),
                created: secs(d.last_modified()),
            })
        })
        .collect())
}

/// The alarms the tagging API found, with when each was last configured.
async fn alarm_times(c: &Clients, mut alarms: Vec<Leftover>) -> Result<Vec<Leftover>, AwsError> {
    for chunk in alarms.chunks_mut(100) {
        let names: Vec<String> = chunk.iter().map(|a| a.name.clone()).collect();
        let read = c
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(names))
            .send()
            .await
            .map_err(context("reading the alarms tagged for the stacks"))?;
        for a in chunk.iter_mut() {
            let live = read
                .metric_alarms()
                .iter()
                .find(|m| m.alarm_name() == Some(a.name.as_str()));
            a.created = live.and_then(|m| secs(m.alarm_configuration_updated_timestamp()));
        }
    }
    Ok(alarms)
}

/// The log groups the tagging API found that still exist, with when each was made.
async fn log_group_times(c: &Clients, groups: Vec<Leftover>) -> Result<Vec<Leftover>, AwsError> {
    let mut out = Vec::new();
    for mut g in groups {
        let read = c
            .logs
            .describe_log_groups()
            .log_group_name_prefix(&g.name)
            .send()
            .await
            .map_err(context(format!("reading log group {}", g.name)))?;
        let Some(live) = read
            .log_groups()
            .iter()
            .find(|l| l.log_group_name() == Some(g.name.as_str()))
        else {
            continue;
        };
        g.created = live
            .creation_time()
            .and_then(|ms| u64::try_from(ms / 1000).ok());
        out.push(g);
    }
    Ok(out)
}

/// The buckets' creation dates (one listing); a bucket gone since is dropped.
async fn bucket_times(c: &Clients, found: &mut Vec<Leftover>) -> Result<(), AwsError> {
    if !found.iter().any(|l| l.what == What::Bucket) {
        return Ok(());
    }
    let listed =
        c.s3.list_buckets()
            .send()
            .await
            .map_err(context("listing the buckets"))?;
    let dates: BTreeMap<&str, Option<u64>> = listed
        .buckets()
        .iter()
        .filter_map(|b| Some((b.name()?, secs(b.creation_date()))))
        .collect();
    found.retain_mut(|l| {
        if l.what != What::Bucket {
            return true;
        }
        match dates.get(l.name.as_str()) {
            Some(created) => {
                l.created = *created;
                true
            }
            None => false,
        }
    });
    Ok(())
}

/// The account's logging configuration, when it points at a role, log group or bucket found:
/// that stack's.
async fn logging(c: &Clients, found: &[Leftover]) -> Result<Option<Leftover>, AwsError> {
    let Some(l) = crate::resources::logging_config::read(c).await? else {
        return Ok(None);
    };
    let role = l.role_arn.as_deref().and_then(|arn| arn.rsplit('/').next());
    let stack = found.iter().find_map(|f| {
        let points = match &f.what {
            What::Role { .. } => role == Some(f.name.as_str()),
            What::LogGroup => l.log_group.as_deref() == Some(f.name.as_str()),
            What::Bucket => {
                l.large_data_bucket.as_deref() == Some(f.name.as_str())
                    || l.s3_destination.as_deref() == Some(f.name.as_str())
            }
            _ => false,
        };
        points.then(|| f.stack.clone())
    });
    Ok(stack.map(|stack| Leftover {
        stack,
        what: What::LoggingConfiguration,
        name: c.region(),
        arn: None,
        created: None,
    }))
}
