//! The platform's operator lists, which every session load shows: kept in memory and refreshed in
//! the background, one refresh per operation at a time, so no customer waits on the platform for
//! them. A list older than its lifetime is still served while its refresh runs; a refresh that
//! fails keeps the last good list (or, before there was one, the seeds' list, marked as a
//! fallback) and is tried again sooner.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use checkout_protocol::time::{Millis, Timestamp};
use checkout_protocol::Operator;

use crate::views::OperatorView;

/// How long an operator list from the platform is used before it is asked again.
pub const OPERATORS_TTL: Duration = Duration::from_secs(300);
/// How soon a failed refresh is tried again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);
/// How long a session load waits for the very first list (none fetched yet) before it offers the
/// seeds' list: an instance that just started asks at once, and the sandbox or a healthy platform
/// answers well within this.
pub const FIRST_LIST_WAIT: Duration = Duration::from_millis(500);

/// A list as served: the operators, and whether they are the seeds' fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The operators, in the platform's order.
    pub operators: Vec<OperatorView>,
    /// Whether this is the seeds' list because the platform could not be asked.
    pub fallback: bool,
    /// When to ask the platform again.
    pub refresh_at: Timestamp,
}

/// The platform's two mobile operations, each with its own operator list: the operators that
/// take sales and those that take payouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// A purchase paid from the phone's balance.
    Sale,
    /// Money sent to the phone's balance.
    Payout,
}

impl Operation {
    /// Both, for warming the lists at start-up.
    pub const ALL: [Operation; 2] = [Operation::Sale, Operation::Payout];

    /// The platform's name for it, in its paths and in our logs.
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Sale => "sale",
            Operation::Payout => "payout",
        }
    }

    /// The Gate path of its operator list.
    pub fn list_path(self) -> String {
        format!("/v2/info/mobile/{}/list", self.name())
    }
}

#[derive(Debug, Default)]
struct Slot {
    listed: Option<Listed>,
    refreshing: bool,
}

/// The lists by operation.
#[derive(Debug, Default)]
pub struct OperatorLists {
    slots: Mutex<HashMap<Operation, Slot>>,
}

/// What a look at the lists found.
#[derive(Debug)]
pub struct Look {
    /// The list to serve now, if there is one.
    pub listed: Option<Listed>,
    /// Whether the caller must start the refresh (it is marked as running).
    pub start_refresh: bool,
}

impl OperatorLists {
    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<Operation, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The list of `operation` at `now`, and whether a refresh must start: when the list is due
    /// (or missing) and none is running. Of any number of concurrent looks, one starts it.
    pub fn look(&self, operation: Operation, now: Timestamp) -> Look {
        let mut slots = self.slots();
        let slot = slots.entry(operation).or_default();
        let due = slot.listed.as_ref().is_none_or(|l| now >= l.refresh_at);
        let start_refresh = due && !slot.refreshing;
        if start_refresh {
            slot.refreshing = true;
        }
        Look { listed: slot.listed.clone(), start_refresh }
    }

    /// Stores the outcome of a refresh at `now`: the platform's list, or `None` when it could not
    /// be had (the last good list stays; without one, the seeds' list).
    pub fn refreshed(&self, operation: Operation, now: Timestamp, fetched: Option<Vec<OperatorView>>) -> Listed {
        let mut slots = self.slots();
        let slot = slots.entry(operation).or_default();
        slot.refreshing = false;
        let retry = now + Millis::from_duration(RETRY_AFTER_FAILURE);
        let listed = match (fetched, slot.listed.take()) {
            (Some(operators), _) => Listed { operators, fallback: false, refresh_at: now + Millis::from_duration(OPERATORS_TTL) },
            (None, Some(last)) => Listed { refresh_at: retry, ..last },
            (None, None) => Listed { operators: seeds_list(), fallback: true, refresh_at: retry },
        };
        slot.listed = Some(listed.clone());
        listed
    }
}

/// The operators the seeds name, for when the platform cannot be asked.
pub fn seeds_list() -> Vec<OperatorView> {
    Operator::ALL.iter().map(|op| OperatorView { id: op.code().into(), name: op.display_name().into() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<OperatorView> {
        names.iter().map(|n| OperatorView { id: (*n).into(), name: (*n).into() }).collect()
    }

    #[test]
    fn one_refresh_at_a_time_and_the_last_good_list_meanwhile() {
        let lists = OperatorLists::default();
        let t0 = Timestamp(1_000_000);
        let first = lists.look(Operation::Sale, t0);
        assert!(first.listed.is_none() && first.start_refresh);
        assert!(!lists.look(Operation::Sale, t0).start_refresh, "a second look while the first refresh runs starts none");
        assert!(lists.look(Operation::Payout, t0).start_refresh, "each operation has its own");
        lists.refreshed(Operation::Sale, t0, Some(list(&["KCELL"])));
        let fresh = lists.look(Operation::Sale, t0 + Millis::from_secs(10));
        assert!(!fresh.start_refresh);
        assert_eq!(fresh.listed.unwrap().operators, list(&["KCELL"]));
        // Due again: served as it is while one refresh runs; a failed refresh keeps it.
        let later = t0 + Millis::from_duration(OPERATORS_TTL);
        let due = lists.look(Operation::Sale, later);
        assert!(due.start_refresh);
        assert_eq!(due.listed.as_ref().map(|l| l.fallback), Some(false));
        let kept = lists.refreshed(Operation::Sale, later, None);
        assert_eq!((kept.operators, kept.fallback), (list(&["KCELL"]), false));
        assert!(!lists.look(Operation::Sale, later + Millis::from_secs(1)).start_refresh, "retried after a pause, not at once");
        assert!(lists.look(Operation::Sale, later + Millis::from_duration(RETRY_AFTER_FAILURE)).start_refresh);
        // Never a good list: the seeds', marked.
        let seeds = lists.refreshed(Operation::Payout, t0, None);
        assert!(seeds.fallback);
        assert_eq!(seeds.operators.len(), Operator::ALL.len());
    }
}
