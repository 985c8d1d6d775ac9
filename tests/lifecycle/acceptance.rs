//! Acceptance mode: the lifecycle suite against an AWS account instead of the emulator.

use super::{Ctx, Entry, REGION};
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

impl Ctx {
    /// The stack's name, as the spec's `[stack]` names it.
    pub(super) fn stack(&self) -> String {
        let spec = self.spec();
        spec.lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or_else(|| panic!("no stack name in\n{spec}"))
            .to_string()
    }

    /// In acceptance mode, every resource of this kind's stack deleted (what a step left, or
    /// a run that died left); nothing on the emulator, which a reset empties.
    pub(super) fn sweep(&self) {
        if self.emulator.is_some() {
            return;
        }
        let (stack, r) = self.sweep_stack();
        assert_eq!(
            r.code, 0,
            "{}: sweep {stack}:\n{}\n{}",
            self.entry.kind, r.stdout, r.stderr
        );
    }

    /// `sweep` of this step's stack, whatever its resources' age: (the stack, the run).
    fn sweep_stack(&self) -> (String, crate::common::Run) {
        let stack = self.stack();
        let args = [
            "sweep",
            "--stack-prefix",
            &stack,
            "--older-than",
            "0s",
            "--yes",
        ];
        let r = self.run(&args);
        (stack, r)
    }
}

impl Drop for Ctx {
    /// In acceptance mode a step ends as it began: its stack swept from the account, even
    /// when the step failed.
    fn drop(&mut self) {
        if self.emulator.is_none() && self.dir.path().join("bedrock.toml").exists() {
            let (stack, r) = self.sweep_stack();
            if r.code != 0 {
                eprintln!(
                    "{}: the sweep of {stack} at the end failed:\n{}",
                    self.entry.kind, r.stderr
                );
            }
        }
    }
}
