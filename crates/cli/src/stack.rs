//! The AWS-touching commands: `plan`, `apply`, `drift`, `destroy`, and `generate` with live
//! ARNs. Each loads the spec, says where its calls go, observes, plans with the pure
//! planner, and (apply, destroy) executes after confirmation. Bad input and refused actions
//! stop before the first AWS call.

use crate::output::{error, load_spec, spec_dir, Exit};
use bedrock_aws::{Clients, Target};
use bedrock_generate::{FileState, GeneratedFile, Inputs};
use bedrock_plan::{Action, DesiredState, ObservedState, Plan, PlanOptions};
use bedrock_spec::Spec;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the AWS calls go: the global flags.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub local: bool,
    pub endpoint_url: Option<String>,
    pub local_host: String,
    pub local_port: u16,
}

impl AwsOptions {
    fn target(&self) -> Result<Target, Exit> {
        match (self.local, &self.endpoint_url) {
            (true, Some(_)) => {
                error("--local and --endpoint-url both say where AWS is: pass one of them\n  help: --local is the embedded emulator; --endpoint-url any other AWS-compatible endpoint");
                Err(Exit::Error)
            }
            (true, None) => Ok(Target::Local(bedrock_emulator::Instance::new(
                &bedrock_emulator::default_dir(),
                &self.local_host,
                self.local_port,
            ))),
            (false, Some(url)) => Ok(Target::Endpoint(url.clone())),
            (false, None) => Ok(Target::Aws),
        }
    }
}

/// A loaded spec with connected clients.
pub(crate) struct Session {
    spec: Spec,
    spec_name: String,
    pub(crate) spec_dir: PathBuf,
    pub(crate) clients: Clients,
    pub(crate) runtime: tokio::runtime::Runtime,
}

pub(crate) fn session(config: &Path, aws: &AwsOptions) -> Result<Session, Exit> {
    // Everything that can be refused is refused before the first AWS call.
    let (loaded, spec) = load_spec(config)?;
    let target = aws.target()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            error(format!("cannot start the async runtime: {e}"));
            Exit::Error
        })?;
    eprintln!("{}", target.describe(&spec.stack.region));
    match target.prepare(&mut |line| eprintln!("{line}")) {
        Ok(Some(line)) => eprintln!("{line}"),
        Ok(None) => {}
        Err(e) => {
            error(e);
            return Err(Exit::Error);
        }
    }
    let clients = runtime.block_on(Clients::connect(&target, &spec.stack.region));
    Ok(Session {
        spec_name: loaded.path.file_name().map_or_else(
            || "bedrock.toml".into(),
            |n| n.to_string_lossy().into_owned(),
        ),
        spec_dir: spec_dir(config).to_path_buf(),
        spec,
        clients,
        runtime,
    })
}

impl Session {
    pub(crate) fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The account, the desired state for it, and what exists. The account guard is checked
    /// right after the caller identity: a wrong account reads nothing else.
    pub(crate) fn observe(&self) -> Result<(DesiredState, ObservedState), Exit> {
        let account = self
            .runtime
            .block_on(bedrock_aws::caller_account(&self.clients))
            .map_err(|e| {
                error(e);
                Exit::Error
            })?;
        if let Some(guard) = &self.spec.stack.account_id {
            if *guard != account {
                error(format!(
                    "the credentials are for account {account}, but [stack] account_id is {guard}: nothing was read further and nothing was changed\n  help: use credentials for account {guard} (AWS_PROFILE), or change account_id if this account is the right one"
                ));
                return Err(Exit::Error);
            }
        }
        let policies =
            bedrock_policy::render_all(&self.spec_dir.join("policies"), &self.spec, &account)
                .map_err(|e| {
                    error(e);
                    Exit::Error
                })?;
        let runtime_template = match &self.spec.librechat.runtime_role {
            Some(_) => Some(
                bedrock_policy::load_template(
                    &self.spec_dir.join("policies"),
                    bedrock_policy::PolicyKind::LibreChatInvoke,
                )
                .map_err(|e| {
                    error(e);
                    Exit::Error
                })?,
            ),
            None => None,
        };
        let desired = DesiredState::with_runtime(&self.spec, &account, &policies, runtime_template);
        let observed = self
            .runtime
            .block_on(bedrock_aws::observe(&self.clients, &desired, &account))
            .map_err(|e| {
                error(e);
                Exit::Error
            })?;
        Ok((desired, observed))
    }

    fn stats_line(&self, command: &str) {
        eprintln!("{command}: {}", self.clients.recorder.stats());
    }

    fn inputs<'a>(&'a self, out_dir: &'a Path, account: &'a str) -> Inputs<'a> {
        Inputs {
            spec: &self.spec,
            spec_name: &self.spec_name,
            spec_dir: &self.spec_dir,
            out_dir,
            account_id: account,
        }
    }

    /// LibreChat's least-privilege policy, from the live ARNs (none when the spec has no
    /// profiles, or one of them does not exist yet).
    fn invoke_policy(
        &self,
        desired: &DesiredState,
        observed: &ObservedState,
        arns: &BTreeMap<String, String>,
    ) -> Result<Option<GeneratedFile>, Exit> {
        let profile_arns: Option<Vec<String>> = self
            .spec
            .profiles
            .iter()
            .map(|p| arns.get(&p.name).cloned())
            .collect();
        let Some(profile_arns) = profile_arns.filter(|a| !a.is_empty()) else {
            return Ok(None);
        };
        let routed: Vec<String> = desired
            .profiles
            .iter()
            .filter_map(|p| match observed.sources.get(&p.source_arn) {
                Some(bedrock_plan::SourceState::Routes { models }) => Some(models.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        let rendered = bedrock_policy::render_invoke(
            &self.spec_dir.join("policies"),
            &self.spec,
            &observed.account_id,
            &profile_arns,
            &routed,
        )
        .map_err(|e| {
            error(e);
            Exit::Error
        })?;
        Ok(Some(GeneratedFile {
            path: Path::new("policies").join(rendered.kind.rendered_file()),
            contents: rendered.to_canonical_json(),
            mode: 0o644,
            private: false,
            note: format!("{}, from the live ARNs", rendered.kind.describe()),
        }))
    }

    /// Every generated file: the offline ones, `.env` from `arns`, and LibreChat's policy.
    fn generated(
        &self,
        out_dir: &Path,
        desired: &DesiredState,
        observed: &ObservedState,
        arns: &BTreeMap<String, String>,
    ) -> Result<Vec<GeneratedFile>, Exit> {
        // Rendered policies depend on the spec alone, as offline: not on the live account.
        let account = self.spec.account_or_placeholder().to_string();
        let inputs = self.inputs(out_dir, &account);
        let mut files = bedrock_generate::offline_files(&inputs).map_err(|e| {
            error(e);
            Exit::Error
        })?;
        files.push(bedrock_generate::env_file(&inputs, arns).map_err(|e| {
            error(e);
            Exit::Error
        })?);
        files.extend(self.invoke_policy(desired, observed, arns)?);
        Ok(files)
    }
}

fn plan_or_exit(result: Result<Plan, bedrock_plan::PlanError>) -> Result<Plan, Exit> {
    result.map_err(|e| {
        for p in &e.problems {
            error(p);
        }
        eprintln!(
            "error: no plan: {} problem{}; nothing was changed",
            e.problems.len(),
            if e.problems.len() == 1 { "" } else { "s" }
        );
        Exit::Error
    })
}

fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

pub struct PlanCommand {
    pub detailed_exitcode: bool,
    pub json: bool,
    pub adopt: bool,
}

/// `plan`: what `apply` would change. Exit 0 (or 2 with --detailed-exitcode when there are
/// changes), 1 on error.
pub fn plan(config: &Path, aws: &AwsOptions, cmd: &PlanCommand) -> Exit {
    let s = match session(config, aws) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let result = s.observe().and_then(|(desired, observed)| {
        plan_or_exit(bedrock_plan::plan(
            &desired,
            &observed,
            PlanOptions { adopt: cmd.adopt },
        ))
    });
    s.stats_line("plan");
    let plan = match result {
        Ok(p) => p,
        Err(e) => return e,
    };
    if cmd.json {
        print_json(&plan);
    } else {
        print!("{}", bedrock_plan::render_plan(&plan, stdout_color()));
    }
    if cmd.detailed_exitcode && plan.has_changes() {
        Exit::Changes
    } else {
        Exit::Success
    }
}

/// Ask on a terminal; refuse without one.
fn confirm(question: &str, yes: bool) -> bool {
    if yes {
        return true;
    }
    if !std::io::stdin().is_terminal() {
        error("refusing to change AWS without confirmation: stdin is not a terminal\n  help: pass --yes to run without a prompt (CI), after reviewing `cargo xtask plan`");
        return false;
    }
    eprint!("{question} Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() || answer.trim() != "yes" {
        eprintln!("cancelled: nothing was changed");
        return false;
    }
    true
}

/// The live ARN of every profile after apply: what was there, less what was deleted, plus
/// what was created.
fn live_arns(
    observed: &ObservedState,
    outcome: &bedrock_aws::ApplyOutcome,
) -> BTreeMap<String, String> {
    let mut arns: BTreeMap<String, String> = observed
        .profiles
        .iter()
        .filter(|p| !outcome.deleted.contains(&p.name))
        .map(|p| (p.name.clone(), p.arn.clone()))
        .collect();
    arns.extend(outcome.created.clone());
    arns
}

fn write_files(out_dir: &Path, files: &[GeneratedFile]) -> Result<(), Exit> {
    let states = bedrock_generate::ensure(out_dir, files, false).map_err(|e| {
        error(e);
        Exit::Error
    })?;
    for (file, (path, state)) in files.iter().zip(&states) {
        let verb = match state {
            FileState::Unchanged => "unchanged",
            FileState::Missing => "created",
            FileState::Stale => "updated",
        };
        println!(
            "{verb:>9}  {}  ({})",
            out_dir.join(path).display(),
            file.note
        );
    }
    Ok(())
}

pub struct ApplyCommand {
    pub yes: bool,
    pub adopt: bool,
    pub out: Option<PathBuf>,
}

/// `apply`: converge, then write librechat.yaml and .env.
pub fn apply(config: &Path, aws: &AwsOptions, cmd: &ApplyCommand) -> Exit {
    let s = match session(config, aws) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (desired, observed) = match s.observe() {
        Ok(v) => v,
        Err(e) => {
            s.stats_line("apply");
            return e;
        }
    };
    let plan = match plan_or_exit(bedrock_plan::plan(
        &desired,
        &observed,
        PlanOptions { adopt: cmd.adopt },
    )) {
        Ok(p) => p,
        Err(e) => {
            s.stats_line("apply");
            return e;
        }
    };
    print!("{}", bedrock_plan::render_plan(&plan, stdout_color()));
    let mut outcome = bedrock_aws::ApplyOutcome::default();
    if plan.has_changes() {
        if !confirm(
            &format!(
                "\nApply these changes to account {} in {}?",
                plan.account_id, plan.region
            ),
            cmd.yes,
        ) {
            return Exit::Error;
        }
        let progress: Arc<dyn Fn(&str) + Send + Sync> =
            Arc::new(|line: &str| eprintln!("  done: {line}"));
        match s
            .runtime
            .block_on(bedrock_aws::apply(&s.clients, &plan, progress))
        {
            Ok(o) => outcome = o,
            Err(errors) => {
                for e in &errors {
                    error(e);
                }
                eprintln!("error: apply stopped; what was done stays done, and `cargo xtask apply` again continues from there");
                s.stats_line("apply");
                return Exit::Error;
            }
        }
        println!("\nApplied: {} AWS changes.", outcome.writes);
    }
    let out_dir = cmd.out.clone().unwrap_or_else(|| s.spec_dir.clone());
    let files = match s.generated(
        &out_dir,
        &desired,
        &observed,
        &live_arns(&observed, &outcome),
    ) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let written = write_files(&out_dir, &files);
    s.stats_line("apply");
    match written {
        Ok(()) => Exit::Success,
        Err(e) => e,
    }
}

pub struct DestroyCommand {
    pub yes: bool,
    pub delete_data: bool,
}

/// `destroy`: remove what the stack manages; data only with --delete-data.
pub fn destroy(config: &Path, aws: &AwsOptions, cmd: &DestroyCommand) -> Exit {
    let s = match session(config, aws) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let result = s.observe().and_then(|(desired, observed)| {
        plan_or_exit(bedrock_plan::plan_destroy(
            &desired,
            &observed,
            cmd.delete_data,
        ))
    });
    let plan = match result {
        Ok(p) => p,
        Err(e) => {
            s.stats_line("destroy");
            return e;
        }
    };
    print!("{}", bedrock_plan::render_plan(&plan, stdout_color()));
    if !plan.has_changes() {
        s.stats_line("destroy");
        return Exit::Success;
    }
    let question = if cmd.delete_data {
        format!(
            "\nDestroy these resources in account {}, INCLUDING THE LOGS AND PAYLOADS THEY HOLD?",
            plan.account_id
        )
    } else {
        format!("\nDestroy these resources in account {}?", plan.account_id)
    };
    if !confirm(&question, cmd.yes) {
        return Exit::Error;
    }
    let progress: Arc<dyn Fn(&str) + Send + Sync> =
        Arc::new(|line: &str| eprintln!("  done: {line}"));
    let result = s
        .runtime
        .block_on(bedrock_aws::apply(&s.clients, &plan, progress));
    s.stats_line("destroy");
    match result {
        Ok(o) => {
            println!("\nDestroyed: {} AWS changes. .env still names the deleted profiles' ARNs until the next apply.", o.writes);
            Exit::Success
        }
        Err(errors) => {
            for e in &errors {
                error(e);
            }
            Exit::Error
        }
    }
}

/// `generate` with live ARNs (not --offline): every file, .env included.
pub fn generate_live(config: &Path, aws: &AwsOptions, check: bool, out: Option<PathBuf>) -> Exit {
    let s = match session(config, aws) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (desired, observed) = match s.observe() {
        Ok(v) => v,
        Err(e) => return e,
    };
    let out_dir = out.clone().unwrap_or_else(|| s.spec_dir.clone());
    let arns = live_arns(&observed, &bedrock_aws::ApplyOutcome::default());
    let files = match s.generated(&out_dir, &desired, &observed, &arns) {
        Ok(f) => f,
        Err(e) => return e,
    };
    if !check {
        return match write_files(&out_dir, &files) {
            Ok(()) => Exit::Success,
            Err(e) => e,
        };
    }
    crate::output::report_stale(&out_dir, &files, config, out.as_deref(), false)
}

pub struct DriftCommand {
    pub json: bool,
    pub out: Option<PathBuf>,
}

/// `drift`: live resources and generated files against the spec. Exit 0 clean, 2 drift,
/// 1 error.
pub fn drift(config: &Path, aws: &AwsOptions, cmd: &DriftCommand) -> Exit {
    let s = match session(config, aws) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let result = s.observe().and_then(|(desired, observed)| {
        plan_or_exit(bedrock_plan::plan(
            &desired,
            &observed,
            PlanOptions::default(),
        ))
        .map(|p| (p, desired, observed))
    });
    s.stats_line("drift");
    let (plan, desired, observed) = match result {
        Ok(v) => v,
        Err(e) => return e,
    };
    let out_dir = cmd.out.clone().unwrap_or_else(|| s.spec_dir.clone());
    let arns = live_arns(&observed, &bedrock_aws::ApplyOutcome::default());
    // Without every profile, .env cannot be computed: that is drift of the resources, and
    // the file is reported as not checkable.
    let account = s.spec.account_or_placeholder().to_string();
    let inputs = s.inputs(&out_dir, &account);
    let mut files = match bedrock_generate::offline_files(&inputs) {
        Ok(f) => f,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    let env = bedrock_generate::env_file(&inputs, &arns);
    if let Ok(env) = &env {
        files.push(env.clone());
    }
    match s.invoke_policy(&desired, &observed, &arns) {
        Ok(policy) => files.extend(policy),
        Err(e) => return e,
    }
    let states = match bedrock_generate::ensure(&out_dir, &files, true) {
        Ok(s) => s,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    let mut stale_files: Vec<(String, String)> = states
        .iter()
        .filter(|(_, st)| *st != FileState::Unchanged)
        .map(|(p, st)| {
            (
                out_dir.join(p).display().to_string(),
                if *st == FileState::Missing {
                    "missing".to_string()
                } else {
                    "differs".to_string()
                },
            )
        })
        .collect();
    if env.is_err() {
        stale_files.push((
            out_dir.join(".env").display().to_string(),
            "cannot be computed: a profile is missing".to_string(),
        ));
    }
    let drifted: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let has_drift = !drifted.is_empty() || !stale_files.is_empty();
    if cmd.json {
        print_json(&serde_json::json!({
            "format_version": bedrock_plan::PLAN_FORMAT_VERSION,
            "drift": has_drift,
            "resources": drifted,
            "files": stale_files.iter().map(|(p, w)| serde_json::json!({"path": p, "state": w})).collect::<Vec<_>>(),
        }));
    } else if has_drift {
        if !drifted.is_empty() {
            print!("{}", bedrock_plan::render_plan(&plan, stdout_color()));
        }
        for (path, why) in &stale_files {
            println!("drift: {path} ({why})");
        }
        println!(
            "\nDrift: {} resource{} and {} generated file{} differ from the spec. `cargo xtask apply` repairs them.",
            drifted.len(),
            if drifted.len() == 1 { "" } else { "s" },
            stale_files.len(),
            if stale_files.len() == 1 { "" } else { "s" }
        );
    } else {
        println!(
            "No drift: {} resources and {} generated files match the spec.",
            plan.changes.len(),
            states.len()
        );
    }
    if has_drift {
        Exit::Changes
    } else {
        Exit::Success
    }
}
