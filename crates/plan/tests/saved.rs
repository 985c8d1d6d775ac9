//! Saved plans read back: what is not one of this stack and version, what was edited (even
//! when sealed again), and what differs from a fresh fingerprint, each refused with its
//! reason.

use bedrock_plan::*;
use std::collections::BTreeMap;

fn saved() -> String {
    let mut plan = SavedPlan::new("s", "1.0.0", Mode::Apply, (false, false), ("", "/p"));
    plan.seal();
    serde_json::to_string(&plan).unwrap()
}

#[test]
fn only_a_plan_of_the_same_stack_version_mode_flags_out_and_endpoint_joins_a_saved_file() {
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
        SavedPlan::new("s", "1.0.0", Mode::Apply, (false, false), ("", "/p"))
            .at("http://127.0.0.1:4566"),
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
    assert!(refused("not json", "1.0.0", "s").starts_with("f is not a saved plan: it is not JSON"));
    assert!(refused("{}", "1.0.0", "s").starts_with("f is not a saved plan of this tool"));
    let later = saved().replace("\"format_version\":4", "\"format_version\":7");
    assert_eq!(
        refused(&later, "1.0.0", "s"),
        "f is a saved plan of format version 7, this tool reads version 4"
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
    use bedrock_plan::{Action, Change, Kept};
    let kind = bedrock_plan::resources::log_group::KIND;
    let plan = Plan {
        format_version: bedrock_plan::PLAN_FORMAT_VERSION,
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
            kind: bedrock_plan::resources::bucket::KIND,
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
