//! The stack's life: load, observe, plan, apply, drift, destroy, generate, verify and
//! doctor's checks. Each returns a typed report that derives `Serialize` (the `--json`
//! output) and implements `Display` (what people read); the CLI parses flags, calls these,
//! prints the report and maps it to an exit code. The engine never touches an SDK client:
//! the AWS layer observes and executes; the plan is a pure function between them.

pub mod accounts;
mod console;
mod doctor;
mod error;
mod files;
mod organization;
mod place;
pub mod quotas;
mod records;
mod reports;
mod run;
mod saved;
mod sweep;
pub mod usage;
mod verify;

pub use accounts::summary_file::{SummaryFile, SummaryFormat, SummaryRequest};
pub use accounts::{Outcome, Sink};
pub use bedrock_aws::organization::Scope as OrganizationScope;
pub use bedrock_aws::{Progress, ProgressFn};
pub use console::{json_text, Console, Exit};
pub use doctor::{Check, DoctorReport};
pub use error::Error;
pub use files::Scope;
pub use organization::{Organization, DEFAULT_ROLE_NAME};
pub use place::{check_profile, check_url, local_instance, parse_port, Place};
pub use quotas::QuotaReport;
pub use records::{parse_duration, parse_since, Record};
pub use reports::{ApplyReport, DriftReport, FileDrift, FileLine, FileState, GenerateReport};
pub use run::{changes_of, Converge, StackOptions, DEFAULT_CONFIG};
pub use saved::{canonical_dir, read_any, read_plan_text, read_saved, SaveRequest};
pub use sweep::{SweepReport, Sweeper};
pub use usage::UsageReport;
pub use verify::VerifyReport;

/// What the CLI renders and names, from the crates below the engine: the spec and its
/// report, plans and saved plans, and the embedded emulator that `local` drives.
pub use bedrock_emulator as emulator;
pub use bedrock_plan::{render_plan, Mode, Plan, SavedPlan, Suggest, AWS_ENDPOINT};
pub use bedrock_spec::{load as load_spec, Severity, Spec, ACCOUNT_PLACEHOLDER};

use bedrock_aws::{CallStats, Clients, Endpoint};
use bedrock_plan::{DesiredState, ObservedState, PlanOptions};
use std::path::{Path, PathBuf};

/// Where the spec is and where the generated files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The spec file as the user named it.
    pub config: PathBuf,
    /// Its directory (empty for a bare file name, so paths print as the user writes them):
    /// the policy templates are read from its `policies/`.
    pub spec_dir: PathBuf,
    /// The spec file's name, named in the generated headers.
    pub spec_name: String,
    /// Where the generated files go: `--out`, or the spec's directory.
    pub out_dir: PathBuf,
}

impl Paths {
    pub fn new(config: &Path, out: Option<&Path>) -> Self {
        let spec_dir = config.parent().unwrap_or(Path::new("")).to_path_buf();
        // `--out .` and `--out ./o` name the files as `--out` and `--out o` do (`.env`, not
        // `./.env`): one directory, one way to write its files.
        let plain = |p: &Path| -> PathBuf {
            p.components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect()
        };
        Paths {
            config: config.to_path_buf(),
            out_dir: out.map_or_else(|| spec_dir.clone(), plain),
            spec_dir,
            spec_name: config.file_name().map_or_else(
                || "bedrock.toml".into(),
                |n| n.to_string_lossy().into_owned(),
            ),
        }
    }
}

/// A spec connected to an account.
pub struct Stack {
    spec: Spec,
    paths: Paths,
    suggest: Suggest,
    clients: Clients,
    runtime: tokio::runtime::Runtime,
}

/// The policy templates a plan used: (file name, text).
type Templates = Vec<(String, String)>;

/// What a plan was made from, kept for applying it.
pub struct Planned {
    pub plan: Plan,
    /// What the plan was computed from (`plan --save`, `apply --plan`).
    pub fingerprint: bedrock_plan::Fingerprint,
    desired: DesiredState,
    /// The command that makes this plan and applies it again (after a failure).
    rerun: String,
}

/// An async runtime: on this thread alone, or `multi` (a stack's, for concurrent calls).
fn runtime(multi: bool) -> Result<tokio::runtime::Runtime, Error> {
    let mut builder = if multi {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().map_err(|e| {
        Error::other(
            format!("cannot start the async runtime: {e}"),
            "check the process's thread limits",
        )
    })
}

/// What the account of the standard credential chain offers in `region` (its foundation
/// models and system-defined inference profiles), as JSON for the embedded emulator's
/// catalog.
pub fn read_catalog(region: &str) -> Result<serde_json::Value, Error> {
    runtime(false)?.block_on(async {
        let clients = Clients::connect(&Endpoint::aws(), region).await;
        Ok(bedrock_aws::catalog::read(&clients, region).await?)
    })
}

impl Stack {
    /// Connect to `endpoint` in the spec's region. Nothing is called yet.
    pub fn connect(
        spec: Spec,
        paths: Paths,
        endpoint: &Endpoint,
        suggest: Suggest,
    ) -> Result<Self, Error> {
        let runtime = runtime(true)?;
        let clients = runtime.block_on(Clients::connect(endpoint, &spec.stack.region));
        Ok(Stack {
            spec,
            paths,
            suggest,
            clients,
            runtime,
        })
    }

    /// Connect as `role` (assumed with the credentials of `endpoint`, one STS call now), in
    /// the account its ARN names; `account` is that account, for the error.
    pub fn connect_as(
        spec: Spec,
        paths: Paths,
        endpoint: &Endpoint,
        role: &bedrock_aws::AssumeRole,
        account: &str,
        suggest: Suggest,
    ) -> Result<Self, Error> {
        let assumed = runtime(false)?
            .block_on(bedrock_aws::assume_role(endpoint, &spec.stack.region, role))
            .map_err(|e| {
                let answer = match &e.code {
                    Some(code) => format!("{code}: {}", e.message),
                    None => e.message.clone(),
                };
                Error::other(
                    format!("account {account}: cannot assume role {}: {answer}; nothing was read or changed in that account", role.role_arn),
                    format!("the role must exist in account {account} and its trust policy must let the credentials you run with assume it{}; check the ARN, the trust policy, and that your credentials may call sts:AssumeRole on it", if role.external_id.is_some() { " with this --external-id" } else { " (with the --external-id it requires, if any)" }),
                )
            })?;
        Stack::connect(spec, paths, &assumed, suggest)
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// How the commands this stack suggests are spelled.
    pub fn suggest(&self) -> &Suggest {
        &self.suggest
    }

    /// Every AWS call made so far.
    pub fn calls(&self) -> CallStats {
        self.clients.recorder.stats()
    }

    fn options(&self, adopt: bool, delete_data: bool) -> PlanOptions {
        PlanOptions {
            adopt,
            delete_data,
            suggest: self.suggest.clone(),
        }
    }

    /// The account, the desired state for it, and what exists, with the generated files in
    /// `scope` (none without). The account guard is checked right after the caller
    /// identity: a wrong account reads nothing else.
    fn observe(&self, scope: Option<Scope>) -> Result<(DesiredState, ObservedState), Error> {
        self.observe_with_templates(scope, false)
            .map(|(d, o, _)| (d, o))
    }

    /// The same, reading the account's facts of every model the stack uses (`doctor`), not
    /// only those a plan needs (`model_access::account_reads`).
    fn observe_every_model(&self) -> Result<(DesiredState, ObservedState), Error> {
        self.observe_with_templates(None, true)
            .map(|(d, o, _)| (d, o))
    }

    /// The same, with the policy templates it used (file name, text).
    fn observe_with_templates(
        &self,
        scope: Option<Scope>,
        every_model: bool,
    ) -> Result<(DesiredState, ObservedState, Templates), Error> {
        let account = self
            .runtime
            .block_on(bedrock_aws::caller_account(&self.clients))?;
        if let Some(problem) = bedrock_plan::guard_refusal(&self.spec.stack.account_ids, &account) {
            let (message, help) = problem
                .split_once("\n  help: ")
                .unwrap_or((problem.as_str(), ""));
            return Err(Error::other(message, help));
        }
        let templates = self.paths.spec_dir.join("policies");
        let loaded = bedrock_policy::load_templates(&templates)?;
        let values = bedrock_policy::Placeholders::for_spec(&self.spec, &account);
        let policies = loaded
            .iter()
            .map(|t| bedrock_policy::render(t, &values))
            .collect::<Result<Vec<_>, _>>()?;
        let mut desired = DesiredState::new(&self.spec, &account, &policies)
            .with_role_templates(&loaded, &values);
        if self.spec.librechat.policy_role().is_some() || self.spec.librechat.api_key.is_some() {
            let template = bedrock_policy::load_template(
                &templates,
                bedrock_policy::PolicyKind::LibreChatInvoke,
            )?;
            desired = desired.with_runtime(&self.spec, template);
        }
        desired.access.every_model = every_model;
        if let Some(scope) = scope {
            desired = desired.with_files(files::desired(&self.spec, &self.paths, &account, scope)?);
        }
        let mut observed =
            self.runtime
                .block_on(bedrock_aws::observe(&self.clients, &desired, &account))?;
        observed.files = files::observe(&desired.files)?;
        let mut used: Vec<(String, String)> = loaded
            .iter()
            .map(|t| (t.kind.template_file().to_string(), t.text.clone()))
            .collect();
        if let Some(rt) = &desired.runtime {
            let t = &rt.template;
            used.push((t.kind.template_file().to_string(), t.text.clone()));
        }
        Ok((desired, observed, used))
    }

    /// The fingerprint of a plan made from these.
    fn fingerprint(
        &self,
        templates: &[(String, String)],
        observed: &ObservedState,
        plan: &Plan,
    ) -> Result<bedrock_plan::Fingerprint, Error> {
        let spec = std::fs::read(&self.paths.config).map_err(|e| {
            Error::other(
                format!("cannot read {}: {e}", self.paths.config.display()),
                "check that the spec is still there",
            )
        })?;
        Ok(bedrock_plan::Fingerprint::new(
            &spec,
            templates,
            &observed.files,
            plan,
        ))
    }

    /// What `apply` would change, generated files included.
    pub fn plan(&self, adopt: bool) -> Result<Planned, Error> {
        let (desired, observed, templates) =
            self.observe_with_templates(Some(Scope::Live), false)?;
        let plan = bedrock_plan::plan(&desired, &observed, &self.options(adopt, false))?;
        let fingerprint = self.fingerprint(&templates, &observed, &plan)?;
        let rerun = self
            .suggest
            .command(if adopt { "apply --adopt" } else { "apply" });
        Ok(Planned {
            plan,
            fingerprint,
            desired,
            rerun,
        })
    }

    /// What `destroy` would remove.
    pub fn destroy_plan(&self, delete_data: bool) -> Result<Planned, Error> {
        let (desired, observed, templates) =
            self.observe_with_templates(Some(Scope::Live), false)?;
        let plan =
            bedrock_plan::plan_destroy(&desired, &observed, &self.options(false, delete_data))?;
        let fingerprint = self.fingerprint(&templates, &observed, &plan)?;
        let rerun = self.suggest.command(if delete_data {
            "destroy --delete-data"
        } else {
            "destroy"
        });
        Ok(Planned {
            plan,
            fingerprint,
            desired,
            rerun,
        })
    }

    /// Run a plan: its AWS steps phase by phase, then its files. `progress` hears a line per
    /// AWS step done.
    pub fn apply(
        &self,
        planned: &Planned,
        progress: bedrock_aws::ProgressFn,
    ) -> Result<ApplyReport, Error> {
        let plan = &planned.plan;
        files::check_writable(plan, &planned.desired.files.out_dir)?;
        let (outputs, writes) = self
            .runtime
            .block_on(bedrock_aws::apply(&self.clients, plan, progress.clone()))
            .map_err(|errors| Error::Apply {
                errors,
                rerun: planned.rerun.clone(),
            })?;
        let written = files::write(plan, &outputs, &planned.desired.files.out_dir).map_err(|e| {
            // AWS is changed: say so, and how to write the files once the cause is fixed. A
            // Bedrock API key made now is lost (AWS shows its value once): apply makes another.
            let made_key = plan.changes.iter().flat_map(|c| &c.steps).flat_map(|ch| &ch.steps).any(|s| {
                matches!(s, bedrock_plan::Step::ApiKey(bedrock_plan::resources::api_key::Step::CreateApiKey { .. }))
            });
            let fix = if made_key {
                format!(
                    "fix the cause above, then run `{}`: the Bedrock API key made now never reached .env (AWS shows a key's value once), so it deletes that key, makes another and writes every file",
                    self.suggest.command("apply")
                )
            } else {
                format!(
                    "fix the cause above, then run `{}`: it writes every file from the live resources",
                    self.suggest.command("generate")
                )
            };
            Error::other(
                format!(
                    "{e}\nerror: AWS was changed ({writes} writes), and the files not written still describe the stack as it was"
                ),
                fix,
            )
        })?;
        // What waited for the files: an API key the new one in .env replaces.
        let writes = self
            .runtime
            .block_on(bedrock_aws::apply_after_files(
                &self.clients,
                plan,
                progress,
                writes,
            ))
            .map_err(|errors| Error::Apply {
                errors,
                rerun: planned.rerun.clone(),
            })?;
        Ok(ApplyReport {
            mode: plan.mode,
            changes: plan.has_changes(),
            writes,
            summary: plan.summary(),
            files: reports::file_lines(
                plan,
                &files::with_written(
                    files::notes(&self.spec, &planned.desired.files, plan.mode),
                    written,
                ),
            ),
        })
    }

    /// The stack's ARNs and names as they exist (no files read).
    pub fn outputs(&self) -> Result<bedrock_plan::StackOutputs, Error> {
        let (desired, observed) = self.observe(None)?;
        Ok(bedrock_plan::outputs(&desired, &observed))
    }

    /// Live resources and generated files against the spec.
    /// `local_files` false leaves out the files that live only where LibreChat runs and are
    /// not committed (`.env`, LibreChat's rendered policy): CI has no copy of them.
    pub fn drift(&self, local_files: bool) -> Result<DriftReport, Error> {
        let mut planned = self.plan(false)?;
        if !local_files {
            let f = &planned.desired.files;
            let local: Vec<String> = f
                .env
                .iter()
                .map(|e| &e.path)
                .chain(f.invoke.iter().map(|i| &i.path))
                .map(|p| f.out_dir.join(p).display().to_string())
                .collect();
            planned.plan.changes.retain(|c| {
                c.kind != bedrock_plan::resources::files::KIND || !local.contains(&c.name)
            });
        }
        Ok(DriftReport::new(
            planned.plan,
            self.suggest.command("apply"),
        ))
    }

    /// Write (or with `check`, compare) the generated files, `.env` from the live ARNs.
    pub fn generate(&self, check: bool) -> Result<GenerateReport, Error> {
        let (desired, observed) = self.observe(Some(Scope::Live))?;
        // Only the files matter here: a resource this stack would have to adopt is not in
        // the way of writing them.
        let plan = bedrock_plan::plan(&desired, &observed, &self.options(true, false))?;
        let unknown = files::unknown_values(&plan);
        if !unknown.is_empty() {
            // What apply has yet to make: profiles, a guardrail or its published version.
            let missing: Vec<String> = plan
                .changed()
                .filter(|c| {
                    c.kind == bedrock_plan::resources::inference_profile::KIND
                        || c.kind == bedrock_plan::resources::guardrail::KIND
                })
                .map(|c| format!("{} {}", c.kind.label, c.name))
                // A Bedrock API key is made by apply alone: its value exists once, then.
                .chain(
                    plan.changed()
                        .filter(|c| c.kind == bedrock_plan::resources::api_key::KIND)
                        .filter(|c| {
                            c.steps.iter().flat_map(|ch| &ch.steps).any(|s| {
                                matches!(
                                    s,
                                    bedrock_plan::Step::ApiKey(
                                        bedrock_plan::resources::api_key::Step::CreateApiKey { .. }
                                    )
                                )
                            })
                        })
                        .map(|c| format!("the Bedrock API key of IAM user {}", c.name)),
                )
                .collect();
            return Err(Error::other(
                format!(
                    "{} cannot be written: {} {} not exist yet, or not as the spec says",
                    unknown.join(", "),
                    missing.join(", "),
                    if missing.len() == 1 { "does" } else { "do" }
                ),
                format!(
                    "run `{}` first (`{}` writes what needs no AWS)",
                    self.suggest.command("apply"),
                    self.suggest.offline("generate --offline")
                ),
            ));
        }
        self.finish_generate(plan, &desired, check)
    }

    fn finish_generate(
        &self,
        plan: Plan,
        desired: &DesiredState,
        check: bool,
    ) -> Result<GenerateReport, Error> {
        finish_generate(
            &self.spec,
            &self.paths,
            &self.suggest,
            plan,
            desired,
            check,
            false,
        )
    }
}

/// `generate --offline`: the files the spec alone decides, without AWS.
pub fn generate_offline(
    spec: &Spec,
    paths: &Paths,
    suggest: &Suggest,
    check: bool,
) -> Result<GenerateReport, Error> {
    let account = spec.account_or_placeholder();
    let mut desired = DesiredState::new(spec, account, &[]);
    // No credentials, no account: the guard has nothing to check.
    desired.account_guard.clear();
    let desired = desired.with_files(files::desired(spec, paths, account, Scope::Offline)?);
    let observed = ObservedState {
        account_id: account.to_string(),
        files: files::observe(&desired.files)?,
        ..ObservedState::default()
    };
    let plan = bedrock_plan::plan_files(&desired, &observed)?;
    finish_generate(spec, paths, suggest, plan, &desired, check, true)
}

fn finish_generate(
    spec: &Spec,
    paths: &Paths,
    suggest: &Suggest,
    plan: Plan,
    desired: &DesiredState,
    check: bool,
    offline: bool,
) -> Result<GenerateReport, Error> {
    let written = if check {
        Default::default()
    } else {
        files::write(
            &plan,
            &bedrock_plan::Outputs::default(),
            &desired.files.out_dir,
        )?
    };
    let fix = if offline {
        suggest.offline("generate --offline")
    } else {
        suggest.command("generate")
    };
    Ok(GenerateReport {
        check,
        offline,
        files: reports::file_lines(
            &plan,
            &files::with_written(files::notes(spec, &desired.files, plan.mode), written),
        ),
        spec: paths.config.display().to_string(),
        fix,
        placeholder_account: spec.stack.account_ids.len() != 1,
    })
}

/// Whether `region` is an AWS region code, as the spec's rule has it.
pub fn is_region(region: &str) -> bool {
    bedrock_spec::rules::region(region).is_ok()
}

/// The tool's version: a saved plan must come from the same one.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Write `text` to `path` whole or not at all (a temporary file beside it, renamed).
pub fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let fail = |e: std::io::Error| {
        Error::other(
            format!("cannot write {}: {e}", path.display()),
            "check that its directory exists and is writable",
        )
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&partial, text).map_err(fail)?;
    std::fs::rename(&partial, path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        fail(e)
    })
}
