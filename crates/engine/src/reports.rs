//! The reports of plan, apply, destroy, drift and generate: each one value, serialised for
//! `--json` and displayed for people.

use bedrock_plan::resources::files;
use bedrock_plan::{Action, Change, Mode, Plan, PLAN_FORMAT_VERSION};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    Unchanged,
    Created,
    Updated,
    /// Removed: the stack no longer renders it.
    Removed,
}

/// One generated file and what became (or, checking, would become) of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileLine {
    pub path: String,
    pub state: FileState,
    /// Where its contents come from.
    pub note: String,
}

impl fmt::Display for FileLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.state {
            FileState::Unchanged => "unchanged",
            FileState::Created => "created",
            FileState::Updated => "updated",
            FileState::Removed => "removed",
        };
        write!(f, "{verb:>9}  {}  ({})", self.path, self.note)
    }
}

/// The file changes of a plan, in its order.
pub(crate) fn file_lines(plan: &Plan, notes: &BTreeMap<String, String>) -> Vec<FileLine> {
    plan.changes
        .iter()
        .filter(|c| c.kind == files::KIND)
        .map(|c| FileLine {
            path: c.name.clone(),
            state: match c.action {
                Action::Create => FileState::Created,
                Action::NoOp => FileState::Unchanged,
                Action::Delete => FileState::Removed,
                _ => FileState::Updated,
            },
            note: notes.get(&c.name).cloned().unwrap_or_default(),
        })
        .collect()
}

/// What apply (or destroy) did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyReport {
    pub mode: Mode,
    /// Whether the plan changed anything.
    pub changes: bool,
    /// AWS writes made.
    pub writes: usize,
    /// The plan's own count, the same words `plan` ended with.
    pub summary: bedrock_plan::Summary,
    pub files: Vec<FileLine>,
}

impl ApplyReport {
    /// "14 added, 1 changed, 0 replaced, 0 destroyed": the plan's count, in the past.
    fn done(&self) -> String {
        let s = &self.summary;
        format!(
            "{} added, {} changed, {} replaced, {} destroyed",
            s.add, s.change, s.replace, s.destroy
        )
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            Mode::Apply => {
                if self.changes {
                    writeln!(
                        f,
                        "\nApplied: {} ({} AWS writes).",
                        self.done(),
                        self.writes
                    )?;
                }
                for line in &self.files {
                    writeln!(f, "{line}")?;
                }
            }
            Mode::Destroy => {
                for line in self
                    .files
                    .iter()
                    .filter(|l| l.state != FileState::Unchanged)
                {
                    writeln!(f, "{line}")?;
                }
                writeln!(
                    f,
                    "\nDestroyed: {} ({} AWS writes).",
                    self.done(),
                    self.writes
                )?;
            }
        }
        Ok(())
    }
}

/// A generated file that differs from what the spec (and the live ARNs) generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDrift {
    pub path: String,
    /// `missing`, `differs`, or `no longer rendered`.
    pub state: String,
}

/// `drift`: the live resources and generated files against the spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub format_version: u32,
    pub drift: bool,
    /// Every resource that differs, with its fields.
    pub resources: Vec<Change>,
    pub files: Vec<FileDrift>,
    /// The plan that repairs it, for people.
    #[serde(skip)]
    pub plan: Plan,
    /// The command that repairs it, with the user's flags.
    #[serde(skip)]
    pub repair: String,
}

impl DriftReport {
    pub(crate) fn new(plan: Plan, repair: String) -> Self {
        let resources: Vec<Change> = plan
            .changed()
            .filter(|c| c.kind != files::KIND)
            .cloned()
            .collect();
        let files: Vec<FileDrift> = plan
            .changed()
            .filter(|c| c.kind == files::KIND)
            .map(|c| FileDrift {
                path: c.name.clone(),
                state: match c.action {
                    Action::Create => "missing".into(),
                    Action::Delete => "no longer rendered".into(),
                    _ => "differs".into(),
                },
            })
            .collect();
        DriftReport {
            format_version: PLAN_FORMAT_VERSION,
            drift: !resources.is_empty() || !files.is_empty(),
            resources,
            files,
            plan,
            repair,
        }
    }

    /// With the plan in colour (a terminal).
    pub fn render(&self, color: bool) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        if !self.drift {
            let checked = self.plan.changes.len();
            let files = self
                .plan
                .changes
                .iter()
                .filter(|c| c.kind == files::KIND)
                .count();
            let mut out = format!(
                "No drift: {} and {} match the spec.\n",
                plural(checked - files, "resource"),
                plural(files, "generated file")
            );
            // What a file keeps of the user's that the spec could set, said even so.
            for k in self.plan.kept.iter().filter(|k| k.kind == files::KIND) {
                out.push_str(&format!("kept: {}: {}\n", k.name, k.reason));
            }
            return out;
        }
        let mut out = bedrock_plan::render_plan(&self.plan, color);
        for f in &self.files {
            out.push_str(&format!("drift: {} ({})\n", f.path, f.state));
        }
        out.push_str(&format!(
            "\nDrift: {} and {} differ from the spec. `{}` repairs them.\n",
            plural(self.resources.len(), "resource"),
            plural(self.files.len(), "generated file"),
            self.repair
        ));
        out
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// `generate`: each file written (or, checking, compared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenerateReport {
    pub check: bool,
    pub offline: bool,
    pub files: Vec<FileLine>,
    /// The spec, as the user named it.
    pub spec: String,
    /// The command that brings the files up to date, with the user's flags.
    pub fix: String,
    /// The spec has no account_id: the rendered policies name the placeholder account.
    pub placeholder_account: bool,
}

impl GenerateReport {
    pub fn stale(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.state != FileState::Unchanged)
            .count()
    }
}

impl fmt::Display for GenerateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.check {
            for line in &self.files {
                writeln!(f, "{line}")?;
            }
            return Ok(());
        }
        if self.stale() == 0 {
            return writeln!(
                f,
                "{} generated files are up to date with {}",
                self.files.len(),
                self.spec
            );
        }
        let source = if self.offline {
            "what the spec generates"
        } else {
            "what the spec and the live profiles generate"
        };
        for file in self
            .files
            .iter()
            .filter(|l| l.state != FileState::Unchanged)
        {
            let why = match file.state {
                FileState::Created => "missing".to_string(),
                FileState::Removed => {
                    "no longer rendered: the spec has nothing it is for".to_string()
                }
                _ => format!("differs from {source}"),
            };
            writeln!(f, "stale: {} ({why})", file.path)?;
        }
        writeln!(
            f,
            "{} of {} generated files are out of date: run `{}`",
            self.stale(),
            self.files.len(),
            self.fix
        )
    }
}
