//! LibreChat's role: read its tags and this tool's policy on it; put the policy once the
//! ARNs it names are known.

use crate::error::{context, is_code, AwsError};
use crate::resources::logging_role::{decode_policy, put_role_policy, role_tags};
use crate::Clients;
use bedrock_plan::resources::runtime_policy::{legacy_policy_name, Desired, Observed, Step};
use bedrock_plan::{Created, Outputs};

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
    match role {
        Ok(_) => {}
        Err(e) if is_code(&e, &["NoSuchEntity"]) => return Ok(None),
        Err(e) => return Err(context(format!("reading LibreChat's role {name}"))(e)),
    }
    let policy = match policy {
        Ok(p) => Some(decode_policy(p.policy_document())),
        Err(e) if is_code(&e, &["NoSuchEntity"]) => None,
        Err(e) => {
            return Err(context(format!(
                "reading the Bedrock policy of role {name}"
            ))(e))
        }
    };
    let legacy = match legacy {
        Ok(_) => true,
        Err(e) if is_code(&e, &["NoSuchEntity"]) => false,
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
