//! LibreChat's role as the stack makes it (`[librechat.role]`): read whole (trust, tags, its
//! policies' names, and the instance profile of its name), created, trusted, and deleted.

use crate::error::{context, done_unless, from_iam, AwsError, Class, Modelled};
use crate::resources::logging_role::{create_role, read_base};
use crate::resources::Observation;
use crate::Clients;
use bedrock_plan::resources::librechat_role::{Desired, InstanceProfile, Observed, Step};
use bedrock_plan::{Created, DesiredState};
use std::collections::BTreeMap;

pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let (role, profile) = match &d.librechat_role {
        Some(r) => tokio::try_join!(read(c, r), read_instance_profile(c, &r.name))?,
        None => (None, None),
    };
    Ok(Box::new(move |o| {
        o.librechat_role = role;
        o.librechat_instance_profile = profile;
    }))
}

async fn read(c: &Clients, d: &Desired) -> Result<Option<Observed>, AwsError> {
    Ok(read_base(c, &d.name).await?.map(|role| Observed {
        arn: role.arn,
        trust: role.trust,
        tags: role.tags,
        inline: role.inline,
        attached: role.attached,
    }))
}

/// The instance profile `name`, with its roles and tags; None when there is none.
pub(crate) async fn read_instance_profile(
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
    match step {
        Step::CreateRole { name, trust, tags } => {
            let description = "LibreChat's role for Amazon Bedrock (managed by librechat-bedrock)";
            create_role(c, what, name, trust, tags, description).await?;
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
