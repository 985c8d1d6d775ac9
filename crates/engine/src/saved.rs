//! Applying a reviewed plan: the plan is computed again, and carried out only when it is the
//! one that was saved (see `bedrock_plan::Fingerprint`).

use crate::{Error, Planned, Stack};
use bedrock_plan::{Mode, SavedPlan};

impl Stack {
    /// The plan `saved` holds for this account, computed again now. Refused, naming what
    /// changed, when the spec, the templates, the generated files or the live state no longer
    /// give the same plan. `file` names the saved plan; `review` is the command that saves a
    /// new one.
    pub fn plan_saved(
        &self,
        saved: &SavedPlan,
        file: &str,
        review: &str,
    ) -> Result<Planned, Error> {
        let planned = match saved.mode() {
            Mode::Apply => self.plan(saved.adopt)?,
            Mode::Destroy => self.destroy_plan(saved.delete_data)?,
        };
        let plan = &planned.plan;
        let account = &plan.account_id;
        let Some(entry) = saved.account(account) else {
            let has: Vec<&str> = saved
                .accounts
                .iter()
                .map(|a| a.account_id.as_str())
                .collect();
            return Err(Error::other(
                format!(
                    "{file} holds no plan for account {account} (it holds {}): nothing was changed",
                    if has.is_empty() {
                        "none".to_string()
                    } else {
                        has.join(", ")
                    }
                ),
                format!("plan this account and review it: `{review}`"),
            ));
        };
        if entry.region != plan.region {
            return Err(Error::other(
                format!(
                    "{file} is a plan for {}, and the spec's region is now {}: nothing was changed",
                    entry.region, plan.region
                ),
                format!("review a new plan: `{review}`"),
            ));
        }
        let mut changed = planned
            .fingerprint
            .differences(&entry.fingerprint, &self.paths.spec_name);
        let s = entry.summary;
        if !changed.is_empty()
            && !plan.has_changes()
            && s.add + s.change + s.replace + s.destroy > 0
        {
            changed.insert(
                0,
                "nothing is left to do now: this plan was applied already, or the same changes were made another way".into(),
            );
        }
        if !changed.is_empty() {
            return Err(Error::other(
                format!(
                    "the saved plan {file} is stale for account {account}, nothing was changed:\n  - {}",
                    changed.join("\n  - ")
                ),
                format!("review the plan as it is now (`{review}`), then apply that file"),
            ));
        }
        Ok(planned)
    }
}
