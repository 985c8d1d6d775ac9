//! Canonical JSON: the one text of a document, so a rendered file changes only with its meaning.

use serde_json::Value;

/// Serialise with object keys sorted at every level, whatever map type serde_json was built
/// with, two-space indentation and a final newline.
pub fn canonical_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let mut out = serde_json::to_string_pretty(&sorted(v)).unwrap_or_default();
    out.push('\n');
    out
}
