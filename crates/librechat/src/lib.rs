//! LibreChat's side: the `endpoints.bedrock` section of `librechat.yaml`, derived from the spec
//! alone (so it is reproducible offline and can be committed), and written into an existing
//! file without touching any other byte.

mod merge;
mod section;
mod yaml;

pub use merge::{kept_keys, update, MergeError};
pub use section::{bedrock_section, render_section, spec_key_of, Node};

/// The config version written into a new `librechat.yaml`: `Constants.CONFIG_VERSION` of the
/// `librechat-data-provider` release pinned in `tests/schema/package-lock.json` (a test keeps
/// the two equal).
pub const CONFIG_VERSION: &str = "1.3.17";

/// A librechat.yaml as the value LibreChat loads (plain scalars typed by YAML's core schema).
pub fn load(text: &str) -> Result<serde_json::Value, String> {
    let doc = yaml::parse(text)
        .map_err(|e| format!("line {}, column {}: {}", e.line, e.col, e.message))?;
    Ok(doc.root.map_or(serde_json::Value::Null, |r| r.to_json()))
}
