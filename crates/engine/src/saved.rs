//! Applying a reviewed plan: the plan is computed again, and carried out only when it is the
//! one that was saved (see `bedrock_plan::Fingerprint`); where `plan --save` may write (never
//! over the spec, a file the tool reads or writes, or anything that is not a saved plan),
//! writing it sealed, and reading it back.

use crate::accounts::Ran;
use crate::{Console, Error, Planned, Stack, StackOptions};
use bedrock_plan::{Mode, SavedPlan};
use std::path::Path;

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

/// A reviewed plan to save (`plan --save FILE`): the flags it is made with.
pub struct SaveRequest<'a> {
    pub options: &'a StackOptions,
    pub mode: Mode,
    pub adopt: bool,
    pub delete_data: bool,
}

impl SaveRequest<'_> {
    /// Where `--save` may write: a new file, or a saved plan of this stack. One of the same
    /// kind (mode, flags, --out, tool version) is returned: the accounts planned now replace
    /// theirs and the others stay, so accounts can be planned a few at a time into one file.
    /// Never a file this tool reads or writes (the spec, `.env`, `librechat.yaml`, the
    /// policies), nor one that is not a saved plan. Checked before any AWS call.
    pub fn check_target(
        &self,
        console: &dyn Console,
        file: &Path,
        stack: &str,
    ) -> Result<Option<SavedPlan>, Error> {
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
        if same(file, &self.options.config) {
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
        if existing.takes(&self.empty(stack)?) {
            return Ok(Some(existing));
        }
        console.note(&format!(
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
    fn empty(&self, stack: &str) -> Result<SavedPlan, Error> {
        Ok(SavedPlan::new(
            stack,
            crate::TOOL_VERSION,
            self.mode,
            (self.adopt, self.delete_data),
            (
                &self.options.out_as_given(),
                &canonical_dir(&self.options.paths().out_dir),
            ),
        )
        .at(&self.options.place.target()?))
    }

    /// Write every account's plan to `file` (beside the other accounts of `existing`), whole
    /// or not at all; nothing when one failed.
    pub fn write(
        &self,
        console: &dyn Console,
        stack: &str,
        file: &Path,
        existing: Option<SavedPlan>,
        results: &[Ran<Planned>],
    ) -> Result<(), Error> {
        let kept = existing.as_ref().map_or(0, |e| e.accounts.len());
        let mut saved = match existing {
            Some(e) => e,
            None => self.empty(stack)?,
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
        crate::write_atomically(file, &text)?;
        if kept > 0 && saved.accounts.len() > 1 {
            console.note(&format!(
                "{} holds the plans of {} accounts: those planned now replaced theirs, the others were kept",
                file.display(),
                saved.accounts.len()
            ));
        }
        let apply = self
            .options
            .suggest()
            .command(&format!("apply --plan {}", file.display()));
        console.note(&format!(
            "saved the plan to {}: `{apply}` carries out exactly this plan (and refuses once the spec or AWS no longer match it)",
            file.display()
        ));
        Ok(())
    }
}

/// The saved plan `apply --plan FILE` carries out, refused when it is not one, or another
/// stack's, another version's, planned against another endpoint, or made for another output
/// directory.
pub fn read_saved(file: &Path, stack: &str, options: &StackOptions) -> Result<SavedPlan, Error> {
    let out_dir = canonical_dir(&options.paths().out_dir);
    read_saved_as(
        file,
        stack,
        (&options.out_as_given(), &out_dir),
        &options.place.target()?,
    )
}

/// A saved plan of any stack, for `show FILE`: read, not checked against a spec.
pub fn read_any(file: &Path) -> Result<SavedPlan, Error> {
    let shown = file.display().to_string();
    let text = read_plan_text(file)?;
    SavedPlan::parse_any(&text, &shown, crate::TOOL_VERSION).map_err(|message| {
        Error::other(
            message,
            "name a file `plan --save FILE` wrote with this version of the tool",
        )
    })
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
pub fn read_plan_text(file: &Path) -> Result<String, Error> {
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
fn read_saved_as(
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
    let saved = SavedPlan::parse(&text, &shown, crate::TOOL_VERSION, stack).map_err(|message| {
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
