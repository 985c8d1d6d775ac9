//! Whether an identity the stack makes for LibreChat is the stack's to make and keep.

use super::MADE_TAG;
use crate::change::{Action, Chain, FieldDiff, Phase};
use crate::plan::Planner;
use crate::tagging::Tagged;
use std::collections::BTreeMap;

/// An identity the stack makes for LibreChat (its role, its API key user), as its ownership
/// is judged: beside the stack's tags, [`MADE_TAG`] says the stack made it. One of the
/// stack's that it did not make (a runtime_role, tagged by its owner) would be owned, and
/// deleted by destroy, so it is handed over only with `--adopt`.
pub struct MadeIdentity {
    /// How people name it (`role LibreChat`, `IAM user librechat`).
    pub what: String,
    /// What else it may be, for the problem (` (a [librechat] runtime_role, ...)`).
    pub origin: &'static str,
    pub spec_key: &'static str,
    /// What the fix gives it (`another name`).
    pub rename: &'static str,
    /// Its [`MADE_TAG`] value.
    pub value: &'static str,
}

impl MadeIdentity {
    /// After `Planner::ownership` said `action`: the action (Adopt for one handed over), with
    /// the step that puts the stack's tags and the mark on it in `diffs` and `steps` (those of
    /// the ownership replaced: one step for both); None when the plan stops (a problem says
    /// why).
    pub fn ownership(
        &self,
        p: &mut Planner,
        mut action: Action,
        tags: &BTreeMap<String, String>,
        tagged: Tagged,
        diffs: &mut Vec<FieldDiff>,
        steps: &mut Vec<Chain>,
    ) -> Option<Action> {
        if tags.get(MADE_TAG).map(String::as_str) != Some(self.value) && action != Action::Adopt {
            if !p.options.adopt {
                let fix = p.options.suggest.command("apply --adopt");
                p.problems.push(format!(
                    "{} carries this stack's tags but the stack did not make it{}: as {} the stack would own it, and destroy would delete it\n  help: run `{fix}` to hand it over to the stack, or give {} {}",
                    self.what, self.origin, self.spec_key, self.spec_key, self.rename
                ));
                return None;
            }
            action = Action::Adopt;
        }
        let mut wanted = p.desired.managed_tags.clone();
        wanted.insert(MADE_TAG.to_string(), self.value.to_string());
        diffs.clear();
        steps.clear();
        if let Some((diff, chain)) = crate::tagging::retag(
            tagged,
            tags,
            &wanted,
            crate::tagging::Scope::Stack,
            Phase::Foundations,
        ) {
            diffs.push(diff);
            steps.push(chain);
        }
        Some(action)
    }
}
