//! OpenAI's models on Bedrock that LibreChat does not call through bedrock-runtime: its
//! `packages/api/src/endpoints/bedrock/mantle.ts` sends every model id matching
//! `/^openai\.(?!gpt-oss)/` (`openai.gpt-5.4`, not `openai.gpt-oss-120b-1:0`, not a
//! Region-prefixed `us.openai....`) to `https://bedrock-mantle.{region}.api.aws/openai/v1`
//! (OpenAI's Responses API, with a bearer token), which AWS authorizes with
//! `bedrock-mantle:CreateInference` and `bedrock-mantle:CallWithBearerToken`, not with
//! `bedrock:InvokeModel`: LibreChat's policy grants those for exactly these models.

use crate::rules::Problem;

/// Whether LibreChat sends `model` to bedrock-mantle rather than bedrock-runtime.
pub fn routes_to_bedrock_mantle(model: &str) -> bool {
    model
        .strip_prefix("openai.")
        .is_some_and(|rest| !rest.starts_with("gpt-oss"))
}

/// The warning for such a model in the spec: what LibreChat does with it, what the stack
/// grants, and what the embedded emulator cannot prove.
pub fn warning(model: &str) -> Problem {
    Problem {
        message: format!(
            "LibreChat sends {model:?} to Bedrock's OpenAI-compatible bedrock-mantle endpoint, not to bedrock-runtime: its policy grants bedrock-mantle:CreateInference for this model (default project) and bedrock-mantle:CallWithBearerToken"
        ),
        help: "plan and doctor cannot check that the region serves it (bedrock-mantle has no API in the AWS SDKs): `curl -H \"Authorization: Bearer $KEY\" https://bedrock-mantle.<region>.api.aws/openai/v1/models` lists what it serves; or use a gpt-oss model to stay on bedrock-runtime".into(),
    }
}

/// The warning for a profile of such a model: LibreChat never calls it.
pub fn profile_warning(model: &str) -> Problem {
    Problem {
        message: format!(
            "LibreChat sends {model:?} to bedrock-mantle by its model id (its mantle.ts), never through an inference profile: this profile would not be used"
        ),
        help: "list the model in [librechat] models instead (LibreChat's policy grants it on bedrock-mantle), or profile a gpt-oss model".into(),
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
