//! LibreChat's side: the `endpoints.bedrock` section of `librechat.yaml`, derived from the spec
//! alone (so it is reproducible offline and can be committed), and written into an existing
//! file without touching any other byte.

mod merge;
mod section;
mod yaml;

pub use merge::{update, MergeError};
pub use section::{bedrock_section, render_section, Node};

/// The config version written into a new `librechat.yaml`: `Constants.CONFIG_VERSION` of the
/// `librechat-data-provider` release pinned in `tests/schema/package-lock.json` (a test keeps
/// the two equal).
pub const CONFIG_VERSION: &str = "1.3.17";
