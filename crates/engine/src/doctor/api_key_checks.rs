//! `doctor` on LibreChat's Bedrock API key (`[librechat.api_key]`): that `.env` holds a live
//! key of the stack's user, and that it does not expire before the next apply would rotate
//! it: the same decision `plan` makes (`api_key::keys::decide`), put as a check.

use super::{fail, pass, Check};
use bedrock_plan::resources::api_key::{date, keys, Decision, EnvKey};

use bedrock_plan::{DesiredState, ObservedState};

/// The check, when the spec makes a key; `env_text` is `.env` as it is on disk.
pub(crate) fn api_key_check(
    desired: &DesiredState,
    observed: &ObservedState,
    env_text: Option<&str>,
    apply: &str,
) -> Option<Check> {
    let d = desired.api_key.as_ref()?;
    let name = format!(
        "{} in .env is a live Bedrock API key of IAM user {} that does not expire within rotate_before_days ({} days)",
        keys::VARIABLE,
        d.user,
        d.rotate_before_days
    );
    let Some(user) = &observed.api_key_user else {
        return Some(fail(
            &name,
            format!("IAM user {} does not exist", d.user),
            format!("run `{apply}`: the stack makes the user and writes its key into .env"),
        ));
    };
    let env = env_text.map_or_else(EnvKey::default, |text| {
        bedrock_plan::resources::api_key::env_key_of(text, &desired.stack)
    });
    let pending = user.tags.contains_key(keys::PENDING_TAG);
    Some(
        match keys::decide(&user.keys, &env, user.read_at, d.rotate_before_days, pending) {
            Decision::Keep { .. } => pass(&name),
            Decision::Create { reason, .. } => fail(
                &name,
                reason,
                format!("run `{apply}`: it makes a new key, writes it into .env and then deletes the old one; restart LibreChat after"),
            ),
            Decision::Elsewhere { key } => fail(
                &name,
                format!(
                    "this .env holds no key; the user's key {} (expiring {}) was written to another .env",
                    key.id,
                    key.expires.map_or("never".to_string(), date)
                ),
                format!("run doctor where that .env is; or delete the key (`aws iam delete-service-specific-credential --user-name {} --service-specific-credential-id {}`) and run `{apply}` here", d.user, key.id),
            ),
        },
    )
}
