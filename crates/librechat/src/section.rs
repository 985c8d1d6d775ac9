//! The `endpoints.bedrock` section as data, and its YAML text.

use bedrock_spec::{GuardrailTarget, Spec};

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

/// `endpoints.bedrock` for a spec, keys in the order the LibreChat docs list them. `managed`
/// is the id and published version of the guardrail `[librechat] guardrail` names by name.
pub fn bedrock_section(
    spec: &Spec,
    managed: Option<(&str, &str)>,
) -> Result<Node, UnknownGuardrail> {
    let lc = &spec.librechat;
    let mut entries: Vec<(String, Node)> = Vec::new();
    let models = spec.librechat_models();
    if !models.is_empty() {
        entries.push(("models".into(), Node::List(models)));
    }
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
    if !profiles.is_empty() {
        entries.push(("inferenceProfiles".into(), Node::Map(profiles)));
    }
    if !lc.available_regions.is_empty() {
        entries.push((
            "availableRegions".into(),
            Node::List(lc.available_regions.clone()),
        ));
    }
    let strings = [
        ("titleModel", &lc.title_model),
        ("titleMethod", &lc.title_method),
        ("titlePrompt", &lc.title_prompt),
        ("titlePromptTemplate", &lc.title_prompt_template),
        ("titleEndpoint", &lc.title_endpoint),
    ];
    for (key, value) in strings {
        if let Some(v) = value {
            entries.push((key.into(), Node::Str(v.clone())));
        }
    }
    if let Some(b) = lc.title_convo {
        entries.push(("titleConvo".into(), Node::Bool(b)));
    }
    if let Some(rate) = lc.stream_rate {
        entries.push(("streamRate".into(), Node::Num(rate)));
    }
    if let Some(g) = &lc.guardrail {
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
        entries.push(("guardrailConfig".into(), Node::Map(gc)));
    }
    Ok(Node::Map(entries))
}

/// The spec key that sets a key of `endpoints.bedrock`, if the spec has one.
pub fn spec_key_of(key: &str) -> Option<&'static str> {
    Some(match key {
        "models" => "[librechat] models (and the profiles' models)",
        "inferenceProfiles" => "[[profiles]] and [librechat] inference_profiles",
        "availableRegions" => "[librechat] available_regions",
        "titleModel" => "[librechat] title_model",
        "titleMethod" => "[librechat] title_method",
        "titlePrompt" => "[librechat] title_prompt",
        "titlePromptTemplate" => "[librechat] title_prompt_template",
        "titleEndpoint" => "[librechat] title_endpoint",
        "titleConvo" => "[librechat] title_convo",
        "streamRate" => "[librechat] stream_rate",
        "guardrailConfig" => "[librechat] guardrail",
        _ => return None,
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
