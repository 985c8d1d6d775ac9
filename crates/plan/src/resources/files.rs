//! The generated files as resources of the plan: `librechat.yaml` and the rendered policies
//! (from the spec alone), `.env` (LibreChat's region and each profile's ARN) and LibreChat's
//! policy (from the live ARNs). A plan shows what apply will change in them, line by line,
//! with `.env` values masked: names shown, values never. The files are written after every
//! AWS step, since they name what those steps make.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::plan::Planner;
use crate::refs::{ArnRef, Outputs};
use crate::registry::KindPlanner;
use crate::resources::{inference_profile, runtime_policy::InvokePolicy};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const KIND: Kind = Kind {
    id: "file",
    label: "file",
    spec_key: "--out",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs: crate::outputs::none,
};

/// What a masked `.env` value reads as.
pub const HIDDEN: &str = "(value hidden)";

/// A file whose contents are known when the plan is made (librechat.yaml, the rendered
/// policies).
pub use bedrock_generate::GeneratedFile as Generated;

/// `.env`: the managed lines, merged into the user's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFile {
    pub path: PathBuf,
    /// The spec file's name, for the header of the managed lines.
    pub spec_name: String,
    /// The stack whose block of lines it is.
    pub stack: String,
    /// LibreChat's region variable and its value.
    pub region: (String, String),
}

/// LibreChat's policy, rendered into a file from the live ARNs.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeFile {
    pub path: PathBuf,
    pub template: bedrock_policy::Template,
    pub values: bedrock_policy::Placeholders,
}

/// `librechat.yaml` when `[librechat] guardrail` names one of `[[guardrails]]`: the file
/// holds that guardrail's id and published version, known from AWS now or once apply has
/// made them.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlFile {
    pub path: PathBuf,
    pub spec: Box<bedrock_spec::Spec>,
    pub spec_name: String,
    /// The guardrail's name in `[[guardrails]]`.
    pub guardrail: String,
}

/// The generated files a plan covers (none unless the engine asks for them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Desired {
    /// Where the files are: shown joined to each path.
    pub out_dir: PathBuf,
    pub fixed: Vec<Generated>,
    pub env: Option<EnvFile>,
    pub invoke: Option<InvokeFile>,
    pub yaml: Option<YamlFile>,
    /// Files this tool renders for other specs but not for this one (a rendered policy of a
    /// role or bucket the spec no longer has), by path: removed where they exist, so no file
    /// on disk says more than the stack is.
    pub stale: Vec<PathBuf>,
}

/// Each file's text on disk, by path relative to the output directory (None: no file).
pub type Observed = BTreeMap<PathBuf, Option<String>>;

/// A value of a `.env` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Text(String),
    Arn(ArnRef),
    /// The value the block holds now (a Bedrock API key, whose secret AWS never shows
    /// again): read from the file when it is written, never kept in the plan.
    Kept,
    /// A Bedrock API key apply makes (its value recorded under this reference).
    NewKey(ArnRef),
}

/// What a file will hold: known now, or once apply has made what it names.
#[derive(Debug, Clone, PartialEq)]
pub enum Contents {
    Text(String),
    Env {
        existing: Option<String>,
        /// The block's lines; none takes the block out (destroy).
        values: Vec<(String, EnvValue)>,
        stack: String,
        spec_name: String,
        /// The file as errors name it.
        shown_path: String,
    },
    Policy(InvokePolicy),
    /// `librechat.yaml` with a managed guardrail's ARN and published version.
    LibreChat {
        existing: Option<String>,
        spec: Box<bedrock_spec::Spec>,
        spec_name: String,
        guardrail: (ArnRef, ArnRef),
        shown_path: String,
    },
}

impl Contents {
    /// The text, with each ARN as `arn` gives it.
    fn text(&self, arn: &dyn Fn(&ArnRef) -> Result<String, String>) -> Result<String, String> {
        match self {
            Contents::Text(t) => Ok(t.clone()),
            Contents::Env {
                existing,
                values,
                stack,
                spec_name,
                shown_path,
            } => {
                let values = values
                    .iter()
                    .map(|(name, v)| {
                        let value = match v {
                            EnvValue::Text(t) => t.clone(),
                            EnvValue::Arn(r) => arn(r)?,
                            EnvValue::Kept => existing
                                .as_deref()
                                .and_then(|text| {
                                    bedrock_generate::block_values(text, stack)
                                        .into_iter()
                                        .find(|(n, _)| n == name)
                                        .map(|(_, v)| v)
                                        // Moved out of the block: the user's line holds it.
                                        .or_else(|| {
                                            bedrock_generate::value_of(text, name)
                                                .map(str::to_string)
                                        })
                                })
                                .ok_or_else(|| format!("{name} left this tool's block since the plan was made: run apply again, and it makes a new key"))?,
                            // The key's value, then (after a newline) its comment.
                            EnvValue::NewKey(r) => match arn(r)? {
                                shown if shown.starts_with("(known after apply") => {
                                    "(known after apply: a new Bedrock API key)".to_string()
                                }
                                made => {
                                    let (value, comment) =
                                        made.split_once('\n').unwrap_or((&made, ""));
                                    if name == "#" { comment } else { value }.to_string()
                                }
                            },
                        };
                        Ok((name.clone(), value))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                bedrock_generate::merge_env(
                    existing.as_deref(),
                    &values,
                    stack,
                    spec_name,
                    shown_path,
                )
            }
            Contents::Policy(p) => Ok(p.render_by(arn)?.to_canonical_json()),
            Contents::LibreChat {
                existing,
                spec,
                spec_name,
                guardrail,
                shown_path,
            } => {
                let guardrail_arn = arn(&guardrail.0)?;
                // LibreChat's guardrailIdentifier takes the id, the ARN's last part.
                let shown_id = guardrail_arn.replacen("the ARN of", "the id of", 1);
                let id = guardrail_arn
                    .rsplit_once(":guardrail/")
                    .map_or(shown_id.as_str(), |(_, id)| id);
                let version = arn(&guardrail.1)?;
                bedrock_generate::librechat_file(
                    existing.as_deref(),
                    spec,
                    spec_name,
                    Some((id, &version)),
                    Path::new(shown_path),
                )
                .map(|f| f.contents)
                .map_err(|e| format!("{}: {}", e.message, e.help))
            }
        }
    }

    /// Whether the contents are merged into the file as it is (`.env`): the writer reads the
    /// file again, under the directory's lock, and merges into that (`over`).
    pub fn is_merged(&self) -> bool {
        matches!(self, Contents::Env { .. })
    }

    /// The same contents over the file as it is now.
    pub fn over(&self, current: Option<String>) -> Contents {
        match self {
            Contents::Env {
                values,
                stack,
                spec_name,
                shown_path,
                ..
            } => Contents::Env {
                existing: current,
                values: values.clone(),
                stack: stack.clone(),
                spec_name: spec_name.clone(),
                shown_path: shown_path.clone(),
            },
            other => other.clone(),
        }
    }

    /// The text to write, with the ARNs apply made.
    pub fn resolve(&self, outputs: &Outputs) -> Result<String, String> {
        self.text(&|r| outputs.resolve(r).map_err(|e| e.to_string()))
    }

    /// The text as a plan shows it: what is not known yet named for what it will be.
    fn shown(&self) -> Result<String, String> {
        self.text(&|r| Ok(r.shown()))
    }

    /// Whether everything in it is known now.
    pub fn is_known(&self) -> bool {
        match self {
            Contents::Text(_) => true,
            Contents::Env { values, .. } => values.iter().all(|(_, v)| {
                !matches!(
                    v,
                    EnvValue::Arn(ArnRef::Created { .. }) | EnvValue::NewKey(_)
                )
            }),
            Contents::Policy(p) => p.is_known(),
            Contents::LibreChat { guardrail, .. } => {
                !matches!(guardrail.0, ArnRef::Created { .. })
                    && !matches!(guardrail.1, ArnRef::Created { .. })
            }
        }
    }

    fn masked(&self) -> bool {
        matches!(self, Contents::Env { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    WriteFile {
        /// The output directory joined with the file's path.
        path: PathBuf,
        #[serde(skip)]
        contents: Box<Contents>,
        mode: u32,
        private: bool,
    },
    /// A file this tool rendered that no longer says what the stack is.
    RemoveFile {
        /// The output directory joined with the file's path.
        path: PathBuf,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::WriteFile { path, .. } => format!("write {}", path.display()),
            Step::RemoveFile { path } => format!("remove {}", path.display()),
        }
    }
}

/// A line diff of two texts; with `mask`, an assignment's value is hidden unless it is an
/// ARN or a region (or known only after apply, which it says).
pub fn diff_lines(before: &str, after: &str, mask: bool) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(before, after);
    diff.iter_all_changes()
        .filter_map(|change| {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => return None,
            };
            let line = change.value().trim_end_matches(['\n', '\r']);
            let line = if mask {
                mask_line(line)
            } else {
                line.to_string()
            };
            // An empty line is the sign alone: no trailing space in the plan.
            Some(format!("{sign} {line}").trim_end().to_string())
        })
        .collect()
}

/// `NAME=value` as `NAME=(value hidden)` unless the value is one this tool writes and nobody
/// keeps secret (an ARN, a region, a value known after apply); other lines as they are.
fn mask_line(line: &str) -> String {
    match bedrock_generate::assigned_name(line) {
        Some(_) => {
            let (name, value) = line.split_once('=').unwrap_or((line, ""));
            if value.starts_with("(known after apply") || not_secret(value) {
                line.to_string()
            } else {
                format!("{name}={HIDDEN}")
            }
        }
        None => line.to_string(),
    }
}

/// An ARN (`arn:PARTITION:SERVICE:...`, what `outputs` prints too) or a region code
/// (`us-east-1`, `us-gov-west-1`): what the tool's `.env` lines hold, and no secret.
fn not_secret(value: &str) -> bool {
    let arn = value.starts_with("arn:")
        && value.split(':').count() >= 6
        && !value.contains(char::is_whitespace);
    let parts: Vec<&str> = value.split('-').collect();
    let region = (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    arn || region
}

fn plan_file(pl: &mut Planner, path: &Path, contents: Contents, mode: u32, private: bool) {
    let out = pl.desired.files.out_dir.join(path);
    let name = out.display().to_string();
    let shown = match contents.shown() {
        Ok(s) => s,
        Err(e) => {
            // The merge names the file itself.
            if e.starts_with(&format!("{name}:")) {
                pl.problems.push(e);
            } else {
                pl.problems.push(format!("{name}: {e}"));
            }
            return;
        }
    };
    let current = pl.observed.files.get(path).cloned().flatten();
    if contents.is_known() && current.as_deref() == Some(shown.as_str()) {
        pl.push(KIND, &name, Action::NoOp, "as generated", vec![], vec![]);
        return;
    }
    let (action, reason, diff) = match &current {
        // A new file shows what it will hold, line by line (masked as any .env diff is).
        None => (
            Action::Create,
            "does not exist",
            FieldDiff {
                lines: diff_lines("", &shown, contents.masked()),
                ..FieldDiff::new("contents", Value::Null, Value::Null)
            },
        ),
        Some(before) => (
            Action::Update,
            "differs from what the spec and the live resources generate",
            FieldDiff {
                lines: diff_lines(before, &shown, contents.masked()),
                ..FieldDiff::new("contents", Value::Null, Value::Null)
            },
        ),
    };
    let step = Step::WriteFile {
        path: out,
        contents: Box::new(contents),
        mode,
        private,
    };
    pl.push(
        KIND,
        &name,
        action,
        reason,
        vec![diff],
        vec![Chain::one(Phase::Files, step)],
    );
}

/// Remove `path` when it exists: the stack no longer renders it (`why`).
fn remove_file(pl: &mut Planner, path: &Path, why: &str) {
    let Some(Some(text)) = pl.observed.files.get(path).cloned() else {
        return;
    };
    let out = pl.desired.files.out_dir.join(path);
    let name = out.display().to_string();
    pl.push(
        KIND,
        &name,
        Action::Delete,
        why,
        vec![FieldDiff::new(
            "contents",
            json!(format!("{} lines", text.lines().count())),
            Value::Null,
        )],
        vec![Chain::one(Phase::Files, Step::RemoveFile { path: out })],
    );
}

fn env_contents(pl: &Planner, env: &EnvFile, set: bool) -> Contents {
    let mut values = Vec::new();
    if set {
        values.push((env.region.0.clone(), EnvValue::Text(env.region.1.clone())));
        for (p, arn) in inference_profile::arns_after(pl) {
            if let Some(arn) = arn {
                values.push((p.env.clone(), EnvValue::Arn(arn)));
            }
        }
        values.extend(crate::resources::api_key::env_lines(pl));
    }
    Contents::Env {
        existing: pl.observed.files.get(&env.path).cloned().flatten(),
        values,
        stack: env.stack.clone(),
        spec_name: env.spec_name.clone(),
        shown_path: pl
            .desired
            .files
            .out_dir
            .join(&env.path)
            .display()
            .to_string(),
    }
}

fn plan(pl: &mut Planner) {
    let files = pl.desired.files.clone();
    for f in &files.fixed {
        let contents = Contents::Text(f.contents.clone());
        plan_file(pl, &f.path, contents, f.mode, f.private);
        if let Some(kept) = &f.kept {
            let name = pl.desired.files.out_dir.join(&f.path).display().to_string();
            pl.keep(KIND, &name, kept.clone());
        }
    }
    if let Some(env) = &files.env {
        let contents = env_contents(pl, env, true);
        // .env sits beside the user's secrets: only its owner reads it.
        plan_file(pl, &env.path, contents, 0o600, true);
    }
    if let Some(yaml) = &files.yaml {
        match crate::resources::guardrail::after(pl, &yaml.guardrail) {
            Some(refs) => {
                let shown_path = pl
                    .desired
                    .files
                    .out_dir
                    .join(&yaml.path)
                    .display()
                    .to_string();
                let existing = pl.observed.files.get(&yaml.path).cloned().flatten();
                // What of the user's the file keeps does not depend on the guardrail's values.
                let kept = bedrock_generate::librechat_file(
                    existing.as_deref(),
                    &yaml.spec,
                    &yaml.spec_name,
                    Some(("id", "1")),
                    Path::new(&shown_path),
                )
                .ok()
                .and_then(|f| f.kept);
                let contents = Contents::LibreChat {
                    existing,
                    spec: yaml.spec.clone(),
                    spec_name: yaml.spec_name.clone(),
                    guardrail: refs,
                    shown_path: shown_path.clone(),
                };
                plan_file(pl, &yaml.path, contents, 0o644, false);
                if let Some(kept) = kept {
                    pl.keep(KIND, &shown_path, kept);
                }
            }
            None => pl.problems.push(format!(
                "[librechat] guardrail names {:?}, which neither exists nor is planned",
                yaml.guardrail
            )),
        }
    }
    if let Some(invoke) = &files.invoke {
        if let Some(mut policy) =
            crate::resources::runtime_policy::invoke_policy(pl, &invoke.template, &invoke.values)
        {
            // With an API key and no role, the policy is the key user's.
            policy.bearer = pl.desired.runtime.is_none() && pl.desired.api_key.is_some();
            plan_file(pl, &invoke.path, Contents::Policy(policy), 0o644, false);
        }
    }
    for path in &files.stale {
        remove_file(
            pl,
            path,
            "no longer rendered: the spec has nothing this policy is for",
        );
    }
}

/// Destroy takes out of the stack's `.env` block what named this region: its profiles' ARNs
/// (they are deleted) and its region; lines of another region (the block of a stack applied
/// there from this directory) stay. An empty block goes. LibreChat's rendered policy, which
/// names the deleted profiles, is removed; every other line and file stays (they follow the
/// spec, which is still there).
fn destroy(pl: &mut Planner) {
    if let Some(invoke) = pl.desired.files.invoke.clone() {
        remove_file(
            pl,
            &invoke.path,
            "names the profiles destroy deletes; `apply` renders it again",
        );
    }
    let Some(env) = pl.desired.files.env.clone() else {
        return;
    };
    let Some(Some(text)) = pl.observed.files.get(&env.path).cloned() else {
        return;
    };
    if !bedrock_generate::has_block(&text, &env.stack) {
        return;
    }
    let here = format!(
        "arn:{}:bedrock:{}:",
        pl.desired.role.arn.split(':').nth(1).unwrap_or("aws"),
        pl.desired.region
    );
    let kept: Vec<(String, EnvValue)> = bedrock_generate::block_values(&text, &env.stack)
        .into_iter()
        .filter(|(name, value)| {
            !(value.starts_with(&here) || (*name == env.region.0 && *value == env.region.1))
        })
        // The API key goes with its user (kept while another region's stack holds it).
        .filter(|(name, _)| {
            name != crate::resources::api_key::keys::VARIABLE
                || crate::resources::api_key::destroy_keeps_user(pl)
        })
        .map(|(name, value)| (name, EnvValue::Text(value)))
        .collect();
    let mut contents = env_contents(pl, &env, false);
    if let Contents::Env { values, .. } = &mut contents {
        *values = kept;
    }
    plan_file(pl, &env.path, contents, 0o600, true);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_env_diff_shows_arns_and_the_region_and_hides_any_other_value() {
        let before = "BEDROCK_AWS_DEFAULT_REGION=us-east-1\nA=arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/x\n";
        let after = "BEDROCK_AWS_DEFAULT_REGION=us-gov-west-1\nA=arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/y\nBEDROCK_AWS_BEARER_TOKEN=ABSKQmVkcm9ja0FQSUtleS1\nNOTE=us-east\n";
        let lines = diff_lines(before, after, true);
        assert_eq!(
            lines,
            [
                "- BEDROCK_AWS_DEFAULT_REGION=us-east-1",
                "- A=arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/x",
                "+ BEDROCK_AWS_DEFAULT_REGION=us-gov-west-1",
                "+ A=arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/y",
                "+ BEDROCK_AWS_BEARER_TOKEN=(value hidden)",
                "+ NOTE=(value hidden)",
            ]
        );
    }
}
