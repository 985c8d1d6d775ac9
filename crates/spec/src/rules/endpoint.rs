//! Rules for the values of LibreChat's `endpoints.bedrock` keys that LibreChat's schema leaves
//! as plain strings or numbers: the address, the headers, `${VAR}` references, counts.

use super::{env_reference, problem, re, Rule};
use regex::Regex;
use std::sync::LazyLock;

/// LibreChat's `envVarRegex`: a value that is one `${...}` reference as a whole.
static WHOLE_REFERENCE: LazyLock<Regex> = LazyLock::new(|| re(r"^\$\{(.+)\}$"));
/// The references `extractEnvVariable` replaces inside a longer value.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| re(r"\$\{([^}]+)\}"));
/// RFC 9110's `token`: what an HTTP field name may hold.
static HEADER_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));

/// The variable a value names when it is `${NAME}` as a whole (LibreChat trims it first).
pub fn whole_env_reference(value: &str) -> Option<&str> {
    WHOLE_REFERENCE
        .captures(value.trim())
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// Every `${NAME}` inside a value, in order.
pub fn env_references(value: &str) -> Vec<&str> {
    REFERENCE
        .captures_iter(value)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect()
}

/// `baseURL`: an `http://` or `https://` address. LibreChat's Bedrock endpoint does not
/// resolve `${VAR}` in it (custom endpoints do), so a reference would be sent as written.
pub fn base_url(url: &str) -> Rule {
    if url.contains("${") {
        return problem(
            format!("{url:?} holds a ${{VAR}} reference, which LibreChat does not resolve in the Bedrock endpoint's baseURL"),
            "write the address itself, e.g. \"https://gateway.example.com/bedrock\"",
        );
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    if !host_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return problem(
            format!("{url:?} is not an http:// or https:// address"),
            "write the full address without spaces, e.g. \"https://gateway.example.com/bedrock\"",
        );
    }
    Ok(())
}

/// A header's name: an HTTP token.
pub fn header_name(name: &str) -> Rule {
    if HEADER_NAME.is_match(name) {
        return Ok(());
    }
    problem(
        format!("{name:?} is not an HTTP header name"),
        "use letters, digits and `!#$%&'*+-.^_`|~` only, e.g. \"X-Gateway-Team\"",
    )
}

/// A header's value: no line breaks or other control characters (a tab aside); each
/// `${NAME}` in it is a variable LibreChat resolves, of the user's own.
pub fn header_value(value: &str) -> Rule {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return problem(
            format!("{value:?} holds a line break or another control character, which an HTTP header cannot carry"),
            "write the value on one line",
        );
    }
    for name in env_references(value) {
        env_reference(name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_as_librechat_finds_them() {
        assert_eq!(whole_env_reference(" ${GR_ID} "), Some("GR_ID"));
        assert_eq!(whole_env_reference("abc${GR_ID}"), None);
        assert_eq!(
            env_references("Bearer ${A} and ${B_2} but not $C or ${"),
            ["A", "B_2"]
        );
    }

    #[test]
    fn addresses_headers_and_their_values() {
        for good in ["https://gw.example.com/bedrock", "http://127.0.0.1:8080"] {
            assert!(base_url(good).is_ok(), "{good}");
        }
        for bad in [
            "gw.example.com",
            "https://",
            "https:///x",
            "https://a b",
            "${GW_URL}",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
        assert!(base_url("${GW}")
            .unwrap_err()
            .message
            .contains("does not resolve"));
        assert!(header_name("X-Team_1").is_ok());
        for bad in ["", "X Team", "X:Team", "é"] {
            assert!(header_name(bad).is_err(), "{bad:?}");
        }
        assert!(header_value("Bearer ${GATEWAY_TOKEN} {{LIBRECHAT_USER_ID}}").is_ok());
        assert!(header_value("a\r\nInjected: 1").is_err());
        assert!(header_value("${CREDS_KEY}")
            .unwrap_err()
            .message
            .contains("never resolves"));
    }
}
