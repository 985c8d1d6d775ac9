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
    let (role, profile, missing) = match &d.librechat_role {
        // Boxed: the kinds' reads are joined into one future, polled on one stack.
        Some(r) => {
            Box::pin(async {
                tokio::try_join!(
                    read(c, r),
                    read_instance_profile(c, &r.name),
                    missing_principals(c, r, &d.account_id)
                )
            })
            .await?
        }
        None => (None, None, Vec::new()),
    };
    Ok(Box::new(move |o| {
        o.librechat_role = role;
        o.librechat_instance_profile = profile;
        o.librechat_missing_principals = missing;
    }))
}

/// The roles and users of the account the trust names that IAM does not have: it would
/// refuse the trust policy ("Invalid principal in policy"), so the plan says so first.
async fn missing_principals(
    c: &Clients,
    d: &Desired,
    account: &str,
) -> Result<Vec<String>, AwsError> {
    let mut missing = Vec::new();
    for arn in bedrock_plan::resources::librechat_role::account_principals(&d.trust, account) {
        let Some((kind, name)) = arn
            .split_once(":role/")
            .map(|(_, n)| ("role", n))
            .or_else(|| arn.split_once(":user/").map(|(_, n)| ("user", n)))
        else {
            continue;
        };
        let name = name.rsplit('/').next().unwrap_or(name);
        let found = if kind == "role" {
            from_iam(c.iam.get_role().role_name(name).send().await).map(|_| ())
        } else {
            from_iam(c.iam.get_user().user_name(name).send().await).map(|_| ())
        };
        match found {
            Ok(()) => {}
            Err(e) if e.is(Class::NotFound) => missing.push(arn),
            Err(e) => {
                return Err(context(format!(
                    "reading {kind} {name}, which LibreChat's role trusts"
                ))(e))
            }
        }
    }
    Ok(missing)
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
