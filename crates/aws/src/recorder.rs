//! Counts every AWS call the clients make and when it ran, for the line at the end of
//! `plan` and `apply` ("23 AWS calls (5 writes) in 1.4 s, 3 sequential round trips") and for
//! the tests that prove a second apply writes nothing.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub service: String,
    pub operation: String,
    pub started: Instant,
    pub ended: Option<Instant>,
}

impl Call {
    /// Reads never change anything: Get, List, Describe, Head.
    pub fn is_write(&self) -> bool {
        !["Get", "List", "Describe", "Head", "Filter"]
            .iter()
            .any(|p| self.operation.starts_with(p))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
    started: Arc<Mutex<Option<Instant>>>,
}

#[derive(Debug, Clone, Copy)]
struct CallIndex(usize);

impl Storable for CallIndex {
    type Storer = StoreReplace<Self>;
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()))
            .unwrap_or_default();
        let now = Instant::now();
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        self.started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(now);
        calls.push(Call {
            service,
            operation,
            started: now,
            ended: None,
        });
        cfg.interceptor_state()
            .store_put(CallIndex(calls.len() - 1));
        Ok(())
    }

    fn read_after_execution(
        &self,
        _: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let metadata = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()));
        if let Some(CallIndex(i)) = cfg.load::<CallIndex>().copied() {
            let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(call) = calls.get_mut(i) {
                call.ended = Some(Instant::now());
                // The operation's metadata is in the bag by now, if it was not before.
                if let (true, Some((service, operation))) = (call.operation.is_empty(), metadata) {
                    call.service = service;
                    call.operation = operation;
                }
            }
        }
        Ok(())
    }
}

/// What the recorder saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallStats {
    pub calls: usize,
    pub writes: usize,
    pub elapsed: Duration,
    /// The longest chain of calls each of which started after the previous one ended: the
    /// number of round trips that had to happen one after another.
    pub sequential_round_trips: usize,
    /// The writes, as `service:Operation`, in order.
    pub write_operations: Vec<String>,
}

impl Recorder {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn stats(&self) -> CallStats {
        let calls = self.calls();
        let writes: Vec<String> = calls
            .iter()
            .filter(|c| c.is_write())
            .map(|c| format!("{}:{}", c.service, c.operation))
            .collect();
        CallStats {
            calls: calls.len(),
            writes: writes.len(),
            elapsed: time_in_calls(&calls),
            sequential_round_trips: longest_chain(&calls),
            write_operations: writes,
        }
    }
}

/// The time during which at least one call was in flight: the union of the calls' intervals.
/// Never the time between them, spent at a prompt, writing files or planning.
fn time_in_calls(calls: &[Call]) -> Duration {
    let mut intervals: Vec<(Instant, Instant)> = calls
        .iter()
        .filter_map(|c| c.ended.map(|e| (c.started, e)))
        .collect();
    intervals.sort();
    let mut total = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for (start, end) in intervals {
        current = match current {
            Some((a, b)) if start <= b => Some((a, b.max(end))),
            Some((a, b)) => {
                total += b.duration_since(a);
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((a, b)) = current {
        total += b.duration_since(a);
    }
    total
}

/// Longest chain of non-overlapping calls (each starts at or after the previous one ends).
fn longest_chain(calls: &[Call]) -> usize {
    let mut intervals: Vec<(Instant, Instant)> = calls
        .iter()
        .filter_map(|c| c.ended.map(|e| (c.started, e)))
        .collect();
    intervals.sort();
    let mut best: Vec<usize> = vec![1; intervals.len()];
    for i in 0..intervals.len() {
        for j in 0..i {
            if intervals[j].1 <= intervals[i].0 {
                best[i] = best[i].max(best[j] + 1);
            }
        }
    }
    best.into_iter().max().unwrap_or(0)
}

impl std::fmt::Display for CallStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("1 {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        write!(
            f,
            "AWS: {} ({}) in {:.2} s, {}",
            plural(self.calls, "call"),
            plural(self.writes, "write"),
            self.elapsed.as_secs_f64(),
            plural(self.sequential_round_trips, "sequential round trip")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(t0: Instant, from_ms: u64, to_ms: u64) -> Call {
        Call {
            service: "bedrock".into(),
            operation: "ListInferenceProfiles".into(),
            started: t0 + Duration::from_millis(from_ms),
            ended: Some(t0 + Duration::from_millis(to_ms)),
        }
    }

    /// Overlapping calls count once; the gap between two rounds (a prompt, say) not at all.
    #[test]
    fn the_time_is_the_calls_own_never_the_time_between_them() {
        let t0 = Instant::now();
        let calls = [
            call(t0, 0, 100),
            call(t0, 50, 150),
            call(t0, 150, 200),
            // Ten seconds at a prompt, then the writes.
            call(t0, 10_200, 10_300),
            call(t0, 10_250, 10_400),
        ];
        assert_eq!(time_in_calls(&calls), Duration::from_millis(400));
        assert_eq!(time_in_calls(&[]), Duration::ZERO);
    }
}
