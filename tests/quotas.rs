//! Service Quotas in `plan` and `doctor`: each profile's quotas (the account's values, found
//! by their names) shown under the plan; `doctor` warns when one answer of the model's
//! longest would be throttled, or when a few requests reserving it eat the quota, and passes
//! once an increase AWS approved (here, the emulator's control) makes room.

use crate::stack::*;

const SPEC: &str = "tests/fixtures/valid/quotas.toml";

fn spec() -> String {
    std::fs::read_to_string(crate::common::root().join(SPEC)).unwrap()
}

/// The line of `check` in doctor's output, and the lines under it.
fn check<'a>(out: &'a str, profile: &str) -> &'a str {
    let start = out
        .find(&format!("quotas of {profile} "))
        .unwrap_or_else(|| panic!("no quota check of {profile} in\n{out}"));
    let start = out[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = out[start + 1..]
        .find("\nok    ")
        .into_iter()
        .chain(out[start + 1..].find("\nwarn  "))
        .chain(out[start + 1..].find("\nskip  "))
        .chain(out[start + 1..].find("\n\n"))
        .min()
        .map_or(out.len(), |i| start + 1 + i);
    &out[start..end]
}

#[test]
fn plan_shows_each_profile_s_quotas_and_doctor_warns_until_an_increase_makes_room() {
    let _turn = turn();
    let dir = project(Some(&spec()));
    let plan = run(dir.path(), &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let shown = &plan.stdout[plan
        .stdout
        .find("Quotas that bound the profiles' models in us-east-1")
        .unwrap_or_else(|| panic!("no quotas under the plan:\n{}", plan.stdout))..];
    for line in [
        "LibreChat-Claude-3-7-Sonnet  cross-region  1,000,000 tokens/min, 250 requests/min",
        "LibreChat-Claude-Sonnet-4    cross-region  200,000 tokens/min, 200 requests/min",
        "LibreChat-Nova-Pro           on-demand     400,000 tokens/min, 100 requests/min",
        "LibreChat-Claude-Opus-4-5    global        none listed for Anthropic Claude Opus 4.5",
    ] {
        assert!(shown.contains(line), "no {line:?} in\n{shown}");
    }
    let json = run(dir.path(), &["plan", "--json"]);
    assert!(
        serde_json::from_str::<serde_json::Value>(&json.stdout).is_ok(),
        "plan --json stays the plan alone: {}",
        json.stdout
    );

    apply(dir.path());
    let doctor = run(dir.path(), &["doctor"]);
    let out = &doctor.stdout;
    let sonnet = check(out, "LibreChat-Claude-Sonnet-4");
    assert!(sonnet.starts_with("warn  "), "{sonnet}");
    for text in [
        "its longest answer (64,000 output tokens) x burndown 5 = 320,000 quota tokens",
        "200,000 tokens/min quota",
        "L-59759B4A",
        "maxTokens under 40,000",
    ] {
        assert!(sonnet.contains(text), "no {text:?} in\n{sonnet}");
    }
    // 1,000,000 tokens a minute serve three of Claude 3.7's longest answers (64,000 x 5).
    let claude = check(out, "LibreChat-Claude-3-7-Sonnet");
    assert!(
        claude.starts_with("warn  ")
            && claude.contains("the 1,000,000 tokens/min quota serves 3 a minute"),
        "{claude}"
    );
    assert!(
        check(out, "LibreChat-Nova-Pro").starts_with("ok    "),
        "{out}"
    );
    let opus = check(out, "LibreChat-Claude-Opus-4-5");
    assert!(
        opus.starts_with("skip  ") && opus.contains("lists no global tokens-per-minute quota"),
        "{opus}"
    );
    assert!(out.contains(", 2 warnings."), "{out}");

    // LibreChat's own maxTokens for the model, kept to by modelSpecs.enforce: 4,000 x 5 fits
    // ten times in 200,000.
    let yaml = dir.path().join("librechat.yaml");
    let generated = std::fs::read_to_string(&yaml).unwrap();
    let specs = |enforce: bool| {
        format!(
            "{generated}\nmodelSpecs:\n  enforce: {enforce}\n  list:\n    - name: sonnet-4\n      label: Claude Sonnet 4\n      preset:\n        endpoint: bedrock\n        model: us.anthropic.claude-sonnet-4-20250514-v1:0\n        maxTokens: 4000\n"
        )
    };
    std::fs::write(&yaml, specs(true)).unwrap();
    let out = run(dir.path(), &["doctor"]).stdout;
    let sonnet = check(&out, "LibreChat-Claude-Sonnet-4");
    assert!(sonnet.starts_with("ok    "), "{sonnet}");
    std::fs::write(&yaml, specs(false)).unwrap();
    let out = run(dir.path(), &["doctor"]).stdout;
    let sonnet = check(&out, "LibreChat-Claude-Sonnet-4");
    assert!(
        sonnet.starts_with("warn  ")
            && sonnet.contains("without modelSpecs.enforce a chat outside those presets sets none"),
        "{sonnet}"
    );
    std::fs::write(&yaml, &generated).unwrap();

    // An increase to 400,000: one longest answer fits, one a minute.
    let c = clients("us-east-1");
    let increase = |value: f64| {
        let asked = rt()
            .block_on(
                c.servicequotas
                    .request_service_quota_increase()
                    .service_code("bedrock")
                    .quota_code("L-59759B4A")
                    .desired_value(value)
                    .send(),
            )
            .unwrap();
        let id = asked
            .requested_quota()
            .and_then(|r| r.id())
            .unwrap()
            .to_string();
        emulator()
            .instance
            .control()
            .decide_quota_request(&id, "APPROVED")
            .unwrap();
    };
    increase(400_000.0);
    let out = run(dir.path(), &["doctor"]).stdout;
    let sonnet = check(&out, "LibreChat-Claude-Sonnet-4");
    assert!(sonnet.starts_with("warn  "), "{sonnet}");
    assert!(
        sonnet.contains("each request reserves its longest answer (64,000 output tokens) at its start, and one such answer uses 320,000 quota tokens (burndown 5): the 400,000 tokens/min quota serves 1 a minute"),
        "{sonnet}"
    );
    increase(4_000_000.0);
    let plan = run(dir.path(), &["plan"]).stdout;
    assert!(
        plan.contains(
            "LibreChat-Claude-Sonnet-4    cross-region  4,000,000 tokens/min, 200 requests/min"
        ),
        "{plan}"
    );
    let out = run(dir.path(), &["doctor"]).stdout;
    let sonnet = check(&out, "LibreChat-Claude-Sonnet-4");
    assert!(
        sonnet.starts_with("ok    ") && sonnet.contains("4,000,000 tokens/min, 200 requests/min"),
        "{sonnet}"
    );
}

/// The account's open requests for Bedrock's quotas: id, quota code, value asked (the
/// lifecycle suite's entry reads them too).
pub fn open_requests(c: &bedrock_aws::Clients) -> Vec<(String, String, f64)> {
    let out = rt()
        .block_on(
            c.servicequotas
                .list_requested_service_quota_change_history()
                .service_code("bedrock")
                .send(),
        )
        .unwrap();
    out.requested_quotas()
        .iter()
        .filter(|r| {
            matches!(
                r.status().map(|s| s.as_str()),
                Some("PENDING" | "CASE_OPENED")
            )
        })
        .map(|r| {
            (
                r.id().unwrap_or_default().to_string(),
                r.quota_code().unwrap_or_default().to_string(),
                r.desired_value().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn an_increase_is_asked_once_pending_until_aws_decides_and_asked_again_after_a_denial() {
    let _turn = turn();
    let with = |tokens: u64| {
        format!(
            "{}\n[[quotas.increase]]\nprofile = \"LibreChat-Claude-Sonnet-4\"\ntokens_per_minute = {tokens}\n",
            spec()
        )
    };
    let dir = project(Some(&with(400_000)));
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("~ quota increase tokens/min of LibreChat-Claude-Sonnet-4")
            && plan
                .stdout
                .contains("(L-59759B4A) is 200,000 in this account: AWS is asked for 400,000"),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    let c = clients("us-east-1");
    let open = open_requests(&c);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!((open[0].1.as_str(), open[0].2), ("L-59759B4A", 400_000.0));
    let id = open[0].0.clone();

    // doctor's fix reads the spec's entry: raise it, rather than add another.
    let doctor = run(dir.path(), &["doctor"]).stdout;
    assert!(
        check(&doctor, "LibreChat-Claude-Sonnet-4").contains(
            "raise tokens_per_minute in the spec's [[quotas.increase]] of LibreChat-Claude-Sonnet-4 from 400000 to 3200000"
        ),
        "{doctor}"
    );

    // Pending: said with the request's id, never asked again.
    let again = apply(dir.path());
    assert_eq!(writes(&again), 0, "{}", again.stdout);
    assert!(
        again
            .stdout
            .contains(&format!("pending: request {id} (PENDING)")),
        "{}",
        again.stdout
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
    // A larger value while it is open: still not asked, and the plan says when it will be.
    std::fs::write(dir.path().join("bedrock.toml"), with(600_000)).unwrap();
    let more = apply(dir.path());
    assert_eq!(writes(&more), 0);
    assert!(
        more.stdout
            .contains("the spec's 600,000 is asked once AWS has decided this one"),
        "{}",
        more.stdout
    );
    assert_eq!(open_requests(&c).len(), 1);

    // Denied: the next apply asks again, and says what AWS answered last.
    emulator()
        .instance
        .control()
        .decide_quota_request(&id, "DENIED")
        .unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("AWS's last answer to a request for 400,000 was DENIED"),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    let open = open_requests(&c);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].2, 600_000.0);

    // Denied again, for the spec's own value: not asked again by itself (a scheduled apply
    // would file it every run), and no drift; another value is asked.
    emulator()
        .instance
        .control()
        .decide_quota_request(&open[0].0, "DENIED")
        .unwrap();
    let held = apply(dir.path());
    assert_eq!(writes(&held), 0);
    assert!(
        held.stdout
            .contains("AWS answered DENIED to the request for 600,000")
            && held
                .stdout
                .contains("the same value is not asked again by itself"),
        "{}",
        held.stdout
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
    std::fs::write(dir.path().join("bedrock.toml"), with(650_000)).unwrap();
    apply(dir.path());
    let open = open_requests(&c);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].2, 650_000.0);

    // Approved: granted, nothing to do; doctor's quota check reads the new value.
    emulator()
        .instance
        .control()
        .decide_quota_request(&open[0].0, "APPROVED")
        .unwrap();
    let granted = apply(dir.path());
    assert_eq!(writes(&granted), 0);
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("LibreChat-Claude-Sonnet-4    cross-region  650,000 tokens/min"),
        "{}",
        plan.stdout
    );
    // Destroy leaves the account's quotas.
    let destroyed = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(destroyed.code, 0, "{}", destroyed.stderr);
    assert!(
        destroyed
            .stdout
            .contains("an increase cannot be taken back"),
        "{}",
        destroyed.stdout
    );
}

#[test]
fn bad_increases_are_refused_and_those_aws_takes_no_request_for_are_said_and_skipped() {
    let _turn = turn();
    let bad = |entry: &str, expected: &[&str], before_aws: bool| {
        let dir = project(Some(&format!("{}\n[[quotas.increase]]\n{entry}", spec())));
        if before_aws {
            refused_before_aws(dir.path(), &["apply", "--yes"], expected);
        } else {
            refused(dir.path(), &["apply", "--yes"], expected);
        }
    };
    bad(
        "profile = \"Nope\"\ntokens_per_minute = 10\n",
        &["\"Nope\" is not a profile of the spec", "name one of"],
        true,
    );
    bad(
        "profile = \"LibreChat-Nova-Pro\"\n",
        &["asks for nothing", "tokens_per_minute = N"],
        true,
    );
    bad(
        "profile = \"LibreChat-Nova-Pro\"\ntokens_per_minute = 0\n",
        &["it must be from 1 to"],
        true,
    );
    bad(
        "profile = \"LibreChat-Nova-Pro\"\ntokens_per_minute = 10\n[[quotas.increase]]\nprofile = \"LibreChat-Nova-Pro\"\nrequests_per_minute = 10\n",
        &["has an increase already"],
        true,
    );
    // Found in Service Quotas, and AWS takes no request for it; or not listed: said, nothing
    // asked, and the rest of the stack planned as ever.
    for (entry, expected) in [
        (
            "profile = \"LibreChat-Claude-Sonnet-4\"\nrequests_per_minute = 1000\n",
            [
                "(L-", // the quota's code
                "is not adjustable in Service Quotas, so nothing is asked: ask AWS Support to raise it, and remove the [[quotas.increase]] of LibreChat-Claude-Sonnet-4",
            ],
        ),
        (
            "profile = \"LibreChat-Claude-Opus-4-5\"\ntokens_per_minute = 1000000\n",
            [
                "Service Quotas lists no tokens/min quota",
                "for its global routing in us-east-1, so nothing is asked",
            ],
        ),
    ] {
        let dir = project(Some(&format!("{}\n[[quotas.increase]]\n{entry}", spec())));
        let applied = apply(dir.path());
        for text in expected {
            assert!(applied.stdout.contains(text), "no {text:?} in\n{}", applied.stdout);
        }
        assert!(open_requests(&clients("us-east-1")).is_empty());
        assert_eq!(run(dir.path(), &["drift"]).code, 0);
    }
}
