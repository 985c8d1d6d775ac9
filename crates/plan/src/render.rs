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

fn value(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Object(map) if map.contains_key("Statement") => "(policy document)".into(),
        // Tags and flags: small flat maps read best inline.
        Value::Object(map) if map.values().all(|v| v.is_string() || v.is_boolean()) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} = {}", value(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Object(_) => "(document)".into(),
        other => other.to_string(),
    }
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
            if !d.lines.is_empty() {
                let _ = writeln!(out, "      {}:", d.field);
                for line in &d.lines {
                    let code = if line.starts_with('-') { RED } else { GREEN };
                    let _ = writeln!(out, "        {}", paint(code, line));
                }
            } else if c.action == Action::Create {
                let _ = writeln!(out, "      {}: {}", d.field, value(&d.after));
            } else {
                let _ = writeln!(
                    out,
                    "      {}: {} -> {}",
                    d.field,
                    value(&d.before),
                    value(&d.after)
                );
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
