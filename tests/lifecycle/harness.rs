//! The lifecycle suite's machinery: an emulator per kind, the steps, and what an entry says
//! of its kind. An entry is data and a few SDK calls; every step is written once, here.

#![allow(dead_code)]

use crate::common::{self, Run};
use crate::stack::{rt, writes};
use bedrock_aws::{Clients, Endpoint, StaticCredentials};
use bedrock_emulator::Instance;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

#[path = "acceptance.rs"]
mod acceptance;
#[path = "journey.rs"]
pub mod journey;
#[path = "shared.rs"]
mod shared;
use acceptance::skipped;
pub use acceptance::{acceptance, Acceptance};
pub use shared::*;

pub const ACCOUNT: &str = bedrock_emulator::ACCOUNT_ID;
pub const REGION: &str = "us-east-1";

/// What the suite knows of one kind.
pub struct Entry {
    /// The kind's id in the plan's registry (`bedrock_plan::KINDS`).
    pub kind: &'static str,
    /// The spec, its `<<marker>>`s filled from the fields (their A values unless a step says
    /// otherwise) and from `defaults`.
    pub spec: &'static str,
    pub defaults: &'static [(&'static str, &'static str)],
    /// Every field the spec can change in place or by replacement.
    pub fields: &'static [Field],
    /// The resource's name as plan and drift print it.
    pub name: &'static str,
    /// Made before each step (what the spec names but the stack does not own).
    pub setup: fn(&Ctx),
    /// This kind's resources in the account, one line each, read through the SDK (every one
    /// of them, not only the stack's: a duplicate shows).
    pub live: fn(&Ctx) -> Vec<String>,
    /// How many lines `live` reads once the spec is applied.
    pub count: usize,
    /// Deletes the resource behind the tool's back.
    pub delete: Option<fn(&Ctx)>,
    /// The destroy command (with `--delete-data` for what holds data).
    pub destroy: &'static [&'static str],
    /// How many lines `live` reads after destroy (what the account keeps: Billing's
    /// settings, an accepted agreement).
    pub destroy_leaves: usize,
    /// The markers that take the kind's entry out of the spec, and how many lines `live`
    /// reads after that apply (what holds data is kept).
    pub removed: &'static [(&'static str, &'static str)],
    pub removed_leaves: usize,
    pub adopt: Adopt,
    /// Takes this stack's `stack` tag off the resource behind the tool's back.
    pub untag: Option<fn(&Ctx)>,
    /// Changes a user tag's value and adds a stray tag behind the tool's back.
    pub retag: Option<fn(&Ctx)>,
    /// Why the kind has no tags (an account's setting), when it has none.
    pub untaggable: Option<&'static str>,
}

/// A field of the kind's spec entry, its two values, and how it is changed behind the
/// tool's back (None where AWS offers no call that changes it in place).
pub struct Field {
    pub marker: &'static str,
    pub a: &'static str,
    pub b: &'static str,
    pub change: Option<fn(&Ctx)>,
}

pub enum Adopt {
    /// Makes a resource of the spec's name without this stack's tags.
    Untagged(fn(&Ctx)),
    /// The kind has no resource of its own to take over (why): then `--adopt` changes
    /// nothing of it.
    NotApplicable(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    CreateFromEmpty,
    DestroyApplyCycles,
    FieldsABAB,
    OutOfBand,
    RemovedAndBack,
    KillAtEveryWrite,
    Adopt,
    Tags,
}

/// An emulator of the kind's own, and the lock its steps take turns with.
struct Emulator {
    instance: Instance,
    port: String,
    lock: Mutex<()>,
    _dir: tempfile::TempDir,
}

fn emulator(kind: &str) -> &'static Emulator {
    static ALL: OnceLock<Mutex<BTreeMap<String, &'static Emulator>>> = OnceLock::new();
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    all.entry(kind.to_string()).or_insert_with(|| {
        let dir = tempfile::tempdir().unwrap();
        let instance = Instance::start_private(dir.path())
            .unwrap_or_else(|e| panic!("the emulator did not start: {e}"));
        let port = instance.port.to_string();
        Box::leak(Box::new(Emulator {
            instance,
            port,
            lock: Mutex::new(()),
            _dir: dir,
        }))
    })
}

/// One step's world: its kind's emulator (reset), a project directory, SDK clients.
pub struct Ctx {
    pub entry: &'static Entry,
    pub c: Clients,
    pub rt: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
    /// Where the SDK calls go, with which credentials.
    pub endpoint: Endpoint,
    /// The kind's emulator; None in acceptance mode.
    emulator: Option<&'static Emulator>,
    values: BTreeMap<&'static str, &'static str>,
    _turn: MutexGuard<'static, ()>,
}

/// In acceptance mode the kinds take turns on the one account.
fn account_turn() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

impl Ctx {
    fn new(entry: &'static Entry) -> Ctx {
        let (emulator, turn, endpoint) = match acceptance() {
            None => {
                let emulator = emulator(entry.kind);
                let turn = emulator.lock.lock().unwrap_or_else(|e| e.into_inner());
                emulator.instance.reset().unwrap();
                let endpoint = Endpoint::url(
                    &emulator.instance.endpoint(),
                    Some(StaticCredentials {
                        access_key_id: bedrock_emulator::ACCESS_KEY_ID.into(),
                        secret_access_key: bedrock_emulator::SECRET_ACCESS_KEY.into(),
                        session_token: None,
                    }),
                );
                (Some(emulator), turn, endpoint)
            }
            Some(mode) => {
                let endpoint = match &mode.endpoint {
                    Some(url) => Endpoint::url(url, None),
                    None => Endpoint::aws(),
                };
                (None, account_turn(), endpoint)
            }
        };
        let rt = rt();
        let c = rt.block_on(Clients::connect(&endpoint, REGION));
        let mut values: BTreeMap<_, _> = entry.defaults.iter().copied().collect();
        values.extend(entry.fields.iter().map(|f| (f.marker, f.a)));
        let cx = Ctx {
            entry,
            c,
            rt,
            dir: tempfile::tempdir().unwrap(),
            endpoint,
            emulator,
            values,
            _turn: turn,
        };
        cx.write_spec();
        cx.sweep();
        (entry.setup)(&cx);
        cx
    }

    /// Back to an empty account, with the entry's setup made again.
    fn reset(&self) {
        match self.emulator {
            Some(emulator) => emulator.instance.reset().unwrap(),
            None => self.sweep(),
        }
        (self.entry.setup)(self);
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// The value a marker has now.
    pub fn value(&self, marker: &str) -> &'static str {
        self.values[marker]
    }

    pub fn control(&self) -> bedrock_emulator::Control {
        self.emulator
            .expect("emulator controls are not used in acceptance mode")
            .instance
            .control()
    }

    fn set(&mut self, marker: &'static str, value: &'static str) {
        self.values.insert(marker, value);
        self.write_spec();
    }

    fn write_spec(&self) {
        let mut text = self.entry.spec.to_string();
        // An entry's text holds markers of its fields: fill until none is left.
        for _ in 0..3 {
            for (marker, value) in &self.values {
                text = text.replace(&format!("<<{marker}>>"), value);
            }
        }
        assert!(
            !text.contains("<<"),
            "a marker of {} has no value:\n{text}",
            self.entry.kind
        );
        if let Some(mode) = acceptance() {
            // The account guard: no apply of the suite can reach another account.
            text = text.replacen(
                "[stack]\n",
                &format!("[stack]\naccount_id = \"{}\"\n", mode.account),
                1,
            );
        }
        std::fs::write(self.dir.path().join("bedrock.toml"), text).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut all = Vec::new();
        let mut argv = args.to_vec();
        match (self.emulator, acceptance()) {
            (Some(emulator), _) => {
                all.push(("BEDROCK_EMULATOR_PORT", emulator.port.as_str()));
                argv.push("--local");
            }
            (
                None,
                Some(Acceptance {
                    endpoint: Some(url),
                    ..
                }),
            ) => {
                argv.extend(["--endpoint-url", url.as_str()]);
            }
            (None, _) => {}
        }
        all.extend_from_slice(env);
        common::xtask_env(self.dir.path(), &argv, &all)
    }

    fn spec(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bedrock.toml")).unwrap()
    }

    fn apply(&self, when: &str) -> Run {
        let r = self.run(&["apply", "--yes"]);
        assert_eq!(
            r.code,
            0,
            "{}: apply {when} failed:\n{}\n{}\nspec:\n{}",
            self.entry.kind,
            r.stdout,
            r.stderr,
            self.spec()
        );
        r
    }

    fn live(&self) -> Vec<String> {
        (self.entry.live)(self)
    }

    fn assert_live(&self, count: usize, when: &str) {
        let live = self.live();
        assert_eq!(
            live.len(),
            count,
            "{}: {when}: {count} expected, found {live:#?}",
            self.entry.kind
        );
    }

    /// Another apply makes no write, and drift finds nothing.
    fn converged(&self, when: &str) {
        let r = self.run(&["apply", "--yes"]);
        assert_eq!(
            r.code, 0,
            "{}: apply {when}:\n{}",
            self.entry.kind, r.stderr
        );
        assert_eq!(
            writes(&r),
            0,
            "{}: {when}, a second apply wrote:\n{}\n{}\nspec:\n{}",
            self.entry.kind,
            r.stdout,
            r.stderr,
            self.spec()
        );
        self.no_drift(when);
    }

    fn no_drift(&self, when: &str) {
        let d = self.run(&["drift"]);
        assert_eq!(
            d.code,
            0,
            "{}: drift {when}:\n{}\n{}\nspec:\n{}",
            self.entry.kind,
            d.stdout,
            d.stderr,
            self.spec()
        );
    }

    /// Drift finds the change behind the tool's back, and names the resource.
    fn drifted(&self, what: &str) {
        let d = self.run(&["drift"]);
        assert_eq!(
            d.code, 2,
            "{}: drift after {what}:\n{}\n{}",
            self.entry.kind, d.stdout, d.stderr
        );
        assert!(
            d.stdout.contains(self.entry.name),
            "{}: drift after {what} does not name {}:\n{}",
            self.entry.kind,
            self.entry.name,
            d.stdout
        );
    }

    /// Apply refuses to take a resource without this stack's tags, before any write, and
    /// says how (`--adopt`).
    fn refused_without_adopt(&self, what: &str) {
        let r = self.run(&["apply", "--yes"]);
        assert_eq!(
            r.code, 1,
            "{}: apply after {what} was not refused:\n{}\n{}",
            self.entry.kind, r.stdout, r.stderr
        );
        assert!(
            r.stderr.contains("--adopt"),
            "{}: the refusal after {what} does not name --adopt:\n{}",
            self.entry.kind,
            r.stderr
        );
        assert_eq!(writes(&r), 0, "{}: wrote before refusing", self.entry.kind);
    }

    fn adopt(&self, what: &str) {
        let r = self.run(&["apply", "--yes", "--adopt"]);
        assert_eq!(
            r.code, 0,
            "{}: apply --adopt after {what}:\n{}\n{}",
            self.entry.kind, r.stdout, r.stderr
        );
    }

    fn destroy(&self, when: &str) {
        let r = self.run(self.entry.destroy);
        assert_eq!(
            r.code, 0,
            "{}: destroy {when}:\n{}\n{}",
            self.entry.kind, r.stdout, r.stderr
        );
    }
}

/// Run one step of the lifecycle for one kind.
pub fn run(entry: &'static Entry, step: Step) {
    if let Some(why) = skipped(entry) {
        eprintln!("SKIPPED {}::{step:?} in acceptance mode: {why}", entry.kind);
        return;
    }
    let mut cx = Ctx::new(entry);
    let e = entry;
    match step {
        Step::CreateFromEmpty => {
            cx.assert_live(0, "before the first apply");
            let first = cx.apply("from empty");
            assert!(
                writes(&first) > 0,
                "{}: the first apply wrote nothing",
                e.kind
            );
            cx.assert_live(e.count, "after the first apply");
            cx.converged("after the first apply");
        }
        Step::DestroyApplyCycles => {
            for cycle in 1..=5 {
                let when = format!("in cycle {cycle}");
                cx.apply(&when);
                cx.assert_live(e.count, &when);
                cx.converged(&when);
                cx.destroy(&when);
                cx.assert_live(e.destroy_leaves, &format!("after destroy {when}"));
            }
            cx.apply("after five cycles");
            cx.converged("after five cycles");
        }
        Step::FieldsABAB => {
            cx.apply("with every field at A");
            for f in e.fields {
                for (i, value) in [f.b, f.a, f.b].into_iter().enumerate() {
                    let when = format!("with {} = {value} (change {})", f.marker, i + 1);
                    cx.set(f.marker, value);
                    cx.apply(&when);
                    cx.no_drift(&when);
                }
                cx.converged(&format!("after {} A, B, A, B", f.marker));
                // Back to A for the next field: one field's B at a time.
                cx.set(f.marker, f.a);
                cx.apply(&format!("with {} back at A", f.marker));
            }
            cx.assert_live(e.count, "with every field back at A");
            cx.converged("with every field back at A");
        }
        Step::OutOfBand => {
            cx.apply("first");
            if let Some(delete) = e.delete {
                delete(&cx);
                cx.assert_live(e.count - 1, "after the out-of-band delete");
                cx.drifted("an out-of-band delete");
                cx.apply("after an out-of-band delete");
                cx.assert_live(e.count, "after the repair of a delete");
                cx.converged("after the repair of a delete");
            }
            for f in e.fields {
                let Some(change) = f.change else { continue };
                change(&cx);
                let what = format!("an out-of-band change of {}", f.marker);
                cx.drifted(&what);
                cx.apply(&format!("after {what}"));
                cx.converged(&format!("after the repair of {what}"));
            }
            assert!(
                e.delete.is_some() || e.fields.iter().any(|f| f.change.is_some()),
                "{}: nothing out of band to try",
                e.kind
            );
        }
        Step::RemovedAndBack => {
            cx.apply("first");
            let kept = cx.values.clone();
            for (marker, value) in e.removed {
                cx.values.insert(marker, value);
            }
            cx.write_spec();
            cx.apply("with the kind's entry removed");
            cx.assert_live(e.removed_leaves, "with the kind's entry removed");
            cx.converged("with the kind's entry removed");
            cx.values = kept;
            cx.write_spec();
            cx.apply("with the entry added back");
            cx.assert_live(e.count, "with the entry added back");
            cx.converged("with the entry added back");
        }
        Step::KillAtEveryWrite => {
            let total = writes(&cx.apply("to count the writes"));
            assert!(total > 0, "{}: nothing to interrupt", e.kind);
            for n in 1..total {
                cx.reset();
                for file in [".env", "librechat.yaml"] {
                    let _ = std::fs::remove_file(cx.dir.path().join(file));
                }
                let n_text = n.to_string();
                let killed = cx.run_env(
                    &["apply", "--yes"],
                    &[("BEDROCK_XTASK_ABORT_AFTER_WRITES", &n_text)],
                );
                assert_eq!(
                    killed.code, 130,
                    "{}: not killed after {n} writes:\n{}",
                    e.kind, killed.stderr
                );
                let when = format!("after a kill at write {n} of {total}");
                cx.apply(&when);
                cx.assert_live(e.count, &when);
                cx.converged(&when);
            }
            cx.destroy("after the kills");
            cx.assert_live(e.destroy_leaves, "after destroy");
        }
        Step::Adopt => match &e.adopt {
            Adopt::Untagged(make) => {
                make(&cx);
                cx.refused_without_adopt("an untagged one was made by hand");
                cx.adopt("an untagged one was made by hand");
                cx.assert_live(e.count, "after --adopt");
                cx.converged("after --adopt");
            }
            Adopt::NotApplicable(why) => {
                eprintln!("{}: --adopt takes nothing over: {why}", e.kind);
                cx.apply("first");
                let r = cx.run(&["apply", "--yes", "--adopt"]);
                assert_eq!(r.code, 0, "{}: apply --adopt:\n{}", e.kind, r.stderr);
                assert_eq!(
                    writes(&r),
                    0,
                    "{}: apply --adopt wrote:\n{}",
                    e.kind,
                    r.stderr
                );
                cx.assert_live(e.count, "after apply --adopt");
            }
        },
        Step::Tags => {
            cx.apply("first");
            if let Some(why) = e.untaggable {
                assert!(e.retag.is_none() && e.untag.is_none(), "{}", e.kind);
                eprintln!("{}: no tags: {why}", e.kind);
                // Then no plan of it ever speaks of tags.
                let plan = cx.run(&["plan", "--json"]);
                let plan: serde_json::Value = serde_json::from_str(&plan.stdout)
                    .unwrap_or_else(|_| panic!("{}: plan --json:\n{}", e.kind, plan.stderr));
                cx.converged("with nothing to tag");
                let json = plan.to_string();
                assert!(!json.contains("\"tags\""), "{}: {json}", e.kind);
            }
            assert!(
                e.retag.is_some() || e.untag.is_some() || e.untaggable.is_some(),
                "{}: no tags to change: say why in its entry's untaggable",
                e.kind
            );
            if let Some(retag) = e.retag {
                retag(&cx);
                cx.drifted("an out-of-band change of its tags");
                cx.apply("after an out-of-band change of its tags");
                cx.converged("after the repair of its tags");
            }
            if let Some(untag) = e.untag {
                untag(&cx);
                cx.refused_without_adopt("its stack tag was taken off");
                cx.adopt("its stack tag was taken off");
                cx.converged("after --adopt gave its tags back");
            }
        }
    }
}
