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
/// covers what it keeps; unknown and duplicate keys are refused.
pub const SAVED_FORMAT_VERSION: u32 = 2;

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
        });
        self.accounts
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
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
        if let Some(key) = duplicate_key(text) {
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

/// The first key that appears twice in one object anywhere in `text` (JSON), if any:
/// `serde_json` keeps the last copy where another reader keeps the first.
pub fn duplicate_key(text: &str) -> Option<String> {
    use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
    use std::cell::RefCell;
    struct Scan<'a>(&'a RefCell<Option<String>>);
    impl<'de> serde::de::DeserializeSeed<'de> for Scan<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Scan<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Scan(self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = std::collections::BTreeSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !keys.insert(key.clone()) && self.0.borrow().is_none() {
                    *self.0.borrow_mut() = Some(key);
                }
                map.next_value_seed(Scan(self.0))?;
            }
            Ok(())
        }
    }
    let found = RefCell::new(None);
    let mut d = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(Scan(&found), &mut d).ok()?;
    found.into_inner()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> String {
        let mut plan = SavedPlan::new("s", "1.0.0", Mode::Apply, (false, false), ("", "/p"));
        plan.seal();
        serde_json::to_string(&plan).unwrap()
    }

    #[test]
    fn only_a_plan_of_the_same_stack_version_mode_flags_and_out_joins_a_saved_file() {
        let file = SavedPlan::new("s", "1.0.0", Mode::Apply, (false, false), ("", "/p"));
        assert!(file.takes(&SavedPlan::new(
            "s",
            "1.0.0",
            Mode::Apply,
            (false, false),
            ("", "/p")
        )));
        for other in [
            SavedPlan::new("t", "1.0.0", Mode::Apply, (false, false), ("", "/p")),
            SavedPlan::new("s", "1.0.1", Mode::Apply, (false, false), ("", "/p")),
            SavedPlan::new("s", "1.0.0", Mode::Destroy, (false, false), ("", "/p")),
            SavedPlan::new("s", "1.0.0", Mode::Apply, (true, false), ("", "/p")),
            SavedPlan::new("s", "1.0.0", Mode::Apply, (false, true), ("", "/p")),
            SavedPlan::new("s", "1.0.0", Mode::Apply, (false, false), ("out", "/p/out")),
        ] {
            assert!(!file.takes(&other), "{other:?}");
        }
    }

    #[test]
    fn what_is_not_a_saved_plan_of_this_stack_and_version_is_refused_with_the_reason() {
        assert!(SavedPlan::parse(&saved(), "f", "1.0.0", "s").is_ok());
        let refused = |text: &str, version: &str, stack: &str| {
            SavedPlan::parse(text, "f", version, stack).unwrap_err()
        };
        assert!(
            refused("not json", "1.0.0", "s").starts_with("f is not a saved plan: it is not JSON")
        );
        assert!(refused("{}", "1.0.0", "s").starts_with("f is not a saved plan of this tool"));
        let later = saved().replace("\"format_version\":2", "\"format_version\":7");
        assert_eq!(
            refused(&later, "1.0.0", "s"),
            "f is a saved plan of format version 7, this tool reads version 2"
        );
        // Strictly: an unknown key, or a key twice (the first copy saying destroy), is refused.
        let extra = saved().replace("\"adopt\":false", "\"adopt\":false,\"extra\":1");
        assert!(
            refused(&extra, "1.0.0", "s").contains("unknown field `extra`"),
            "{}",
            refused(&extra, "1.0.0", "s")
        );
        let twice = saved().replace(
            "\"mode\":\"apply\"",
            "\"mode\":\"destroy\",\"mode\":\"apply\"",
        );
        assert!(
            refused(&twice, "1.0.0", "s").contains("the key \"mode\" appears twice"),
            "{}",
            refused(&twice, "1.0.0", "s")
        );
        let broken = saved().replace("\"accounts\":[]", "\"accounts\":3");
        assert!(refused(&broken, "1.0.0", "s").starts_with("f is a damaged saved plan"));
        let adopting = saved().replace("\"adopt\":false", "\"adopt\":true");
        assert!(refused(&adopting, "1.0.0", "s").starts_with("f was edited after it was saved"));
        assert!(refused(&saved(), "1.1.0", "s").starts_with("f was saved by version 1.0.0"));
        assert!(refused(&saved(), "1.0.0", "t").starts_with("f is a plan of stack \"s\""));
    }

    /// A saved plan of one account whose plan creates a log group and keeps a bucket, as
    /// JSON text.
    fn one_account() -> String {
        use crate::change::{Action, Change, Kept};
        let kind = crate::resources::log_group::KIND;
        let plan = Plan {
            format_version: crate::plan::PLAN_FORMAT_VERSION,
            mode: Mode::Apply,
            stack: "s".into(),
            account_id: "111111111111".into(),
            region: "us-east-1".into(),
            changes: vec![Change {
                kind,
                name: "g".into(),
                action: Action::Create,
                reason: "does not exist".into(),
                diffs: vec![],
                steps: vec![],
            }],
            kept: vec![Kept {
                kind: crate::resources::bucket::KIND,
                name: "b".into(),
                reason: "holds data".into(),
            }],
            other_regions: vec![],
            warnings: vec![],
        };
        let mut file = SavedPlan::new("s", "1.0.0", Mode::Apply, (false, false), ("", "/p"));
        let fingerprint = Fingerprint::new(b"spec", &[], &BTreeMap::new(), &plan);
        file.add(&plan, fingerprint);
        file.seal();
        serde_json::to_string(&file).unwrap()
    }

    /// `text` edited by `edit` and sealed again, as anyone can.
    fn resealed(text: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
        edit(&mut value);
        let mut file: SavedPlan = serde_json::from_value(value).unwrap();
        file.seal();
        serde_json::to_string(&file).unwrap()
    }

    #[test]
    fn a_resealed_edit_of_what_apply_shows_is_refused() {
        let text = one_account();
        assert!(SavedPlan::parse(&text, "f", "1.0.0", "s").is_ok());
        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let edits: Vec<(&str, Edit)> = vec![
            (
                "the summary",
                Box::new(|v| v["accounts"][0]["summary"]["add"] = 0.into()),
            ),
            (
                "what the plan keeps",
                Box::new(|v| v["accounts"][0]["plan"]["kept"] = serde_json::json!([])),
            ),
            (
                "the account, region, stack or mode",
                Box::new(|v| v["accounts"][0]["plan"]["region"] = "eu-west-1".into()),
            ),
            (
                "the account, region, stack or mode",
                Box::new(|v| v["accounts"][0]["account_id"] = "222222222222".into()),
            ),
            (
                "a second copy",
                Box::new(|v| {
                    let copy = v["accounts"][0].clone();
                    v["accounts"].as_array_mut().unwrap().push(copy);
                }),
            ),
        ];
        for (what, edit) in edits {
            let err = SavedPlan::parse(&resealed(&text, edit), "f", "1.0.0", "s").unwrap_err();
            assert!(err.contains(what), "{what}: {err}");
        }
    }

    #[test]
    fn differences_name_each_part_that_changed() {
        let base = Fingerprint {
            spec: "a".into(),
            templates: [("t.json".to_string(), "1".to_string())].into(),
            files: [(".env".to_string(), "absent".to_string())].into(),
            changes: [
                ("log_group g".to_string(), "x".to_string()),
                ("inference_profile p".to_string(), "y".to_string()),
                ("file .env".to_string(), "v".to_string()),
            ]
            .into(),
            other_regions: "r".into(),
            kept: "k".into(),
        };
        assert!(base.differences(&base, "bedrock.toml").is_empty());
        let mut now = base.clone();
        now.spec = "b".into();
        now.templates.insert("t.json".into(), "2".into());
        now.files.insert(".env".into(), "d".into());
        now.changes.remove("log_group g");
        now.changes.insert("inference_profile p".into(), "z".into());
        now.changes.insert("guardrail q".into(), "w".into());
        now.changes.insert("file .env".into(), "u".into());
        assert_eq!(
            now.differences(&base, "bedrock.toml"),
            [
                "the spec bedrock.toml changed",
                "the policy template t.json changed",
                "the generated file .env appeared",
                "file .env is planned differently now (the file on disk or the spec changed)",
                "guardrail q is now in the plan",
                "inference profile p is planned differently now (the live resource or the spec changed)",
                "log group g is no longer in the plan",
            ]
        );
    }
}
