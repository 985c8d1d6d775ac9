//! LibreChat's Bedrock API key user (`[librechat.api_key]`): read whole (tags, inline
//! policies, attached ones, its Bedrock API keys), created, given its policy, its keys made
//! and deleted, and deleted. A new key's value goes to the apply's record for `.env` alone.

use crate::error::{context, done_unless, from_iam, AwsError, Class, Modelled};
use crate::resources::logging_role::decode_policy;
use crate::resources::Observation;
use crate::Clients;
use bedrock_plan::resources::api_key::{Desired, Key, Observed, Step, KIND, SERVICE};
use bedrock_plan::{Created, DesiredState, Outputs};
use std::collections::BTreeMap;

pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let user = match &d.api_key {
        // Boxed: the kinds' reads are joined into one future, polled on one stack.
        Some(k) => Box::pin(read(c, k)).await?,
        None => None,
    };
    Ok(Box::new(move |o| o.api_key_user = user))
}

fn secs(t: &aws_smithy_types::DateTime) -> i64 {
    t.secs()
}

async fn read(c: &Clients, d: &Desired) -> Result<Option<Observed>, AwsError> {
    let name = d.user.as_str();
    let user = match from_iam(c.iam.get_user().user_name(name).send().await) {
        Ok(u) => u,
        Err(e) if e.is(Class::NotFound) => return Ok(None),
        Err(e) => return Err(context(format!("reading IAM user {name}"))(e)),
    };
    let read_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let arn = user.user().map(|u| u.arn().to_string()).unwrap_or_default();
    let (tags, inline, attached, keys) = tokio::try_join!(
        user_tags(c, name),
        inline_policies(c, name),
        attached_policies(c, name),
        list_keys(c, name)
    )?;
    Ok(Some(Observed {
        arn,
        tags,
        inline,
        attached,
        keys,
        read_at,
    }))
}

async fn user_tags(c: &Clients, name: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let mut tags = BTreeMap::new();
    let mut marker = None;
    loop {
        let page = c
            .iam
            .list_user_tags()
            .user_name(name)
            .set_marker(marker)
            .send()
            .await;
        let page = page.map_err(context(format!("reading the tags of IAM user {name}")))?;
        tags.extend(
            page.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        );
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(tags);
        }
    }
}

async fn inline_policies(
    c: &Clients,
    name: &str,
) -> Result<BTreeMap<String, serde_json::Value>, AwsError> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let page = c
            .iam
            .list_user_policies()
            .user_name(name)
            .set_marker(marker)
            .send()
            .await;
        let page = page.map_err(context(format!("listing the policies of IAM user {name}")))?;
        names.extend(page.policy_names().iter().cloned());
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            break;
        }
    }
    let mut out = BTreeMap::new();
    for policy in names {
        let got = c
            .iam
            .get_user_policy()
            .user_name(name)
            .policy_name(&policy)
            .send()
            .await;
        match from_iam(got) {
            Ok(p) => {
                out.insert(policy, decode_policy(p.policy_document()));
            }
            // Deleted since the listing.
            Err(e) if e.is(Class::NotFound) => {}
            Err(e) => {
                return Err(context(format!(
                    "reading policy {policy} of IAM user {name}"
                ))(e))
            }
        }
    }
    Ok(out)
}

async fn attached_policies(c: &Clients, name: &str) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    let mut marker = None;
    loop {
        let page = c
            .iam
            .list_attached_user_policies()
            .user_name(name)
            .set_marker(marker)
            .send()
            .await;
        let page = page.map_err(context(format!(
            "listing the managed policies of IAM user {name}"
        )))?;
        arns.extend(
            page.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string)),
        );
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok(arns);
        }
    }
}

/// The user's Bedrock API keys (IAM lists at most two per service and user, in one page).
async fn list_keys(c: &Clients, name: &str) -> Result<Vec<Key>, AwsError> {
    let listed = c
        .iam
        .list_service_specific_credentials()
        .user_name(name)
        .service_name(SERVICE)
        .send()
        .await
        .map_err(context(format!(
            "listing the Bedrock API keys of IAM user {name}"
        )))?;
    Ok(listed
        .service_specific_credentials()
        .iter()
        .map(|k| Key {
            id: k.service_specific_credential_id().to_string(),
            alias: k.service_credential_alias().unwrap_or_default().to_string(),
            active: k.status() == &aws_sdk_iam::types::StatusType::Active,
            created: secs(k.create_date()),
            expires: k.expiration_date().map(secs),
        })
        .collect())
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    outputs: &Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::CreateUser { name, tags } => {
            let created = c
                .iam
                .create_user()
                .user_name(name)
                .set_tags(Some(crate::tags::iam_tags(&what, tags)?))
                .send()
                .await;
            if let Err(e) = from_iam(created) {
                if !e.is(Class::AlreadyExists) {
                    return Err(context(what)(e));
                }
                // Made by an earlier, interrupted apply: it carries the stack's tags.
                let found = user_tags(c, name).await?;
                let ours = [bedrock_spec::MANAGED_BY_TAG, bedrock_spec::STACK_TAG]
                    .iter()
                    .all(|k| tags.get(*k).is_some_and(|v| found.get(*k) == Some(v)));
                if !ours {
                    return Err(AwsError::local(
                        what,
                        format!("IAM user {name} was made by someone else since the plan read the account (it lacks this stack's tags); it is left as it is: plan again"),
                    ));
                }
            }
        }
        Step::PutUserPolicy {
            user,
            name,
            document,
        } => {
            let rendered = document
                .render(outputs)
                .map_err(|e| AwsError::local(what.clone(), e))?;
            c.iam
                .put_user_policy()
                .user_name(user)
                .policy_name(name)
                .policy_document(rendered.to_canonical_json())
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteUserPolicy { user, name } => {
            let deleted = c
                .iam
                .delete_user_policy()
                .user_name(user)
                .policy_name(name)
                .send()
                .await;
            done_unless(from_iam(deleted), Class::NotFound, what)?;
        }
        Step::DetachUserPolicy { user, arn } => {
            let detached = c
                .iam
                .detach_user_policy()
                .user_name(user)
                .policy_arn(arn)
                .send()
                .await;
            done_unless(from_iam(detached), Class::NotFound, what)?;
        }
        Step::CreateApiKey { user, days } => {
            let made = c
                .iam
                .create_service_specific_credential()
                .user_name(user)
                .service_name(SERVICE)
                .credential_age_days(*days as i32)
                .send()
                .await
                .map_err(context(what.clone()))?;
            let key = made.service_specific_credential();
            let value = key.and_then(|k| k.service_credential_secret());
            let (Some(key), Some(value)) = (key, value) else {
                return Err(AwsError::local(
                    what,
                    "IAM made the key but returned no ServiceCredentialSecret: delete it (`aws iam list-service-specific-credentials`) and apply again",
                ));
            };
            let expires = key.expiration_date().map_or("never".to_string(), |t| {
                bedrock_plan::resources::api_key::date(secs(t))
            });
            // The value, and (after a newline, which no key holds) what .env's comment says.
            return Ok(Some(Created {
                kind: KIND,
                name: user.clone(),
                arn: format!(
                    "{value}\n{}",
                    bedrock_plan::resources::api_key::keys::comment(
                        key.service_specific_credential_id(),
                        user,
                        &expires,
                        value
                    )
                ),
            }));
        }
        Step::DeleteApiKey { user, id } => {
            let deleted = c
                .iam
                .delete_service_specific_credential()
                .user_name(user)
                .service_specific_credential_id(id)
                .send()
                .await;
            done_unless(from_iam(deleted), Class::NotFound, what)?;
        }
        Step::DeleteUser { name } => {
            // IAM deletes a user only without its keys.
            let keys = match from_iam(
                c.iam
                    .list_service_specific_credentials()
                    .user_name(name)
                    .send()
                    .await,
            ) {
                Ok(k) => k,
                Err(e) if e.is(Class::NotFound) => return Ok(None),
                Err(e) => return Err(context(what)(e)),
            };
            for k in keys.service_specific_credentials() {
                let deleted = c
                    .iam
                    .delete_service_specific_credential()
                    .user_name(name)
                    .service_specific_credential_id(k.service_specific_credential_id())
                    .send()
                    .await;
                done_unless(from_iam(deleted), Class::NotFound, what.clone())?;
            }
            let deleted = c.iam.delete_user().user_name(name).send().await;
            done_unless(from_iam(deleted), Class::NotFound, what)?;
        }
    }
    Ok(None)
}
