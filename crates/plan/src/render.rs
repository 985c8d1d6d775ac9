//! A plan for people, the way Terraform users read one: `+` create, `~` update, `-/+`
//! replace, `-` delete, field by field, then what is kept on purpose and a summary line.
//! Colour only when asked (a terminal).

use crate::change::Action;
use crate::plan::Plan;
use serde_json::Value;
use std::fmt::Write;

const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";
const MAGENTA: &str = "\x1b[35m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// A value on one line, when it reads well there: a scalar, or a small flat map (tags, flags)
/// as an inline table. None for anything nested or long: [`block`] shows it.
fn inline(v: &Value) -> Option<String> {
    let text = match v {
        Value::Null => return Some("(none)".into()),
        Value::String(s) => return Some(format!("{s:?}")),
        Value::Object(map) if map.values().all(|v| v.is_string() || v.is_boolean()) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", inline(v).unwrap_or_default()))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let items: Vec<String> = items.iter().filter_map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(_) | Value::Array(_) => return None,
        other => return Some(other.to_string()),
    };
    // A collection on one line only while it stays short.
    (text.chars().count() <= 100).then_some(text)
}

/// A nested value as indented lines, one leaf per line, the way YAML reads.
fn block(v: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match inline(v)
                    .filter(|_| !v.is_array() || v.as_array().is_some_and(|a| a.is_empty()))
                {
                    Some(text) if !v.is_object() || v.as_object().is_some_and(|m| m.is_empty()) => {
                        lines.push(format!("{k}: {text}"))
                    }
                    _ => {
                        lines.push(format!("{k}:"));
                        lines.extend(block(v).into_iter().map(|l| format!("  {l}")));
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let inner = match inline(item) {
                    Some(text) if !item.is_object() => vec![text],
                    _ => block(item),
                };
                for (i, l) in inner.into_iter().enumerate() {
                    lines.push(if i == 0 {
                        format!("- {l}")
                    } else {
                        format!("  {l}")
                    });
                }
            }
        }
        other => lines.push(inline(other).unwrap_or_else(|| other.to_string())),
    }
    lines
}

/// What tells an element of a list apart when the list changes: its `Sid`, `name`, `category`, `type`,
/// `key` or `id`, else its place.
fn label(item: &Value, index: usize) -> String {
    ["Sid", "name", "category", "type", "key", "id"]
        .iter()
        .find_map(|k| {
            item.get(*k)
                .and_then(|v| v.as_str())
                .map(|v| format!("[{k}={v}]"))
        })
        .unwrap_or_else(|| format!("[{index}]"))
}

/// Every leaf of a value by its path (`Statement[Sid=Logs].Resource[0]`), for element diffs.
fn leaves(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(v, p, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() || item.is_array() {
                    leaves(item, format!("{path}{}", label(item, i)), out);
                } else {
                    // A list of plain values is a set: its members, not their places.
                    out.push((format!("{path}[]"), item.clone()));
                }
            }
        }
        other => out.push((path, other.clone())),
    }
}

/// A changed nested value as element diffs: what was removed, changed and added, leaf by leaf,
/// never the whole value twice.
fn element_diff(before: &Value, after: &Value) -> Vec<String> {
    let (mut b, mut a) = (Vec::new(), Vec::new());
    leaves(before, String::new(), &mut b);
    leaves(after, String::new(), &mut a);
    let show = |v: &Value| inline(v).unwrap_or_else(|| v.to_string());
    // A set member by its list's path; the top-level list's members alone.
    let member = |sign: char, path: &str, v: &Value| match path.strip_suffix("[]") {
        Some("") => format!("{sign} {}", show(v)),
        Some(list) => format!("{sign} {list}: {}", show(v)),
        None => format!("{sign} {path}: {}", show(v)),
    };
    let mut lines = Vec::new();
    for (path, old) in &b {
        if path.ends_with("[]") {
            if !a.contains(&(path.clone(), old.clone())) {
                lines.push(member('-', path, old));
            }
            continue;
        }
        match a.iter().find(|(p, _)| p == path) {
            None => lines.push(member('-', path, old)),
            Some((_, new)) if new != old => {
                lines.push(format!("~ {path}: {} -> {}", show(old), show(new)))
            }
            Some(_) => {}
        }
    }
    for (path, new) in &a {
        let known = if path.ends_with("[]") {
            b.contains(&(path.clone(), new.clone()))
        } else {
            b.iter().any(|(p, _)| p == path)
        };
        if !known {
            lines.push(member('+', path, new));
        }
    }
    lines
}

/// The plan as text. `color` adds ANSI colours.
pub fn render_plan(plan: &Plan, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Stack {:?} in account {}, {}:",
        plan.stack, plan.account_id, plan.region
    );
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let unchanged = plan.changes.len() - changed.len();
    if changed.is_empty() && unchanged == 0 {
        let _ = writeln!(out, "\nNo changes: the stack has nothing in this account.");
    } else if changed.is_empty() {
        let _ = writeln!(
            out,
            "\nNo changes: the live resources match the spec ({unchanged} checked)."
        );
    } else {
        out.push('\n');
    }
    for c in &changed {
        let (sign, code) = match c.action {
            Action::Create => ("+", GREEN),
            Action::Update => ("~", YELLOW),
            Action::Adopt => ("~", YELLOW),
            Action::Replace => ("-/+", MAGENTA),
            Action::Delete => ("-", RED),
            Action::NoOp => (" ", ""),
        };
        let adopt = if c.action == Action::Adopt {
            " (adopt)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} {} {}{}  {}",
            paint(code, sign),
            c.kind.label,
            paint(BOLD, &c.name),
            adopt,
            paint(DIM, &format!("# {}", c.reason))
        );
        for d in &c.diffs {
            let sign_code = |line: &str| match line.chars().next() {
                Some('-') => RED,
                Some('~') => YELLOW,
                _ => GREEN,
            };
            if !d.lines.is_empty() {
                let _ = writeln!(out, "      {}:", d.field);
                for line in &d.lines {
                    let _ = writeln!(out, "        {}", paint(sign_code(line), line));
                }
                continue;
            }
            let created = c.action == Action::Create || d.before.is_null();
            match (inline(&d.before), inline(&d.after)) {
                (_, Some(after)) if created => {
                    let _ = writeln!(out, "      {}: {after}", d.field);
                }
                (Some(before), Some(after)) => {
                    let _ = writeln!(out, "      {}: {before} -> {after}", d.field);
                }
                _ if c.action == Action::Create => {
                    let _ = writeln!(out, "      {}:", d.field);
                    for line in block(&d.after) {
                        let _ = writeln!(out, "        {line}");
                    }
                }
                // Set where there was none, or taken away: the whole value, signed.
                _ if d.before.is_null() || d.after.is_null() => {
                    let (sign, code, v) = if d.before.is_null() {
                        ("+", GREEN, &d.after)
                    } else {
                        ("-", RED, &d.before)
                    };
                    let _ = writeln!(out, "      {}:", d.field);
                    for line in block(v) {
                        let _ = writeln!(out, "        {}", paint(code, &format!("{sign} {line}")));
                    }
                }
                _ => {
                    let _ = writeln!(out, "      {}:", d.field);
                    for line in element_diff(&d.before, &d.after) {
                        let _ = writeln!(out, "        {}", paint(sign_code(&line), &line));
                    }
                }
            }
        }
    }
    if !plan.kept.is_empty() {
        let _ = writeln!(out, "\nKept on purpose:");
        for k in &plan.kept {
            let _ = writeln!(out, "  {} {}: {}", k.kind.label, k.name, k.reason);
        }
    }
    if !plan.other_regions.is_empty() {
        let _ = writeln!(out, "\nThis stack in other regions:");
        for r in &plan.other_regions {
            let found = if r.found.is_empty() {
                String::new()
            } else {
                format!(" {}", r.found.join(", "))
            };
            let _ = writeln!(out, "  {}:{found}", r.region);
            let _ = writeln!(out, "      # {}", r.note);
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for w in &plan.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
    let s = plan.summary();
    let _ = writeln!(
        out,
        "\nPlan: {} to add, {} to change, {} to replace, {} to destroy{}.",
        s.add,
        s.change,
        s.replace,
        s.destroy,
        if unchanged > 0 && !changed.is_empty() {
            format!(" ({unchanged} unchanged)")
        } else {
            String::new()
        }
    );
    out
}

/// The plan for people, without colour (`render_plan(plan, true)` for a terminal).
impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&render_plan(self, false))
    }
}

/// A count as people read it: 400000 as "400,000".
pub fn thousands(n: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_nested_value_is_a_block_and_its_change_an_element_diff() {
        let before = json!([
            {"type": "HATE", "input_strength": "HIGH", "output_strength": "HIGH"},
            {"type": "VIOLENCE", "input_strength": "HIGH", "output_strength": "MEDIUM"}
        ]);
        let after = json!([
            {"type": "HATE", "input_strength": "HIGH", "output_strength": "HIGH"},
            {"type": "INSULTS", "input_strength": "LOW", "output_strength": "LOW"},
            {"type": "VIOLENCE", "input_strength": "HIGH", "output_strength": "HIGH"}
        ]);
        assert_eq!(inline(&after), None);
        assert_eq!(
            block(&before),
            [
                "- input_strength: \"HIGH\"",
                "  output_strength: \"HIGH\"",
                "  type: \"HATE\"",
                "- input_strength: \"HIGH\"",
                "  output_strength: \"MEDIUM\"",
                "  type: \"VIOLENCE\"",
            ]
        );
        // The filter that changed and the one added, by their type, not the whole list.
        assert_eq!(
            element_diff(&before, &after),
            [
                "~ [type=VIOLENCE].output_strength: \"MEDIUM\" -> \"HIGH\"",
                "+ [type=INSULTS].input_strength: \"LOW\"",
                "+ [type=INSULTS].output_strength: \"LOW\"",
                "+ [type=INSULTS].type: \"INSULTS\"",
            ]
        );
        // Tags and short lists stay on one line.
        assert_eq!(inline(&json!({"Team": "a"})).unwrap(), "{Team: \"a\"}");
        // A list of plain values changes by member.
        assert_eq!(
            element_diff(&json!(["a", "b"]), &json!(["b", "c"])),
            ["- \"a\"", "+ \"c\""]
        );
        assert_eq!(inline(&json!(["x", 1])).unwrap(), "[\"x\", 1]");
    }
}
