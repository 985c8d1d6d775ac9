//! The reader for one TOML table: typed lookups that report wrong types and missing keys,
//! and, when the table is finished, every key that was never asked for.

use super::cx::{join, kind, problem, Cx};
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

type Value<'i> = Spanned<DeValue<'i>>;
/// A value read from the source, and where it is.
pub(super) type At<T> = (T, Range<usize>);

/// One TOML table being read: remembers which keys were asked for, so that every other key
/// can be reported as unknown, with the nearest known one as a suggestion.
pub(super) struct Table<'a, 'i> {
    pub(super) path: String,
    pub(super) table: &'a DeTable<'i>,
    pub(super) span: Range<usize>,
    known: Vec<&'static str>,
}

impl<'a, 'i> Table<'a, 'i> {
    pub(super) fn new(path: String, table: &'a DeTable<'i>, span: Range<usize>) -> Self {
        Table {
            path,
            table,
            span,
            known: Vec::new(),
        }
    }

    fn header(&self) -> String {
        if self.path.is_empty() {
            "the top level".to_string()
        } else if let Some((array, _)) =
            self.path.strip_suffix(']').and_then(|p| p.rsplit_once('['))
        {
            // `guardrails[0].denied_topics[1]` is an entry of [[guardrails.denied_topics]].
            let mut name = String::new();
            for part in array.split('[') {
                name.push_str(part.split_once(']').map_or(part, |(_, rest)| rest));
            }
            format!("each [[{name}]] entry")
        } else {
            format!("[{}]", self.path)
        }
    }

    pub(super) fn lookup(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<&'a Value<'i>> {
        self.known.push(key);
        let (_, v) = self.table.iter().find(|(k, _)| k.get_ref() == key)?;
        cx.spans.insert(join(&self.path, key), v.span());
        Some(v)
    }

    pub(super) fn wrong_type(
        &self,
        cx: &mut Cx<'_>,
        key: &str,
        v: &Value<'_>,
        expected: &str,
        help: &str,
    ) {
        cx.error(
            &join(&self.path, key),
            v.span(),
            problem(
                format!("expected {expected}, found {}", kind(v.get_ref())),
                help,
            ),
        );
    }

    pub(super) fn missing(&self, cx: &mut Cx<'_>, key: &str, example: &str) {
        cx.error(
            &join(&self.path, key),
            self.span.clone(),
            problem(
                format!("missing required key `{key}` in {}", self.header()),
                format!("add `{example}`"),
            ),
        );
    }

    pub(super) fn string(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<(String, Range<usize>)> {
        let v = self.lookup(cx, key)?;
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span())),
            _ => {
                self.wrong_type(cx, key, v, "a string", "put the value in double quotes");
                None
            }
        }
    }

    pub(super) fn required_string(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        example: &str,
    ) -> Option<(String, Range<usize>)> {
        let present = self.table.iter().any(|(k, _)| k.get_ref() == key);
        if !present {
            self.known.push(key);
            self.missing(cx, key, example);
            return None;
        }
        self.string(cx, key)
    }

    pub(super) fn bool(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<bool> {
        let v = self.lookup(cx, key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(
                    cx,
                    key,
                    v,
                    "a boolean",
                    "write true or false, without quotes",
                );
                None
            }
        }
    }

    pub(super) fn integer(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<(i64, Range<usize>)> {
        let v = self.lookup(cx, key)?;
        match v.get_ref() {
            DeValue::Integer(i) => match integer(i) {
                Some(n) => Some((n, v.span())),
                None => {
                    cx.error(
                        &join(&self.path, key),
                        v.span(),
                        problem("the number is too large", "use a smaller whole number"),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(
                    cx,
                    key,
                    v,
                    "a whole number",
                    "write a whole number without quotes",
                );
                None
            }
        }
    }

    pub(super) fn number(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<(f64, Range<usize>)> {
        let v = self.lookup(cx, key)?;
        let n = match v.get_ref() {
            DeValue::Integer(i) => integer(i).map(|n| n as f64),
            DeValue::Float(f) => float(f),
            _ => {
                self.wrong_type(cx, key, v, "a number", "write a number without quotes");
                return None;
            }
        };
        match n {
            Some(n) => Some((n, v.span())),
            None => {
                cx.error(
                    &join(&self.path, key),
                    v.span(),
                    problem(
                        "the number cannot be read",
                        "write a plain number such as 35",
                    ),
                );
                None
            }
        }
    }

    pub(super) fn strings(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Vec<(String, Range<usize>)> {
        let Some(v) = self.lookup(cx, key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(
                cx,
                key,
                v,
                "an array of strings",
                &format!("write {key} = [\"...\", \"...\"]"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", join(&self.path, key));
            cx.spans.insert(path.clone(), item.span());
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                other => cx.error(
                    &path,
                    item.span(),
                    problem(
                        format!("expected a string, found {}", kind(other)),
                        "put the value in double quotes",
                    ),
                ),
            }
        }
        out
    }

    /// An array of whole numbers: its items that are, and whether all are (each other item
    /// is reported); None (reported) when it is not an array.
    pub(super) fn integers(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<(Vec<At<i64>>, bool)> {
        let v = self.lookup(cx, key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(
                cx,
                key,
                v,
                "an array of whole numbers",
                &format!("write {key} = [80, 100]"),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", join(&self.path, key));
            cx.spans.insert(path.clone(), item.span());
            match item.get_ref() {
                DeValue::Integer(n) if integer(n).is_some() => {
                    out.push((integer(n).unwrap_or_default(), item.span()))
                }
                other => {
                    cx.error(
                        &path,
                        item.span(),
                        problem(
                            format!("expected a whole number, found {}", kind(other)),
                            "write a whole number without quotes, such as 80",
                        ),
                    );
                    ok = false;
                }
            }
        }
        Some((out, ok))
    }

    pub(super) fn table(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Table<'a, 'i>> {
        let v = self.lookup(cx, key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Table::new(join(&self.path, key), t, v.span())),
            _ => {
                self.wrong_type(
                    cx,
                    key,
                    v,
                    "a table",
                    &format!(
                        "write it as a [{}] section, or as {key} = {{ ... }}",
                        join(&self.path, key)
                    ),
                );
                None
            }
        }
    }

    /// The array of tables under `key` (`[[key]]` sections, or `key = [{ ... }]`); empty when
    /// the key is absent, `None` (reported, with `help`) when it is not an array.
    pub(super) fn tables(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        help: &str,
    ) -> Option<Tables<'a, 'i>> {
        let path = join(&self.path, key);
        let Some(v) = self.lookup(cx, key) else {
            return Some(Tables {
                path,
                items: &[],
                span: self.span.clone(),
            });
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(cx, key, v, "an array of tables", help);
            return None;
        };
        Some(Tables {
            path,
            items: &items[..],
            span: v.span(),
        })
    }

    /// Every key not asked for is unknown: report each, with the nearest known key.
    pub(super) fn finish(self, cx: &mut Cx<'_>) {
        for (k, v) in self.table.iter() {
            let key = k.get_ref().as_ref();
            if self.known.contains(&key) {
                continue;
            }
            let nearest = self
                .known
                .iter()
                .map(|known| (strsim::damerau_levenshtein(known, key), *known))
                .filter(|(d, known)| *d <= 2.max(known.len() / 3))
                .min();
            let mut known: Vec<&str> = self.known.clone();
            known.sort_unstable();
            known.dedup();
            let help = match nearest {
                Some((_, n)) => format!(
                    "did you mean `{n}`? ({} takes {})",
                    self.header(),
                    list(&known)
                ),
                None if known.is_empty() => format!("{} takes no keys", self.header()),
                None => format!("{} takes {}", self.header(), list(&known)),
            };
            let span = k.span().start..v.span().end.max(k.span().end);
            cx.error(
                &join(&self.path, key),
                span,
                problem(format!("unknown key `{key}`"), help),
            );
        }
    }
}

/// An array of tables, as written.
pub(super) struct Tables<'a, 'i> {
    path: String,
    items: &'a [Value<'i>],
    /// The array's span.
    pub(super) span: Range<usize>,
}

impl<'a, 'i> Tables<'a, 'i> {
    /// How many items the array has, tables or not.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Each item that is a table, with its index, as a Table at `key[i]`; each other item is
    /// reported (with `help`) and leaves `ok` false.
    pub(super) fn read(
        &self,
        cx: &mut Cx<'_>,
        help: &str,
        ok: &mut bool,
    ) -> Vec<(usize, Table<'a, 'i>)> {
        let mut out = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            let path = format!("{}[{i}]", self.path);
            let DeValue::Table(table) = item.get_ref() else {
                cx.error(
                    &path,
                    item.span(),
                    problem(
                        format!("expected a table, found {}", kind(item.get_ref())),
                        help,
                    ),
                );
                *ok = false;
                continue;
            };
            out.push((i, Table::new(path, table, item.span())));
        }
        out
    }
}

fn integer(v: &toml::de::DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(v.as_str(), v.radix()).ok()
}

fn float(v: &toml::de::DeFloat<'_>) -> Option<f64> {
    v.as_str().parse::<f64>().ok()
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
