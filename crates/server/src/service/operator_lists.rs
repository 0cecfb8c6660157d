//! The operators a session offers, from the platform's lists kept warm in memory (`crate::operators`).

use std::time::Duration;

use checkout_protocol::wire::{OperatorListRequest, OperatorListResponse};
use checkout_protocol::Operator;

use crate::error::ServiceError;
use crate::operators::{seeds_list, Listed, Operation, FIRST_LIST_WAIT};
use crate::views::ErrorCode;
use crate::views::OperatorView;
use crate::App;

impl App {
    /// The operators for `operation` as last heard from the platform, or the
    /// seeds' list marked as a fallback; never waits on the platform, except, before any list was
    /// ever fetched, for at most [`FIRST_LIST_WAIT`]. A list that is due is refreshed in the
    /// background by one task.
    pub async fn operators(&self, operation: Operation) -> (Vec<OperatorView>, bool) {
        if let Some(listed) = self.warm_operators(operation) {
            return (listed.operators, listed.fallback);
        }
        let waited_until = tokio::time::Instant::now() + FIRST_LIST_WAIT;
        while tokio::time::Instant::now() < waited_until {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if let Some(listed) = self.operator_lists().look(operation, self.now()).listed {
                return (listed.operators, listed.fallback);
            }
        }
        (seeds_list(), true)
    }

    /// The list of `operation` as it is now, starting its refresh in the background when it is
    /// due and none is running.
    pub fn warm_operators(&self, operation: Operation) -> Option<Listed> {
        let look = self.operator_lists().look(operation, self.now());
        if look.start_refresh {
            let app = self.clone();
            tokio::spawn(async move { app.refresh_operators(operation).await });
        }
        look.listed
    }

    /// Asks the platform for the list of `operation` and stores the answer (or the failure).
    async fn refresh_operators(&self, operation: Operation) {
        let request = OperatorListRequest { general: self.general(None) };
        let path = operation.list_path();
        let fetched = match self.gate().call(self.db(), None, &path, &request).await {
            Ok(answer) => OperatorListResponse::operators_from(&answer).filter(|list| !list.is_empty()),
            Err(_) => None,
        };
        let fetched = fetched.map(|entries| {
            entries
                .into_iter()
                .map(|e| {
                    let name =
                        e.name.clone().or_else(|| Operator::from_code(&e.id).map(|op| op.display_name().to_owned())).unwrap_or_else(|| e.id.clone());
                    OperatorView { id: e.id, name }
                })
                .collect()
        });
        if fetched.is_none() {
            tracing::warn!(operation = operation.name(), "operator list unavailable; offering the last good list or the seeds'");
        }
        self.operator_lists().refreshed(operation, self.now(), fetched);
    }

    pub(super) async fn check_operator(&self, operation: Operation, operator: &str) -> Result<String, ServiceError> {
        let (list, _) = self.operators(operation).await;
        list.iter()
            .find(|o| o.id.eq_ignore_ascii_case(operator.trim()))
            .map(|o| o.id.clone())
            .ok_or_else(|| ServiceError::new(ErrorCode::OperatorUnknown, format!("{operator:?} is not an operator this shop can take")))
    }
}
