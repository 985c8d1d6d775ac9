//! A private emulator for one test binary: its own port and state directory, the shared
//! virtualenv under target/emulator, and it ends when the test process ends.

#![allow(dead_code)]

use bedrock_aws::{Clients, Endpoint, StaticCredentials};
use bedrock_emulator::Instance;
use std::sync::OnceLock;

struct Private {
    instance: Instance,
    _dir: tempfile::TempDir,
}

fn private() -> &'static Private {
    static EMULATOR: OnceLock<Private> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let instance = Instance::start_private(dir.path())
            .unwrap_or_else(|e| panic!("the emulator did not start: {e}"));
        Private {
            instance,
            _dir: dir,
        }
    })
}

pub fn instance() -> &'static Instance {
    &private().instance
}

/// The private emulator as an endpoint, with the credentials it accepts.
pub fn target() -> Endpoint {
    Endpoint::url(
        &instance().endpoint(),
        Some(StaticCredentials {
            access_key_id: bedrock_emulator::ACCESS_KEY_ID.into(),
            secret_access_key: bedrock_emulator::SECRET_ACCESS_KEY.into(),
            session_token: None,
        }),
    )
}

pub async fn clients(region: &str) -> Clients {
    Clients::connect(&target(), region).await
}

pub const ACCOUNT: &str = bedrock_emulator::ACCOUNT_ID;

/// The ARN of a system-defined profile as the region lists it.
pub async fn system_profile_arn(c: &Clients, id: &str) -> String {
    let out = c
        .bedrock
        .get_inference_profile()
        .inference_profile_identifier(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{id}: {e:?}"));
    out.inference_profile_arn().to_string()
}
