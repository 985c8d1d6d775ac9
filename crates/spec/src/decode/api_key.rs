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

#[cfg(test)]
mod tests {
    use crate::Severity;

    const SPEC: &str = "[stack]\nname = \"s\"\nregion = \"us-east-1\"\n[[profiles]]\nname = \"P\"\nmodel = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\"\nenv = \"BEDROCK_P\"\n";

    fn check(librechat: &str) -> crate::Checked {
        crate::check(&format!("{SPEC}[librechat]\n{librechat}\n"))
    }

    fn errors(librechat: &str) -> Vec<String> {
        check(librechat)
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    }

    #[test]
    fn the_lifetimes_default_and_rotation_must_come_before_expiry() {
        let checked = check("[librechat.api_key]\nuser = \"lc\"\n");
        let key = checked.spec.unwrap().librechat.api_key.unwrap();
        assert_eq!((key.expires_in_days, key.rotate_before_days), (90, 14));
        let short = check("[librechat.api_key]\nuser = \"lc\"\nexpires_in_days = 10\n");
        assert_eq!(
            short
                .spec
                .unwrap()
                .librechat
                .api_key
                .unwrap()
                .rotate_before_days,
            5
        );
        let e = errors(
            "[librechat.api_key]\nuser = \"lc\"\nexpires_in_days = 7\nrotate_before_days = 7\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("librechat.api_key.rotate_before_days: rotate_before_days = 7 is not less than expires_in_days = 7"), "{e:?}");
        assert!(errors("[librechat.api_key]\nexpires_in_days = 7\n")[0].contains("user"));
    }

    #[test]
    fn a_key_warns_that_aws_advises_roles_and_that_it_shadows_the_role() {
        let alone = check("[librechat.api_key]\nuser = \"lc\"\n");
        let warnings: Vec<&str> = alone
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| d.message.as_str())
            .collect();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("AWS recommends short-term credentials")),
            "{warnings:?}"
        );
        let both = check("runtime_role = \"LibreChat\"\n[librechat.api_key]\nuser = \"lc\"\n");
        assert!(both.diagnostics.iter().any(|d| d
            .message
            .contains("BEDROCK_AWS_BEARER_TOKEN before every other credential")));
        // An enforced guardrail needs an identity to hold the policy: the key's user is one.
        let enforced = errors("guardrail = { identifier = \"abc123\", version = \"1\", enforce = true }\n[librechat.api_key]\nuser = \"lc\"\n");
        assert!(enforced.is_empty(), "{enforced:?}");
    }
}
