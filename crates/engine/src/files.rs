//! The generated files on the engine's side: what the plan should make of them (from the
//! spec, the templates and the existing files), what is on disk, and writing what a plan
//! says, every file computed before any is written, each atomically.

use crate::error::Error;
use crate::Paths;
use bedrock_generate::{GenerateError, GeneratedFile, Inputs, DOT_ENV, REGION_VARIABLE};
use bedrock_plan::resources::files::{self, EnvFile, InvokeFile};
use bedrock_plan::{Mode, Outputs, Plan, Step};
use bedrock_policy::PolicyKind;
use bedrock_spec::Spec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which generated files a plan covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What the spec alone decides: `librechat.yaml` and the rendered policies.
    Offline,
    /// Those, `.env` and LibreChat's policy from the live ARNs.
    Live,
}

/// The files the spec alone decides, rendered for the spec's account (or the placeholder):
/// they are committed, so they must not depend on whose credentials ran the tool. Without
/// `librechat.yaml` when it names a managed guardrail (`managed_yaml`): that one comes from
/// AWS.
fn fixed(spec: &Spec, paths: &Paths, managed_yaml: bool) -> Result<Vec<GeneratedFile>, Error> {
    let inputs = Inputs {
        spec,
        spec_name: &paths.spec_name,
        spec_dir: &paths.spec_dir,
        out_dir: &paths.out_dir,
        account_id: spec.account_or_placeholder(),
        guardrail: None,
    };
    if managed_yaml {
        return Ok(bedrock_generate::policy_files(&inputs)?);
    }
    Ok(bedrock_generate::offline_files(&inputs)?)
}

/// The name of the `[[guardrails]]` entry `[librechat] guardrail` names, if it names one.
fn managed_guardrail(spec: &Spec) -> Option<String> {
    match spec.librechat.guardrail.as_ref().map(|g| &g.target) {
        Some(bedrock_spec::GuardrailTarget::Managed { name }) => Some(name.clone()),
        _ => None,
    }
}

pub(crate) fn invoke_path() -> PathBuf {
    Path::new("policies").join(PolicyKind::LibreChatInvoke.rendered_file())
}

/// What the plan makes of the generated files in `scope`, for the live `account_id`.
pub(crate) fn desired(
    spec: &Spec,
    paths: &Paths,
    account_id: &str,
    scope: Scope,
) -> Result<files::Desired, Error> {
    let managed = managed_guardrail(spec).filter(|_| scope == Scope::Live);
    let mut desired = files::Desired {
        out_dir: paths.out_dir.clone(),
        fixed: fixed(spec, paths, managed.is_some())?,
        env: None,
        invoke: None,
        yaml: managed.map(|guardrail| files::YamlFile {
            path: PathBuf::from(bedrock_generate::LIBRECHAT_YAML),
            spec: Box::new(spec.clone()),
            spec_name: paths.spec_name.clone(),
            guardrail,
        }),
        stale: Vec::new(),
    };
    // The rendered policies of what the spec no longer has (a role with S3-only logging,
    // every logging policy with `managed = false`). LibreChat's is rendered from live ARNs
    // only, never from the spec alone: destroy removes it.
    desired.stale = PolicyKind::ALL
        .iter()
        .map(|k| Path::new("policies").join(k.rendered_file()))
        .filter(|p| !desired.fixed.iter().any(|f| &f.path == p))
        .collect();
    if scope == Scope::Live {
        desired.env = Some(EnvFile {
            path: PathBuf::from(DOT_ENV),
            spec_name: paths.spec_name.clone(),
            stack: spec.stack.name.clone(),
            region: (REGION_VARIABLE.to_string(), spec.stack.region.clone()),
        });
        desired.invoke = Some(InvokeFile {
            path: invoke_path(),
            template: bedrock_policy::load_template(
                &paths.spec_dir.join("policies"),
                PolicyKind::LibreChatInvoke,
            )?,
            values: bedrock_policy::Placeholders::for_spec(spec, account_id),
        });
    }
    Ok(desired)
}

/// The text on disk of every file `desired` covers.
pub(crate) fn observe(desired: &files::Desired) -> Result<files::Observed, Error> {
    let mut paths: Vec<PathBuf> = desired.fixed.iter().map(|f| f.path.clone()).collect();
    paths.extend(desired.yaml.iter().map(|y| y.path.clone()));
    paths.extend(desired.env.iter().map(|e| e.path.clone()));
    paths.extend(desired.invoke.iter().map(|i| i.path.clone()));
    paths.extend(desired.stale.iter().cloned());
    paths
        .into_iter()
        .map(|p| {
            let text = bedrock_generate::read_existing(
                &desired.out_dir.join(&p),
                "the generated files are UTF-8: re-save it as UTF-8",
            )?;
            Ok((p, text))
        })
        .collect()
}

/// Where each file's contents come from, for people, by the path a plan names it with.
pub(crate) fn notes(spec: &Spec, desired: &files::Desired, mode: Mode) -> BTreeMap<String, String> {
    let shown = |p: &Path| desired.out_dir.join(p).display().to_string();
    let mut notes: BTreeMap<String, String> = desired
        .fixed
        .iter()
        .map(|f| (shown(&f.path), f.note.clone()))
        .collect();
    if let Some(env) = &desired.env {
        let note = match mode {
            Mode::Apply => {
                let values = spec.profiles.len() + 1;
                let key = if spec.librechat.api_key.is_some() {
                    " and the Bedrock API key"
                } else {
                    ""
                };
                format!(
                    "{values} value{} from the live profiles{key}; values not shown",
                    if values == 1 { "" } else { "s" }
                )
            }
            Mode::Destroy => {
                "this region's lines taken out of the stack's block; every other line kept"
                    .to_string()
            }
        };
        notes.insert(shown(&env.path), note);
    }
    if let Some(yaml) = &desired.yaml {
        notes.insert(
            shown(&yaml.path),
            format!(
                "endpoints.bedrock from the spec, with guardrail {}'s id and published version from AWS",
                yaml.guardrail
            ),
        );
    }
    if let Some(invoke) = &desired.invoke {
        notes.insert(
            shown(&invoke.path),
            format!(
                "{}, from the live ARNs",
                PolicyKind::LibreChatInvoke.describe()
            ),
        );
    }
    notes
}

/// Testing aid, in debug builds only: wait this long between reading the files (the plan) and
/// writing them, so that two runs' windows overlap (`BEDROCK_XTASK_PAUSE_BEFORE_FILES_MS`).
#[cfg(debug_assertions)]
fn pause_before_files() {
    if let Some(ms) = std::env::var("BEDROCK_XTASK_PAUSE_BEFORE_FILES_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

#[cfg(not(debug_assertions))]
fn pause_before_files() {}

/// Write what `plan` says of the files in `dir`, with the ARNs apply made: under the
/// directory's lock, every file's text first (`.env` merged into the file as it is now, so a
/// concurrent run's lines are kept), then each written atomically. Returns what people should
/// know of a write (a link followed, a mode narrowed), by the path the plan names.
pub(crate) fn write(
    plan: &Plan,
    outputs: &Outputs,
    dir: &Path,
) -> Result<BTreeMap<String, String>, Error> {
    pause_before_files();
    let project = bedrock_files::Project::of(dir);
    let notes = bedrock_files::with_directory_lock(dir, || {
        let mut texts = Vec::new();
        let mut removed = Vec::new();
        for chain in plan.changes.iter().flat_map(|c| &c.steps) {
            for step in &chain.steps {
                if let Step::File(files::Step::RemoveFile { path }) = step {
                    removed.push(path.clone());
                    continue;
                }
                let Step::File(files::Step::WriteFile {
                    path,
                    contents,
                    mode,
                    private,
                }) = step
                else {
                    continue;
                };
                let contents = if contents.is_merged() {
                    contents.over(bedrock_generate::read_existing(
                        path,
                        "the generated files are UTF-8: re-save it as UTF-8",
                    )?)
                } else {
                    (**contents).clone()
                };
                let text = contents.resolve(outputs).map_err(|e| GenerateError {
                    path: path.clone(),
                    message: format!("{e}; no file was written"),
                    help: "fix the file and run the command again: it continues from what was done"
                        .into(),
                })?;
                texts.push((path.clone(), text, *mode, *private));
            }
        }
        let mut notes = BTreeMap::new();
        let all: Vec<String> = texts
            .iter()
            .map(|(p, ..)| p.display().to_string())
            .collect();
        for (i, (path, text, mode, private)) in texts.into_iter().enumerate() {
            match bedrock_files::write_atomic(&path, text.as_bytes(), mode, private, &project) {
                Ok(Some(note)) => {
                    notes.insert(path.display().to_string(), note);
                }
                Ok(None) => {}
                Err(mut e) => {
                    // Which files are new and which are as they were.
                    let list = |l: &[String]| {
                        if l.is_empty() {
                            "none".to_string()
                        } else {
                            l.join(", ")
                        }
                    };
                    e.message = format!(
                        "{}; written: {}; not written (as they were): {}",
                        e.message,
                        list(&all[..i]),
                        list(&all[i..])
                    );
                    return Err(e);
                }
            }
        }
        // Then what no longer says what the stack is (gone already is as good).
        for path in removed {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(GenerateError {
                        path: path.clone(),
                        message: format!("cannot be removed ({e}); every other file was written"),
                        help: "remove it by hand: the stack no longer renders it".into(),
                    })
                }
            }
        }
        Ok(notes)
    })?;
    Ok(notes)
}

/// Before any AWS write: every file the plan writes can be written there (its directory
/// exists or can be made, and takes a new file; an existing file, or the file a link points
/// at, can be replaced). A file that cannot stops the apply with nothing changed.
pub(crate) fn check_writable(plan: &Plan, out_dir: &Path) -> Result<(), Error> {
    let project = bedrock_files::Project::of(out_dir);
    let mut problems = Vec::new();
    for chain in plan.changes.iter().flat_map(|c| &c.steps) {
        for step in &chain.steps {
            let Step::File(files::Step::WriteFile { path, .. }) = step else {
                continue;
            };
            if let Err(e) = bedrock_files::check_writable(path, &project) {
                problems.push(e.to_string());
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::other(
        format!(
            "{}; nothing was changed, in AWS or on disk",
            problems.join("\nerror: ")
        ),
        "make the files' directory writable (or choose another with --out), then run the command again",
    ))
}

/// The notes of the files, with what their writes told.
pub(crate) fn with_written(
    mut notes: BTreeMap<String, String>,
    written: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    for (path, extra) in written {
        let note = notes.entry(path).or_default();
        *note = if note.is_empty() {
            extra
        } else {
            format!("{note}; {extra}")
        };
    }
    notes
}

/// The files of a plan that name an ARN still to be made.
pub(crate) fn unknown_values(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .flat_map(|c| c.steps.iter().flat_map(|ch| &ch.steps))
        .filter_map(|s| match s {
            Step::File(files::Step::WriteFile { path, contents, .. }) if !contents.is_known() => {
                Some(path.display().to_string())
            }
            _ => None,
        })
        .collect()
}
