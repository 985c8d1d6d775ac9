//! `plan(desired, observed) -> Plan`: every kind of resource compared by its own module (in
//! the registry's order), each change with its action, field-level differences, reason, and
//! the steps apply will take. `plan_destroy` is the same walk with each kind's destroy.

use crate::change::{Action, Chain, Change, FieldDiff, Kept, Kind, Phase};
use crate::registry::{DesiredState, KindPlanner, ObservedState, Step, KINDS};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The version of the plan's JSON document; it changes only when a field changes meaning or
/// goes away. 2: chains carry a named `phase` instead of a numbered `rank`.
pub const PLAN_FORMAT_VERSION: u32 = 2;

/// What a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Converge to the spec: phases run in order.
    Apply,
    /// Remove what the stack manages: phases run in reverse.
    Destroy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub format_version: u32,
    pub mode: Mode,
    pub stack: String,
    pub account_id: String,
    pub region: String,
    /// Every managed resource and generated file, unchanged ones included (`no_op`).
    pub changes: Vec<Change>,
    pub kept: Vec<Kept>,
    /// This stack in other regions: what is there, and what the plan does about it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_regions: Vec<crate::regions::OtherRegion>,
    /// What does not stop the plan but will matter: a LEGACY model, an agreement still
    /// being processed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

/// The steps of one phase: chains that run concurrently, each in order.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSteps {
    pub phase: Phase,
    pub chains: Vec<Vec<Step>>,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let count = |a: &[Action]| {
            self.changes
                .iter()
                .filter(|c| a.contains(&c.action))
                .count()
        };
        Summary {
            add: count(&[Action::Create]),
            change: count(&[Action::Update, Action::Adopt]),
            replace: count(&[Action::Replace]),
            destroy: count(&[Action::Delete]),
        }
    }

    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// The changes that do something.
    pub fn changed(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action != Action::NoOp)
    }

    /// The steps grouped into phases, in the order apply runs them (reversed for destroy).
    pub fn phases(&self) -> Vec<PhaseSteps> {
        let mut by_phase: BTreeMap<Phase, Vec<Vec<Step>>> = BTreeMap::new();
        for chain in self.changes.iter().flat_map(|c| &c.steps) {
            by_phase
                .entry(chain.phase)
                .or_default()
                .push(chain.steps.clone());
        }
        let mut phases: Vec<PhaseSteps> = by_phase
            .into_iter()
            .map(|(phase, chains)| PhaseSteps { phase, chains })
            .collect();
        if self.mode == Mode::Destroy {
            phases.reverse();
        }
        phases
    }

    pub fn step_count(&self) -> usize {
        self.changes
            .iter()
            .flat_map(|c| &c.steps)
            .map(|chain| chain.steps.len())
            .sum()
    }
}

/// How to spell a suggested command so that it goes where the user's did: the same program
/// (`cargo xtask`, `librechat-bedrock`, `cargo xtask bedrock`), the same `--local` (or
/// `--endpoint-url`), `--config`, `--out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggest {
    /// How the user runs this tool.
    program: String,
    /// Where AWS is: `--local`, `--endpoint-url URL`.
    endpoint: String,
    /// Where the files are: `--config PATH`, `--out DIR`.
    files: String,
}

impl Default for Suggest {
    fn default() -> Self {
        Suggest::new("cargo xtask", &[], &[])
    }
}

impl Suggest {
    /// The program as the user runs it, and the flags as the user gave them, e.g.
    /// `["--local"]` and `["--config x.toml"]`.
    pub fn new(program: &str, endpoint: &[String], files: &[String]) -> Self {
        let joined = |flags: &[String]| flags.iter().map(|f| format!(" {f}")).collect();
        Suggest {
            program: program.to_string(),
            endpoint: joined(endpoint),
            files: joined(files),
        }
    }

    /// `<program> <args> <the user's flags>`.
    pub fn command(&self, args: &str) -> String {
        format!("{} {args}{}{}", self.program, self.endpoint, self.files)
    }

    /// The same for a command that calls no AWS (`generate --offline`): without the
    /// endpoint flags, which it refuses.
    pub fn offline(&self, args: &str) -> String {
        format!("{} {args}{}", self.program, self.files)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Take over same-named resources that lack this stack's tags.
    pub adopt: bool,
    /// With `plan_destroy`: also delete the log group and the bucket, with their data.
    pub delete_data: bool,
    pub suggest: Suggest,
}

/// Why no plan can be made: every problem, each with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub problems: Vec<String>,
}

/// Each problem on its own, as `error: ...` lines read (the first one's prefix is the
/// printer's).
impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                write!(f, "\nerror: ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}

/// What every kind's planning shares: both states, the options, and the plan so far (a
/// later kind may depend on an earlier one's changes: LibreChat's policy on new profiles).
pub struct Planner<'a> {
    pub desired: &'a DesiredState,
    pub observed: &'a ObservedState,
    pub options: &'a PlanOptions,
    pub changes: Vec<Change>,
    pub kept: Vec<Kept>,
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

impl Planner<'_> {
    pub fn push(
        &mut self,
        kind: Kind,
        name: &str,
        action: Action,
        reason: impl Into<String>,
        diffs: Vec<FieldDiff>,
        steps: Vec<Chain>,
    ) {
        self.changes.push(Change {
            kind,
            name: name.to_string(),
            action,
            reason: reason.into(),
            diffs,
            steps,
        });
    }

    /// The end of every resource's comparison: nothing to do, or a change with its reason.
    pub fn settle(
        &mut self,
        kind: Kind,
        name: &str,
        action: Action,
        reason: &str,
        diffs: Vec<FieldDiff>,
        steps: Vec<Chain>,
    ) {
        if steps.is_empty() {
            self.push(kind, name, Action::NoOp, "as specified", vec![], vec![]);
        } else if action == Action::Adopt {
            self.push(kind, name, action, "taken over with --adopt", diffs, steps);
        } else {
            self.push(kind, name, action, reason, diffs, steps);
        }
    }

    pub fn keep(&mut self, kind: Kind, name: &str, reason: impl Into<String>) {
        self.kept.push(Kept {
            kind,
            name: name.to_string(),
            reason: reason.into(),
        });
    }

    /// A destroy step: the change that deletes `name`.
    pub fn delete(
        &mut self,
        kind: Kind,
        name: &str,
        reason: &str,
        diffs: Vec<FieldDiff>,
        steps: Vec<Chain>,
    ) {
        self.push(kind, name, Action::Delete, reason, diffs, steps);
    }

    /// The change that deletes the resource `name` of ARN `arn` with `step`, in `phase`.
    pub fn delete_arn(
        &mut self,
        kind: Kind,
        name: &str,
        arn: &str,
        reason: &str,
        (phase, step): (Phase, Step),
    ) {
        self.delete(
            kind,
            name,
            reason,
            vec![FieldDiff::new("arn", json!(arn), Value::Null)],
            vec![Chain::one(phase, step)],
        );
    }

    /// Destroy of a resource that holds data (the log group, the bucket): kept unless it is
    /// this stack's and `--delete-data` says so. `holds` says what for people ("the
    /// invocation logs"), `contents` what deleting it deletes ("every log event in it").
    pub fn destroy_data(
        &mut self,
        kind: Kind,
        name: &str,
        tags: &BTreeMap<String, String>,
        (holds, contents): (&str, &str),
        delete: Step,
    ) {
        if !self.owns(tags) {
            self.keep(kind, name, "not managed by this stack");
        } else if self.options.delete_data {
            let reason = format!("managed by this stack; --delete-data deletes it and {contents}");
            let steps = vec![Chain::one(Phase::Foundations, delete)];
            self.delete(kind, name, &reason, vec![], steps);
        } else {
            let reason = format!("holds {holds}: pass --delete-data to delete it");
            self.keep(kind, name, reason);
        }
    }

    /// Whether the stack's tags are on a resource.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        self.desired.owns(tags)
    }

    /// Ownership of an existing resource: `Update` when it carries this stack's tags; with
    /// `--adopt`, `Adopt` and the step that tags it (beside the tags it has); otherwise the
    /// problem is recorded and there is nothing to plan (None).
    pub fn ownership(
        &mut self,
        kind: Kind,
        name: &str,
        tags: &BTreeMap<String, String>,
        resource: crate::tagging::Tagged,
        diffs: &mut Vec<FieldDiff>,
        steps: &mut Vec<Chain>,
    ) -> Option<Action> {
        if self.owns(tags) {
            return Some(Action::Update);
        }
        if !self.foreign(kind, name, tags) {
            return None;
        }
        let managed = self.desired.managed_tags.clone();
        let scope = crate::tagging::Scope::Stack;
        if let Some((diff, chain)) =
            crate::tagging::retag(resource, tags, &managed, scope, Phase::Foundations)
        {
            diffs.push(diff);
            steps.push(chain);
        }
        Some(Action::Adopt)
    }

    /// A same-named resource without this stack's tags: adopt it (true), or explain (false).
    /// Another stack's resource is never taken, not even with `--adopt`.
    pub fn foreign(&mut self, kind: Kind, name: &str, tags: &BTreeMap<String, String>) -> bool {
        let ours = &self.desired.stack;
        let tool = tags.get(bedrock_spec::MANAGED_BY_TAG).map(String::as_str)
            == Some(bedrock_spec::MANAGED_BY_VALUE);
        if let Some(owner) = tags
            .get(bedrock_spec::STACK_TAG)
            .filter(|s| tool && *s != ours)
        {
            // The logging resources: a second deployment usually means to share them.
            let share = if kind.spec_key.starts_with("[logging]") {
                format!(", or set [logging] managed = false to leave invocation logging to stack {owner}")
            } else {
                String::new()
            };
            self.problems.push(format!(
                "{} {name} belongs to stack {owner} (tagged managed-by = {}, stack = {owner}), not to this stack {ours}: a stack never takes another's resource, not even with --adopt\n  help: give this stack a name of its own: change {} in the spec{share}",
                kind.label,
                bedrock_spec::MANAGED_BY_VALUE,
                kind.spec_key
            ));
            return false;
        }
        if self.options.adopt {
            return true;
        }
        let fix = self.options.suggest.command("apply --adopt");
        self.problems.push(format!(
            "{} {name} already exists and is not managed by this stack (it lacks the tags managed-by = {} and stack = {ours})\n  help: run `{fix}` to take it over, or choose another name in the spec ({})",
            kind.label,
            bedrock_spec::MANAGED_BY_VALUE,
            kind.spec_key
        ));
        false
    }

    /// The change this plan makes to `kind` `name`, if any.
    pub fn change_of(&self, kind: Kind, name: &str) -> Option<&Change> {
        self.changes
            .iter()
            .find(|c| c.kind == kind && c.name == name)
    }
}

fn check_account(desired: &DesiredState, observed: &ObservedState) -> Result<(), PlanError> {
    match guard_refusal(&desired.account_guard, &observed.account_id) {
        Some(problem) => Err(PlanError {
            problems: vec![problem],
        }),
        None => Ok(()),
    }
}

/// Why the account guard (`[stack] account_id`, one account or a list) refuses `account`,
/// if it does.
pub fn guard_refusal(guard: &[String], account: &str) -> Option<String> {
    if guard.is_empty() || guard.iter().any(|g| g == account) {
        return None;
    }
    Some(match guard {
        [one] => format!(
            "the credentials are for account {account}, but [stack] account_id is {one}: nothing was read further and nothing was changed\n  help: use credentials for account {one} (AWS_PROFILE, --assume-role), or change account_id if this account is the right one"
        ),
        many => format!(
            "the credentials are for account {account}, which [stack] account_id does not list ({}): nothing was read further and nothing was changed\n  help: use credentials for one of them (AWS_PROFILE, --assume-role), or add {account} to account_id if it is one of this stack's",
            many.join(", ")
        ),
    })
}

fn walk(
    desired: &DesiredState,
    observed: &ObservedState,
    options: &PlanOptions,
    mode: Mode,
    kinds: &[KindPlanner],
) -> Result<Plan, PlanError> {
    // The generated files are planned after every kind (they name what the kinds make), and
    // in a destroy before them, so that its changes read in the order they run.
    let files = &crate::resources::files::PLANNER;
    check_account(desired, observed)?;
    let mut planner = Planner {
        desired,
        observed,
        options,
        changes: Vec::new(),
        kept: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    // Destroy walks the kinds in reverse, so that its changes read in the order it runs.
    match mode {
        Mode::Apply => {
            kinds.iter().for_each(|k| (k.plan)(&mut planner));
            (files.plan)(&mut planner);
        }
        Mode::Destroy => {
            (files.destroy)(&mut planner);
            kinds.iter().rev().for_each(|k| (k.destroy)(&mut planner));
        }
    }
    let other_regions = crate::regions::report(&mut planner, mode);
    // Two kinds may find the same problem (LibreChat's policy and its rendered file): once.
    let mut seen = std::collections::BTreeSet::new();
    planner.problems.retain(|p| seen.insert(p.clone()));
    if !planner.problems.is_empty() {
        return Err(PlanError {
            problems: planner.problems,
        });
    }
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        mode,
        stack: desired.stack.clone(),
        account_id: observed.account_id.clone(),
        region: desired.region.clone(),
        changes: planner.changes,
        kept: planner.kept,
        other_regions,
        warnings: planner.warnings,
    })
}

/// Converge the observed state to the desired one.
pub fn plan(
    desired: &DesiredState,
    observed: &ObservedState,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    walk(desired, observed, options, Mode::Apply, KINDS)
}

/// Remove what this stack manages. The log group and the bucket hold data: they are deleted
/// only with `delete_data`.
pub fn plan_destroy(
    desired: &DesiredState,
    observed: &ObservedState,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    walk(desired, observed, options, Mode::Destroy, KINDS)
}

/// Only the generated files, against the disk (`generate --offline`: no account, no AWS).
pub fn plan_files(desired: &DesiredState, observed: &ObservedState) -> Result<Plan, PlanError> {
    walk(desired, observed, &PlanOptions::default(), Mode::Apply, &[])
}

/// A value for a diff: JSON null when absent.
pub fn value_of<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
