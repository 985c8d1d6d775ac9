//! Diagnostics: what is wrong, at which key, where in the file, and how to fix it; rendered
//! the way rustc and cargo render theirs.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::ops::Range;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The key path the problem is about, e.g. `profiles[1].model`.
    pub path: String,
    /// Byte range in the spec's source.
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
}

impl Diagnostic {
    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }
}

/// 1-based line and column of a byte offset; offsets past the end or inside a character are
/// clamped so that this never panics.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Diagnostics with the source they point into.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub file: &'a Path,
    pub source: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

impl Report<'_> {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Every diagnostic, in file order, then a summary line when there is anything to say.
    /// `styled` adds ANSI colours (for a terminal).
    pub fn render(&self, styled: bool) -> String {
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let path = self.file.display().to_string();
        let mut out = String::new();
        for d in self.diagnostics {
            let level = match d.severity {
                Severity::Error => Level::ERROR,
                Severity::Warning => Level::WARNING,
            };
            let span = clamp(self.source, &d.span);
            let title = format!("{}: {}", d.path, d.message);
            let report = [
                level.primary_title(&title).element(
                    Snippet::source(self.source)
                        .path(&path)
                        .fold(true)
                        .annotation(AnnotationKind::Primary.span(span)),
                ),
                Group::with_title(Level::HELP.secondary_title(&d.help)),
            ];
            out.push_str(&renderer.render(&report));
            out.push_str("\n\n");
        }
        let (errors, warnings) = (self.errors(), self.warnings());
        if errors > 0 {
            out.push_str(&format!(
                "error: {} has {} and {}; nothing was changed\n",
                path,
                plural(errors, "error"),
                plural(warnings, "warning")
            ));
        } else if warnings > 0 {
            out.push_str(&format!(
                "warning: {} is valid, with {}\n",
                path,
                plural(warnings, "warning")
            ));
        }
        out
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A span that is inside the source and on character boundaries, so the renderer is never
/// handed a range it cannot slice.
fn clamp(source: &str, span: &Range<usize>) -> Range<usize> {
    let fix = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = fix(span.start);
    let end = fix(span.end).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_clamps() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 9), (2, 3));
        assert_eq!(line_col(src, 8), (2, 2)); // inside `é`: clamped back
        assert_eq!(line_col(src, 999), (3, 1));
    }
}
