//! LibreChat's role: read its tags and this tool's policy on it; put the policy once the
//! ARNs it names are known.

use crate::error::{context, from_iam, AwsError, Class, Modelled};
use crate::resources::logging_role::{decode_policy, put_role_policy, role_tags};
use crate::resources::Observation;
use crate::Clients;
use bedrock_plan::resources::api_key::{self, Made as MadeUser};
use bedrock_plan::resources::librechat_role::{Made, MADE_TAG, MADE_VALUE};
use bedrock_plan::resources::runtime_policy::{
    legacy_policy_name, policy_name, Desired, Elsewhere, Observed, Step,
};
use bedrock_plan::DesiredState;
use bedrock_plan::{Created, Outputs};
use std::collections::BTreeMap;

/// LibreChat's role with the stack's policy on it, and the other roles of the stack's that
/// still carry it.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let (role, (elsewhere, made, users)) =
        tokio::try_join!(read(c, d.runtime.as_ref()), read_elsewhere(c, d))?;
    Ok(Box::new(move |o| {
        o.runtime_role = role;
        o.runtime_elsewhere = elsewhere;
        o.librechat_made = made;
        o.api_key_made = users;
    }))
}

pub(crate) async fn read(c: &Clients, d: Option<&Desired>) -> Result<Option<Observed>, AwsError> {
    let Some(d) = d else {
        return Ok(None);
    };
    let name = d.role.as_str();
    let (role, tags, policy, legacy) = tokio::join!(
        c.iam.get_role().role_name(name).send(),
        role_tags(c, name),
        c.iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&d.policy)
            .send(),
        c.iam
            .get_role_policy()
            .role_name(name)
            .policy_name(legacy_policy_name())
            .send(),
    );
    match from_iam(role) {
        Ok(_) => {}
        Err(e) if e.is(Class::NotFound) => return Ok(None),
        Err(e) => return Err(context(format!("reading LibreChat's role {name}"))(e)),
    }
    let policy = match from_iam(policy) {
        Ok(p) => Some(decode_policy(p.policy_document())),
        Err(e) if e.is(Class::NotFound) => None,
        Err(e) => {
            return Err(context(format!(
                "reading the Bedrock policy of role {name}"
            ))(e))
        }
    };
    let legacy = match from_iam(legacy) {
        Ok(_) => true,
        Err(e) if e.is(Class::NotFound) => false,
        Err(e) => {
            return Err(context(format!(
                "reading the Bedrock policy of role {name}"
            ))(e))
        }
    };
    Ok(Some(Observed {
        tags: tags?,
        policy,
        legacy,
    }))
}

/// Roles other than the spec's `runtime_role` that carry this stack's policy for the region,
/// and every role the stack made for LibreChat (`[librechat.role]`, marked with
/// `MADE_TAG`): IAM finds roles by tag nowhere (the tagging API lists none), so one listing
/// of the account's roles with their tags and inline policy names
/// (GetAccountAuthorizationDetails, 1,000 roles a page) says which. A refused listing is a
/// state, not an error.
pub(crate) async fn read_elsewhere(
    c: &Clients,
    d: &DesiredState,
) -> Result<(Elsewhere, Vec<Made>, Vec<MadeUser>), AwsError> {
    let names = [policy_name(&d.region), legacy_policy_name().to_string()];
    let ours = d.runtime.as_ref().map(|r| r.role.as_str());
    let (roles, users) = match account_details(c).await {
        Ok(r) => r,
        Err(e) if e.is(Class::AccessDenied) => {
            return Ok((Elsewhere::Unreadable(e.to_string()), Vec::new(), Vec::new()));
        }
        Err(e) => return Err(e),
    };
    let owned = |tags: &[aws_sdk_iam::types::Tag]| {
        let tags: BTreeMap<&str, &str> = tags.iter().map(|t| (t.key(), t.value())).collect();
        d.managed_tags
            .iter()
            .all(|(k, v)| tags.get(k.as_str()) == Some(&v.as_str()))
            && tags.get(MADE_TAG) == Some(&api_key::MADE_VALUE)
    };
    // The users the stack made for LibreChat's API key.
    let made_users = users
        .iter()
        .filter(|u| owned(u.tags()))
        .filter_map(|u| {
            Some(MadeUser {
                name: u.user_name()?.to_string(),
                inline: u
                    .user_policy_list()
                    .iter()
                    .filter_map(|p| p.policy_name().map(str::to_string))
                    .collect(),
                attached: u
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect(),
            })
        })
        .collect();
    let mut found = BTreeMap::new();
    let mut made = Vec::new();
    for role in &roles {
        let Some(name) = role.role_name() else {
            continue;
        };
        let tags: BTreeMap<&str, &str> = role.tags().iter().map(|t| (t.key(), t.value())).collect();
        if !d
            .managed_tags
            .iter()
            .all(|(k, v)| tags.get(k.as_str()) == Some(&v.as_str()))
        {
            continue;
        }
        if tags.get(MADE_TAG) == Some(&MADE_VALUE) {
            made.push(Made {
                name: name.to_string(),
                inline: role
                    .role_policy_list()
                    .iter()
                    .filter_map(|p| p.policy_name().map(str::to_string))
                    .collect(),
                attached: role
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect(),
                instance_profiles: role
                    .instance_profile_list()
                    .iter()
                    .map(|p| p.instance_profile_name().to_string())
                    .collect(),
                own_profile: None,
            });
        }
        if Some(name) == ours {
            continue;
        }
        let carried: Vec<String> = role
            .role_policy_list()
            .iter()
            .filter_map(|p| p.policy_name())
            .filter(|p| names.iter().any(|n| n == p))
            .map(str::to_string)
            .collect();
        if !carried.is_empty() {
            found.insert(name.to_string(), carried);
        }
    }
    // Each made role's instance profile of its name (there is rarely more than one role).
    for m in &mut made {
        let read = crate::resources::librechat_role::read_instance_profile(c, &m.name);
        m.own_profile = Box::pin(read).await?;
    }
    Ok((Elsewhere::Found(found), made, made_users))
}

/// Every role and user of the account with their tags and policies, in one listing:
/// GetAccountAuthorizationDetails, 1,000 entities a page, every page.
pub(crate) async fn account_details(
    c: &Clients,
) -> Result<
    (
        Vec<aws_sdk_iam::types::RoleDetail>,
        Vec<aws_sdk_iam::types::UserDetail>,
    ),
    AwsError,
> {
    let mut roles = Vec::new();
    let mut users = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .iam
            .get_account_authorization_details()
            .filter(aws_sdk_iam::types::EntityType::Role)
            .filter(aws_sdk_iam::types::EntityType::User)
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await;
        let page = from_iam(page).map_err(context(
            "listing the account's roles and users with their tags (iam:GetAccountAuthorizationDetails)",
        ))?;
        roles.extend(page.role_detail_list().iter().cloned());
        users.extend(page.user_detail_list().iter().cloned());
        marker = page.marker().map(str::to_string);
        if !page.is_truncated() || marker.is_none() {
            return Ok((roles, users));
        }
    }
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    outputs: &Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::PutRuntimePolicy {
            role,
            name,
            document,
        } => {
            let rendered = document
                .render(outputs)
                .map_err(|e| AwsError::local(what.clone(), e))?;
            let text = serde_json::to_string(&rendered.document).unwrap_or_default();
            put_role_policy(c, what, role, name, text).await?;
        }
    }
    Ok(None)
}
