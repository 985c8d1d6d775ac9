//! OpenAI's models on Bedrock that LibreChat does not call through bedrock-runtime: its
//! `packages/api/src/endpoints/bedrock/mantle.ts` sends every model id matching
//! `/^openai\.(?!gpt-oss)/` (`openai.gpt-5.4`, not `openai.gpt-oss-120b-1:0`, not a
//! Region-prefixed `us.openai....`) to `https://bedrock-mantle.{region}.api.aws/openai/v1`
//! (OpenAI's Responses API, with a bearer token), which AWS authorizes with
//! `bedrock-mantle:CreateInference` and `bedrock-mantle:CallWithBearerToken`, not with the
//! `bedrock:InvokeModel` LibreChat's policy grants.

use crate::rules::Problem;

/// Whether LibreChat sends `model` to bedrock-mantle rather than bedrock-runtime.
pub fn routes_to_bedrock_mantle(model: &str) -> bool {
    model
        .strip_prefix("openai.")
        .is_some_and(|rest| !rest.starts_with("gpt-oss"))
}

/// The warning for such a model in the spec: what LibreChat does with it, and what to do.
pub fn warning(model: &str) -> Problem {
    Problem {
        message: format!(
            "LibreChat sends {model:?} to Bedrock's OpenAI-compatible bedrock-mantle endpoint (its mantle.ts routes every openai.* model but gpt-oss there), which needs bedrock-mantle:CreateInference and bedrock-mantle:CallWithBearerToken; this tool's policy for LibreChat grants neither, so LibreChat's calls of it are refused"
        ),
        help: "use a gpt-oss model, which LibreChat calls through bedrock-runtime; or, with a runtime_role of your own, attach a policy granting those two actions to it yourself (AWS's managed AmazonBedrockMantleInferenceAccess has both; a role [librechat.role] makes keeps the stack's policy alone)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_openai_models_but_gpt_oss_go_to_mantle() {
        assert!(routes_to_bedrock_mantle("openai.gpt-5.4"));
        assert!(routes_to_bedrock_mantle("openai.gpt-5.4-codex"));
        assert!(!routes_to_bedrock_mantle("openai.gpt-oss-120b-1:0"));
        assert!(!routes_to_bedrock_mantle("us.openai.gpt-5.4"));
        assert!(!routes_to_bedrock_mantle(
            "anthropic.claude-3-haiku-20240307-v1:0"
        ));
    }

    /// The warnings of a spec: `path: message`.
    fn warnings(src: &str) -> Vec<String> {
        crate::check(src)
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::Severity::Warning)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    }

    #[test]
    fn validate_warns_where_the_spec_names_a_model_librechat_sends_to_mantle() {
        let src = r#"
[stack]
name = "s"
region = "us-east-1"

[[profiles]]
name = "gpt"
model = "openai.gpt-5.4"
env = "BEDROCK_GPT"

[librechat]
models = ["openai.gpt-5.5", "openai.gpt-oss-120b-1:0"]
title_model = "openai.gpt-5.6"
"#;
        let found = warnings(src);
        for path in [
            "profiles[0].model",
            "librechat.models[0]",
            "librechat.title_model",
        ] {
            assert!(
                found
                    .iter()
                    .any(|w| w.starts_with(&format!("{path}: ")) && w.contains("bedrock-mantle")),
                "{path}: {found:#?}"
            );
        }
        assert!(
            !found.iter().any(|w| w.starts_with("librechat.models[1]: ")),
            "gpt-oss goes through bedrock-runtime: {found:#?}"
        );
    }
}
