//! `plan`, `apply`, `drift`, `destroy`, `outputs`: the engine plans and applies; these parse
//! flags, show the plan, ask, and map the outcome to an exit code, in one account or in each
//! of several (`--assume-role`).

use crate::output::{confirm, json_text, stdout_color, Exit, Terminal};
use crate::stack_args::StackArgs;
use bedrock_engine::accounts::finish;
use bedrock_engine::{
    changes_of, read_saved, render_plan, Converge, Error, Mode, Outcome, Planned, SaveRequest,
    Sink, Stack,
};
use clap::Args;
use std::path::PathBuf;

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
    /// Also write the plan to FILE, with a fingerprint of what it was computed from, for
    /// `apply --plan FILE` to carry out exactly (and refuse once it is stale).
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
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
        let console = Terminal::default();
        let spec = self.stack.spec()?;
        let options = self.stack.options();
        let request = SaveRequest {
            options: &options,
            mode: if self.destroy {
                Mode::Destroy
            } else {
                Mode::Apply
            },
            adopt: self.adopt,
            delete_data: self.delete_data,
        };
        // Where the plan goes is checked before anything is read.
        let existing = match &self.save {
            Some(file) => request.check_target(&console, file, &spec.stack.name)?,
            None => None,
        };
        let (targets, results) =
            options.run_each(&console, &spec, "plan", self.json, |s, sink| {
                // What bounds the profiles once they exist: shown under the plan, never
                // planned, never in --json or a saved plan.
                let (planned, quotas) = if self.destroy {
                    (s.destroy_plan(self.delete_data)?, None)
                } else if self.json {
                    (s.plan(self.adopt)?, None)
                } else {
                    let (planned, quotas) = s.plan_with_quotas(self.adopt)?;
                    (planned, Some(quotas))
                };
                if self.json {
                    sink.out(json_text(&planned.plan));
                } else {
                    sink.out(render_plan(&planned.plan, stdout_color()));
                    if let Some(quotas) = quotas {
                        sink.out(quotas);
                    }
                }
                Ok(planned)
            })?;
        let saved = self
            .save
            .as_ref()
            .map(|file| request.write(&console, &spec.stack.name, file, existing, &results));
        let outcomes = results
            .into_iter()
            .map(|(r, text)| {
                let r = r.map(|p| {
                    let exit = if self.detailed_exitcode && p.plan.has_changes() {
                        Exit::Changes
                    } else {
                        Exit::Success
                    };
                    Outcome::new(exit, changes_of(&p.plan))
                });
                (r, text)
            })
            .collect();
        let exit = finish(&console, &targets, outcomes, self.json)?;
        saved.transpose()?;
        Ok(exit)
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
    #[arg(long, conflicts_with = "plan")]
    pub adopt: bool,
    /// Carry out exactly the plan `plan --save FILE` wrote (an apply or a destroy plan);
    /// refused, naming what changed, when the spec, the policy templates, the generated
    /// files or AWS no longer give that plan.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
}

impl ApplyArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let spec = self.stack.spec()?;
        let options = self.stack.options();
        let saved = match &self.plan {
            Some(file) => Some(read_saved(file, &spec.stack.name, &options)?),
            None => None,
        };
        let file = self.plan.as_ref().map(|f| f.display().to_string());
        let (mode, review) = match &saved {
            Some(s) if s.mode() == Mode::Destroy => {
                (Mode::Destroy, destroy_review(&self.stack, s.delete_data))
            }
            Some(s) => (Mode::Apply, apply_review(&self.stack, s.adopt)),
            None => (Mode::Apply, apply_review(&self.stack, self.adopt)),
        };
        let review = match &file {
            Some(f) => format!("{review} --save {f}"),
            None => review,
        };
        converge(
            &self.stack,
            &spec,
            "apply",
            self.yes,
            &review,
            &|s| match (&saved, &file) {
                (Some(saved), Some(file)) => s.plan_saved(saved, file, &review),
                _ => s.plan(self.adopt),
            },
            &|accounts| match mode {
                Mode::Destroy => format!("\nDestroy these resources in {accounts}?"),
                Mode::Apply => format!("\nApply these changes to {accounts}?"),
            },
        )
    }
}

/// Plan in each account, show each plan, ask once, then run the plans that change something
/// (the engine's flow; shown, asked and drawn here).
fn converge(
    args: &StackArgs,
    spec: &bedrock_engine::Spec,
    command: &str,
    yes: bool,
    review: &str,
    plan: &(dyn Fn(&Stack) -> Result<Planned, Error> + Sync),
    question: &dyn Fn(&str) -> String,
) -> Result<Exit, Error> {
    let console = Terminal::default();
    args.options().converge(
        &console,
        spec,
        Converge {
            command,
            plan,
            show: &|p, sink| sink.out(render_plan(&p.plan, stdout_color())),
            ask: &|accounts| confirm(&question(accounts), yes, review),
            apply: &run_plan,
        },
    )
}

/// Run one account's plan, its progress drawn, and print its report.
fn run_plan(stack: &Stack, planned: &Planned, sink: &Sink<'_>, several: bool) -> Result<(), Error> {
    let plan = &planned.plan;
    let prefix = if several {
        format!("[{}] ", plan.account_id)
    } else {
        String::new()
    };
    let steps = plan
        .phases()
        .into_iter()
        .filter(|p| p.phase.is_aws())
        .flat_map(|p| p.chains)
        .map(|chain| chain.len())
        .sum();
    let bar = crate::progress::steps(steps, &prefix);
    let result = stack.apply(planned, crate::progress::apply(bar.clone(), prefix));
    bar.finish_and_clear();
    sink.out(result?);
    Ok(())
}

/// Compare live resources and generated files with the spec: exit 0 clean, 2 drift.
#[derive(Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Leave out the files that live only where LibreChat runs and are not committed (.env,
    /// LibreChat's rendered policy): for CI, whose checkout has no copy of them.
    #[arg(long)]
    pub skip_local_files: bool,
}

impl DriftArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let console = Terminal::default();
        let spec = self.stack.spec()?;
        let (targets, results) =
            self.stack
                .options()
                .run_each(&console, &spec, "drift", self.json, |s, sink| {
                    let report = s.drift(!self.skip_local_files)?;
                    if self.json {
                        sink.out(json_text(&report));
                    } else {
                        sink.out(report.render(stdout_color()));
                    }
                    Ok(if report.drift {
                        let (r, f) = (report.resources.len(), report.files.len());
                        let plural = |n: usize| if n == 1 { "" } else { "s" };
                        let what = match (r, f) {
                            (r, 0) => format!("{r} resource{}", plural(r)),
                            (0, f) => format!("{f} file{}", plural(f)),
                            (r, f) => format!("{r} resource{}, {f} file{}", plural(r), plural(f)),
                        };
                        Outcome::new(Exit::Changes, format!("drift: {what}"))
                    } else {
                        Outcome::new(Exit::Success, "no drift")
                    })
                })?;
        finish(&console, &targets, results, self.json)
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
        let spec = self.stack.spec()?;
        let review = destroy_review(&self.stack, self.delete_data);
        let delete_data = self.delete_data;
        converge(
            &self.stack,
            &spec,
            "destroy",
            self.yes,
            &review,
            &|s| s.destroy_plan(delete_data),
            &|accounts| {
                if delete_data {
                    format!("\nDestroy these resources in {accounts}, INCLUDING THE LOGS AND PAYLOADS THEY HOLD?")
                } else {
                    format!("\nDestroy these resources in {accounts}?")
                }
            },
        )
    }
}

/// Print the stack's ARNs and names (profiles, roles, log group, bucket, guardrails,
/// monitoring) as they exist, for other tools; reads AWS, changes nothing.
#[derive(Args, Debug)]
pub struct OutputsArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Print them as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print one value alone, for scripts: `stack`, `account_id`, `region`, `KIND.NAME` (its
    /// ARN), `KIND.NAME.FIELD` (`arn`, `name`, `env`, `model`, `id`, ...), or a profile's env
    /// name (its ARN).
    pub name: Option<String>,
}

impl OutputsArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let console = Terminal::default();
        let spec = self.stack.spec()?;
        let (targets, results) =
            self.stack
                .options()
                .run_each(&console, &spec, "outputs", self.json, |s, sink| {
                    let outputs = s.outputs()?;
                    if let Some(name) = &self.name {
                        let value = outputs.value(name).map_err(|message| {
                            Error::other(
                                message,
                                format!("`{}` lists every output", s.suggest().command("outputs")),
                            )
                        })?;
                        if self.json {
                            sink.out(json_text(&value));
                        } else {
                            sink.out(format!("{value}\n"));
                        }
                        return Ok(Outcome::new(Exit::Success, value));
                    }
                    if self.json {
                        sink.out(json_text(&outputs));
                    } else {
                        sink.out(&outputs);
                    }
                    if !outputs.missing.is_empty() && !self.json {
                        sink.note(format!(
                            "`{}` makes what is not there yet",
                            s.suggest().command("apply")
                        ));
                    }
                    let n = outputs.resources.len();
                    Ok(Outcome::new(
                        Exit::Success,
                        format!(
                            "{n} resource{}{}",
                            if n == 1 { "" } else { "s" },
                            if outputs.missing.is_empty() {
                                String::new()
                            } else {
                                format!(", {} missing", outputs.missing.len())
                            }
                        ),
                    ))
                })?;
        finish(&console, &targets, results, self.json)
    }
}
