//! Cost allocation tags: their status in Billing (Cost Explorer, one endpoint), whether the
//! account may manage them (a member account of an Organization may not), activating them.

use crate::error::{context, from_ce, AwsError, Class, Modelled};
use crate::resources::Observation;
use crate::Clients;
use aws_sdk_costexplorer::types::{CostAllocationTagStatus, CostAllocationTagStatusEntry};
use bedrock_plan::resources::cost_tags::{Observed, Step};
use bedrock_plan::Created;
use bedrock_plan::DesiredState;

/// Billing's status of the keys `[cost]` names.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    // And the stack's tag key, whose status decides what the budget filters by.
    let mut keys = d.cost_tags.clone();
    let stack = bedrock_spec::STACK_TAG.to_string();
    if d.budget.is_some() && !keys.contains(&stack) {
        keys.push(stack);
    }
    let tags = read(c, &keys).await?;
    Ok(Box::new(move |o| o.cost_tags = tags))
}

pub(crate) async fn read(c: &Clients, keys: &[String]) -> Result<Observed, AwsError> {
    if keys.is_empty() {
        return Ok(Observed::default());
    }
    let listed =
        c.ce.list_cost_allocation_tags()
            .set_tag_keys(Some(keys.to_vec()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
    let tags = match from_ce(listed) {
        Ok(tags) => tags,
        // "Linked account doesn't have access to cost allocation tags."
        Err(e) if e.is(Class::AccessDenied) && linked(&e) => {
            return Ok(Observed {
                statuses: Default::default(),
                management_account: Some(management_account(c).await),
            })
        }
        Err(e) => {
            return Err(context(
                "reading the cost allocation tags (ce:ListCostAllocationTags)",
            )(e))
        }
    };
    Ok(Observed {
        statuses: tags
            .iter()
            .map(|t| (t.tag_key().to_string(), t.status().as_str().to_string()))
            .collect(),
        management_account: None,
    })
}

fn linked<E: aws_sdk_costexplorer::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.message().is_some_and(|m| m.contains("Linked account"))
}

/// The Organization's management account, when the credentials may read it ("" otherwise).
async fn management_account(c: &Clients) -> String {
    match c.organizations.describe_organization().send().await {
        Ok(out) => out
            .organization()
            .and_then(|o| o.master_account_id())
            .unwrap_or_default()
            .to_string(),
        Err(_) => String::new(),
    }
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &bedrock_plan::Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::ActivateTags { keys } => {
            let entries = keys
                .iter()
                .map(|k| {
                    CostAllocationTagStatusEntry::builder()
                        .tag_key(k)
                        .status(CostAllocationTagStatus::Active)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(crate::error::build_failed(&what))?;
            let out =
                c.ce.update_cost_allocation_tags_status()
                    .set_cost_allocation_tags_status(Some(entries))
                    .send()
                    .await
                    .map_err(context(what.clone()))?;
            if let Some(e) = out.errors().first() {
                return Err(AwsError {
                    context: what,
                    code: e.code().map(str::to_string),
                    message: e.message().unwrap_or_default().to_string(),
                    class: None,
                });
            }
        }
    }
    Ok(None)
}
