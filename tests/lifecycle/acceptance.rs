//! Acceptance mode: the lifecycle suite against an AWS account instead of the emulator.

use super::{Entry, REGION};
use crate::stack::rt;
use bedrock_aws::{Clients, Endpoint};
use std::sync::OnceLock;

/// Acceptance mode (`LIBRECHAT_BEDROCK_ACCEPTANCE=1`): the suite runs against an AWS account
/// instead of the emulator, as Terraform's providers run theirs with `TF_ACC=1`.
///
/// - Credentials from the standard chain; the account is the one they name, and every spec
///   gets `[stack] account_id` set to it, so no apply can reach another.
/// - `LIBRECHAT_BEDROCK_ACCEPTANCE_ENDPOINT=URL` sends every request to URL (`--endpoint-url`),
///   never by `--local`: CI runs the mode against the emulator addressed as if it were AWS.
/// - Each kind's stack has a name of its own (`lc-<kind>`); every step starts and ends with
///   `sweep --stack-prefix lc-<kind> --older-than 0s --yes`, and the kinds take turns (one
///   account: what one kind reads account-wide another would change).
/// - The account's model invocation logging configuration (one per account and region) is
///   only touched with `LIBRECHAT_BEDROCK_ACCEPTANCE_LOGGING=1`: the kinds whose spec manages
///   logging are skipped otherwise, each saying why.
/// - What cannot run on AWS is skipped, with its reason printed (`SKIPPED`): a brand-new
///   account, Billing's day-long delay.
pub struct Acceptance {
    /// `--endpoint-url` for every command and SDK client; None for AWS itself.
    pub endpoint: Option<String>,
    pub account: String,
    pub logging: bool,
}

/// The acceptance mode's settings, or None when the suite runs on the emulator.
pub fn acceptance() -> Option<&'static Acceptance> {
    static MODE: OnceLock<Option<Acceptance>> = OnceLock::new();
    MODE.get_or_init(|| {
        if std::env::var("LIBRECHAT_BEDROCK_ACCEPTANCE")
            .ok()
            .as_deref()
            != Some("1")
        {
            return None;
        }
        let endpoint = std::env::var("LIBRECHAT_BEDROCK_ACCEPTANCE_ENDPOINT").ok();
        let target = match &endpoint {
            Some(url) => Endpoint::url(url, None),
            None => Endpoint::aws(),
        };
        let clients = rt().block_on(Clients::connect(&target, REGION));
        let identity = rt()
            .block_on(clients.sts.get_caller_identity().send())
            .unwrap_or_else(|e| panic!("acceptance mode: the credentials name no account: {e:?}"));
        let account = identity.account().unwrap_or_default().to_string();
        eprintln!(
            "acceptance mode: account {account}, region {REGION}{}",
            endpoint
                .as_ref()
                .map(|u| format!(", endpoint {u}"))
                .unwrap_or_default()
        );
        Some(Acceptance {
            endpoint,
            account,
            logging: std::env::var("LIBRECHAT_BEDROCK_ACCEPTANCE_LOGGING")
                .ok()
                .as_deref()
                == Some("1"),
        })
    })
    .as_ref()
}

/// Kinds that cannot run against an AWS account, and why.
const NOT_ON_AWS: &[(&str, &str)] = &[
    (
        "model_access",
        "each step starts from a brand-new account (no use case form, no agreement), which only the emulator can make (`local reset --new-account`)",
    ),
    (
        "cost_allocation_tag",
        "Billing learns a tag key up to a day after a resource first carries it, and activation is the account's Billing setting",
    ),
];

/// Why this kind's step cannot run where the suite runs, if it cannot.
pub(super) fn skipped(entry: &Entry) -> Option<String> {
    let mode = acceptance()?;
    if let Some((_, why)) = NOT_ON_AWS.iter().find(|(k, _)| *k == entry.kind) {
        return Some(why.to_string());
    }
    let manages_logging = !entry.spec.contains("managed = false")
        && !entry
            .defaults
            .iter()
            .any(|(_, v)| v.contains("managed = false"));
    if manages_logging && !mode.logging {
        return Some(
            "its spec manages the account's model invocation logging configuration (one per account and region): set LIBRECHAT_BEDROCK_ACCEPTANCE_LOGGING=1 to allow it".into(),
        );
    }
    None
}
