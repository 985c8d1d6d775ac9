//! The `endpoints.bedrock` section as data, and its YAML text.

use bedrock_spec::endpoint_keys::by_librechat_key;
use bedrock_spec::{EndpointValue, Guardrail, GuardrailTarget, KeyKind, Spec, ENDPOINT_KEYS};

/// A value of the section. Maps keep their order: the file reads in a fixed order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<String>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The JSON value LibreChat would load from this YAML.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Str(s) => Value::String(s.clone()),
            Node::Num(n) => number_json(*n),
            Node::Bool(b) => Value::Bool(*b),
            Node::List(items) => Value::Array(items.iter().cloned().map(Value::String).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

pub(crate) fn number_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// `[librechat] guardrail` names a guardrail of `[[guardrails]]` whose id and published
/// version are not known (offline, or before apply has made it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownGuardrail;

/// `endpoints.bedrock` for a spec, keys in the order of [`ENDPOINT_KEYS`]. `managed` is the id
/// and published version of the guardrail `[librechat] guardrail` names by name.
pub fn bedrock_section(
    spec: &Spec,
    managed: Option<(&str, &str)>,
) -> Result<Node, UnknownGuardrail> {
    let mut entries: Vec<(String, Node)> = Vec::new();
    for key in ENDPOINT_KEYS {
        let node = match key.kind {
            KeyKind::Dedicated => dedicated(spec, key.librechat, managed)?,
            _ => spec.librechat.settings.get(key.librechat).map(setting),
        };
        if let Some(node) = node {
            entries.push((key.librechat.to_string(), node));
        }
    }
    Ok(Node::Map(entries))
}

/// A value the table reads, as YAML.
fn setting(value: &EndpointValue) -> Node {
    match value {
        EndpointValue::Bool(b) => Node::Bool(*b),
        EndpointValue::Text(s) => Node::Str(s.clone()),
        EndpointValue::Int(n) => Node::Num(*n as f64),
        EndpointValue::Number(n) => Node::Num(*n),
        EndpointValue::Map(entries) => Node::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), Node::Str(v.clone())))
                .collect(),
        ),
    }
}

/// A key the spec sets with code of its own ([`KeyKind::Dedicated`]).
fn dedicated(
    spec: &Spec,
    key: &str,
    managed: Option<(&str, &str)>,
) -> Result<Option<Node>, UnknownGuardrail> {
    let lc = &spec.librechat;
    let text = |v: &Option<String>| v.as_ref().map(|s| Node::Str(s.clone()));
    Ok(match key {
        "models" => {
            let models = spec.librechat_models();
            (!models.is_empty()).then_some(Node::List(models))
        }
        "inferenceProfiles" => {
            let mut profiles: Vec<(String, Node)> = spec
                .profiles
                .iter()
                .map(|p| (p.model.clone(), Node::Str(format!("${{{}}}", p.env))))
                .collect();
            profiles.extend(
                lc.inference_profiles
                    .iter()
                    .map(|(model, target)| (model.clone(), Node::Str(target.clone()))),
            );
            (!profiles.is_empty()).then_some(Node::Map(profiles))
        }
        "availableRegions" => {
            (!lc.available_regions.is_empty()).then(|| Node::List(lc.available_regions.clone()))
        }
        "titleModel" => text(&lc.title_model),
        "titleMethod" => text(&lc.title_method),
        "titlePrompt" => text(&lc.title_prompt),
        "titlePromptTemplate" => text(&lc.title_prompt_template),
        "titleEndpoint" => text(&lc.title_endpoint),
        "titleConvo" => lc.title_convo.map(Node::Bool),
        "streamRate" => lc.stream_rate.map(Node::Num),
        "guardrailConfig" => match &lc.guardrail {
            Some(g) => Some(guardrail_config(g, managed)?),
            None => None,
        },
        _ => None,
    })
}

fn guardrail_config(
    g: &Guardrail,
    managed: Option<(&str, &str)>,
) -> Result<Node, UnknownGuardrail> {
    let (identifier, version) = match &g.target {
        GuardrailTarget::External {
            identifier,
            version,
        } => (identifier.clone(), version.clone()),
        // The guardrail of [[guardrails]]: its id and published version, as AWS has them.
        GuardrailTarget::Managed { .. } => match managed {
            Some((id, version)) => (id.to_string(), version.to_string()),
            None => return Err(UnknownGuardrail),
        },
    };
    let mut gc = vec![
        ("guardrailIdentifier".to_string(), Node::Str(identifier)),
        ("guardrailVersion".to_string(), Node::Str(version)),
    ];
    if let Some(t) = &g.trace {
        gc.push(("trace".into(), Node::Str(t.clone())));
    }
    if let Some(m) = &g.stream_processing_mode {
        gc.push(("streamProcessingMode".into(), Node::Str(m.clone())));
    }
    Ok(Node::Map(gc))
}

/// The spec key that sets a key of `endpoints.bedrock`, if the spec has one.
pub fn spec_key_of(key: &str) -> Option<String> {
    Some(match key {
        "models" => "[librechat] models (and the profiles' models)".to_string(),
        "inferenceProfiles" => "[[profiles]] and [librechat] inference_profiles".to_string(),
        _ => format!("[librechat] {}", by_librechat_key(key)?.spec),
    })
}

/// A YAML double-quoted string. JSON's escapes are all valid YAML escapes, and JSON escapes
/// every control character, so serde_json's quoting is exactly right.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn number(n: f64) -> String {
    // Rust prints 35.0 as "35" and 0.5 as "0.5": both plain YAML numbers.
    format!("{n}")
}

/// The comment that opens the section.
/// How the section's header comment starts, whatever the spec's name.
pub(crate) const HEADER_START: &str = "# generated by `cargo xtask generate` from ";

pub(crate) fn header(spec_name: &str) -> String {
    format!("{HEADER_START}{spec_name}: edits here are overwritten")
}

/// The section's text, starting with `bedrock:` (no indentation before it, as it goes after
/// the key's existing indentation) and with no final newline. Nested lines are indented
/// `indent` columns (the column of the `bedrock` key) plus two per level.
pub fn render_section(section: &Node, indent: usize, spec_name: &str) -> String {
    let pad = |level: usize| " ".repeat(indent + 2 * level);
    let header = header(spec_name);
    let Node::Map(entries) = section else {
        return "bedrock: {}".into();
    };
    if entries.is_empty() {
        return format!("bedrock: {{}} {header}");
    }
    let mut out = format!("bedrock:\n{}{header}", pad(1));
    fn write(
        out: &mut String,
        key: &str,
        node: &Node,
        level: usize,
        pad: &dyn Fn(usize) -> String,
    ) {
        let k = if key.chars().all(|c| c.is_ascii_alphanumeric()) {
            key.to_string()
        } else {
            quote(key)
        };
        out.push('\n');
        out.push_str(&pad(level));
        match node {
            Node::Str(s) => out.push_str(&format!("{k}: {}", quote(s))),
            Node::Num(n) => out.push_str(&format!("{k}: {}", number(*n))),
            Node::Bool(b) => out.push_str(&format!("{k}: {b}")),
            Node::List(items) => {
                out.push_str(&format!("{k}:"));
                for item in items {
                    out.push('\n');
                    out.push_str(&pad(level + 1));
                    out.push_str(&format!("- {}", quote(item)));
                }
            }
            Node::Map(entries) => {
                out.push_str(&format!("{k}:"));
                for (key, value) in entries {
                    write(out, key, value, level + 1, pad);
                }
            }
        }
    }
    for (key, value) in entries {
        write(&mut out, key, value, 1, &pad);
    }
    out
}
