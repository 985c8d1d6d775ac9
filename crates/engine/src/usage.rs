//! `usage [--since 7d] [--by profile|model|principal|day|metadata:KEY] [--prices FILE]`: the
//! stack's invocation records of a window, summed per group (calls, errors, input, output,
//! cache-read and cache-write tokens) with an estimated cost from a price table. It reads
//! what `verify` reads: the stack's log group or S3 destination, or what the account's
//! logging names.

mod prices;
mod report;

pub use prices::{PriceSource, PriceTable, Scope};
pub use report::{group, resolve, By, Group, Grouped, KnownProfile, Totals, UsageRecord, NOT_SET};

use crate::records::parse_since;
use crate::verify::now_ms;
use crate::{Error, Stack};
use serde::Serialize;
use std::path::Path;

/// A count for people, thousands apart: `1,234,567`.
pub use bedrock_plan::thousands;

/// The records of a window, ready to be grouped; serialized as its grouping by `by`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageReport {
    pub since: String,
    /// Where the records were read: `log group NAME` or `s3://bucket/prefix`.
    pub source: String,
    pub region: String,
    /// The price tables, the winning one first: costs are estimates as of their dates.
    pub prices: Vec<PriceSource>,
    pub records: usize,
    /// Objects of the S3 destination that hold no records (not gzipped text), skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    #[serde(flatten)]
    pub grouped: Grouped,
    #[serde(skip)]
    pub all: Vec<UsageRecord>,
    #[serde(skip)]
    pub profiles: Vec<KnownProfile>,
    #[serde(skip)]
    pub table: PriceTable,
}

impl UsageReport {
    /// The same records grouped another way (the HTML page's charts).
    pub fn regroup(&self, by: &By) -> Grouped {
        group(&self.all, by, &self.profiles, &self.table)
    }
}

/// The built-in price table, under `file`'s when one is given: a file that cannot be read
/// or is not a price table is refused with where and how to fix it.
pub fn price_table(file: Option<&Path>) -> Result<PriceTable, Error> {
    let built_in = PriceTable::built_in();
    let Some(path) = file else {
        return Ok(built_in);
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::other(
            format!("--prices {shown} cannot be read: {e}"),
            "name a TOML price table (its form: docs/commands.md, `usage`)",
        )
    })?;
    let over = PriceTable::parse(&text, &shown).map_err(|e| {
        Error::other(
            format!("--prices {shown} is not a price table: {e}"),
            "write `source`, `date` and [[price]] entries with model, regions, input and output (USD per million tokens), as docs/commands.md shows under `usage`",
        )
    })?;
    Ok(built_in.under(over))
}

impl Stack {
    /// The records of the last `since`, grouped by `by` and priced from `table`. `progress`
    /// hears how many records are read so far.
    pub fn usage(
        &self,
        since: &str,
        by: &By,
        table: PriceTable,
        progress: &dyn Fn(usize),
    ) -> Result<UsageReport, Error> {
        let window = parse_since(since)?;
        let (_, observed) = self.observe(None)?;
        let spec = self.spec();
        let source = self.records_source(&observed)?;
        let since_ms = now_ms() - i64::try_from(window.as_millis()).unwrap_or(0);
        let mut skipped = Vec::new();
        let events = self.read_records(&source, since_ms, progress, &mut skipped)?;
        let all: Vec<UsageRecord> = events
            .iter()
            .filter_map(|e| UsageRecord::parse(&e.message))
            .collect();
        // Every application profile of the region, as it routes now: the stack's by name,
        // another stack's (sharing the log group) marked as such.
        let profiles: Vec<KnownProfile> = observed
            .profiles
            .iter()
            .map(|p| {
                let ours = match p.tags.get(bedrock_spec::STACK_TAG) {
                    Some(stack) => *stack == spec.stack.name,
                    None => spec.profiles.iter().any(|s| s.name == p.name),
                };
                let name = if ours {
                    p.name.clone()
                } else {
                    format!("{} (not this stack's)", p.name)
                };
                KnownProfile::routing(name, p.arn.clone(), &p.models)
            })
            .collect();
        let grouped = group(&all, by, &profiles, &table);
        Ok(UsageReport {
            since: since.to_string(),
            source: source.shown(),
            region: spec.stack.region.clone(),
            prices: table.sources(),
            records: all.len(),
            skipped,
            grouped,
            all,
            profiles,
            table,
        })
    }
}
