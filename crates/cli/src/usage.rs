//! `usage`: what the stack's callers used, from the invocation records: a table per group,
//! JSON, or a self-contained HTML page with charts.

use crate::output::Terminal;
use crate::output::{json_text, Exit};
use crate::stack_args::StackArgs;
use bedrock_engine::accounts::finish;
use bedrock_engine::usage::{price_table, By, Grouped, Totals};
use bedrock_engine::{Error, Outcome, UsageReport};
use clap::Args;

mod html;
use std::path::PathBuf;

/// Sum the invocation records per profile, model, caller, day or request metadata key, with
/// an estimated cost.
#[derive(Args, Debug)]
pub struct UsageArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// How far back to read: 30m, 12h, 7d.
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub since: String,
    /// What to group by: profile, model, principal, day, or metadata:KEY (a key callers set
    /// in Converse's requestMetadata).
    #[arg(long, default_value = "profile", value_name = "GROUPING")]
    pub by: String,
    /// A price table (TOML, USD per million tokens) laid over the built-in one.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Also write one self-contained HTML page with charts: cost and tokens per day, per
    /// profile and per model.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

impl UsageArgs {
    pub fn run(self) -> Result<Exit, Error> {
        // Bad input is refused before anything else.
        bedrock_engine::parse_since(&self.since)?;
        let by = By::parse(&self.by).map_err(|e| {
            Error::other(
                e,
                "e.g. --by model, or --by metadata:team for a requestMetadata key",
            )
        })?;
        let table = price_table(self.prices.as_deref())?;
        if let Some(html) = &self.html {
            html::check_writable(html)?;
            if self.stack.assume_role.len() > 1
                || self.stack.organization
                || !self.stack.organization_unit.is_empty()
            {
                return Err(Error::other(
                    "--html writes one account's page, and --assume-role, --organization or --organization-unit names several accounts",
                    "write one account's page at a time (one --assume-role), or leave out --html",
                ));
            }
        }
        let console = Terminal::default();
        let spec = self.stack.spec()?;
        let (targets, results) =
            self.stack
                .options()
                .run_each(&console, &spec, "usage", self.json, |stack, sink| {
                    let spinner = crate::progress::spinner("reading the invocation records");
                    let report = stack.usage(&self.since, &by, table.clone(), &|n| {
                        spinner.set_message(format!("reading the invocation records: {n} so far"));
                    });
                    spinner.finish_and_clear();
                    let report = report?;
                    // The report first: a page that cannot be written loses nothing read.
                    if self.json {
                        sink.out(json_text(&report));
                    } else {
                        sink.out(render(&report));
                    }
                    if let Some(html) = &self.html {
                        html::write(&report, html)?;
                        sink.note(format!("usage: wrote {}", html.display()));
                    }
                    Ok(Outcome::new(
                        Exit::Success,
                        format!("{} records", report.records),
                    ))
                })?;
        finish(&console, &targets, results, self.json)
    }
}

/// Thousands apart, for people.
pub(crate) fn count(n: u64) -> String {
    bedrock_engine::usage::thousands(n)
}

/// A cost for people: cents, and a fraction of a cent shown as such.
pub(crate) fn dollars(usd: f64) -> String {
    if usd > 0.0 && usd < 0.01 {
        "<$0.01".to_string()
    } else {
        format!("${usd:.2}")
    }
}

/// A group's figures as the table and the page show them: calls, errors, the four token
/// counts and the estimated cost (marked `*` when some calls had no price, with `mark`).
pub(crate) fn cells(t: &Totals, mark: bool) -> [String; 7] {
    [
        count(t.calls),
        count(t.errors),
        count(t.input_tokens),
        count(t.output_tokens),
        count(t.cache_read_tokens),
        count(t.cache_write_tokens),
        format!(
            "{}{}",
            dollars(t.cost_usd),
            if mark && t.unpriced_calls > 0 {
                "*"
            } else {
                ""
            }
        ),
    ]
}

/// The widest key the table shows whole; `--json` and `--html` have every key whole.
const KEY_WIDTH: usize = 64;

/// A text from the records (a metadata value, a caller's ARN) or a price file as the
/// terminal shows it: control characters (a newline, an escape sequence) as `?`, and cut to
/// `max` characters, its end kept.
pub(crate) fn shown(text: &str, max: usize) -> String {
    let clean: Vec<char> = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if clean.len() <= max {
        clean.into_iter().collect()
    } else {
        format!(
            "…{}",
            clean[clean.len() - (max - 1)..].iter().collect::<String>()
        )
    }
}

/// The report as a table, its price sources and what it could not price.
pub(crate) fn render(report: &UsageReport) -> String {
    let g: &Grouped = &report.grouped;
    let mut out = format!(
        "Invocation records in the last {} ({}, {}): {}\n\n",
        report.since, report.source, report.region, report.records
    );
    let keys: Vec<String> = g.groups.iter().map(|x| shown(&x.key, KEY_WIDTH)).collect();
    let width = keys
        .iter()
        .map(|k| k.chars().count())
        .chain([g.by.len(), 5])
        .max()
        .unwrap_or(5);
    let row = |key: &str, cells: [String; 7]| {
        format!(
            "{key:<width$}  {:>7} {:>6} {:>13} {:>13} {:>12} {:>12} {:>10}\n",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]
        )
    };
    out.push_str(&row(
        &g.by,
        [
            "calls",
            "errors",
            "input",
            "output",
            "cache read",
            "cache write",
            "est. cost",
        ]
        .map(String::from),
    ));
    for (group, key) in g.groups.iter().zip(&keys) {
        out.push_str(&row(key, cells(&group.totals, true)));
    }
    if g.groups.len() != 1 {
        out.push_str(&row("total", cells(&g.total, true)));
    }
    out.push('\n');
    for p in &report.prices {
        out.push_str(&format!(
            "prices: {} table, {} as of {}: estimates, not a bill\n",
            shown(&p.table, 200),
            shown(&p.source, 200),
            shown(&p.date, 40)
        ));
    }
    for (what, n) in &g.unpriced {
        out.push_str(&format!(
            "* not priced: {} ({n} call{}): not in the cost; give its price with --prices FILE\n",
            shown(what, 200),
            if *n == 1 { "" } else { "s" }
        ));
    }
    for object in &report.skipped {
        out.push_str(&format!(
            "skipped, holds no records: {}\n",
            shown(object, 300)
        ));
    }
    if report.records == 0 {
        out.push_str(&format!(
            "no invocation records in the last {}: make a request through LibreChat, or widen --since\n",
            report.since
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_and_costs_read_as_people_write_them() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(1000), "1,000");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1_234_567), "1,234,567");
        assert_eq!(super::dollars(0.0), "$0.00");
        assert_eq!(super::dollars(0.004), "<$0.01");
        assert_eq!(super::dollars(12.345), "$12.35");
        assert_eq!(super::shown("team\n\u{1b}[2J", 64), "team??[2J");
        assert_eq!(super::shown("abcdef", 4), "…def");
    }
}
