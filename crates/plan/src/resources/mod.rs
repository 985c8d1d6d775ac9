//! One module per kind of resource: its desired and observed state, the steps that change
//! it, how it is planned and how it is destroyed. The registry lists them.

pub mod api_key;
pub mod bucket;
pub mod budget;
pub mod cost_tags;
pub mod files;
pub mod guardrail;
pub mod inference_profile;
pub mod librechat_role;
pub mod log_group;
pub mod logging_config;
pub mod logging_role;
pub mod model_access;
pub mod monitoring;
pub mod quota_increase;
pub mod runtime_policy;
