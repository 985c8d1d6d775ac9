//! Reviewed plans: `plan --save FILE` writes a plan with a fingerprint of what it was
//! computed from; `apply --plan FILE` computes the plan again, and carries it out only when
//! the fingerprints match, naming what changed otherwise.
//!
//! The fingerprint covers the spec file, every policy template (built-in ones too: another
//! tool version may render differently), the generated files on disk, and each change of the
//! plan (its action, reason, field differences and calls: the live state the plan acts on).
//! Live state that changes no step of the plan (another stack's profile, say) does not make a
//! saved plan stale: what would be carried out is still exactly what was reviewed.

use crate::plan::{Mode, Plan, Summary};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// What the file says it is, so that any other JSON is refused for what it is.
pub const SAVED_FORMAT: &str = "librechat-bedrock saved plan";
/// The layout of the file; another layout is refused.
/// 2: the plan records its output directory as a canonical absolute path, and its fingerprint
/// covers what it keeps; unknown and duplicate keys are refused. 3: where the calls went
/// (`endpoint`). 4: each account's plan also as `plan` prints it (`shown`), for `show`.
pub const SAVED_FORMAT_VERSION: u32 = 4;

/// A saved plan's `endpoint` when its calls went to AWS itself.
pub const AWS_ENDPOINT: &str = "aws";

/// The lowercase hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a plan was computed from, part by part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// The spec file's bytes.
    pub spec: String,
    /// Each policy template's text, by file name.
    pub templates: BTreeMap<String, String>,
    /// Each generated file as it is on disk (`absent` when it is not there), by path.
    pub files: BTreeMap<String, String>,
    /// Each change of the plan, by `kind name` (the kind as JSON names it).
    pub changes: BTreeMap<String, String>,
    /// This stack in other regions: what the plan found and does there.
    pub other_regions: String,
    /// What the plan leaves in place on purpose, and why.
    pub kept: String,
}

impl Fingerprint {
    /// `spec` is the spec file's bytes, `templates` (file name, text), `files` the generated
    /// files as read from disk.
    pub fn new(
        spec: &[u8],
        templates: &[(String, String)],
        files: &BTreeMap<PathBuf, Option<String>>,
        plan: &Plan,
    ) -> Self {
        Fingerprint {
            spec: digest(spec),
            templates: templates
                .iter()
                .map(|(name, text)| (name.clone(), digest(text.as_bytes())))
                .collect(),
            files: files
                .iter()
                .map(|(path, text)| {
                    let state = text
                        .as_ref()
                        .map_or_else(|| "absent".to_string(), |t| digest(t.as_bytes()));
                    (path.display().to_string(), state)
                })
                .collect(),
            changes: plan
                .changes
                .iter()
                .map(|c| (format!("{} {}", c.kind.id, c.name), json_digest(c)))
                .collect(),
            other_regions: json_digest(&plan.other_regions),
            kept: json_digest(&plan.kept),
        }
    }

    /// What differs from `saved` (this one being now), one line each, as people read it.
    pub fn differences(&self, saved: &Fingerprint, spec_name: &str) -> Vec<String> {
        let mut lines = Vec::new();
        if self.spec != saved.spec {
            lines.push(format!("the spec {spec_name} changed"));
        }
        lines.extend(
            changed_keys(&saved.templates, &self.templates)
                .map(|(name, how)| format!("the policy template {name} {how}")),
        );
        lines.extend(
            changed_keys(&saved.files, &self.files)
                .map(|(path, how)| format!("the generated file {path} {how}")),
        );
        for (key, how) in changed_keys(&saved.changes, &self.changes) {
            let (kind, name) = key.split_once(' ').unwrap_or((key, ""));
            let file = kind == crate::resources::files::KIND.id;
            let how = match how {
                "appeared" => "is now in the plan",
                "disappeared" => "is no longer in the plan",
                _ if file => "is planned differently now (the file on disk or the spec changed)",
                _ => "is planned differently now (the live resource or the spec changed)",
            };
            lines.push(format!("{} {name} {how}", label(kind)));
        }
        if self.other_regions != saved.other_regions {
            lines.push("this stack in other regions changed".to_string());
        }
        lines
    }
}

/// The kind as people read it (`log group`), from its JSON name.
fn label(id: &str) -> &str {
    crate::registry::KINDS
        .iter()
        .map(|k| &k.kind)
        .chain([&crate::resources::files::KIND])
        .find(|k| k.id == id)
        .map_or(id, |k| k.label)
}

/// The keys whose values differ between `before` and `after`, with how.
fn changed_keys<'a>(
    before: &'a BTreeMap<String, String>,
    after: &'a BTreeMap<String, String>,
) -> impl Iterator<Item = (&'a str, &'static str)> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter().filter_map(move |k| {
        let how = match (before.get(k), after.get(k)) {
            (Some(a), Some(b)) if a == b => return None,
            (Some(a), Some(b)) if a == "absent" && b != "absent" => "appeared",
            (Some(a), Some(b)) if a != "absent" && b == "absent" => "disappeared",
            (Some(_), Some(_)) => "changed",
            (None, Some(_)) => "appeared",
            (Some(_), None) => "disappeared",
            (None, None) => return None,
        };
        Some((k.as_str(), how))
    })
}

/// A saved plan: what it is, what made it, and, per account, the plan with its fingerprint.
///
/// Its `integrity` is a SHA-256 of the rest: it catches accidents (a file edited by hand, a
/// plan of something else) and, with the fingerprints, a plan gone stale. It is not a
/// signature: anyone can recompute it. So nothing `apply --plan` acts on or shows is taken
/// from the file on trust: what it applies is planned anew and must match the fingerprints,
/// and what it shows (each account's plan, summary, kept list) is checked against them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPlan {
    pub format: String,
    pub format_version: u32,
    /// The version of the tool that saved it: another version may plan differently.
    pub tool_version: String,
    pub stack: String,
    /// `apply` or `destroy`.
    pub mode: String,
    pub adopt: bool,
    pub delete_data: bool,
    /// Where the generated files were (`--out` as given; empty: the spec's directory).
    pub out: String,
    /// The same directory, absolute and canonical: what is compared.
    pub out_dir: String,
    /// Where the plan's calls went: `aws` (the standard chain), or the endpoint's URL (the
    /// embedded emulator's with `--local`, `--endpoint-url`, `AWS_ENDPOINT_URL`). A plan is
    /// applied only where it was planned.
    pub endpoint: String,
    pub accounts: Vec<SavedAccount>,
    /// The digest of everything else in the file, as saved: any edit to it shows.
    pub integrity: String,
}

/// One account's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedAccount {
    pub account_id: String,
    pub region: String,
    pub fingerprint: Fingerprint,
    pub summary: SavedSummary,
    /// The plan as `plan --json` prints it, for people and tools to review.
    pub plan: serde_json::Value,
    /// The plan as `plan` prints it (without colour): what `show` prints.
    pub shown: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSummary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl From<Summary> for SavedSummary {
    fn from(s: Summary) -> Self {
        SavedSummary {
            add: s.add,
            change: s.change,
            replace: s.replace,
            destroy: s.destroy,
        }
    }
}

impl SavedPlan {
    /// `out` is `--out` as given, `out_dir` the output directory it stands for (absolute and
    /// canonical, `canonical_dir`).
    pub fn new(
        stack: &str,
        tool_version: &str,
        mode: Mode,
        (adopt, delete_data): (bool, bool),
        (out, out_dir): (&str, &str),
    ) -> Self {
        SavedPlan {
            format: SAVED_FORMAT.to_string(),
            format_version: SAVED_FORMAT_VERSION,
            tool_version: tool_version.to_string(),
            stack: stack.to_string(),
            mode: mode_name(mode).to_string(),
            adopt,
            delete_data,
            out: out.to_string(),
            out_dir: out_dir.to_string(),
            endpoint: AWS_ENDPOINT.to_string(),
            accounts: Vec::new(),
            integrity: String::new(),
        }
    }

    /// The digest of the file's content but its own.
    fn content_digest(&self) -> String {
        let mut unsealed = self.clone();
        unsealed.integrity.clear();
        json_digest(&unsealed)
    }

    /// Seal the content, once complete (before writing it).
    pub fn seal(&mut self) {
        self.integrity = self.content_digest();
    }

    pub fn add(&mut self, plan: &Plan, fingerprint: Fingerprint) {
        self.accounts.retain(|a| a.account_id != plan.account_id);
        self.accounts.push(SavedAccount {
            account_id: plan.account_id.clone(),
            region: plan.region.clone(),
            fingerprint,
            summary: plan.summary().into(),
            plan: serde_json::to_value(plan).unwrap_or_default(),
            shown: crate::render_plan(plan, false),
        });
        self.accounts
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
    }

    /// Read a saved plan of whichever stack from `text` (for `show`), refusing what is not one
    /// or one of another tool version, with the reason.
    pub fn parse_any(text: &str, file: &str, tool_version: &str) -> Result<Self, String> {
        let stack = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("stack").and_then(|s| s.as_str()).map(str::to_string))
            .unwrap_or_default();
        Self::parse(text, file, tool_version, &stack)
    }

    /// Read a saved plan from `text`, refusing what is not one, or one of another tool version
    /// or stack, with the reason. `file` names it in the messages.
    pub fn parse(text: &str, file: &str, tool_version: &str, stack: &str) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("{file} is not a saved plan: it is not JSON ({e})"))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(SAVED_FORMAT) {
            return Err(format!(
                "{file} is not a saved plan of this tool (no \"format\": \"{SAVED_FORMAT}\"); `plan --json` output cannot be applied, `plan --save FILE` writes one that can"
            ));
        }
        let version = value.get("format_version").and_then(|v| v.as_u64());
        if version != Some(u64::from(SAVED_FORMAT_VERSION)) {
            return Err(format!(
                "{file} is a saved plan of format version {}, this tool reads version {SAVED_FORMAT_VERSION}",
                version.map_or_else(|| "(none)".to_string(), |v| v.to_string())
            ));
        }
        if let Some(key) = crate::json_keys::duplicate_key(text) {
            return Err(format!(
                "{file} is a damaged saved plan: the key {key:?} appears twice in one object (JSON readers disagree on which copy counts)"
            ));
        }
        // Strictly, from the text: an unknown key is an error, not ignored.
        let saved: SavedPlan = serde_json::from_str(text)
            .map_err(|e| format!("{file} is a damaged saved plan: {e}"))?;
        if saved.tool_version != tool_version {
            return Err(format!(
                "{file} was saved by version {} of this tool, and this is version {tool_version}: another version may plan differently",
                saved.tool_version
            ));
        }
        if saved.stack != stack {
            return Err(format!(
                "{file} is a plan of stack {:?}, and the spec is stack {stack:?}",
                saved.stack
            ));
        }
        if saved.mode != mode_name(Mode::Apply) && saved.mode != mode_name(Mode::Destroy) {
            return Err(format!("{file} has an unknown mode {:?}", saved.mode));
        }
        saved.check_body(file)?;
        Ok(saved)
    }

    /// Whether each account's plan, as the file shows it, is the one its fingerprint was
    /// taken of: a plan edited after it was saved (what a reviewer reads) is refused.
    pub fn check_body(&self, file: &str) -> Result<(), String> {
        if self.integrity != self.content_digest() {
            return Err(format!(
                "{file} was edited after it was saved: it is not the plan that was saved (its mode, flags, accounts or plans differ)"
            ));
        }
        let edited = |account: &str, what: &str| {
            Err(format!(
                "{file} was edited after it was saved: {what} of account {account} is not the plan's own"
            ))
        };
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.accounts {
            if !seen.insert(a.account_id.as_str()) {
                return edited(&a.account_id, "a second copy");
            }
            // The plan's own metadata, as it was planned.
            let field = |k: &str| a.plan.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            if field("account_id") != a.account_id
                || field("region") != a.region
                || field("stack") != self.stack
                || field("mode") != self.mode
            {
                return edited(&a.account_id, "the account, region, stack or mode");
            }
            // The summary is counted again from the changes.
            if a.summary != summary_of(&a.plan) {
                return edited(&a.account_id, "the summary");
            }
            let kept = a
                .plan
                .get("kept")
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            if json_digest(&kept) != a.fingerprint.kept {
                return edited(&a.account_id, "what the plan keeps");
            }
            let changes = a.plan.get("changes").and_then(|c| c.as_array());
            let shown: BTreeMap<String, String> = changes
                .into_iter()
                .flatten()
                .map(|c| {
                    let key = format!(
                        "{} {}",
                        c.get("kind").and_then(|k| k.as_str()).unwrap_or_default(),
                        c.get("name").and_then(|n| n.as_str()).unwrap_or_default()
                    );
                    (key, json_digest(c))
                })
                .collect();
            let regions = a
                .plan
                .get("other_regions")
                .cloned()
                .unwrap_or_else(|| serde_json::json!([]));
            if shown != a.fingerprint.changes
                || json_digest(&regions) != a.fingerprint.other_regions
            {
                return Err(format!(
                    "{file} was edited after it was saved: the plan it shows for account {} is not the one its fingerprint was taken of",
                    a.account_id
                ));
            }
        }
        Ok(())
    }

    /// Whether the accounts of `fresh` (a new plan of the same header) may be added to this
    /// file, the accounts planned now replacing theirs: the same stack, tool version, mode,
    /// flags and output directory.
    pub fn takes(&self, fresh: &SavedPlan) -> bool {
        self.stack == fresh.stack
            && self.tool_version == fresh.tool_version
            && self.mode == fresh.mode
            && self.adopt == fresh.adopt
            && self.delete_data == fresh.delete_data
            && self.out_dir == fresh.out_dir
            && self.endpoint == fresh.endpoint
    }

    /// The same plan, its calls going to `endpoint` ([`AWS_ENDPOINT`], or a URL).
    pub fn at(mut self, endpoint: &str) -> Self {
        self.endpoint = endpoint.to_string();
        self
    }

    /// What kind of plan it is, as people read it: "an apply plan", "a destroy plan with
    /// --delete-data".
    pub fn kind(&self) -> String {
        let mut flags = Vec::new();
        if self.adopt {
            flags.push("--adopt");
        }
        if self.delete_data {
            flags.push("--delete-data");
        }
        let article = if self.mode.starts_with('a') {
            "an"
        } else {
            "a"
        };
        let mut text = format!("{article} {} plan", self.mode);
        if !flags.is_empty() {
            text.push_str(&format!(" with {}", flags.join(" ")));
        }
        if !self.out.is_empty() {
            text.push_str(&format!(" for --out {}", self.out));
        }
        text
    }

    pub fn mode(&self) -> Mode {
        if self.mode == mode_name(Mode::Destroy) {
            Mode::Destroy
        } else {
            Mode::Apply
        }
    }

    pub fn account(&self, account_id: &str) -> Option<&SavedAccount> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }
}

/// A plan's summary, counted from the actions of its changes (its JSON document).
fn summary_of(plan: &serde_json::Value) -> SavedSummary {
    let changes = plan.get("changes").and_then(|c| c.as_array());
    let count = |actions: &[&str]| {
        changes
            .into_iter()
            .flatten()
            .filter(|c| {
                c.get("action")
                    .and_then(|a| a.as_str())
                    .is_some_and(|a| actions.contains(&a))
            })
            .count()
    };
    SavedSummary {
        add: count(&["create"]),
        change: count(&["update", "adopt"]),
        replace: count(&["replace"]),
        destroy: count(&["delete"]),
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Apply => "apply",
        Mode::Destroy => "destroy",
    }
}

/// The digest of a value's JSON, in one canonical form (as a `serde_json::Value` prints),
/// so that a plan read back from its file digests as it did when it was saved.
fn json_digest<T: Serialize>(value: &T) -> String {
    let canonical = serde_json::to_value(value).unwrap_or_default();
    digest(canonical.to_string().as_bytes())
}
