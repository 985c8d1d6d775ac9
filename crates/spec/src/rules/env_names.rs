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
}
