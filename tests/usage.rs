//! `usage`: invocations with known token counts (each answer's own usage) through two
//! profiles, a raw model id and request metadata; the report's sums, costs, groupings and
//! HTML charts are those numbers exactly.

use crate::stack::*;
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use serde_json::Value;
use std::collections::BTreeMap;

/// One Converse call with `text` and `metadata`; the answer's (input, output) tokens.
fn call(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    text: &str,
    metadata: &[(&str, &str)],
) -> (u64, u64) {
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap();
    let mut request = client.converse().model_id(model).messages(message);
    for (k, v) in metadata {
        request = request.request_metadata(*k, *v);
    }
    let out = rt()
        .block_on(request.send())
        .unwrap_or_else(|e| panic!("converse with {model}: {e:?}"));
    let usage = out.usage().expect("the answer's usage");
    (
        u64::try_from(usage.input_tokens()).unwrap(),
        u64::try_from(usage.output_tokens()).unwrap(),
    )
}

/// The groups of `usage --json`, by key: (calls, input, output, cost).
fn groups(doc: &Value) -> BTreeMap<String, (u64, u64, u64, f64)> {
    doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                (
                    g["calls"].as_u64().unwrap(),
                    g["input_tokens"].as_u64().unwrap(),
                    g["output_tokens"].as_u64().unwrap(),
                    g["cost_usd"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

fn json(dir: &std::path::Path, args: &[&str]) -> Value {
    let mut argv = vec!["usage", "--json"];
    argv.extend_from_slice(args);
    let r = run(dir, &argv);
    assert_eq!(r.code, 0, "{argv:?}:\n{}\n{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// Round prices, laid over the built-in table, so the costs are known here (Sonnet's high
/// enough that its few tokens cost dollars, shown in cents on the chart).
const PRICES: &str = r#"source = "the test's own"
date = "2026-12-01"

[[price]]
model = "anthropic.claude-sonnet-4-5-20250929-v1:0"
regions = ["*"]
input = 20000.0
output = 100000.0

[[price]]
model = "anthropic.claude-opus-4-5-20251101-v1:0"
regions = ["us-east-1"]
input = 4.0
output = 20.0
"#;

#[test]
fn usage_sums_known_token_counts_per_profile_model_caller_day_and_metadata() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    std::fs::write(dir.path().join("prices.toml"), PRICES).unwrap();
    let env = env_values(dir.path());
    let (sonnet, opus) = (
        &env["BEDROCK_SONNET_45_PROFILE"],
        &env["BEDROCK_OPUS_45_PROFILE"],
    );
    let client = runtime_client();
    let s1 = call(&client, sonnet, "Hello there", &[("team", "blue")]);
    let s2 = call(
        &client,
        sonnet,
        "A longer question about the weather today, please",
        &[("team", "red")],
    );
    let o1 = call(
        &client,
        opus,
        "Write me a poem about clouds and rain",
        &[("team", "blue")],
    );
    let raw = call(&client, "us.amazon.nova-pro-v1:0", "Hi", &[]);

    let by_profile = json(dir.path(), &["--since", "1h", "--prices", "prices.toml"]);
    assert_eq!(by_profile["records"].as_u64(), Some(4));
    assert_eq!(by_profile["by"], "profile");
    let g = groups(&by_profile);
    let cost = |(i, o): (u64, u64), pin: f64, pout: f64| (i as f64 * pin + o as f64 * pout) / 1e6;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-6);
    let s = &g["LibreChat-Claude-Sonnet-4-5"];
    assert_eq!((s.0, s.1, s.2), (2, s1.0 + s2.0, s1.1 + s2.1));
    assert!(
        close(
            s.3,
            cost(s1, 20000.0, 100000.0) + cost(s2, 20000.0, 100000.0)
        ),
        "{s:?}"
    );
    let o = &g["LibreChat-Claude-Opus-4-5"];
    assert_eq!((o.0, o.1, o.2), (1, o1.0, o1.1));
    assert!(close(o.3, cost(o1, 4.0, 20.0)), "{o:?}");
    let none = &g["(no profile: a model or system profile id)"];
    assert_eq!((none.0, none.1, none.2), (1, raw.0, raw.1));
    let total = &by_profile["total"];
    assert_eq!(total["calls"].as_u64(), Some(4));
    assert_eq!(
        total["input_tokens"].as_u64(),
        Some(s1.0 + s2.0 + o1.0 + raw.0)
    );
    assert_eq!(
        total["output_tokens"].as_u64(),
        Some(s1.1 + s2.1 + o1.1 + raw.1)
    );
    assert_eq!(by_profile["prices"][0]["table"], "prices.toml");
    assert_eq!(by_profile["prices"][1]["table"], "built-in");

    let by_model = groups(&json(dir.path(), &["--since", "1h", "--by", "model"]));
    assert_eq!(
        by_model.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "amazon.nova-pro-v1:0",
            "anthropic.claude-opus-4-5-20251101-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v1:0"
        ]
    );
    let by_team = json(
        dir.path(),
        &[
            "--since",
            "1h",
            "--by",
            "metadata:team",
            "--prices",
            "prices.toml",
        ],
    );
    let teams = groups(&by_team);
    assert_eq!(teams.len(), 3, "{teams:?}");
    assert_eq!(teams["blue"].0, 2);
    assert_eq!(teams["blue"].1, s1.0 + o1.0);
    assert!(close(
        teams["blue"].3,
        cost(s1, 20000.0, 100000.0) + cost(o1, 4.0, 20.0)
    ));
    assert_eq!((teams["red"].0, teams["red"].1), (1, s2.0));
    assert_eq!(
        by_team["groups"].as_array().unwrap().last().unwrap()["key"],
        "(not set)"
    );
    let by_caller = groups(&json(dir.path(), &["--since", "1h", "--by", "principal"]));
    assert_eq!(by_caller.len(), 1, "{by_caller:?}");
    assert!(
        by_caller.keys().all(|k| k.starts_with("arn:aws:")),
        "{by_caller:?}"
    );
    let by_day = groups(&json(dir.path(), &["--since", "1h", "--by", "day"]));
    assert_eq!(by_day.values().map(|g| g.0).sum::<u64>(), 4);

    // The table for people: the groups, the total, the prices' source and date.
    let table = run(
        dir.path(),
        &["usage", "--since", "1h", "--prices", "prices.toml"],
    );
    assert_eq!(table.code, 0, "{}", table.stderr);
    for text in [
        "LibreChat-Claude-Sonnet-4-5",
        "total",
        "prices: prices.toml table, the test's own as of 2026-12-01",
        "estimates, not a bill",
    ] {
        assert!(
            table.stdout.contains(text),
            "no {text:?} in\n{}",
            table.stdout
        );
    }

    // The page: a chart per grouping, each bar's tokens written on it.
    let page = dir.path().join("usage.html");
    let r = run(
        dir.path(),
        &[
            "usage",
            "--since",
            "1h",
            "--prices",
            "prices.toml",
            "--html",
            "usage.html",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("generated by"), "a generated header");
    for id in ["by-day", "by-profile", "by-model"] {
        let start = html
            .find(&format!("<figure id=\"{id}\">"))
            .unwrap_or_else(|| panic!("no chart {id}"));
        let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
        assert_eq!(figure.matches("<svg").count(), 1, "{id}: one chart");
        let expected: Vec<u64> = match id {
            "by-day" => vec![s1.0 + s1.1 + s2.0 + s2.1 + o1.0 + o1.1 + raw.0 + raw.1],
            _ => vec![s1.0 + s1.1 + s2.0 + s2.1, o1.0 + o1.1, raw.0 + raw.1],
        };
        let texts = texts(figure);
        for tokens in expected {
            let shown = group_digits(tokens);
            assert!(
                texts.contains(&shown),
                "{id}: no bar labelled {shown} in {texts:?}"
            );
        }
    }
    let sonnet_cost = format!(
        "${:.2}",
        cost(s1, 20000.0, 100000.0) + cost(s2, 20000.0, 100000.0)
    );
    assert!(
        texts(&html).contains(&sonnet_cost),
        "the cost bar {sonnet_cost}"
    );
    assert!(!html.contains("<script"), "self-contained, no script");
}

/// The texts an SVG draws, trimmed.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| Some(t[t.find('>')? + 1..t.find("</text>")?].trim().to_string()))
        .collect()
}

fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Two calls with a cache point: the first writes the prefix, the second reads it; the
/// report's cache counts are the answers', and priced at the cache prices.
#[test]
fn usage_counts_prompt_cache_tokens_and_prices_them() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    std::fs::write(
        dir.path().join("prices.toml"),
        "source = \"test\"\ndate = \"2026-12-01\"\n[[price]]\nmodel = \"anthropic.claude-opus-4-5-20251101-v1:0\"\nregions = [\"*\"]\ninput = 4.0\noutput = 20.0\ncache_read = 0.5\ncache_write = 6.0\n",
    )
    .unwrap();
    let profile = env_values(dir.path())["BEDROCK_OPUS_45_PROFILE"].clone();
    let client = runtime_client();
    let mut sums = [0u64; 4];
    let mut cost = 0.0;
    for _ in 0..2 {
        let out = converse_cached(&client, &profile);
        let u = out.usage().unwrap();
        let counts = [
            u.input_tokens(),
            u.output_tokens(),
            u.cache_read_input_tokens().unwrap_or(0),
            u.cache_write_input_tokens().unwrap_or(0),
        ]
        .map(|n| u64::try_from(n).unwrap());
        for (sum, n) in sums.iter_mut().zip(counts) {
            *sum += n;
        }
        cost += (counts[0] as f64 * 4.0
            + counts[1] as f64 * 20.0
            + counts[2] as f64 * 0.5
            + counts[3] as f64 * 6.0)
            / 1e6;
    }
    assert!(
        sums[2] > 0 && sums[3] > 0,
        "the emulator read and wrote the cache: {sums:?}"
    );
    let doc = json(dir.path(), &["--since", "1h", "--prices", "prices.toml"]);
    let opus = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "LibreChat-Claude-Opus-4-5")
        .unwrap();
    let got = [
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
    ]
    .map(|k| opus[k].as_u64().unwrap());
    assert_eq!(got, sums);
    assert!(
        (opus["cost_usd"].as_f64().unwrap() - cost).abs() < 1e-12,
        "{opus}"
    );
    assert_eq!(opus["unpriced_calls"].as_u64(), Some(0));
}

#[test]
fn usage_refuses_bad_input_before_any_call_and_says_when_nothing_is_logged() {
    let _turn = turn();
    let dir = project(None);
    refused_before_aws(
        dir.path(),
        &["usage", "--by", "week"],
        &["--by \"week\" is not a grouping", "metadata:KEY"],
    );
    refused_before_aws(
        dir.path(),
        &["usage", "--since", "soon"],
        &["--since \"soon\" is not a duration"],
    );
    refused_before_aws(
        dir.path(),
        &["usage", "--prices", "missing.toml"],
        &["--prices missing.toml cannot be read"],
    );
    std::fs::write(dir.path().join("bad.toml"), "source = \"x\"\ndate = \"d\"\n[[price]]\nmodel = \"m\"\nregions = [\"*\"]\ninput = -1\noutput = 1\n").unwrap();
    refused_before_aws(
        dir.path(),
        &["usage", "--prices", "bad.toml"],
        &[
            "--prices bad.toml is not a price table",
            "[[price]] 1",
            "negative",
        ],
    );
    refused_before_aws(
        dir.path(),
        &["usage", "--html", "no/such/folder/u.html"],
        &["folder no/such/folder does not exist"],
    );
    let spec = std::fs::read(dir.path().join("bedrock.toml")).unwrap();
    refused_before_aws(
        dir.path(),
        &["usage", "--html", "bedrock.toml"],
        &["--html bedrock.toml exists and is not a page `usage` wrote"],
    );
    assert_eq!(
        std::fs::read(dir.path().join("bedrock.toml")).unwrap(),
        spec,
        "the spec is untouched"
    );
    refused_before_aws(
        dir.path(),
        &["usage", "--since", "7"],
        &["--since \"7\" has no unit", "7d"],
    );
    // Nothing applied yet: no log group, and the way to make one.
    let r = run(dir.path(), &["usage"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("does not exist") && r.stderr.contains("apply"),
        "{}",
        r.stderr
    );

    // Applied, nothing called yet: an empty window, and a page that says so (written again
    // over itself: it is a page usage wrote).
    apply(dir.path());
    for _ in 0..2 {
        let r = run(dir.path(), &["usage", "--html", "empty.html"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains("no invocation records in the last 7d"),
            "{}",
            r.stdout
        );
    }
    let page = std::fs::read_to_string(dir.path().join("empty.html")).unwrap();
    assert!(
        page.contains("No invocation records in this window") && !page.contains("<svg"),
        "{page}"
    );
}
