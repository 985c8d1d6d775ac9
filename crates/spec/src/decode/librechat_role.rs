//! `[librechat.role]`: LibreChat's own IAM role, created and owned by the stack, trusted by
//! where LibreChat runs (ECS tasks, EKS Pod Identity, IRSA, EC2, or named principals).

use super::cx::{problem, Cx};
use super::table::Table;
use crate::model::{Irsa, LibreChatRole};
use crate::rules;
use regex::Regex;
use std::sync::LazyLock;

/// An OIDC provider's ARN in IAM (`arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`).
static OIDC_PROVIDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:oidc-provider/[A-Za-z0-9.\-_/]+$").unwrap()
});
/// A Kubernetes namespace (a DNS-1123 label) and service account name (a DNS-1123
/// subdomain), as `namespace:name`.
static SERVICE_ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?):([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$")
        .unwrap()
});
/// A principal a trust policy may name: an account id, or an IAM role, user or account root.
static PRINCIPAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{12}|arn:aws(-[a-z]+)*:iam::[0-9]{12}:(root|role/[A-Za-z0-9_+=,.@/-]+|user/[A-Za-z0-9_+=,.@/-]+))$",
    )
    .unwrap()
});
/// STS's ExternalId: 2-1224 characters of `[\w+=,.@:/-]` (ASCII word characters).
static EXTERNAL_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_+=,.@:/-]+$").unwrap());

/// An account id and its root ARN name the same principal.
fn same_principal(a: &str, b: &str) -> bool {
    let account = |p: &str| -> String {
        match p.strip_suffix(":root").and_then(|p| p.rsplit_once("::")) {
            Some((_, id)) => id.to_string(),
            None => p.to_string(),
        }
    };
    account(a) == account(b)
}

pub(super) fn decode_role(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<LibreChatRole> {
    let mut ok = true;
    let name = t.required_string(cx, "name", "name = \"LibreChat\"");
    if let Some((n, span)) = &name {
        ok &= cx.rule("librechat.role.name", span, rules::role_name(n));
    }
    let ecs = t.bool(cx, "ecs").unwrap_or(false);
    let eks_pod_identity = t.bool(cx, "eks_pod_identity").unwrap_or(false);
    let ec2 = t.bool(cx, "ec2").unwrap_or(false);
    let mut irsa = None;
    if let Some(mut i) = t.table(cx, "irsa") {
        let provider = i.required_string(
            cx,
            "oidc_provider_arn",
            "oidc_provider_arn = \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"",
        );
        if let Some((p, span)) = &provider {
            if !OIDC_PROVIDER.is_match(p) {
                cx.error(
                    "librechat.role.irsa.oidc_provider_arn",
                    span.clone(),
                    problem(
                        format!("{p:?} is not an IAM OIDC provider's ARN"),
                        "write the ARN `aws iam list-open-id-connect-providers` lists for the cluster's issuer, e.g. \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE\"",
                    ),
                );
                ok = false;
            }
        }
        let account = i.required_string(
            cx,
            "service_account",
            "service_account = \"librechat:librechat\"",
        );
        if let Some((a, span)) = &account {
            if !SERVICE_ACCOUNT.is_match(a) {
                cx.error(
                    "librechat.role.irsa.service_account",
                    span.clone(),
                    problem(
                        format!("{a:?} is not a Kubernetes service account as namespace:name"),
                        "write the namespace and the service account LibreChat's pods run as, e.g. \"librechat:librechat\" (lower-case letters, digits and `-`; `.` too in the name)",
                    ),
                );
                ok = false;
            }
        }
        i.finish(cx);
        match (provider, account) {
            (Some((p, _)), Some((a, _))) => {
                let (namespace, service_account) = a.split_once(':').unwrap_or_default();
                irsa = Some(Irsa {
                    oidc_provider_arn: p,
                    namespace: namespace.to_string(),
                    service_account: service_account.to_string(),
                });
            }
            _ => ok = false,
        }
    } else if t.table.iter().any(|(k, _)| k.get_ref() == "irsa") {
        ok = false;
    }
    let mut principals: Vec<String> = Vec::new();
    for (i, (p, span)) in t.strings(cx, "principals").into_iter().enumerate() {
        let path = format!("librechat.role.principals[{i}]");
        if !PRINCIPAL.is_match(&p) {
            cx.error(
                &path,
                span,
                problem(
                    format!("{p:?} is not a principal a trust policy can name"),
                    "write an account id (\"111122223333\") or the ARN of an IAM role or user (\"arn:aws:iam::111122223333:role/ci\")",
                ),
            );
            ok = false;
        } else if principals.iter().any(|q| same_principal(q, &p)) {
            cx.error(
                &path,
                span,
                problem(format!("{p:?} is listed twice"), "remove the second one"),
            );
            ok = false;
        } else {
            principals.push(p);
        }
    }
    let external_id = t.string(cx, "external_id");
    if let Some((e, span)) = &external_id {
        if !(2..=1224).contains(&e.len()) || !EXTERNAL_ID.is_match(e) {
            cx.error(
                "librechat.role.external_id",
                span.clone(),
                problem(
                    "the external id is not one STS accepts",
                    "use 2-1224 characters from letters, digits and `_+=,.@:/-` (STS's rule)",
                ),
            );
            ok = false;
        } else if principals.is_empty() {
            cx.error(
                "librechat.role.external_id",
                span.clone(),
                problem(
                    "external_id is what principals must pass to assume the role, and no principals are listed",
                    "list them in principals = [\"arn:aws:iam::111122223333:role/ci\"], or remove external_id",
                ),
            );
            ok = false;
        }
    }
    let written = ["ecs", "eks_pod_identity", "ec2", "irsa", "principals"]
        .iter()
        .any(|key| t.table.iter().any(|(k, _)| k.get_ref() == *key));
    if ok
        && !written
        && !ecs
        && !eks_pod_identity
        && !ec2
        && irsa.is_none()
        && principals.is_empty()
    {
        cx.error(
            "librechat.role",
            t.span.clone(),
            problem(
                "the role trusts no one: nothing could assume it",
                "say where LibreChat runs: ecs = true, eks_pod_identity = true, ec2 = true, irsa = { oidc_provider_arn = \"...\", service_account = \"namespace:name\" }, or principals = [\"...\"]",
            ),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    Some(LibreChatRole {
        name: name?.0,
        ecs,
        eks_pod_identity,
        ec2,
        irsa,
        principals,
        external_id: external_id.map(|e| e.0),
    })
}

#[cfg(test)]
mod tests {
    const HEAD: &str =
        "[stack]\nname = \"s\"\nregion = \"us-east-1\"\n\n[librechat.role]\nname = \"LibreChat\"\n";

    fn errors(role: &str) -> Vec<String> {
        crate::check(&format!("{HEAD}{role}"))
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    }

    #[test]
    fn a_role_that_trusts_no_one_is_refused() {
        let found = errors("");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("librechat.role: the role trusts no one"),
            "{found:#?}"
        );
    }

    #[test]
    fn the_logging_role_s_name_is_refused() {
        let src = "[stack]\nname = \"s\"\nregion = \"us-east-1\"\n\n[logging]\nrole_name = \"Shared\"\n\n[librechat.role]\nname = \"Shared\"\necs = true\n";
        let found: Vec<String> = crate::check(src)
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect();
        assert!(
            found.len() == 1
                && found[0]
                    .starts_with("librechat.role.name: \"Shared\" is also [logging] role_name"),
            "{found:#?}"
        );
    }

    #[test]
    fn an_account_and_its_root_arn_are_one_principal() {
        let found = errors("principals = [\"111122223333\", \"arn:aws:iam::111122223333:root\"]\n");
        assert!(
            found.len() == 1 && found[0].starts_with("librechat.role.principals[1]: "),
            "{found:#?}"
        );
    }

    #[test]
    fn an_external_id_needs_principals() {
        let found = errors("ecs = true\nexternal_id = \"abc\"\n");
        assert!(
            found.len() == 1
                && found[0].starts_with(
                    "librechat.role.external_id: external_id is what principals must pass"
                ),
            "{found:#?}"
        );
    }

    #[test]
    fn every_place_librechat_runs_is_read() {
        let src = format!(
            "{HEAD}ecs = true\neks_pod_identity = true\nec2 = true\nirsa = {{ oidc_provider_arn = \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC\", service_account = \"chat:librechat\" }}\nprincipals = [\"111122223333\", \"arn:aws:iam::111122223333:role/ci\"]\nexternal_id = \"lc-ext\"\n"
        );
        let checked = crate::check(&src);
        let spec = checked.spec.expect("valid");
        assert_eq!(spec.librechat.policy_role(), Some("LibreChat"));
        let role = spec.librechat.role.expect("the role");
        assert!(role.ecs && role.eks_pod_identity && role.ec2);
        let irsa = role.irsa.expect("irsa");
        assert_eq!(
            (irsa.namespace.as_str(), irsa.service_account.as_str()),
            ("chat", "librechat")
        );
        assert_eq!(role.principals.len(), 2);
        assert_eq!(role.external_id.as_deref(), Some("lc-ext"));
    }
}
