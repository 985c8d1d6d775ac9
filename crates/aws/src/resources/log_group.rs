//! The log group: read (with its tags), create, tag, retention, delete.

use crate::error::{context, done_unless, from_logs, AwsError, Class, Modelled};
use crate::resources::Observation;
use crate::Clients;
use bedrock_plan::resources::log_group::{Desired, Observed, Step};
use bedrock_plan::Created;
use bedrock_plan::DesiredState;
use std::collections::BTreeMap;

/// The stack's log group, when the stack manages logging.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let group = if d.logging_managed {
        read(c, &d.log_group).await?
    } else {
        None
    };
    Ok(Box::new(move |o| o.log_group = group))
}

pub(crate) async fn read(c: &Clients, d: &Desired) -> Result<Option<Observed>, AwsError> {
    let name = &d.name;
    let (groups, tags) = tokio::join!(
        c.logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send(),
        c.logs.list_tags_for_resource().resource_arn(&d.arn).send(),
    );
    let groups = groups.map_err(context(format!("reading log group {name}")))?;
    let Some(group) = groups
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name.as_str()))
    else {
        return Ok(None);
    };
    let tags = match from_logs(tags) {
        Ok(t) => t.tags().cloned().unwrap_or_default().into_iter().collect(),
        Err(e) if e.is(Class::NotFound) => BTreeMap::new(),
        Err(e) => return Err(context(format!("reading the tags of log group {name}"))(e)),
    };
    Ok(Some(Observed {
        name: name.clone(),
        retention_days: group
            .retention_in_days()
            .and_then(|d| u32::try_from(d).ok()),
        tags,
    }))
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &bedrock_plan::Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::CreateLogGroup { name, tags } => {
            let created = c
                .logs
                .create_log_group()
                .log_group_name(name)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send()
                .await;
            // Created by an earlier, interrupted apply: done.
            done_unless(from_logs(created), Class::AlreadyExists, what)?;
        }
        Step::PutRetentionPolicy { name, days } => {
            c.logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(i32::try_from(*days).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteLogGroup { name } => {
            let deleted = c.logs.delete_log_group().log_group_name(name).send().await;
            done_unless(from_logs(deleted), Class::NotFound, what)?;
        }
    }
    Ok(None)
}
