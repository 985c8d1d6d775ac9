//! `[librechat.api_key]`: a long-term Bedrock API key for LibreChat, on an IAM user the
//! stack makes and owns (IAM user guide, "API keys for Amazon Bedrock").

use super::cx::{problem, Cx};
use super::table::Table;
use crate::model::ApiKey;
use crate::rules;

/// The longest lifetime IAM accepts (`CredentialAgeDays`, 1-36600 in its service model).
pub const MAX_DAYS: i64 = 36_600;
/// The lifetime when the spec gives none.
pub const DEFAULT_DAYS: u32 = 90;
/// How long before expiry a plan makes a new key, when the spec does not say.
pub const DEFAULT_ROTATE_DAYS: u32 = 14;

pub(super) fn decode_api_key(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<ApiKey> {
    let mut ok = true;
    let user = t.required_string(cx, "user", "user = \"librechat-bedrock\"");
    if let Some((u, span)) = &user {
        ok &= cx.rule("librechat.api_key.user", span, rules::user_name(u));
    }
    let expires = days(cx, t, "expires_in_days", 1);
    let rotate = days(cx, t, "rotate_before_days", 0);
    let (Some(expires), Some(rotate)) = (expires, rotate) else {
        return None;
    };
    let expires_in_days = expires.unwrap_or(DEFAULT_DAYS);
    let rotate_before_days = rotate.unwrap_or_else(|| DEFAULT_ROTATE_DAYS.min(expires_in_days / 2));
    if rotate_before_days >= expires_in_days {
        cx.error(
            "librechat.api_key.rotate_before_days",
            t.span.clone(),
            problem(
                format!("rotate_before_days = {rotate_before_days} is not less than expires_in_days = {expires_in_days}: every plan would make a new key"),
                "make rotate_before_days smaller than expires_in_days (e.g. expires_in_days = 90, rotate_before_days = 14)",
            ),
        );
        ok = false;
    }
    let (Some((user, _)), true) = (user, ok) else {
        return None;
    };
    Some(ApiKey {
        user,
        expires_in_days,
        rotate_before_days,
    })
}

/// A number of days: None when absent, Err when wrong (the error is recorded).
fn days(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    key: &'static str,
    min: i64,
) -> Option<Option<u32>> {
    let present = t.table.iter().any(|(k, _)| k.get_ref() == key);
    let Some((n, span)) = t.integer(cx, key) else {
        return (!present).then_some(None);
    };
    if !(min..=MAX_DAYS).contains(&n) {
        cx.error(
            &format!("librechat.api_key.{key}"),
            span,
            problem(
                format!("{key} = {n} is outside {min}-{MAX_DAYS}"),
                format!("write a whole number of days from {min} to {MAX_DAYS} (IAM's CredentialAgeDays)"),
            ),
        );
        return None;
    }
    Some(Some(n as u32))
}
