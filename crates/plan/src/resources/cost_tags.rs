//! Cost allocation tags (`[cost] activate_tags`): the stack's tag keys activated in Billing,
//! so that Cost Explorer can allocate Bedrock's cost by them. Billing knows a key only some
//! time (up to a day) after a resource first carries it: such a key is pending, not an error.
//! In an AWS Organization only the management account may activate tags: a member account's
//! plan says so and gives the command to run there. Destroy leaves them: the account's.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::plan::Planner;
use crate::registry::{Inputs, KindPlanner};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

pub const KIND: Kind = Kind {
    id: "cost_allocation_tag",
    label: "cost allocation tag",
    spec_key: "[cost] activate_tags",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs: crate::outputs::none,
};

/// The keys to activate.
pub type Desired = Vec<String>;

pub fn desired(i: &Inputs) -> Desired {
    i.spec.cost.activate_tags.clone()
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Observed {
    /// Each key Billing knows: `Active` or `Inactive`. A key it does not know is missing.
    pub statuses: BTreeMap<String, String>,
    /// Set when the account may not manage cost allocation tags (a member account of an
    /// Organization): the management account's id when known, or "".
    pub management_account: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    /// UpdateCostAllocationTagsStatus (at most 20 keys a call).
    ActivateTags { keys: Vec<String> },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::ActivateTags { keys } => {
                format!("activate cost allocation tags {}", keys.join(", "))
            }
        }
    }
}

/// The command a management account runs to activate `keys`.
pub fn command(keys: &[String]) -> String {
    let entries: Vec<String> = keys
        .iter()
        .map(|k| format!("TagKey={k},Status=Active"))
        .collect();
    format!(
        "aws ce update-cost-allocation-tags-status --cost-allocation-tags-status {}",
        entries.join(" ")
    )
}

fn plan(p: &mut Planner) {
    let keys = p.desired.cost_tags.clone();
    if keys.is_empty() {
        return;
    }
    let o = p.observed.cost_tags.clone();
    if let Some(management) = &o.management_account {
        let at = if management.is_empty() {
            "the Organization's management account".to_string()
        } else {
            format!("the Organization's management account {management}")
        };
        p.keep(
            KIND,
            &keys.join(", "),
            format!(
                "account {} is a member of an AWS Organization, where only {at} may activate cost allocation tags: run there `{}`",
                p.observed.account_id,
                command(&keys)
            ),
        );
        return;
    }
    for key in &keys {
        match o.statuses.get(key).map(String::as_str) {
            Some("Active") => p.push(KIND, key, Action::NoOp, "active in Billing", vec![], vec![]),
            Some(status) => p.push(
                KIND,
                key,
                Action::Update,
                "Billing knows the key, and it is not active",
                vec![FieldDiff::new("status", json!(status), json!("Active"))],
                vec![Chain::one(
                    Phase::Settings,
                    Step::ActivateTags {
                        keys: vec![key.clone()],
                    },
                )],
            ),
            None => p.keep(
                KIND,
                key,
                "pending: Billing knows a tag key up to a day after a resource first carries it; apply again then (nothing is wrong)",
            ),
        }
    }
}

fn destroy(p: &mut Planner) {
    if !p.desired.cost_tags.is_empty() {
        let keys = p.desired.cost_tags.join(", ");
        p.keep(
            KIND,
            &keys,
            "cost allocation tags are the account's Billing settings: destroy leaves them active",
        );
    }
}
