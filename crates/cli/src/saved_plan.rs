//! Reviewed plans on disk: where `plan --save` may write (never over the spec, a file the
//! tool reads or writes, or anything that is not a saved plan), writing it sealed, and
//! reading it back for `apply --plan`.

use crate::accounts;
use crate::output::note;
use crate::stack::{PlanArgs, TOOL_VERSION};
use bedrock_engine::{Error, Planned};
use bedrock_plan::{Mode, SavedPlan};
use std::path::Path;

impl PlanArgs {
    pub(crate) fn mode(&self) -> Mode {
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
    pub(crate) fn save_target(&self, file: &Path, stack: &str) -> Result<Option<SavedPlan>, Error> {
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
        if existing.takes(&self.new_saved_plan(stack)?) {
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

    /// An empty saved plan of `stack` as these flags make it.
    fn new_saved_plan(&self, stack: &str) -> Result<SavedPlan, Error> {
        Ok(SavedPlan::new(
            stack,
            TOOL_VERSION,
            self.mode(),
            (self.adopt, self.delete_data),
            (&self.out(), &canonical_dir(&self.stack.paths().out_dir)),
        )
        .at(&self.stack.target()?))
    }

    /// `--out` as given (empty: the spec's directory), as a saved plan records it.
    pub(crate) fn out(&self) -> String {
        self.stack
            .out
            .as_ref()
            .map(|o| o.display().to_string())
            .unwrap_or_default()
    }

    /// Write every account's plan to `file` (beside the other accounts of `existing`), whole
    /// or not at all; nothing when one failed.
    pub(crate) fn save_plan(
        &self,
        stack: &str,
        file: &Path,
        existing: Option<SavedPlan>,
        results: &[accounts::Ran<Planned>],
    ) -> Result<(), Error> {
        let kept = existing.as_ref().map_or(0, |e| e.accounts.len());
        let mut saved = match existing {
            Some(e) => e,
            None => self.new_saved_plan(stack)?,
        };
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

/// The text of a saved plan file, or why there is none.
pub(crate) fn read_plan_text(file: &Path) -> Result<String, Error> {
    let shown = file.display().to_string();
    match read_plan_file(file) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => Err(Error::other(
            format!("there is no saved plan {shown}"),
            "name the file `plan --save FILE` wrote",
        )),
        Err(why) => Err(Error::other(
            format!("the saved plan {shown} {why}"),
            "name the file `plan --save FILE` wrote",
        )),
    }
}

/// Read a saved plan, refusing what is not one (or another stack's, or another version's,
/// or one made for another output directory: `out_dir` is this apply's, as
/// [`canonical_dir`] gives it, and `out` its `--out` as given, for the messages).
pub(crate) fn read_saved(
    file: &Path,
    stack: &str,
    (out, out_dir): (&str, &str),
    target: &str,
) -> Result<SavedPlan, Error> {
    let shown = file.display().to_string();
    let text = read_plan_text(file).map_err(|e| match e {
        Error::Other { message, help } => Error::Other {
            message: format!("{message}; nothing was changed"),
            help,
        },
        other => other,
    })?;
    let saved = SavedPlan::parse(&text, &shown, TOOL_VERSION, stack).map_err(|message| {
        Error::other(
            format!("{message}; nothing was changed"),
            "save a plan with this tool and this spec (`plan --save FILE`), review it, then `apply --plan FILE`",
        )
    })?;
    if saved.endpoint != target {
        let place = |e: &str| {
            if e == bedrock_plan::AWS_ENDPOINT {
                "AWS (the standard credential chain)".to_string()
            } else {
                format!("the endpoint {e}")
            }
        };
        return Err(Error::other(
            format!(
                "{shown} was planned against {}, and this apply would go to {}: a plan is applied only where it was planned; nothing was changed",
                place(&saved.endpoint),
                place(target)
            ),
            "apply it with the flags it was planned with (`--local` for the embedded emulator, `--endpoint-url URL`, or neither for AWS), or plan again here",
        ));
    }
    if saved.out_dir != out_dir {
        let flag = |o: &str, dir: &str| {
            if o.is_empty() {
                format!("without --out (files in {dir})")
            } else {
                format!("with --out {o} (files in {dir})")
            }
        };
        return Err(Error::other(
            format!(
                "{shown} was planned {}, and this apply runs {}: its generated files are elsewhere; nothing was changed",
                flag(&saved.out, &saved.out_dir),
                flag(out, out_dir)
            ),
            format!(
                "run apply from where the plan was made, or with --out {}",
                saved.out_dir
            ),
        ));
    }
    Ok(saved)
}

/// A directory as a saved plan records it: absolute and canonical (a directory still to make
/// is its nearest existing ancestor's canonical path with the rest joined), so that `--out o`
/// from two directories, or `--out .` and no `--out`, compare as what they are.
pub fn canonical_dir(dir: &std::path::Path) -> String {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(dir)
    };
    let mut existing = absolute.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out.display().to_string()
}
