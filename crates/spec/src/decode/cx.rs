//! The diagnostic collector every decoder writes to, and the helpers that build problems
//! and key paths.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Spec;
use crate::rules::{Problem, Rule};
use crate::Checked;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::DeValue;

/// A message that quotes a long value, cut in its middle (the start names the value, the end
/// says what is wrong with it): a 10 MB description is not echoed whole.
fn shorten(text: &str) -> String {
    const HEAD: usize = 120;
    const TAIL: usize = 200;
    let count = text.chars().count();
    if count <= HEAD + TAIL + 40 {
        return text.to_string();
    }
    let head: String = text.chars().take(HEAD).collect();
    let tail: String = text.chars().skip(count - TAIL).collect();
    format!("{head}[... {} characters ...]{tail}", count - HEAD - TAIL)
}

#[derive(Default)]
pub(super) struct Cx<'s> {
    pub(super) source: &'s str,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) spans: BTreeMap<String, Range<usize>>,
}

impl Cx<'_> {
    pub(super) fn line(&self, span: &Range<usize>) -> usize {
        crate::diagnostic::line_col(self.source, span.start).0
    }

    fn push(&mut self, severity: Severity, path: &str, span: Range<usize>, p: Problem) {
        self.diagnostics.push(Diagnostic {
            severity,
            path: path.to_string(),
            span,
            message: shorten(&p.message),
            help: shorten(&p.help),
        });
    }

    pub(super) fn error(&mut self, path: &str, span: Range<usize>, p: Problem) {
        self.push(Severity::Error, path, span, p);
    }

    pub(super) fn warn(&mut self, path: &str, span: Range<usize>, p: Problem) {
        self.push(Severity::Warning, path, span, p);
    }

    /// Apply a rule to a value; report it as an error when it fails. Returns whether it held.
    pub(super) fn rule(&mut self, path: &str, span: &Range<usize>, rule: Rule) -> bool {
        match rule {
            Ok(()) => true,
            Err(p) => {
                self.error(path, span.clone(), p);
                false
            }
        }
    }

    pub(super) fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    pub(super) fn finish(mut self, spec: Option<Spec>) -> Checked {
        self.diagnostics.sort_by_key(|d| (d.span.start, d.severity));
        Checked {
            spec,
            diagnostics: self.diagnostics,
            spans: self.spans,
        }
    }
}

pub(super) fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        help: help.into(),
    }
}

pub(super) fn kind(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A key as it appears in a path: bare when TOML allows it bare, quoted otherwise.
fn key_segment(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key_segment(key)
    } else {
        format!("{prefix}.{}", key_segment(key))
    }
}
