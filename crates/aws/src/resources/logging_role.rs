//! IAM roles: the logging role read whole (trust, inline and attached policies, tags), and
//! the role steps, which LibreChat's role shares (tag, put and delete an inline policy).

use crate::error::{context, done_unless, from_iam, join_error, AwsError, Class, Modelled};
use crate::resources::Observation;
use crate::Clients;
use bedrock_plan::resources::logging_role::{Desired, Observed, Step};
use bedrock_plan::Created;
use bedrock_plan::DesiredState;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// At most this many policy reads in flight at once.
const READ_CONCURRENCY: usize = 32;

/// A policy document as IAM returns it (URL-encoded JSON) or as S3 does (JSON).
pub fn decode_policy(text: &str) -> Value {
    let decoded = if text.trim_start().starts_with('{') {
        text.to_string()
    } else {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    serde_json::from_str(&decoded).unwrap_or(Value::String(decoded))
}

/// A role's tags; none when IAM says there is no such role.
pub(crate) async fn role_tags(
    c: &Clients,
    name: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    match from_iam(c.iam.list_role_tags().role_name(name).send().await) {
        Ok(t) => Ok(t
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if e.is(Class::NotFound) => Ok(BTreeMap::new()),
        Err(e) => Err(context(format!("reading the tags of role {name}"))(e)),
    }
}

/// The stack's logging role, when the stack manages logging.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let role = if d.logging_managed {
        read(c, &d.role).await?
    } else {
        None
    };
    Ok(Box::new(move |o| o.role = role))
}

/// A role as IAM shows it, without its policies' documents: shared with LibreChat's role.
pub(crate) struct RoleBase {
    pub arn: String,
    pub trust: Value,
    /// Its inline policies' names.
    pub inline: Vec<String>,
    /// Its managed policies' ARNs.
    pub attached: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// Role `name` (its trust, tags, and its policies' names and ARNs); None when IAM has none.
pub(crate) async fn read_base(c: &Clients, name: &str) -> Result<Option<RoleBase>, AwsError> {
    let iam = &c.iam;
    let (role, names, attached, tags) = tokio::join!(
        iam.get_role().role_name(name).send(),
        iam.list_role_policies().role_name(name).send(),
        iam.list_attached_role_policies().role_name(name).send(),
        role_tags(c, name),
    );
    let role = match from_iam(role) {
        Ok(r) => r,
        Err(e) if e.is(Class::NotFound) => return Ok(None),
        Err(e) => return Err(context(format!("reading role {name}"))(e)),
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
    Ok(Some(RoleBase {
        arn: role.arn().to_string(),
        trust: role
            .assume_role_policy_document()
            .map(decode_policy)
            .unwrap_or(Value::Null),
        inline,
        attached,
        tags: tags?,
    }))
}

pub(crate) async fn read(c: &Clients, d: &Desired) -> Result<Option<Observed>, AwsError> {
    let name = d.name.as_str();
    let iam = &c.iam;
    let Some(base) = read_base(c, name).await? else {
        return Ok(None);
    };
    let names = base.inline.clone();
    let limit = Arc::new(Semaphore::new(READ_CONCURRENCY));
    let mut reads = tokio::task::JoinSet::new();
    for policy in names {
        let iam = iam.clone();
        let role = name.to_string();
        let limit = limit.clone();
        reads.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let out = iam
                .get_role_policy()
                .role_name(&role)
                .policy_name(&policy)
                .send()
                .await
                .map_err(context(format!("reading policy {policy} of role {role}")))?;
            Ok::<_, AwsError>((policy, decode_policy(out.policy_document())))
        });
    }
    let mut inline = BTreeMap::new();
    while let Some(joined) = reads.join_next().await {
        let (policy, doc) = joined.map_err(join_error)??;
        inline.insert(policy, doc);
    }
    Ok(Some(Observed {
        arn: base.arn,
        trust: base.trust,
        inline,
        attached: base.attached,
        tags: base.tags,
    }))
}

/// Put an inline policy (the text as IAM takes it).
pub(crate) async fn put_role_policy(
    c: &Clients,
    what: String,
    role: &str,
    name: &str,
    document: String,
) -> Result<(), AwsError> {
    c.iam
        .put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(document)
        .send()
        .await
        .map_err(context(what))?;
    Ok(())
}

/// Create a role with its trust and tags (shared with LibreChat's role). A role made by an
/// earlier, interrupted apply (it carries the stack's tags) is made sure of its trust; one of
/// someone else's, made since the plan read the account, is left as it is and refused.
pub(crate) async fn create_role(
    c: &Clients,
    what: String,
    name: &str,
    trust: &Value,
    tags: &BTreeMap<String, String>,
    description: &str,
) -> Result<(), AwsError> {
    let text = serde_json::to_string(trust).unwrap_or_default();
    let created = c
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(&text)
        .description(description)
        .set_tags(Some(crate::tags::iam_tags(&what, tags)?))
        .send()
        .await;
    match from_iam(created) {
        Ok(_) => Ok(()),
        Err(e) if e.is(Class::AlreadyExists) => {
            let found = role_tags(c, name).await?;
            let ours = [bedrock_spec::MANAGED_BY_TAG, bedrock_spec::STACK_TAG]
                .iter()
                .all(|k| tags.get(*k).is_some_and(|v| found.get(*k) == Some(v)));
            if !ours {
                return Err(AwsError::local(
                    what,
                    format!("role {name} was made by someone else since the plan read the account (it lacks this stack's tags); it is left as it is: plan again"),
                ));
            }
            c.iam
                .update_assume_role_policy()
                .role_name(name)
                .policy_document(text)
                .send()
                .await
                .map_err(context(what))?;
            Ok(())
        }
        Err(e) => Err(context(what)(e)),
    }
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
            let description =
                "Lets Amazon Bedrock write model invocation logs (managed by librechat-bedrock)";
            create_role(c, what, name, trust, tags, description).await?;
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
        Step::PutRolePolicy {
            role,
            name,
            document,
        } => put_role_policy(c, what, role, name, text(document)).await?,
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
    }
    Ok(None)
}
