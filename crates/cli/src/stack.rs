//! `plan`, `apply`, `drift`, `destroy`: the engine plans and applies; these parse flags,
//! show the plan, ask, and map the outcome to an exit code.

use crate::output::{confirm, note, out, print_json, stdout_color, Exit};
use crate::stack_args::{with_stack, StackArgs};
use bedrock_engine::{Error, Planned, Stack};
use bedrock_plan::{render_plan, Mode};
use clap::Args;
use std::sync::Arc;

/// Show a plan; when it changes anything, ask (or take `--yes`), run it, show the report.
/// `review` is the `plan` command that shows the same plan.
fn review_and_apply(
    stack: &Stack,
    planned: &Planned,
    review: &str,
    yes: bool,
    question: &str,
) -> Result<(), Error> {
    let plan = &planned.plan;
    out(render_plan(plan, stdout_color()));
    if !plan.has_changes() && plan.mode == Mode::Destroy {
        return Ok(());
    }
    if plan.has_changes() {
        confirm(question, yes, review)?;
    }
    let progress: Arc<dyn Fn(&str) + Send + Sync> =
        Arc::new(|line: &str| note(format!("  done: {line}")));
    out(stack.apply(planned, progress)?);
    Ok(())
}

/// Show what `apply` (or `destroy`) would change (reads AWS and the generated files, changes nothing).
#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Exit 2 when there are changes (0 when none, 1 on error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Print the plan as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Plan to take over same-named resources that lack this stack's tags.
    #[arg(long, conflicts_with = "destroy")]
    pub adopt: bool,
    /// Plan what `destroy` would remove.
    #[arg(long)]
    pub destroy: bool,
    /// With --destroy: plan to delete the log group and the bucket too, with their data.
    #[arg(long, requires = "destroy")]
    pub delete_data: bool,
}

/// The `plan` command that shows what `apply` (with `adopt`) would do.
fn apply_review(args: &StackArgs, adopt: bool) -> String {
    args.suggest()
        .command(if adopt { "plan --adopt" } else { "plan" })
}

/// The `plan` command that shows what `destroy` (with `delete_data`) would do.
fn destroy_review(args: &StackArgs, delete_data: bool) -> String {
    args.suggest().command(if delete_data {
        "plan --destroy --delete-data"
    } else {
        "plan --destroy"
    })
}

impl PlanArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let stack = self.stack.connect(self.stack.spec()?)?;
        let planned = with_stack(&stack, "plan", |s| {
            if self.destroy {
                s.destroy_plan(self.delete_data)
            } else {
                s.plan(self.adopt)
            }
        })?;
        let plan = &planned.plan;
        if self.json {
            print_json(plan);
        } else {
            out(render_plan(plan, stdout_color()));
        }
        Ok(if self.detailed_exitcode && plan.has_changes() {
            Exit::Changes
        } else {
            Exit::Success
        })
    }
}

/// Converge AWS to the spec, then write librechat.yaml, the rendered policies and .env.
#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Do not ask for confirmation (CI).
    #[arg(long)]
    pub yes: bool,
    /// Take over same-named resources that lack this stack's tags.
    #[arg(long)]
    pub adopt: bool,
}

impl ApplyArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let stack = self.stack.connect(self.stack.spec()?)?;
        with_stack(&stack, "apply", |s| {
            let planned = s.plan(self.adopt)?;
            let question = format!(
                "\nApply these changes to account {} in {}?",
                planned.plan.account_id, planned.plan.region
            );
            let review = apply_review(&self.stack, self.adopt);
            review_and_apply(s, &planned, &review, self.yes, &question)
        })?;
        Ok(Exit::Success)
    }
}

/// Compare live resources and generated files with the spec: exit 0 clean, 2 drift.
#[derive(Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

impl DriftArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let stack = self.stack.connect(self.stack.spec()?)?;
        let report = with_stack(&stack, "drift", |s| s.drift())?;
        if self.json {
            print_json(&report);
        } else {
            out(report.render(stdout_color()));
        }
        Ok(if report.drift {
            Exit::Changes
        } else {
            Exit::Success
        })
    }
}

/// Remove what this stack manages; the log group and bucket stay unless --delete-data.
#[derive(Args, Debug)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Do not ask for confirmation (CI).
    #[arg(long)]
    pub yes: bool,
    /// Also delete the log group and the bucket, with every log and payload in them.
    #[arg(long)]
    pub delete_data: bool,
}

impl DestroyArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let stack = self.stack.connect(self.stack.spec()?)?;
        with_stack(&stack, "destroy", |s| {
            let planned = s.destroy_plan(self.delete_data)?;
            let account = &planned.plan.account_id;
            let question = if self.delete_data {
                format!("\nDestroy these resources in account {account}, INCLUDING THE LOGS AND PAYLOADS THEY HOLD?")
            } else {
                format!("\nDestroy these resources in account {account}?")
            };
            let review = destroy_review(&self.stack, self.delete_data);
            review_and_apply(s, &planned, &review, self.yes, &question)
        })?;
        Ok(Exit::Success)
    }
}
