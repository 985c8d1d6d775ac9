//! `[[guardrails]]`: each guardrail's name, messages and policies, checked by the rules of
//! Bedrock's service model (`guardrail_rules`), every name used once.

use super::cx::{join, kind, problem, Cx};
use super::profiles::decode_tags;
use super::table::Table;
use crate::guardrail_rules as g;
use crate::model::{GuardrailSpec, Topic};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::DeValue;
use toml::Spanned;

pub(super) fn decode_guardrails(
    cx: &mut Cx<'_>,
    top: &mut Table<'_, '_>,
) -> Option<Vec<GuardrailSpec>> {
    let list = top.tables(
        cx,
        "guardrails",
        "write each guardrail as its own [[guardrails]] section (two brackets)",
    )?;
    let mut out = Vec::new();
    let mut ok = true;
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let help =
        "write each guardrail as a [[guardrails]] section with name and the blocked messages";
    for (i, mut t) in list.read(cx, help, &mut ok) {
        let (path, item_span) = (t.path.clone(), t.span.clone());
        let guardrail = decode_guardrail(cx, &mut t);
        t.finish(cx);
        match guardrail {
            Some(gr) => {
                if let Some(first) = names.get(&gr.name) {
                    let span = cx.spans.get(&format!("{path}.name")).cloned();
                    cx.error(
                        &format!("{path}.name"),
                        span.unwrap_or(item_span),
                        problem(
                            format!(
                                "the guardrail name {:?} is already used by guardrails[{first}]",
                                gr.name
                            ),
                            "each guardrail needs its own name: change one of them",
                        ),
                    );
                    ok = false;
                } else {
                    names.insert(gr.name.clone(), i);
                    out.push(gr);
                }
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn decode_guardrail(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<GuardrailSpec> {
    let path = t.path.clone();
    let mut ok = true;
    let name = t.required_string(cx, "name", "name = \"librechat-default\"");
    if let Some((n, span)) = &name {
        ok &= cx.rule(&format!("{path}.name"), span, g::name(n));
    }
    let description = t.string(cx, "description");
    if let Some((d, span)) = &description {
        ok &= cx.rule(&format!("{path}.description"), span, g::description(d));
    }
    let mut message = |cx: &mut Cx<'_>, t: &mut Table<'_, '_>, key: &'static str| {
        let found = t.required_string(
            cx,
            key,
            &format!("{key} = \"Sorry, I can't help with that request.\""),
        );
        if let Some((m, span)) = &found {
            ok &= cx.rule(&join(&path, key), span, g::message(m));
        }
        found.map(|f| f.0)
    };
    let blocked_input = message(cx, t, "blocked_input_message");
    let blocked_output = message(cx, t, "blocked_output_message");

    let content_filters = content_filters(cx, t, &mut ok);
    let denied_topics = topics(cx, t, &mut ok);
    let pii = pii(cx, t, &mut ok);
    let words = words(cx, t, &mut ok);
    let profanity = t.bool(cx, "profanity").unwrap_or(false);
    let (grounding, relevance) = grounding(cx, t, &mut ok);
    let tags = decode_tags(cx, t, &mut ok);

    let any_policy = !content_filters.is_empty()
        || !denied_topics.is_empty()
        || !pii.is_empty()
        || !words.is_empty()
        || profanity
        || grounding.is_some()
        || relevance.is_some();
    if ok && !any_policy {
        cx.error(
            &path,
            t.span.clone(),
            problem(
                "the guardrail has no policy: Bedrock would let everything through",
                "add at least one of content_filters, denied_topics, pii, words, profanity = true, contextual_grounding",
            ),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    Some(GuardrailSpec {
        name: name?.0,
        description: description.map(|d| d.0),
        blocked_input_message: blocked_input?,
        blocked_output_message: blocked_output?,
        content_filters,
        denied_topics,
        pii,
        words,
        profanity,
        grounding_threshold: grounding,
        relevance_threshold: relevance,
        tags,
    })
}

/// A strength as written ("high" or "HIGH"), upper-cased, or the rule's problem.
fn strength(cx: &mut Cx<'_>, path: &str, v: &Spanned<DeValue<'_>>) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => {
            let upper = s.to_ascii_uppercase();
            cx.rule(path, &v.span(), g::strength(&upper))
                .then_some(upper)
        }
        other => {
            cx.error(
                path,
                v.span(),
                problem(
                    format!("expected a strength, found {}", kind(other)),
                    "write \"HIGH\", \"MEDIUM\", \"LOW\" or \"NONE\", or { input = \"HIGH\", output = \"MEDIUM\" }",
                ),
            );
            None
        }
    }
}

/// `content_filters = { hate = "HIGH", prompt_attack = "HIGH", violence = { input = "HIGH",
/// output = "MEDIUM" } }`: one strength for prompts and answers, or each its own. A
/// prompt-attack filter applies to prompts only: its output strength is NONE.
fn content_filters(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    ok: &mut bool,
) -> Vec<(String, String, String)> {
    let Some(ft) = t.table(cx, "content_filters") else {
        *ok &= !t
            .table
            .iter()
            .any(|(k, _)| k.get_ref() == "content_filters");
        return Vec::new();
    };
    let mut found: BTreeMap<&str, (String, String)> = BTreeMap::new();
    for (k, v) in ft.table.iter() {
        let key = k.get_ref().as_ref();
        let path = join(&ft.path, key);
        cx.spans.insert(path.clone(), v.span());
        let Some((spec_key, category)) = g::CONTENT_FILTERS
            .iter()
            .find(|(s, _)| *s == key.to_ascii_lowercase())
        else {
            let known: Vec<&str> = g::CONTENT_FILTERS.iter().map(|(s, _)| *s).collect();
            cx.error(
                &path,
                k.span(),
                problem(
                    format!("{key:?} is not a content filter category"),
                    format!("Bedrock filters {}", known.join(", ")),
                ),
            );
            *ok = false;
            continue;
        };
        let pair = match v.get_ref() {
            DeValue::Table(io) => {
                let mut sides = Table::new(path.clone(), io, v.span());
                let input = sides
                    .lookup(cx, "input")
                    .and_then(|s| strength(cx, &format!("{path}.input"), s));
                let output = sides
                    .lookup(cx, "output")
                    .and_then(|s| strength(cx, &format!("{path}.output"), s));
                let missing = io.iter().count() < 2;
                sides.finish(cx);
                if missing {
                    cx.error(
                        &path,
                        v.span(),
                        problem(
                            "a filter written as a table needs both input and output",
                            format!("write {key} = {{ input = \"HIGH\", output = \"HIGH\" }}, or {key} = \"HIGH\" for both"),
                        ),
                    );
                }
                input.zip(output)
            }
            _ => strength(cx, &path, v).map(|s| {
                let output = if *spec_key == "prompt_attack" {
                    "NONE".to_string()
                } else {
                    s.clone()
                };
                (s, output)
            }),
        };
        match pair {
            Some((input, output)) => {
                if *spec_key == "prompt_attack" && output != "NONE" {
                    cx.error(
                        &path,
                        v.span(),
                        problem(
                            "a prompt-attack filter applies to prompts only: Bedrock requires its output strength to be NONE",
                            "write prompt_attack = \"HIGH\" (its output is NONE)",
                        ),
                    );
                    *ok = false;
                }
                found.insert(category, (input, output));
            }
            None => *ok = false,
        }
    }
    // Content filters are free-form keys checked above: the table is not finished.
    g::CONTENT_FILTERS
        .iter()
        .filter_map(|(_, c)| found.remove(c).map(|(i, o)| (c.to_string(), i, o)))
        .collect()
}

fn topics(cx: &mut Cx<'_>, t: &mut Table<'_, '_>, ok: &mut bool) -> Vec<Topic> {
    let path = join(&t.path, "denied_topics");
    let help =
        "write denied_topics = [{ name = \"...\", definition = \"...\", examples = [\"...\"] }]";
    let Some(list) = t.tables(cx, "denied_topics", help) else {
        *ok = false;
        return Vec::new();
    };
    if list.len() > g::TOPICS {
        cx.error(
            &path,
            list.span.clone(),
            problem(
                format!(
                    "{} denied topics; Bedrock takes at most {}",
                    list.len(),
                    g::TOPICS
                ),
                "merge related topics",
            ),
        );
        *ok = false;
    }
    let mut out: Vec<Topic> = Vec::new();
    let help = "write { name = \"...\", definition = \"...\", examples = [\"...\"] }";
    for (_, mut tt) in list.read(cx, help, ok) {
        let ipath = tt.path.clone();
        let name = tt.required_string(cx, "name", "name = \"Investment advice\"");
        let definition = tt.required_string(
            cx,
            "definition",
            "definition = \"Recommendations about where to invest money.\"",
        );
        let examples = tt.strings(cx, "examples");
        let mut good = true;
        if let Some((n, span)) = &name {
            good &= cx.rule(&format!("{ipath}.name"), span, g::topic_name(n));
            if out.iter().any(|o| o.name == *n) {
                cx.error(
                    &format!("{ipath}.name"),
                    span.clone(),
                    problem(
                        format!("the topic {n:?} is listed twice"),
                        "each denied topic needs its own name",
                    ),
                );
                good = false;
            }
        }
        if let Some((d, span)) = &definition {
            good &= cx.rule(&format!("{ipath}.definition"), span, g::topic_definition(d));
        }
        if examples.len() > g::TOPIC_EXAMPLES {
            cx.error(
                &format!("{ipath}.examples"),
                tt.span.clone(),
                problem(
                    format!(
                        "{} examples; Bedrock takes at most {}",
                        examples.len(),
                        g::TOPIC_EXAMPLES
                    ),
                    "keep the five most typical",
                ),
            );
            good = false;
        }
        for (j, (e, span)) in examples.iter().enumerate() {
            good &= cx.rule(&format!("{ipath}.examples[{j}]"), span, g::topic_example(e));
        }
        tt.finish(cx);
        match (name, definition, good) {
            (Some(n), Some(d), true) => out.push(Topic {
                name: n.0,
                definition: d.0,
                examples: examples.into_iter().map(|e| e.0).collect(),
            }),
            _ => *ok = false,
        }
    }
    out
}

/// `pii = { EMAIL = "ANONYMIZE", US_SOCIAL_SECURITY_NUMBER = "BLOCK" }`, sorted by type.
fn pii(cx: &mut Cx<'_>, t: &mut Table<'_, '_>, ok: &mut bool) -> Vec<(String, String)> {
    let Some(pt) = t.table(cx, "pii") else {
        *ok &= !t.table.iter().any(|(k, _)| k.get_ref() == "pii");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in pt.table.iter() {
        let key = k.get_ref().to_string();
        let path = join(&pt.path, &key);
        cx.spans.insert(path.clone(), v.span());
        let type_ok = cx.rule(&path, &k.span(), g::pii_type(&key));
        let action = match v.get_ref() {
            DeValue::String(s) => {
                let upper = s.to_ascii_uppercase();
                cx.rule(&path, &v.span(), g::pii_action(&upper))
                    .then_some(upper)
            }
            other => {
                cx.error(
                    &path,
                    v.span(),
                    problem(
                        format!("expected an action, found {}", kind(other)),
                        "write \"BLOCK\", \"ANONYMIZE\" or \"NONE\"",
                    ),
                );
                None
            }
        };
        match action {
            Some(a) if type_ok => out.push((key, a)),
            _ => *ok = false,
        }
    }
    out.sort();
    out
}

fn words(cx: &mut Cx<'_>, t: &mut Table<'_, '_>, ok: &mut bool) -> Vec<String> {
    let words = t.strings(cx, "words");
    let path = join(&t.path, "words");
    if words.len() > g::WORDS {
        cx.error(
            &path,
            t.span.clone(),
            problem(
                format!("{} words; Bedrock takes at most {}", words.len(), g::WORDS),
                "keep the words that matter, or use profanity = true for AWS's own list",
            ),
        );
        *ok = false;
    }
    let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, (w, span)) in words.into_iter().enumerate() {
        let wpath = format!("{path}[{i}]");
        if !cx.rule(&wpath, &span, g::word(&w)) {
            *ok = false;
            continue;
        }
        let folded = w.to_lowercase();
        if let Some(first) = seen.get(&folded) {
            let line = cx.line(first);
            cx.error(
                &wpath,
                span,
                problem(
                    format!(
                        "{w:?} is already listed (line {line}); Bedrock matches words in any case"
                    ),
                    "remove one of them",
                ),
            );
            *ok = false;
            continue;
        }
        seen.insert(folded, span);
        out.push(w);
    }
    out
}

/// `contextual_grounding = { grounding = 0.75, relevance = 0.5 }`.
fn grounding(cx: &mut Cx<'_>, t: &mut Table<'_, '_>, ok: &mut bool) -> (Option<f64>, Option<f64>) {
    let Some(mut gt) = t.table(cx, "contextual_grounding") else {
        *ok &= !t
            .table
            .iter()
            .any(|(k, _)| k.get_ref() == "contextual_grounding");
        return (None, None);
    };
    let mut read = |cx: &mut Cx<'_>, gt: &mut Table<'_, '_>, key: &'static str| {
        let (n, span) = gt.number(cx, key)?;
        let path = join(&gt.path, key);
        if cx.rule(&path, &span, g::threshold(n)) {
            Some(n)
        } else {
            *ok = false;
            None
        }
    };
    let grounding = read(cx, &mut gt, "grounding");
    let relevance = read(cx, &mut gt, "relevance");
    if grounding.is_none() && relevance.is_none() && gt.table.iter().count() == 0 {
        cx.error(
            &gt.path,
            gt.span.clone(),
            problem(
                "contextual_grounding sets no threshold",
                "write contextual_grounding = { grounding = 0.75, relevance = 0.5 }, or remove it",
            ),
        );
        *ok = false;
    }
    gt.finish(cx);
    (grounding, relevance)
}
