//! Idempotency tokens that converge whatever the service answers.
//!
//! A plan's create carries a deterministic `clientRequestToken`, so that the SDK's retry of a
//! create whose answer was lost makes no second resource. But a token is remembered by the
//! service after the resource it made is gone: a create under a token already used (a
//! destroy, an out-of-band delete, a spec changed back and forth) may be answered with the
//! dead resource, or with an old version. Every kind that creates with a token goes through
//! [`create_fresh`]: when the answer names something that is not live, or not new, the
//! create is made once more under a token never used before. That second create cannot
//! duplicate anything either: its own retries resend its own token.

use crate::error::AwsError;
use std::future::Future;

/// A token no call has used: `token`, with this moment and this process appended. Within
/// Bedrock's pattern for tokens, `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}`, for any `token` of at
/// most 200 characters of it.
pub(crate) fn unique_token(token: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{token}-{nanos:x}-{:x}", std::process::id())
}

/// Create with the plan's `token`; when `live` says the answer is not a live, new resource,
/// create once more under a [`unique_token`]. `what` names the create for the error when even
/// that answer is dead.
pub(crate) async fn create_fresh<T, C, CF, L, LF>(
    what: &str,
    token: &str,
    mut create: C,
    mut live: L,
) -> Result<T, AwsError>
where
    C: FnMut(String) -> CF,
    CF: Future<Output = Result<T, AwsError>>,
    L: FnMut(&T) -> LF,
    LF: Future<Output = Result<bool, AwsError>>,
{
    for token in [token.to_string(), unique_token(token)] {
        let made = create(token).await?;
        if live(&made).await? {
            return Ok(made);
        }
    }
    Err(AwsError::local(
        what,
        "the service answered a create under a token never used before with a resource that does not exist",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn block<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_dead_answer_is_made_again_under_a_token_never_used() {
        let tokens = RefCell::new(Vec::new());
        let made = block(create_fresh(
            "create x",
            "t1",
            |t| {
                tokens.borrow_mut().push(t.clone());
                async move { Ok::<_, AwsError>(if t == "t1" { "dead" } else { "live" }) }
            },
            |arn| {
                let live = *arn == "live";
                async move { Ok(live) }
            },
        ));
        assert_eq!(made.unwrap(), "live");
        let tokens = tokens.into_inner();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0], "t1");
        assert!(tokens[1].starts_with("t1-") && tokens[1] != "t1");
    }

    #[test]
    fn a_live_answer_is_taken_at_once() {
        let calls = RefCell::new(0);
        let made = block(create_fresh(
            "create x",
            "t1",
            |_| {
                *calls.borrow_mut() += 1;
                async { Ok::<_, AwsError>(1) }
            },
            |_| async { Ok(true) },
        ));
        assert_eq!(made.unwrap(), 1);
        assert_eq!(calls.into_inner(), 1);
    }

    #[test]
    fn two_dead_answers_are_an_error_naming_the_create() {
        let made = block(create_fresh(
            "create guardrail G",
            "t1",
            |_| async { Ok::<_, AwsError>(()) },
            |_| async { Ok(false) },
        ));
        let e = made.unwrap_err();
        assert_eq!(e.context, "create guardrail G");
    }

    #[test]
    fn unique_tokens_match_bedrock_s_pattern() {
        let t = unique_token("lcb-0123456789abcdef");
        let re = regex_lite(&t);
        assert!(re, "{t}");
    }

    /// `[a-zA-Z0-9](-*[a-zA-Z0-9])*`, at most 256 characters.
    fn regex_lite(t: &str) -> bool {
        t.len() <= 256
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && t.starts_with(|c: char| c.is_ascii_alphanumeric())
            && t.ends_with(|c: char| c.is_ascii_alphanumeric())
    }
}
