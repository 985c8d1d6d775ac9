//! The price table `usage` estimates cost with: USD per million tokens, per model and
//! Region (and, where AWS prices them apart, per routing: in-Region, a geographic
//! cross-Region profile, a global one), with its source and date. The tool carries one
//! (prices.toml, beside this file); `--prices FILE` lays a table of the same form over it.

use super::report::UsageRecord;
use serde::{Deserialize, Serialize};

/// The table the tool carries.
pub const BUILT_IN: &str = include_str!("prices.toml");

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
            if e.model.trim().is_empty() {
                return Err(format!("{at}: model is empty"));
            }
            if e.regions.is_empty() || e.regions.iter().any(|r| r.trim().is_empty()) {
                return Err(format!(
                    "{at}: regions must name Regions, or \"*\" for every Region"
                ));
            }
            let prices = [Some(e.input), Some(e.output), e.cache_read, e.cache_write];
            if prices.iter().flatten().any(|p| !p.is_finite() || *p < 0.0) {
                return Err(format!(
                    "{at}: a price is negative or not a number (USD per million tokens)"
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

    /// The price of `model` called in `region` with `scope`: the first table that has one,
    /// and in it the most specific entry (a named Region over `"*"`, a scope over none).
    fn entry(&self, model: &str, region: &str, scope: Scope) -> Option<&Entry> {
        self.layers.iter().find_map(|(_, entries)| {
            entries
                .iter()
                .filter(|e| e.model == model)
                .filter(|e| e.scope.is_none_or(|s| s == scope))
                .filter(|e| e.regions.iter().any(|r| r == region || r == "*"))
                .max_by_key(|e| (e.regions.iter().any(|r| r == region), e.scope.is_some()))
        })
    }

    /// The estimated cost of one record in USD; None when no table prices its model there,
    /// or it has cache tokens and the price has no cache prices.
    pub fn cost(&self, model: &str, region: &str, scope: Scope, r: &UsageRecord) -> Option<f64> {
        let e = self.entry(model, region, scope)?;
        let per = |tokens: u64, price: Option<f64>| match (tokens, price) {
            (0, _) => Some(0.0),
            (n, Some(p)) => Some(n as f64 * p / 1_000_000.0),
            (_, None) => None,
        };
        Some(
            per(r.input_tokens, Some(e.input))?
                + per(r.output_tokens, Some(e.output))?
                + per(r.cache_read_tokens, e.cache_read)?
                + per(r.cache_write_tokens, e.cache_write)?,
        )
    }
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
        assert_eq!(base.cost("m", "us-east-1", Scope::InRegion, &r), Some(1.0));
        assert_eq!(base.cost("m", "eu-west-1", Scope::InRegion, &r), Some(2.0));
        assert_eq!(base.cost("m", "us-east-1", Scope::Global, &r), Some(0.5));
        assert_eq!(base.cost("other", "us-east-1", Scope::InRegion, &r), None);
        let cached = UsageRecord {
            cache_read_tokens: 1,
            ..UsageRecord::default()
        };
        assert_eq!(base.cost("m", "us-east-1", Scope::InRegion, &cached), None);
        let over = PriceTable::parse(
            "source = \"mine\"\ndate = \"2026-02-01\"\n[[price]]\nmodel = \"m\"\nregions = [\"*\"]\ninput = 9.0\noutput = 9.0\n",
            "mine.toml",
        )
        .unwrap();
        let both = base.under(over);
        assert_eq!(both.cost("m", "eu-west-1", Scope::InRegion, &r), Some(9.0));
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
