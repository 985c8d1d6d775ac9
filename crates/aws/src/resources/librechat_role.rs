//! LibreChat's role as the stack makes it (`[librechat.role]`): read whole (trust, tags, its
//! policies' names, and the instance profile of its name), created, trusted, and deleted.

use crate::error::{context, done_unless, from_iam, AwsError, Class, Modelled};
use crate::resources::logging_role::{decode_policy, role_tags};
use crate::resources::Observation;
use crate::Clients;
use bedrock_plan::resources::librechat_role::{Desired, InstanceProfile, Observed, Step};
use bedrock_plan::{Created, DesiredState};
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let role = match &d.librechat_role {
        Some(r) => read(c, r).await?,
        None => None,
    };
    Ok(Box::new(move |o| o.librechat_role = role))
}

async fn read(c: &Clients, d: &Desired) -> Result<Option<Observed>, AwsError> {
    let name = d.name.as_str();
    let iam = &c.iam;
    let (role, names, attached, tags, profile) = tokio::join!(
        iam.get_role().role_name(name).send(),
        iam.list_role_policies().role_name(name).send(),
        iam.list_attached_role_policies().role_name(name).send(),
        role_tags(c, name),
        read_instance_profile(c, name),
    );
    let role = match from_iam(role) {
        Ok(r) => r,
        Err(e) if e.is(Class::NotFound) => return Ok(None),
        Err(e) => return Err(context(format!("reading LibreChat's role {name}"))(e)),
    };
    let Some(role) = role.role() else {
        return Ok(None);
    };
    let inline = match from_iam(names) {
        Ok(n) => n.policy_names().to_vec(),
        Err(e) if e.is(Class::NotFound) => vec![],
        Err(e) => return Err(context(format!("listing the policies of role {name}"))(e)),
    };
    let attached = match from_iam(attached) {
        Ok(a) => a
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect(),
        Err(e) if e.is(Class::NotFound) => vec![],
        Err(e) => {
            return Err(context(format!(
                "listing the attached policies of role {name}"
            ))(e))
        }
    };
    Ok(Some(Observed {
        arn: role.arn().to_string(),
        trust: role
            .assume_role_policy_document()
            .map(decode_policy)
            .unwrap_or(Value::Null),
        tags: tags?,
        inline,
        attached,
        instance_profile: profile?,
    }))
}

/// The instance profile `name`, with its roles and tags; None when there is none.
async fn read_instance_profile(
    c: &Clients,
    name: &str,
) -> Result<Option<InstanceProfile>, AwsError> {
    let (profile, tags) = tokio::join!(
        c.iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send(),
        c.iam
            .list_instance_profile_tags()
            .instance_profile_name(name)
            .send(),
    );
    let profile = match from_iam(profile) {
        Ok(p) => p,
        Err(e) if e.is(Class::NotFound) => return Ok(None),
        Err(e) => return Err(context(format!("reading instance profile {name}"))(e)),
    };
    let tags: BTreeMap<String, String> = match from_iam(tags) {
        Ok(t) => t
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        Err(e) if e.is(Class::NotFound) => BTreeMap::new(),
        Err(e) => {
            return Err(context(format!(
                "reading the tags of instance profile {name}"
            ))(e))
        }
    };
    Ok(profile.instance_profile().map(|p| InstanceProfile {
        roles: p
            .roles()
            .iter()
            .map(|r| r.role_name().to_string())
            .collect(),
        tags,
    }))
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &bedrock_plan::Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    match step {
        Step::CreateRole { name, trust, tags } => {
            match from_iam(
                c.iam
                    .create_role()
                    .role_name(name)
                    .assume_role_policy_document(text(trust))
                    .description(
                        "LibreChat's role for Amazon Bedrock (managed by librechat-bedrock)",
                    )
                    .set_tags(Some(crate::tags::iam_tags(&what, tags)?))
                    .send()
                    .await,
            ) {
                Ok(_) => {}
                // Made by an earlier, interrupted apply: make sure of its trust.
                Err(e) if e.is(Class::AlreadyExists) => {
                    c.iam
                        .update_assume_role_policy()
                        .role_name(name)
                        .policy_document(text(trust))
                        .send()
                        .await
                        .map_err(context(what))?;
                }
                Err(e) => return Err(context(what)(e)),
            }
        }
        Step::UpdateTrust { name, trust } => {
            c.iam
                .update_assume_role_policy()
                .role_name(name)
                .policy_document(text(trust))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::DeleteRolePolicy { role, name } => {
            let deleted = c
                .iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await;
            done_unless(from_iam(deleted), Class::NotFound, what)?;
        }
        Step::DetachRolePolicy { role, arn } => {
            let detached = c
                .iam
                .detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await;
            done_unless(from_iam(detached), Class::NotFound, what)?;
        }
        Step::DeleteRole { name } => {
            let deleted = c.iam.delete_role().role_name(name).send().await;
            done_unless(from_iam(deleted), Class::NotFound, what)?;
        }
        Step::CreateInstanceProfile { name, tags } => {
            let created = c
                .iam
                .create_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(crate::tags::iam_tags(&what, tags)?))
                .send()
                .await;
            // Made by an earlier, interrupted apply.
            done_unless(from_iam(created), Class::AlreadyExists, what)?;
        }
        Step::AddRoleToInstanceProfile { profile, role } => {
            let added = c
                .iam
                .add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await;
            // Refused when the profile already holds a role (it holds one at most): done if
            // that role is this one, added by an earlier, interrupted apply.
            if let Err(e) = from_iam(added) {
                let held = read_instance_profile(c, profile).await?;
                if !held.is_some_and(|p| p.roles.contains(role)) {
                    return Err(context(what)(e));
                }
            }
        }
        Step::RemoveRoleFromInstanceProfile { profile, role } => {
            let removed = c
                .iam
                .remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await;
            done_unless(from_iam(removed), Class::NotFound, what)?;
        }
        Step::DeleteInstanceProfile { name } => {
            let deleted = c
                .iam
                .delete_instance_profile()
                .instance_profile_name(name)
                .send()
                .await;
            done_unless(from_iam(deleted), Class::NotFound, what)?;
        }
    }
    Ok(None)
}
