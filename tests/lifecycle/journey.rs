//! The guide's journey end to end, the one the README and docs/commands.md walk through:
//! validate, plan, apply, a plan and a drift with nothing to do, the generated files current,
//! the outputs, one call through the new profile as LibreChat makes it, destroy. It runs on
//! the emulator and, as it is, in acceptance mode against an AWS account: it uses no emulator
//! control, names its stack `lc-journey` (swept at start and end), leaves the account's
//! logging alone (`[logging] managed = false`) and invokes the cheapest model once (Amazon
//! Nova Micro, a dozen tokens).

use super::{nothing, skipped, Adopt, Ctx, Entry};

const PROFILE: &str = "lc-journey-micro";

pub static ENTRY: Entry = Entry {
    kind: "journey",
    spec: r#"
[stack]
name = "lc-journey"
region = "us-east-1"

[logging]
managed = false

[[profiles]]
name = "lc-journey-micro"
model = "us.amazon.nova-micro-v1:0"
env = "BEDROCK_LC_JOURNEY"
"#,
    defaults: &[],
    fields: &[],
    name: PROFILE,
    setup: nothing,
    live: |cx| {
        crate::stack::application_profiles(&cx.c)
            .iter()
            .map(|p| p.inference_profile_name().to_string())
            .filter(|n| n == PROFILE)
            .collect()
    },
    count: 1,
    delete: None,
    destroy: &["destroy", "--yes"],
    destroy_leaves: 0,
    removed: &[],
    removed_leaves: 0,
    adopt: Adopt::NotApplicable("the journey adopts nothing"),
    untag: None,
    retag: None,
    untaggable: None,
};

/// Every command of the journey, in order, each with the exit code it must give.
pub fn journey() {
    if let Some(why) = skipped(&ENTRY) {
        eprintln!("SKIPPED journey in acceptance mode: {why}");
        return;
    }
    let cx = Ctx::new(&ENTRY);
    let expect = |args: &[&str], code: i32| {
        let r = cx.run(args);
        assert_eq!(
            r.code, code,
            "journey: {args:?} gave {} ({code} expected):\n{}\n{}",
            r.code, r.stdout, r.stderr
        );
        r
    };
    // validate reads no AWS: it takes none of the flags that say where AWS is.
    let v = crate::common::xtask_env(cx.dir.path(), &["validate"], &[]);
    assert_eq!(v.code, 0, "journey: validate:\n{}", v.stderr);
    let first = expect(&["plan", "--detailed-exitcode"], 2);
    assert!(first.stdout.contains(PROFILE), "{}", first.stdout);
    cx.assert_live(0, "before apply");
    expect(&["apply", "--yes"], 0);
    cx.assert_live(1, "after apply");
    expect(&["plan", "--detailed-exitcode"], 0);
    expect(&["drift"], 0);
    expect(&["generate", "--check"], 0);
    // A rendered policy of what the spec does not have (its logging is another stack's),
    // left from an earlier spec: drift and `generate --check` find it, apply removes it.
    let stale = cx
        .dir
        .path()
        .join("policies/bedrock-logging-trust.rendered.json");
    std::fs::write(&stale, "{\"Statement\": []}\n").unwrap();
    let drift = expect(&["drift"], 2);
    assert!(
        drift.stdout.contains("bedrock-logging-trust.rendered.json"),
        "{}",
        drift.stdout
    );
    let check = crate::common::xtask_env(cx.dir.path(), &["generate", "--offline", "--check"], &[]);
    assert!(
        check.code != 0
            && check
                .stdout
                .contains("bedrock-logging-trust.rendered.json (no longer rendered"),
        "{}\n{}",
        check.stdout,
        check.stderr
    );
    let removed = expect(&["apply", "--yes"], 0);
    assert!(
        removed.stdout.contains("  removed  ") && !stale.exists(),
        "{}",
        removed.stdout
    );
    expect(&["drift"], 0);
    let outputs = expect(&["outputs", "--json"], 0);
    let doc: serde_json::Value = serde_json::from_str(&outputs.stdout)
        .unwrap_or_else(|e| panic!("outputs --json is not JSON ({e}):\n{}", outputs.stdout));
    let text = doc.to_string();
    let arn = text
        .split('"')
        .find(|s| s.contains(":application-inference-profile/"))
        .unwrap_or_else(|| panic!("no profile ARN in the outputs:\n{text}"))
        .to_string();
    // One value alone, for scripts: by the env name, by address, a field.
    let alone = expect(&["outputs", "BEDROCK_LC_JOURNEY"], 0);
    assert_eq!(alone.stdout, format!("{arn}\n"));
    let model = expect(
        &["outputs", &format!("inference_profile.{PROFILE}.model")],
        0,
    );
    assert_eq!(model.stdout, "us.amazon.nova-micro-v1:0\n");
    let none = expect(&["outputs", "inference_profile.nope"], 1);
    assert!(
        none.stderr.contains("no output \"inference_profile.nope\"")
            && none
                .stderr
                .contains(&format!("inference_profile.{PROFILE}")),
        "{}",
        none.stderr
    );
    // .env carries the same ARN, under the spec's name for it.
    let env = std::fs::read_to_string(cx.dir.path().join(".env")).unwrap();
    assert!(
        env.contains(&format!("BEDROCK_LC_JOURNEY={arn}")),
        "{arn} not in .env:\n{env}"
    );

    // One call through the profile, as LibreChat makes it: the cheapest model, a few tokens.
    let config = cx.block(bedrock_aws::sdk_config(&cx.endpoint, super::REGION));
    let runtime = aws_sdk_bedrockruntime::Client::new(&config);
    let answer = cx
        .block(
            runtime
                .converse()
                .model_id(&arn)
                .messages(
                    aws_sdk_bedrockruntime::types::Message::builder()
                        .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
                        .content(aws_sdk_bedrockruntime::types::ContentBlock::Text(
                            "Say OK.".into(),
                        ))
                        .build()
                        .unwrap(),
                )
                .inference_config(
                    aws_sdk_bedrockruntime::types::InferenceConfiguration::builder()
                        .max_tokens(8)
                        .build(),
                )
                .send(),
        )
        .unwrap_or_else(|e| panic!("journey: Converse through {arn}: {e:?}"));
    assert!(answer.usage().is_some_and(|u| u.output_tokens() > 0));

    let invoke = cx
        .dir
        .path()
        .join("policies/librechat-invoke.rendered.json");
    assert!(invoke.exists(), "apply rendered LibreChat's policy");
    expect(&["destroy", "--yes"], 0);
    cx.assert_live(0, "after destroy");
    // The policy named the deleted profile: gone with it.
    assert!(!invoke.exists(), "destroy left {}", invoke.display());
    expect(&["plan", "--detailed-exitcode"], 2);
}
