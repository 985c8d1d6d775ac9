//! `plan`, `apply`, `drift`, `destroy`, `outputs`: the engine plans and applies; these parse
//! flags, show the plan, ask, and map the outcome to an exit code, in one account or in each
//! of several (`--assume-role`).

use crate::accounts::{self, Outcome, Sink};
use crate::output::{confirm, json_text, note, stdout_color, Exit};
use crate::stack_args::{finish, StackArgs};
use bedrock_engine::{Error, Planned, Stack};
use bedrock_plan::{render_plan, Mode, Plan, SavedPlan};
use clap::Args;
use std::path::{Path, PathBuf};

/// The version a saved plan must come from.
const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// "2 to add, 1 to change", or "no changes".
fn changes_of(plan: &Plan) -> String {
    let s = plan.summary();
    if !plan.has_changes() {
        return "no changes".into();
    }
    let parts: Vec<String> = [
        (s.add, "to add"),
        (s.change, "to change"),
        (s.replace, "to replace"),
        (s.destroy, "to destroy"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "files to write".into()
    } else {
        parts.join(", ")
    }
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
        let spec = self.stack.spec()?;
        // Where the plan goes is checked before anything is read.
        let existing = match &self.save {
            Some(file) => self.save_target(file, &spec.stack.name)?,
            None => None,
        };
        let (targets, results) = self.stack.run_each(&spec, "plan", self.json, |s, sink| {
            let planned = if self.destroy {
                s.destroy_plan(self.delete_data)?
            } else {
                s.plan(self.adopt)?
            };
            if self.json {
                sink.out(json_text(&planned.plan));
            } else {
                sink.out(render_plan(&planned.plan, stdout_color()));
            }
            Ok(planned)
        })?;
        let saved = self
            .save
            .as_ref()
            .map(|file| self.save_plan(&spec.stack.name, file, existing, &results));
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
        let exit = finish(&targets, outcomes, self.json)?;
        saved.transpose()?;
        Ok(exit)
    }

    fn mode(&self) -> Mode {
        if self.destroy {
            Mode::Destroy
        } else {
            Mode::Apply
        }
    }

    /// Where `--save` may write: a new file, or a saved plan of this stack. One of the same
    /// kind (mode, flags, --out, tool version) is returned: the accounts planned now replace
    /// theirs and the others stay, so accounts can be planned a few at a time into one file.
    /// Never a file this tool reads or writes (the spec, `.env`, `librechat.yaml`, the
    /// policies), nor one that is not a saved plan. Checked before any AWS call.
    fn save_target(&self, file: &Path, stack: &str) -> Result<Option<SavedPlan>, Error> {
        let shown = file.display();
        let refuse = |why: &str, help: &str| {
            Err(Error::other(
                format!("--save {shown} {why}; nothing was called"),
                help.to_string(),
            ))
        };
        let new_file = "name a file of the plan's own, e.g. --save bedrock.plan.json";
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same(file, &self.stack.config) {
            return refuse("is the spec itself: not overwritten", new_file);
        }
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let in_policies = file
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|p| p == "policies");
        if name == ".env" || name == "librechat.yaml" || in_policies {
            return refuse(
                "is a file this tool reads or writes (the generated files, the policy templates)",
                new_file,
            );
        }
        if file.is_symlink() && !file.exists() {
            return refuse("is a link to nothing: not followed", new_file);
        }
        if file.is_dir() {
            return refuse("is a directory", new_file);
        }
        if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return refuse(
                    &format!("is in {}, which does not exist", parent.display()),
                    "create the directory, or name a file in an existing one",
                );
            }
        }
        let text = match read_plan_file(file) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(None),
            Err(why) => {
                return refuse(
                    &format!("{why}: not overwritten"),
                    "name a new file for the plan (e.g. bedrock.plan.json), or remove that one first if it is yours to lose",
                )
            }
        };
        let value: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        let format = value.as_ref().and_then(|v| v.get("format")?.as_str());
        if format != Some(bedrock_plan::SAVED_FORMAT) {
            return refuse(
                "exists and is not a saved plan: it is not overwritten",
                "name a new file for the plan (e.g. bedrock.plan.json), or remove that one first if it is yours to lose",
            );
        }
        if value.as_ref().and_then(|v| v.get("stack")?.as_str()) != Some(stack) {
            return refuse(
                "is a saved plan of another stack: not overwritten",
                "name a file of this stack's own",
            );
        }
        let Some(existing) = value.and_then(|v| serde_json::from_value::<SavedPlan>(v).ok()) else {
            return Ok(None);
        };
        let out = self.out();
        if existing.takes(
            stack,
            TOOL_VERSION,
            self.mode(),
            self.adopt,
            self.delete_data,
            &out,
        ) {
            return Ok(Some(existing));
        }
        note(format!(
            "note: {shown} held {} of {} account{}: this plan replaces it",
            existing.kind(),
            existing.accounts.len(),
            if existing.accounts.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
        Ok(None)
    }

    /// `--out` as given (empty: the spec's directory), as a saved plan records it.
    fn out(&self) -> String {
        self.stack
            .out
            .as_ref()
            .map(|o| o.display().to_string())
            .unwrap_or_default()
    }

    /// Write every account's plan to `file` (beside the other accounts of `existing`), whole
    /// or not at all; nothing when one failed.
    fn save_plan(
        &self,
        stack: &str,
        file: &Path,
        existing: Option<SavedPlan>,
        results: &[accounts::Ran<Planned>],
    ) -> Result<(), Error> {
        let kept = existing.as_ref().map_or(0, |e| e.accounts.len());
        let mut saved = existing.unwrap_or_else(|| {
            SavedPlan::new(
                stack,
                TOOL_VERSION,
                self.mode(),
                self.adopt,
                self.delete_data,
                &self.out(),
            )
        });
        for (result, _) in results {
            match result {
                Ok(p) => saved.add(&p.plan, p.fingerprint.clone()),
                Err(_) => {
                    return Err(Error::other(
                        format!(
                            "{} was not written: the plan failed in an account",
                            file.display()
                        ),
                        "fix what is said above, then plan again",
                    ))
                }
            }
        }
        saved.seal();
        let text = serde_json::to_string_pretty(&saved).unwrap_or_default() + "\n";
        crate::output::write_atomically(file, &text)?;
        if kept > 0 && saved.accounts.len() > 1 {
            note(format!(
                "{} holds the plans of {} accounts: those planned now replaced theirs, the others were kept",
                file.display(),
                saved.accounts.len()
            ));
        }
        let apply = self
            .stack
            .suggest()
            .command(&format!("apply --plan {}", file.display()));
        note(format!(
            "saved the plan to {}: `{apply}` carries out exactly this plan (and refuses once the spec or AWS no longer match it)",
            file.display()
        ));
        Ok(())
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
        let saved = match &self.plan {
            Some(file) => Some(read_saved(
                file,
                &spec.stack.name,
                &self
                    .stack
                    .out
                    .as_ref()
                    .map(|o| o.display().to_string())
                    .unwrap_or_default(),
            )?),
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
            |s| match (&saved, &file) {
                (Some(saved), Some(file)) => s.plan_saved(saved, file, &review),
                _ => s.plan(self.adopt),
            },
            |accounts| match mode {
                Mode::Destroy => format!("\nDestroy these resources in {accounts}?"),
                Mode::Apply => format!("\nApply these changes to {accounts}?"),
            },
        )
    }
}

/// The most a saved plan file may hold: far more than any plan, far less than a mistake
/// (a disk image, /dev/zero) would make the tool read.
const MAX_PLAN_BYTES: u64 = 64 << 20;

/// A saved plan's text: None when there is no file; why not when it is not a regular file
/// of a plausible size (a FIFO, a device, a huge file are never read).
fn read_plan_file(file: &Path) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read ({e})")),
    };
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() > MAX_PLAN_BYTES {
        return Err(format!(
            "is {} MiB, far more than a saved plan",
            meta.len() >> 20
        ));
    }
    std::fs::read(file)
        .map(|b| Some(String::from_utf8_lossy(&b).into_owned()))
        .map_err(|e| format!("cannot be read ({e})"))
}

/// Read a saved plan, refusing what is not one (or another stack's, or another version's,
/// or one made for another --out).
fn read_saved(file: &Path, stack: &str, out: &str) -> Result<SavedPlan, Error> {
    let shown = file.display().to_string();
    let text = match read_plan_file(file) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Err(Error::other(
                format!("there is no saved plan {shown}; nothing was changed"),
                "name the file `plan --save FILE` wrote",
            ))
        }
        Err(why) => {
            return Err(Error::other(
                format!("the saved plan {shown} {why}; nothing was changed"),
                "name the file `plan --save FILE` wrote",
            ))
        }
    };
    let saved = SavedPlan::parse(&text, &shown, TOOL_VERSION, stack).map_err(|message| {
        Error::other(
            format!("{message}; nothing was changed"),
            "save a plan with this tool and this spec (`plan --save FILE`), review it, then `apply --plan FILE`",
        )
    })?;
    if saved.out != out {
        let flag = |o: &str| {
            if o.is_empty() {
                "without --out".to_string()
            } else {
                format!("with --out {o}")
            }
        };
        return Err(Error::other(
            format!(
                "{shown} was planned {}, and this apply runs {}: its generated files are elsewhere; nothing was changed",
                flag(&saved.out),
                flag(out)
            ),
            format!("run apply {} as the plan was made", flag(&saved.out)),
        ));
    }
    Ok(saved)
}

/// The accounts a question names: "account 111111111111 in us-east-1", or "3 accounts
/// (111111111111, ...) in us-east-1".
fn accounts_named(plans: &[&Plan]) -> String {
    let region = plans.first().map_or("", |p| p.region.as_str());
    match plans {
        [one] => format!("account {} in {region}", one.account_id),
        many => format!(
            "{} accounts ({}) in {region}",
            many.len(),
            many.iter()
                .map(|p| p.account_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Plan in each account, show each plan, ask once, then run the plans that change something.
fn converge(
    args: &StackArgs,
    spec: &bedrock_spec::Spec,
    command: &str,
    yes: bool,
    review: &str,
    plan: impl Fn(&Stack) -> Result<Planned, Error> + Sync,
    question: impl Fn(&str) -> String,
) -> Result<Exit, Error> {
    let (targets, planned) = args.connect_each(spec, command, false, |stack, sink| {
        let result = plan(&stack);
        match result {
            Ok(p) => {
                sink.out(render_plan(&p.plan, stdout_color()));
                Ok((stack, p))
            }
            Err(e) => {
                sink.note(format!("{command}: {}", stack.calls()));
                Err(e)
            }
        }
    })?;
    let changing: Vec<&Plan> = planned
        .iter()
        .filter_map(|(r, _)| r.as_ref().ok())
        .map(|(_, p)| &p.plan)
        .filter(|p| p.has_changes())
        .collect();
    // A destroy with nothing to remove has nothing more to say; an apply without changes
    // still writes the files.
    let asked = if changing.is_empty() {
        Ok(())
    } else {
        confirm(&question(&accounts_named(&changing)), yes, review)
    };
    if let Err(e) = asked {
        for (r, _) in &planned {
            if let Ok((stack, _)) = r {
                note(format!("{command}: {}", stack.calls()));
            }
        }
        return Err(e);
    }
    // The second phase runs in the accounts whose plan was made; the others keep their
    // error for the summary.
    let several = targets.len() > 1;
    let ready: Vec<usize> = (0..targets.len())
        .filter(|&i| planned[i].0.is_ok())
        .collect();
    let ready_targets: Vec<_> = ready.iter().map(|&i| targets[i].clone()).collect();
    let mut applied = accounts::each(
        &ready_targets,
        several,
        args.parallel.into(),
        false,
        |j, _, sink| {
            let Ok((stack, p)) = &planned[ready[j]].0 else {
                return Err(Error::Reported);
            };
            let result = run_plan(stack, p, sink, several);
            sink.note(format!("{command}: {}", stack.calls()));
            result.map(|()| Outcome::new(Exit::Success, changes_of(&p.plan)))
        },
    )
    .into_iter();
    let results = planned
        .into_iter()
        .map(|(first, text)| match first {
            Err(e) => (Err(e), text),
            Ok(_) => applied
                .next()
                .unwrap_or((Err(Error::Reported), String::new())),
        })
        .collect();
    finish(&targets, results, false)
}

/// Run one account's plan (when it changes anything, or writes files), print its report.
fn run_plan(stack: &Stack, planned: &Planned, sink: &Sink, several: bool) -> Result<(), Error> {
    let plan = &planned.plan;
    if !plan.has_changes() && plan.mode == Mode::Destroy {
        return Ok(());
    }
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
        let spec = self.stack.spec()?;
        let (targets, results) = self.stack.run_each(&spec, "drift", self.json, |s, sink| {
            let report = s.drift(!self.skip_local_files)?;
            if self.json {
                sink.out(json_text(&report));
            } else {
                sink.out(report.render(stdout_color()));
            }
            Ok(if report.drift {
                let n = report.resources.len() + report.files.len();
                Outcome::new(
                    Exit::Changes,
                    format!("drift: {n} resource{}", if n == 1 { "" } else { "s" }),
                )
            } else {
                Outcome::new(Exit::Success, "no drift")
            })
        })?;
        finish(&targets, results, self.json)
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
            |s| s.destroy_plan(delete_data),
            |accounts| {
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
}

impl OutputsArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let spec = self.stack.spec()?;
        let (targets, results) = self
            .stack
            .run_each(&spec, "outputs", self.json, |s, sink| {
                let outputs = s.outputs()?;
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
        finish(&targets, results, self.json)
    }
}
