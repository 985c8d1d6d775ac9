//! Decoding `bedrock.toml` into a [`Spec`], collecting every problem on the way.
//!
//! The document is parsed into toml's spanned tree and walked by hand rather than through
//! serde: serde stops at the first unknown key or wrong type, and the contract is that
//! every problem is reported in one run.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Guardrail, LibreChat, Logging, Profile, Spec, Stack};
use crate::rules::{self, Problem, Rule};
use crate::Checked;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

type Value<'i> = Spanned<DeValue<'i>>;

/// Parse and check a spec's source text. Never panics.
pub fn check(source: &str) -> Checked {
    let mut cx = Cx {
        source,
        ..Cx::default()
    };
    let (root, parse_errors) = DeTable::parse_recoverable(source);
    if !parse_errors.is_empty() {
        // The tree recovered from a syntax error is partial: checking it would report keys
        // as missing that are only unreadable. Report the syntax alone.
        for e in parse_errors {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', "; ");
            cx.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                path: "(syntax)".into(),
                span,
                message: format!("invalid TOML: {message}"),
                help: "fix the TOML syntax; the rest of the spec is checked once it parses".into(),
            });
        }
        return cx.finish(None);
    }
    let mut top = Table::new(String::new(), root.get_ref(), 0..0);
    let spec = decode_spec(&mut cx, &mut top);
    top.finish(&mut cx);
    let spec = spec.filter(|_| !cx.has_errors());
    cx.finish(spec)
}

#[derive(Default)]
struct Cx<'s> {
    source: &'s str,
    diagnostics: Vec<Diagnostic>,
    spans: BTreeMap<String, Range<usize>>,
}

impl Cx<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        crate::diagnostic::line_col(self.source, span.start).0
    }

    fn push(&mut self, severity: Severity, path: &str, span: Range<usize>, p: Problem) {
        self.diagnostics.push(Diagnostic {
            severity,
            path: path.to_string(),
            span,
            message: p.message,
            help: p.help,
        });
    }

    fn error(&mut self, path: &str, span: Range<usize>, p: Problem) {
        self.push(Severity::Error, path, span, p);
    }

    fn warn(&mut self, path: &str, span: Range<usize>, p: Problem) {
        self.push(Severity::Warning, path, span, p);
    }

    /// Apply a rule to a value; report it as an error when it fails. Returns whether it held.
    fn rule(&mut self, path: &str, span: &Range<usize>, rule: Rule) -> bool {
        match rule {
            Ok(()) => true,
            Err(p) => {
                self.error(path, span.clone(), p);
                false
            }
        }
    }

    fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    fn finish(mut self, spec: Option<Spec>) -> Checked {
        self.diagnostics.sort_by_key(|d| (d.span.start, d.severity));
        Checked {
            spec,
            diagnostics: self.diagnostics,
            spans: self.spans,
        }
    }
}

fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        help: help.into(),
    }
}

fn kind(v: &DeValue<'_>) -> &'static str {
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

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key_segment(key)
    } else {
        format!("{prefix}.{}", key_segment(key))
    }
}

fn integer(v: &toml::de::DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(v.as_str(), v.radix()).ok()
}

fn float(v: &toml::de::DeFloat<'_>) -> Option<f64> {
    v.as_str().parse::<f64>().ok()
}

/// One TOML table being read: remembers which keys were asked for, so that every other key
/// can be reported as unknown, with the nearest known one as a suggestion.
struct Table<'a, 'i> {
    path: String,
    table: &'a DeTable<'i>,
    span: Range<usize>,
    known: Vec<&'static str>,
}

impl<'a, 'i> Table<'a, 'i> {
    fn new(path: String, table: &'a DeTable<'i>, span: Range<usize>) -> Self {
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
        } else if let Some(array) = self.path.strip_suffix(']').and_then(|p| p.split_once('[')) {
            format!("each [[{}]] entry", array.0)
        } else {
            format!("[{}]", self.path)
        }
    }

    fn lookup(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<&'a Value<'i>> {
        self.known.push(key);
        let (_, v) = self.table.iter().find(|(k, _)| k.get_ref() == key)?;
        cx.spans.insert(join(&self.path, key), v.span());
        Some(v)
    }

    fn wrong_type(&self, cx: &mut Cx<'_>, key: &str, v: &Value<'_>, expected: &str, help: &str) {
        cx.error(
            &join(&self.path, key),
            v.span(),
            problem(
                format!("expected {expected}, found {}", kind(v.get_ref())),
                help,
            ),
        );
    }

    fn missing(&self, cx: &mut Cx<'_>, key: &str, example: &str) {
        cx.error(
            &join(&self.path, key),
            self.span.clone(),
            problem(
                format!("missing required key `{key}` in {}", self.header()),
                format!("add `{example}`"),
            ),
        );
    }

    fn string(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<(String, Range<usize>)> {
        let v = self.lookup(cx, key)?;
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span())),
            _ => {
                self.wrong_type(cx, key, v, "a string", "put the value in double quotes");
                None
            }
        }
    }

    fn required_string(
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

    fn bool(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<bool> {
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

    fn integer(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<(i64, Range<usize>)> {
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

    fn number(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<(f64, Range<usize>)> {
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

    fn strings(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Vec<(String, Range<usize>)> {
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

    fn table(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Table<'a, 'i>> {
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

    /// Every key not asked for is unknown: report each, with the nearest known key.
    fn finish(self, cx: &mut Cx<'_>) {
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

/// A string value at `table.key` of the raw document, if it is one.
fn raw_string(root: &DeTable<'_>, table: &str, key: &str) -> Option<String> {
    let (_, t) = root.iter().find(|(k, _)| k.get_ref() == table)?;
    let DeValue::Table(t) = t.get_ref() else {
        return None;
    };
    let (_, v) = t.iter().find(|(k, _)| k.get_ref() == key)?;
    v.get_ref().as_str().map(str::to_string)
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn decode_spec(cx: &mut Cx<'_>, top: &mut Table<'_, '_>) -> Option<Spec> {
    let stack = match top.table(cx, "stack") {
        Some(mut t) => {
            let stack = decode_stack(cx, &mut t);
            t.finish(cx);
            stack
        }
        None => {
            if !top.table.iter().any(|(k, _)| k.get_ref() == "stack") {
                cx.error(
                    "stack",
                    0..0,
                    problem(
                        "missing the [stack] table",
                        "add a [stack] section with name = \"librechat\" and region = \"us-east-1\"",
                    ),
                );
            }
            None
        }
    };
    // The bucket's placeholders are checked even when [stack] has errors of its own: with
    // the region as written (or a stand-in) and the placeholder account when none is valid.
    let region = stack.as_ref().map(|s: &Stack| s.region.clone());
    let bucket_region = region
        .clone()
        .or_else(|| raw_string(top.table, "stack", "region"));
    let bucket_region = bucket_region.as_deref().unwrap_or("us-east-1");
    let account = stack
        .as_ref()
        .and_then(|s| s.account_id.clone())
        .unwrap_or_else(|| crate::ACCOUNT_PLACEHOLDER.into());

    let logging = match top.table(cx, "logging") {
        Some(mut t) => {
            let l = decode_logging(cx, &mut t, bucket_region, &account);
            t.finish(cx);
            l
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "logging") => None,
        None => {
            let empty = DeTable::default();
            let mut t = Table::new("logging".into(), &empty, 0..0);
            decode_logging(cx, &mut t, bucket_region, &account)
        }
    };

    let profiles = decode_profiles(cx, top, region.as_deref());

    let librechat = match top.table(cx, "librechat") {
        Some(mut t) => {
            let l = decode_librechat(cx, &mut t, profiles.as_deref().unwrap_or(&[]));
            t.finish(cx);
            l
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "librechat") => None,
        None => Some(LibreChat::default()),
    };

    Some(Spec {
        stack: stack?,
        logging: logging?,
        profiles: profiles?,
        librechat: librechat?,
    })
}

fn decode_stack(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<Stack> {
    let name = t.required_string(cx, "name", "name = \"librechat\"");
    let name_ok = name
        .as_ref()
        .is_some_and(|(n, span)| cx.rule("stack.name", span, rules::stack_name(n)));
    let region = t.required_string(cx, "region", "region = \"us-east-1\"");
    let region_ok = region
        .as_ref()
        .is_some_and(|(r, span)| cx.rule("stack.region", span, rules::region(r)));
    let account_id = match t.lookup(cx, "account_id") {
        None => Some(None),
        Some(v) => match v.get_ref() {
            DeValue::String(s) => cx
                .rule("stack.account_id", &v.span(), rules::account_id(s))
                .then(|| Some(s.to_string())),
            DeValue::Integer(i) => {
                cx.error(
                    "stack.account_id",
                    v.span(),
                    problem(
                        "expected a string, found an integer",
                        format!(
                            "quote it, so that leading zeros survive: account_id = \"{:0>12}\"",
                            i.as_str()
                        ),
                    ),
                );
                None
            }
            _ => {
                t.wrong_type(
                    cx,
                    "account_id",
                    v,
                    "a string",
                    "write account_id = \"123456789012\"",
                );
                None
            }
        },
    };
    if !(name_ok && region_ok) {
        return None;
    }
    Some(Stack {
        name: name?.0,
        region: region?.0,
        account_id: account_id?,
    })
}

fn decode_logging(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    region: &str,
    account: &str,
) -> Option<Logging> {
    let mut ok = true;
    let mut string_or = |cx: &mut Cx<'_>,
                         t: &mut Table<'_, '_>,
                         key: &'static str,
                         default: &str,
                         rule: fn(&str) -> Rule| {
        let (value, span) = t
            .string(cx, key)
            .unwrap_or_else(|| (default.to_string(), t.span.clone()));
        if !cx.rule(&join("logging", key), &span, rule(&value)) {
            ok = false;
        }
        (value, span)
    };
    let (role_name, _) = string_or(cx, t, "role_name", "BedrockLoggingRole", rules::role_name);
    let (log_group, _) = string_or(
        cx,
        t,
        "log_group",
        "/aws/bedrock/model-invocations",
        rules::log_group,
    );
    let (key_prefix, _) = string_or(cx, t, "key_prefix", "large-data", rules::key_prefix);
    let (bucket, bucket_span) = t
        .string(cx, "bucket")
        .unwrap_or_else(|| ("bedrock-logs-{account_id}".to_string(), t.span.clone()));
    {
        match rules::substitute_bucket(&bucket, account, region) {
            Err(p) => {
                cx.error("logging.bucket", bucket_span, p);
                ok = false;
            }
            Ok(name) => {
                if let Err(mut p) = rules::bucket_name(&name) {
                    if name != bucket {
                        p.message = format!("{} (from {bucket:?})", p.message);
                    }
                    cx.error("logging.bucket", bucket_span, p);
                    ok = false;
                }
            }
        }
    }
    let retention_days = match t.integer(cx, "retention_days") {
        None => 90,
        Some((days, span)) => {
            if !cx.rule("logging.retention_days", &span, rules::retention_days(days)) {
                ok = false;
            }
            u32::try_from(days).unwrap_or(0)
        }
    };
    let text = t.bool(cx, "text").unwrap_or(true);
    let image = t.bool(cx, "image").unwrap_or(true);
    let embedding = t.bool(cx, "embedding").unwrap_or(true);
    let video = t.bool(cx, "video").unwrap_or(false);
    let audio = t.bool(cx, "audio").unwrap_or(false);
    ok.then_some(Logging {
        role_name,
        log_group,
        retention_days,
        bucket,
        key_prefix,
        text,
        image,
        embedding,
        video,
        audio,
    })
}

/// The first place a value was seen, for "also used at" help texts.
struct Seen<'s> {
    source_of: BTreeMap<String, (String, Range<usize>)>,
    what: &'s str,
}

impl Seen<'_> {
    fn check(&mut self, cx: &mut Cx<'_>, value: &str, path: &str, span: &Range<usize>) -> bool {
        if let Some((first, first_span)) = self.source_of.get(value) {
            let line = cx.line(first_span);
            cx.error(
                path,
                span.clone(),
                problem(
                    format!(
                        "{} {value:?} is already used by {first} (line {line})",
                        self.what
                    ),
                    format!(
                        "each profile needs its own {}: change one of them",
                        self.what
                    ),
                ),
            );
            return false;
        }
        self.source_of
            .insert(value.to_string(), (path.to_string(), span.clone()));
        true
    }
}

fn decode_profiles(
    cx: &mut Cx<'_>,
    top: &mut Table<'_, '_>,
    region: Option<&str>,
) -> Option<Vec<Profile>> {
    let Some(v) = top.lookup(cx, "profiles") else {
        return Some(Vec::new());
    };
    let DeValue::Array(items) = v.get_ref() else {
        top.wrong_type(
            cx,
            "profiles",
            v,
            "an array of tables",
            "write each profile as its own [[profiles]] section (two brackets)",
        );
        return None;
    };
    let mut names = Seen {
        source_of: BTreeMap::new(),
        what: "profile name",
    };
    let mut models = Seen {
        source_of: BTreeMap::new(),
        what: "model",
    };
    let mut envs = Seen {
        source_of: BTreeMap::new(),
        what: "env name",
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = format!("profiles[{i}]");
        let DeValue::Table(table) = item.get_ref() else {
            cx.error(
                &path,
                item.span(),
                problem(
                    format!("expected a table, found {}", kind(item.get_ref())),
                    "write each profile as a [[profiles]] section with name, model and env",
                ),
            );
            ok = false;
            continue;
        };
        let mut t = Table::new(path.clone(), table, item.span());
        let profile = decode_profile(cx, &mut t, region, &mut names, &mut models, &mut envs);
        t.finish(cx);
        match profile {
            Some(p) => out.push(p),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn decode_profile(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    region: Option<&str>,
    names: &mut Seen<'_>,
    models: &mut Seen<'_>,
    envs: &mut Seen<'_>,
) -> Option<Profile> {
    let path = t.path.clone();
    let mut ok = true;
    let name = t.required_string(cx, "name", "name = \"LibreChat-Claude-3-7-Sonnet\"");
    if let Some((n, span)) = &name {
        let p = format!("{path}.name");
        ok &= cx.rule(&p, span, rules::profile_name(n)) && names.check(cx, n, &p, span);
    }
    let model = t.required_string(
        cx,
        "model",
        "model = \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"",
    );
    if let Some((m, span)) = &model {
        let p = format!("{path}.model");
        ok &= cx.rule(&p, span, rules::model_id(m)) && models.check(cx, m, &p, span);
        if let (Some(geo), Some(region)) = (rules::profile_geography(m), region) {
            if !rules::geography_serves_region(geo, region) {
                cx.warn(
                    &p,
                    span.clone(),
                    problem(
                        format!("{m:?} is a `{geo}.` cross-region profile, which is not offered in {region}"),
                        format!("use the profile for {region}'s geography (for example `eu.` in eu- regions) or a `global.` one; AWS lists them with `aws bedrock list-inference-profiles --region {region}`"),
                    ),
                );
            }
        }
    }
    let env = t.required_string(cx, "env", "env = \"BEDROCK_CLAUDE_PROFILE\"");
    if let Some((e, span)) = &env {
        let p = format!("{path}.env");
        ok &= cx.rule(&p, span, rules::env_name(e)) && envs.check(cx, e, &p, span);
    }
    let description = t.string(cx, "description");
    if let Some((d, span)) = &description {
        ok &= cx.rule(&format!("{path}.description"), span, rules::description(d));
    }
    let mut tags = BTreeMap::new();
    if let Some(tt) = t.table(cx, "tags") {
        for (k, v) in tt.table.iter() {
            let key = k.get_ref().to_string();
            let kpath = join(&tt.path, &key);
            cx.spans.insert(kpath.clone(), v.span());
            ok &= cx.rule(&kpath, &k.span(), rules::tag_key(&key));
            if key == crate::MANAGED_BY_TAG || key == crate::STACK_TAG {
                cx.error(
                    &kpath,
                    k.span(),
                    problem(
                        format!("the tag `{key}` is set by this tool on every resource it manages"),
                        "remove it; the `stack` tag takes [stack] name",
                    ),
                );
                ok = false;
            }
            match v.get_ref() {
                DeValue::String(s) => {
                    ok &= cx.rule(&kpath, &v.span(), rules::tag_value(s));
                    tags.insert(key, s.to_string());
                }
                other => {
                    cx.error(
                        &kpath,
                        v.span(),
                        problem(
                            format!("expected a string, found {}", kind(other)),
                            "tag values are strings: put the value in double quotes",
                        ),
                    );
                    ok = false;
                }
            }
        }
        // Tags are free-form: no unknown keys to report, so the sub-table is not finished.
        let total = tags.len() + 2;
        if total > 50 {
            cx.error(
                &tt.path,
                tt.span.clone(),
                problem(
                    format!("{} tags plus the 2 managed ones make {total}; Bedrock allows 50 per resource", tags.len()),
                    "remove tags until there are at most 48",
                ),
            );
            ok = false;
        }
    } else if t.table.iter().any(|(k, _)| k.get_ref() == "tags") {
        ok = false;
    }
    if !ok {
        return None;
    }
    Some(Profile {
        name: name?.0,
        model: model?.0,
        env: env?.0,
        description: description.map(|d| d.0),
        tags,
    })
}

fn decode_librechat(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    profiles: &[Profile],
) -> Option<LibreChat> {
    let mut ok = true;
    let mut lc = LibreChat::default();

    let profile_models: Vec<&str> = profiles.iter().map(|p| p.model.as_str()).collect();
    let mut seen: Vec<String> = Vec::new();
    for (i, (m, span)) in t.strings(cx, "models").into_iter().enumerate() {
        let path = format!("librechat.models[{i}]");
        if !cx.rule(&path, &span, rules::model_id(&m)) {
            ok = false;
        } else if seen.contains(&m) {
            cx.error(
                &path,
                span,
                problem(format!("{m:?} is listed twice"), "remove the second one"),
            );
            ok = false;
        } else if profile_models.contains(&m.as_str()) {
            cx.warn(
                &path,
                span,
                problem(
                    format!(
                        "{m:?} is the model of a [[profiles]] entry and is listed automatically"
                    ),
                    "remove it from [librechat] models",
                ),
            );
        } else {
            seen.push(m.clone());
            lc.models.push(m);
        }
    }
    let mut all_models: Vec<&str> = profile_models.clone();
    all_models.extend(lc.models.iter().map(String::as_str));

    let mut regions: Vec<String> = Vec::new();
    for (i, (r, span)) in t.strings(cx, "available_regions").into_iter().enumerate() {
        let path = format!("librechat.available_regions[{i}]");
        if !cx.rule(&path, &span, rules::region(&r)) {
            ok = false;
        } else if regions.contains(&r) {
            cx.error(
                &path,
                span,
                problem(format!("{r:?} is listed twice"), "remove the second one"),
            );
            ok = false;
        } else {
            regions.push(r);
        }
    }
    lc.available_regions = regions;

    if let Some((m, span)) = t.string(cx, "title_model") {
        if cx.rule("librechat.title_model", &span, rules::title_model(&m)) {
            if m != "current_model" && !all_models.contains(&m.as_str()) {
                cx.warn(
                    "librechat.title_model",
                    span,
                    problem(
                        format!("{m:?} is not among the models LibreChat lists"),
                        "titles still work if the model is enabled in the account; to be sure, add it to [librechat] models or use \"current_model\"",
                    ),
                );
            }
            lc.title_model = Some(m);
        } else {
            ok = false;
        }
    }
    lc.title_convo = t.bool(cx, "title_convo");
    if let Some((m, span)) = t.string(cx, "title_method") {
        ok &= cx.rule(
            "librechat.title_method",
            &span,
            rules::one_of(
                "title method",
                &m,
                &["completion", "functions", "structured"],
            ),
        );
        lc.title_method = Some(m);
    }
    lc.title_prompt = t.string(cx, "title_prompt").map(|s| s.0);
    lc.title_prompt_template = t.string(cx, "title_prompt_template").map(|s| s.0);
    lc.title_endpoint = t.string(cx, "title_endpoint").map(|s| s.0);
    if let Some((rate, span)) = t.number(cx, "stream_rate") {
        ok &= cx.rule("librechat.stream_rate", &span, rules::stream_rate(rate));
        lc.stream_rate = Some(rate);
    }

    if let Some((role, span)) = t.string(cx, "runtime_role") {
        ok &= cx.rule("librechat.runtime_role", &span, rules::role_name(&role));
        lc.runtime_role = Some(role);
    }

    if let Some(mut g) = t.table(cx, "guardrail") {
        lc.guardrail = decode_guardrail(cx, &mut g);
        ok &= lc.guardrail.is_some();
        g.finish(cx);
    } else if t.table.iter().any(|(k, _)| k.get_ref() == "guardrail") {
        ok = false;
    }

    if let Some(ip) = t.table(cx, "inference_profiles") {
        for (k, v) in ip.table.iter() {
            let key = k.get_ref().to_string();
            let path = join(&ip.path, &key);
            cx.spans.insert(path.clone(), v.span());
            let case_twin = all_models
                .iter()
                .find(|m| **m != key && m.eq_ignore_ascii_case(&key));
            let mut key_ok = true;
            if let Some(m) = case_twin.filter(|_| !all_models.contains(&key.as_str())) {
                cx.error(
                    &path,
                    k.span(),
                    problem(
                        format!("{key:?} differs from the listed model {m:?} only in case"),
                        format!("LibreChat matches the key exactly, case included: write {m:?}"),
                    ),
                );
                key_ok = false;
            } else if !cx.rule(&path, &k.span(), rules::model_id(&key)) {
                key_ok = false;
            } else if let Some(p) = profiles.iter().find(|p| p.model == key) {
                cx.error(
                    &path,
                    k.span(),
                    problem(
                        format!("{key:?} is mapped by the managed profile {:?}", p.name),
                        "remove this line: the managed profile's ARN is mapped automatically",
                    ),
                );
                key_ok = false;
            } else if !all_models.contains(&key.as_str()) {
                let help = format!("add \"{key}\" to [librechat] models (LibreChat matches the key exactly, case included)");
                cx.error(
                    &path,
                    k.span(),
                    problem(
                        format!("{key:?} is mapped to a profile but is not in models, so LibreChat never uses the mapping"),
                        help,
                    ),
                );
                key_ok = false;
            }
            let value = match v.get_ref() {
                DeValue::String(s) => cx
                    .rule(&path, &v.span(), rules::profile_reference(s))
                    .then(|| s.to_string()),
                other => {
                    cx.error(
                        &path,
                        v.span(),
                        problem(
                            format!("expected a string, found {}", kind(other)),
                            "write \"${BEDROCK_MY_PROFILE}\" or the profile's ARN in double quotes",
                        ),
                    );
                    None
                }
            };
            match value {
                Some(value) if key_ok => lc.inference_profiles.push((key, value)),
                _ => ok = false,
            }
        }
        // Keep the order the user wrote (the map itself is sorted by key).
        lc.inference_profiles.sort_by_key(|(k, _)| {
            ip.table
                .iter()
                .find(|(kk, _)| kk.get_ref() == k)
                .map(|(kk, _)| kk.span().start)
        });
    } else if t
        .table
        .iter()
        .any(|(k, _)| k.get_ref() == "inference_profiles")
    {
        ok = false;
    }
    ok.then_some(lc)
}

fn decode_guardrail(cx: &mut Cx<'_>, g: &mut Table<'_, '_>) -> Option<Guardrail> {
    let mut ok = true;
    let identifier = g.required_string(cx, "identifier", "identifier = \"abc123xyz\"");
    if let Some((id, span)) = &identifier {
        ok &= cx.rule(
            "librechat.guardrail.identifier",
            span,
            rules::guardrail_identifier(id),
        );
    }
    // A version is a string for Bedrock and LibreChat, but `version = 1` is an obvious
    // intent: accept a whole number and write it as a string.
    let version = match g.lookup(cx, "version") {
        None => {
            g.missing(cx, "version", "version = \"1\"");
            None
        }
        Some(v) => match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span())),
            DeValue::Integer(i) => Some((i.as_str().to_string(), v.span())),
            _ => {
                g.wrong_type(
                    cx,
                    "version",
                    v,
                    "a string",
                    "write version = \"1\" or \"DRAFT\"",
                );
                None
            }
        },
    };
    if let Some((ver, span)) = &version {
        ok &= cx.rule(
            "librechat.guardrail.version",
            span,
            rules::guardrail_version(ver),
        );
    }
    let trace = g.string(cx, "trace");
    if let Some((tr, span)) = &trace {
        ok &= cx.rule(
            "librechat.guardrail.trace",
            span,
            rules::one_of(
                "guardrail trace",
                tr,
                &["enabled", "enabled_full", "disabled"],
            ),
        );
    }
    let mode = g.string(cx, "stream_processing_mode");
    if let Some((m, span)) = &mode {
        ok &= cx.rule(
            "librechat.guardrail.stream_processing_mode",
            span,
            rules::one_of("stream processing mode", m, &["sync", "async"]),
        );
    }
    if !ok {
        return None;
    }
    Some(Guardrail {
        identifier: identifier?.0,
        version: version?.0,
        trace: trace.map(|t| t.0),
        stream_processing_mode: mode.map(|m| m.0),
    })
}
