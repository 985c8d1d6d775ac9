//! Every key of LibreChat's `endpoints.bedrock` and the `[librechat]` spec key that sets it:
//! one table, read by the decoder (which keys `[librechat]` takes, and how each is checked)
//! and by the renderer (which keys `librechat.yaml` gets, in this order).
//!
//! LibreChat's schema is `bedrockEndpointSchema` (`baseEndpointSchema` merged with the Bedrock
//! keys) in `packages/data-provider/src/config.ts`; the types and limits below are its own, as
//! `librechat-data-provider` 0.8.524 builds them. A test reads the installed package's keys
//! and compares them with [`ENDPOINT_KEYS`], so a key a new LibreChat adds is noticed.

/// How a key's value is read, checked and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Read and written by code of its own (models, profiles, the guardrail, title and stream
    /// settings), not by the table's generic reader: its value is a field of [`crate::LibreChat`].
    Dedicated,
    /// `z.boolean()`.
    Bool,
    /// `z.string()`: any text.
    Text,
    /// A union of string literals: one of these.
    OneOf(&'static [&'static str]),
    /// `z.number().int().positive()`.
    PositiveInt,
    /// `z.number().int().nonnegative()`.
    NonNegativeInt,
    /// `z.number().positive()`.
    PositiveNumber,
    /// `baseURL`: `z.string()`, checked here as an `http(s)://` address.
    Url,
    /// `headers`: `z.record(z.string())`, a TOML table of header names to values; a value may
    /// hold `${VAR}` (LibreChat resolves it).
    Headers,
}

/// One key of `endpoints.bedrock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointKey {
    /// The key in `[librechat]` (snake_case).
    pub spec: &'static str,
    /// The key in `endpoints.bedrock` (LibreChat's camelCase).
    pub librechat: &'static str,
    pub kind: KeyKind,
}

const fn key(spec: &'static str, librechat: &'static str, kind: KeyKind) -> EndpointKey {
    EndpointKey {
        spec,
        librechat,
        kind,
    }
}

use KeyKind::*;

/// Every key of `endpoints.bedrock`, in the order `librechat.yaml` lists them.
/// `models` and `inferenceProfiles` also take the `[[profiles]]`' models and ARNs.
pub const ENDPOINT_KEYS: &[EndpointKey] = &[
    key("models", "models", Dedicated),
    key("inference_profiles", "inferenceProfiles", Dedicated),
    key("available_regions", "availableRegions", Dedicated),
    key("title_model", "titleModel", Dedicated),
    key("title_method", "titleMethod", Dedicated),
    key("title_prompt", "titlePrompt", Dedicated),
    key("title_prompt_template", "titlePromptTemplate", Dedicated),
    key("title_endpoint", "titleEndpoint", Dedicated),
    key("title_convo", "titleConvo", Dedicated),
    key("stream_rate", "streamRate", Dedicated),
    key("guardrail", "guardrailConfig", Dedicated),
    key(
        "title_timing",
        "titleTiming",
        OneOf(&["immediate", "final"]),
    ),
    key("base_url", "baseURL", Url),
    key("headers", "headers", Headers),
    key(
        "max_tool_result_chars",
        "maxToolResultChars",
        PositiveNumber,
    ),
    key("activity_label", "activityLabel", Bool),
    key("activity_model", "activityModel", Text),
    key("activity_endpoint", "activityEndpoint", Text),
    key("activity_prompt", "activityPrompt", Text),
    key("activity_max_per_run", "activityMaxPerRun", PositiveInt),
    key("activity_char_limit", "activityCharLimit", PositiveInt),
    key("activity_phase_label", "activityPhaseLabel", Bool),
    key("activity_phase_model", "activityPhaseModel", Text),
    key("activity_phase_endpoint", "activityPhaseEndpoint", Text),
    key("activity_phase_prompt", "activityPhasePrompt", Text),
    key(
        "activity_phase_max_per_run",
        "activityPhaseMaxPerRun",
        PositiveInt,
    ),
    key("reasoning_label", "reasoningLabel", Bool),
    key("reasoning_label_model", "reasoningLabelModel", Text),
    key("reasoning_label_endpoint", "reasoningLabelEndpoint", Text),
    key("reasoning_label_prompt", "reasoningLabelPrompt", Text),
    key(
        "reasoning_label_min_chars",
        "reasoningLabelMinChars",
        PositiveInt,
    ),
    key(
        "reasoning_label_update_chars",
        "reasoningLabelUpdateChars",
        PositiveInt,
    ),
    key(
        "reasoning_label_update_interval_ms",
        "reasoningLabelUpdateIntervalMs",
        NonNegativeInt,
    ),
    key(
        "reasoning_label_max_per_run",
        "reasoningLabelMaxPerRun",
        PositiveInt,
    ),
];

/// The largest whole number a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The value of a key the table reads (not a [`KeyKind::Dedicated`] one).
#[derive(Debug, Clone, PartialEq)]
pub enum EndpointValue {
    Bool(bool),
    Text(String),
    Int(i64),
    Number(f64),
    /// Header names and values, in the order written.
    Map(Vec<(String, String)>),
}

/// The table's entry for a LibreChat key.
pub fn by_librechat_key(key: &str) -> Option<&'static EndpointKey> {
    ENDPOINT_KEYS.iter().find(|k| k.librechat == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_listed_once_and_named_by_the_convention() {
        for (i, k) in ENDPOINT_KEYS.iter().enumerate() {
            assert!(
                !ENDPOINT_KEYS[..i]
                    .iter()
                    .any(|o| o.spec == k.spec || o.librechat == k.librechat),
                "{k:?} twice"
            );
            // snake_case of the camelCase key (`baseURL` is `base_url`, not `base_u_r_l`).
            let mut snake = String::new();
            let chars: Vec<char> = k.librechat.chars().collect();
            for (j, c) in chars.iter().enumerate() {
                let after_lower = j > 0 && chars[j - 1].is_ascii_lowercase();
                if c.is_ascii_uppercase() && after_lower {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            let exceptions = [("guardrail", "guardrailConfig")];
            if !exceptions.contains(&(k.spec, k.librechat)) {
                assert_eq!(snake, k.spec, "{}", k.librechat);
            }
        }
        assert_eq!(ENDPOINT_KEYS.len(), 34);
    }
}
