//! The price table `usage` estimates cost with: USD per million tokens, per model and
//! Region (and, where AWS prices them apart, per routing: in-Region, a geographic
//! cross-Region profile, a global one), with its source and date. The tool carries one
//! (prices.toml, beside this file); `--prices FILE` lays a table of the same form over it.

use super::report::UsageRecord;
use serde::{Deserialize, Serialize};

/// The table the tool carries.
pub const BUILT_IN: &str = include_str!("prices.toml");

/// The highest price a table may give, in USD per million tokens: far above any model's,
/// low enough that no sum of them overflows.
const MAX_PRICE: f64 = 1_000_000.0;

/// Geography prefixes of system-defined cross-region profiles (`us.`, `global.`, ...).
pub const GEOGRAPHIES: &[&str] = &["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"];

/// An AWS Region's form: `us-east-1`, `ap-southeast-4`, `us-gov-west-1`.
fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// How a call was routed: AWS prices some models apart by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The model itself, or an application profile of it, in the Region called.
    InRegion,
    /// A geographic cross-Region profile (`us.`, `eu.`, ...).
    Geographic,
    /// A global cross-Region profile (`global.`).
    Global,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    model: String,
    /// Regions this price holds in; `"*"` for every Region.
    regions: Vec<String>,
    /// The routing this price holds for; every routing when left out.
    #[serde(default)]
    scope: Option<Scope>,
    input: f64,
    output: f64,
    #[serde(default)]
    cache_read: Option<f64>,
    #[serde(default)]
    cache_write: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    source: String,
    date: String,
    #[serde(default)]
    price: Vec<Entry>,
}

/// Where a table's prices come from, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceSource {
    /// `built-in`, or the `--prices` file's path.
    pub table: String,
    pub source: String,
    pub date: String,
}

/// One or more tables, the first that prices a model winning.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    layers: Vec<(PriceSource, Vec<Entry>)>,
}

impl PriceTable {
    /// A table from its text; `name` is how it is shown (`built-in`, a path). The error says
    /// what is wrong and where.
    pub fn parse(text: &str, name: &str) -> Result<PriceTable, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        for (i, e) in file.price.iter().enumerate() {
            let at = format!("[[price]] {} (model {:?})", i + 1, e.model);
            if e.model.trim().is_empty() || e.model.trim() != e.model {
                return Err(format!("{at}: model is empty or has spaces around it"));
            }
            if let Some((geo, _)) = e
                .model
                .split_once('.')
                .filter(|(g, _)| GEOGRAPHIES.contains(g))
            {
                return Err(format!(
                    "{at}: {geo}. names a cross-Region profile: write the foundation model's id, with scope = \"global\" or \"geographic\" for a price that holds only there"
                ));
            }
            if e.regions.is_empty() {
                return Err(format!(
                    "{at}: regions is empty: name Regions, or \"*\" for every Region"
                ));
            }
            if let Some(r) = e.regions.iter().find(|r| *r != "*" && !is_region(r)) {
                return Err(format!(
                    "{at}: {r:?} is not a Region (like \"us-east-1\"), nor \"*\""
                ));
            }
            let prices = [Some(e.input), Some(e.output), e.cache_read, e.cache_write];
            if prices
                .iter()
                .flatten()
                .any(|p| !p.is_finite() || *p < 0.0 || *p > MAX_PRICE)
            {
                return Err(format!(
                    "{at}: a price is negative, above {MAX_PRICE} or not a number (USD per million tokens)"
                ));
            }
        }
        Ok(PriceTable {
            layers: vec![(
                PriceSource {
                    table: name.to_string(),
                    source: file.source,
                    date: file.date,
                },
                file.price,
            )],
        })
    }

    /// The tool's own table.
    pub fn built_in() -> PriceTable {
        PriceTable::parse(BUILT_IN, "built-in").expect("the built-in price table parses")
    }

    /// `over` first, then this table.
    pub fn under(mut self, over: PriceTable) -> PriceTable {
        let mut layers = over.layers;
        layers.append(&mut self.layers);
        PriceTable { layers }
    }

    /// Where the prices come from, the winning table first.
    pub fn sources(&self) -> Vec<PriceSource> {
        self.layers.iter().map(|(s, _)| s.clone()).collect()
    }

    /// The most specific entry of each table for `model` called in `region` with `scope`
    /// (a named Region over `"*"`, a scope over none), the winning table first.
    fn entries(&self, model: &str, region: &str, scope: Scope) -> Vec<&Entry> {
        self.layers
            .iter()
            .filter_map(|(_, entries)| {
                entries
                    .iter()
                    .filter(|e| e.model == model)
                    .filter(|e| e.scope.is_none_or(|s| s == scope))
                    .filter(|e| e.regions.iter().any(|r| r == region || r == "*"))
                    .max_by_key(|e| (e.regions.iter().any(|r| r == region), e.scope.is_some()))
            })
            .collect()
    }

    /// The estimated cost of one record in USD, each part at the first table that prices it
    /// (a `--prices` entry without cache prices takes the built-in's), and what could not be
    /// priced: the model (no table has it there), or its cache reads or writes.
    pub fn cost(&self, model: &str, region: &str, scope: Scope, r: &UsageRecord) -> Priced {
        let entries = self.entries(model, region, scope);
        let Some(first) = entries.first() else {
            return Priced {
                usd: 0.0,
                missing: (r.input_tokens
                    + r.output_tokens
                    + r.cache_read_tokens
                    + r.cache_write_tokens
                    > 0)
                .then(|| format!("{model} in {region}")),
            };
        };
        let per = |tokens: u64, price: f64| tokens as f64 * price / 1_000_000.0;
        let mut usd = per(r.input_tokens, first.input) + per(r.output_tokens, first.output);
        let mut missing = Vec::new();
        let cache = [
            (
                r.cache_read_tokens,
                "cache reads",
                entries.iter().find_map(|e| e.cache_read),
            ),
            (
                r.cache_write_tokens,
                "cache writes",
                entries.iter().find_map(|e| e.cache_write),
            ),
        ];
        for (tokens, what, price) in cache {
            match price {
                _ if tokens == 0 => {}
                Some(p) => usd += per(tokens, p),
                None => missing.push(what),
            }
        }
        Priced {
            usd,
            missing: (!missing.is_empty())
                .then(|| format!("{} of {model} in {region}", missing.join(" and "))),
        }
    }
}

/// A record's estimated cost, and what of it no table prices (left out of the cost).
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub usd: f64,
    pub missing: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses_and_names_its_source_and_date() {
        let t = PriceTable::built_in();
        let s = &t.sources()[0];
        assert!(s.source.starts_with("https://"), "{}", s.source);
        assert_eq!(s.date.len(), 10, "{}", s.date);
    }

    #[test]
    fn the_most_specific_entry_wins_and_an_override_comes_first() {
        let base = PriceTable::parse(
            r#"source = "a"
date = "2026-01-01"
[[price]]
model = "m"
regions = ["*"]
input = 1.0
output = 1.0
[[price]]
model = "m"
regions = ["eu-west-1"]
input = 2.0
output = 2.0
[[price]]
model = "m"
regions = ["*"]
scope = "global"
input = 0.5
output = 0.5
"#,
            "built-in",
        )
        .unwrap();
        let r = UsageRecord {
            input_tokens: 1_000_000,
            ..UsageRecord::default()
        };
        let usd = |t: &PriceTable, region: &str, scope: Scope, r: &UsageRecord| {
            let p = t.cost("m", region, scope, r);
            (p.usd, p.missing)
        };
        assert_eq!(usd(&base, "us-east-1", Scope::InRegion, &r), (1.0, None));
        assert_eq!(usd(&base, "eu-west-1", Scope::InRegion, &r), (2.0, None));
        assert_eq!(usd(&base, "us-east-1", Scope::Global, &r), (0.5, None));
        let other = base.cost("other", "us-east-1", Scope::InRegion, &r);
        assert_eq!(other.missing.as_deref(), Some("other in us-east-1"));
        assert_eq!(
            base.cost(
                "other",
                "us-east-1",
                Scope::InRegion,
                &UsageRecord::default()
            )
            .missing,
            None,
            "a call with no tokens (refused) costs nothing, priced or not"
        );
        let cached = UsageRecord {
            cache_read_tokens: 1,
            ..r.clone()
        };
        assert_eq!(
            usd(&base, "us-east-1", Scope::InRegion, &cached),
            (1.0, Some("cache reads of m in us-east-1".into())),
            "what is priced is counted; the cache reads are named"
        );
        let over = PriceTable::parse(
            "source = \"mine\"\ndate = \"2026-02-01\"\n[[price]]\nmodel = \"m\"\nregions = [\"*\"]\ninput = 9.0\noutput = 9.0\n",
            "mine.toml",
        )
        .unwrap();
        let cached_base = PriceTable::parse(
            "source = \"a\"\ndate = \"d\"\n[[price]]\nmodel = \"m\"\nregions = [\"*\"]\ninput = 1.0\noutput = 1.0\ncache_read = 0.5\n",
            "built-in",
        )
        .unwrap();
        let both = cached_base.under(over);
        assert_eq!(usd(&both, "eu-west-1", Scope::InRegion, &r), (9.0, None));
        assert_eq!(
            usd(&both, "eu-west-1", Scope::InRegion, &cached),
            (9.0 + 0.5 / 1e6, None),
            "the override's entry has no cache price: the built-in's holds"
        );
        assert_eq!(both.sources()[0].table, "mine.toml");
    }

    #[test]
    fn a_bad_table_is_refused_with_where() {
        let negative = "source = \"a\"\ndate = \"d\"\n[[price]]\nmodel = \"m\"\nregions = [\"*\"]\ninput = -1.0\noutput = 1.0\n";
        assert!(PriceTable::parse(negative, "f")
            .unwrap_err()
            .contains("[[price]] 1"));
        let no_regions = "source = \"a\"\ndate = \"d\"\n[[price]]\nmodel = \"m\"\nregions = []\ninput = 1.0\noutput = 1.0\n";
        assert!(PriceTable::parse(no_regions, "f")
            .unwrap_err()
            .contains("regions"));
        let unknown = "source = \"a\"\ndate = \"d\"\n[[price]]\nmodel = \"m\"\nregions = [\"*\"]\ninput = 1.0\noutput = 1.0\nextra = 1\n";
        assert!(PriceTable::parse(unknown, "f")
            .unwrap_err()
            .contains("extra"));
        assert!(PriceTable::parse("date = \"d\"", "f")
            .unwrap_err()
            .contains("source"));
    }
}
