//! The rule for a profile's `env`: the `.env` variable that will hold its ARN. Not a name
//! LibreChat itself reads, nor one shells, Node.js or the AWS SDKs read.

use super::{problem, Rule, ENV_NAME, RESERVED_ENV_NAMES};

pub fn env_name(name: &str) -> Rule {
    if !ENV_NAME.is_match(name) {
        let suggestion: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let suggestion = if suggestion.starts_with(|c: char| c.is_ascii_digit()) {
            format!("_{suggestion}")
        } else {
            suggestion
        };
        return problem(
            format!("{name:?} is not a valid environment variable name"),
            format!("use uppercase letters, digits and `_`, not starting with a digit, e.g. {suggestion:?}"),
        );
    }
    if RESERVED_ENV_NAMES.contains(&name) {
        return problem(
            format!("{name} is one of LibreChat's own Bedrock settings"),
            "choose a name of your own, e.g. BEDROCK_CLAUDE_PROFILE",
        );
    }
    if librechat_env_names().any(|n| n == name) {
        return problem(
            format!("{name} is one of LibreChat's own settings (its .env.example): `.env` would set it to a profile's ARN"),
            "choose a name of your own, e.g. BEDROCK_CLAUDE_PROFILE",
        );
    }
    let runtime =
        SYSTEM_ENV_NAMES.contains(&name) || SYSTEM_ENV_PREFIXES.iter().any(|p| name.starts_with(p));
    if runtime {
        return problem(
            format!("{name} is read by shells, Node.js or the AWS SDKs: setting it to a profile's ARN would break them"),
            "choose a name of your own, e.g. BEDROCK_CLAUDE_PROFILE",
        );
    }
    Ok(())
}

/// LibreChat's infrastructure secrets, which its `${VAR}` expansion never resolves
/// (`SENSITIVE_ENV_VARS` of librechat-data-provider): the text `${JWT_SECRET}` itself is sent.
pub const LIBRECHAT_UNRESOLVED_ENV_NAMES: [&str; 8] = [
    "JWT_SECRET",
    "JWT_REFRESH_SECRET",
    "CREDS_KEY",
    "CREDS_IV",
    "MEILI_MASTER_KEY",
    "MONGO_URI",
    "REDIS_URI",
    "REDIS_PASSWORD",
];

/// A `${NAME}` reference LibreChat resolves from its environment when it loads the value:
/// the name is a variable of the user's own, by the same rules as a profile's `env` (a name
/// LibreChat, shells or the AWS SDKs read holds something else).
pub fn env_reference(name: &str) -> Rule {
    let help = "reference a variable of your own, e.g. ${BEDROCK_GUARDRAIL_ID}, and set it in LibreChat's .env";
    if LIBRECHAT_UNRESOLVED_ENV_NAMES.contains(&name) {
        return problem(
            format!("LibreChat never resolves ${{{name}}} (one of its own secrets): the text itself would be used"),
            help,
        );
    }
    if !ENV_NAME.is_match(name) {
        return problem(
            format!("${{{name}}} does not name an environment variable: use uppercase letters, digits and `_`, not starting with a digit"),
            help,
        );
    }
    if RESERVED_ENV_NAMES.contains(&name) || librechat_env_names().any(|n| n == name) {
        return problem(
            format!("${{{name}}} is one of LibreChat's own settings, not a value of yours"),
            help,
        );
    }
    if SYSTEM_ENV_NAMES.contains(&name) || SYSTEM_ENV_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return problem(
            format!(
                "${{{name}}} is read by shells, Node.js or the AWS SDKs for a setting of their own"
            ),
            help,
        );
    }
    Ok(())
}

/// The variables LibreChat itself reads (`librechat-env.txt`, from its `.env.example`).
pub fn librechat_env_names() -> impl Iterator<Item = &'static str> {
    include_str!("../librechat-env.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Names shells, Node.js and the AWS SDKs read, which a profile's ARN must not replace.
pub const SYSTEM_ENV_NAMES: [&str; 22] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "PWD",
    "OLDPWD",
    "IFS",
    "PS1",
    "LANG",
    "LANGUAGE",
    "TERM",
    "TZ",
    "TMPDIR",
    "HOSTNAME",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "PYTHONPATH",
];

/// Prefixes of such names: the dynamic loader's, locales, Node.js and npm, the AWS SDKs'.
pub const SYSTEM_ENV_PREFIXES: [&str; 7] = [
    "LD_",
    "DYLD_",
    "LC_",
    "NODE_",
    "NPM_CONFIG_",
    "AWS_",
    "BASH_",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_librechat_shells_and_sdks_read_are_refused() {
        for name in [
            "CREDS_KEY",
            "JWT_SECRET",
            "MONGO_URI",
            "MEILI_MASTER_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "PATH",
            "LD_PRELOAD",
            "NODE_OPTIONS",
            "HTTPS_PROXY",
            // LibreChat's Bedrock code reads these beyond its .env.example.
            "BEDROCK_AWS_BEARER_TOKEN",
            "BEDROCK_AWS_PROFILE",
            "BEDROCK_REVERSE_PROXY",
        ] {
            let problem = env_name(name).expect_err(name);
            assert!(problem.message.starts_with(name), "{}", problem.message);
        }
        assert!(librechat_env_names().count() > 200);
        for name in ["BEDROCK_CLAUDE_PROFILE", "LIBRECHAT_OPUS", "MY_PATH"] {
            assert!(env_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn a_reference_names_a_variable_of_the_user_s_own_that_librechat_resolves() {
        for (name, says) in [
            ("CREDS_KEY", "never resolves ${CREDS_KEY}"),
            ("REDIS_PASSWORD", "never resolves"),
            ("guardrail_id", "does not name an environment variable"),
            ("BEDROCK_AWS_BEARER_TOKEN", "LibreChat's own settings"),
            ("PATH", "shells, Node.js or the AWS SDKs"),
            ("AWS_REGION", "shells, Node.js or the AWS SDKs"),
        ] {
            let problem = env_reference(name).expect_err(name);
            assert!(
                problem.message.contains(says),
                "{name}: {}",
                problem.message
            );
            assert!(
                problem.help.contains("${BEDROCK_GUARDRAIL_ID}"),
                "{}",
                problem.help
            );
        }
        assert!(env_reference("BEDROCK_GUARDRAIL_ID").is_ok());
    }
}
