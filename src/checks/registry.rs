//! The registry of checks: every check's id, description and rule, written once. A finding,
//! a fault's owner and the matrices name a check by its [`CheckId`], so a misspelt check
//! does not compile; its text (`status-matches-code`) is only for reports.

use std::cmp::Ordering;
use std::fmt;

use super::timing::{self, Timeline, TimingBounds};
use super::{Mismatch, Observed, bodies, errors, protocol};
use crate::cases::timing::TimingCase;
use crate::contract::{BodyKind, Contract};

/// A check of the harness, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckId {
    /// `answered`: the request got an HTTP answer in time.
    Answered,
    /// `no-5xx`: no server error.
    No5xx,
    /// `content-type-json`: the answer is labelled JSON.
    ContentTypeJson,
    /// `json-body`: the body is a JSON object.
    JsonBody,
    /// `expected-outcome`: the answer is one the contract allows.
    ExpectedOutcome,
    /// `error-family`: the Code is the documented one, not one of the API gateway's own
    /// families (a deviation a baseline may accept).
    ErrorFamily,
    /// `status-matches-code`: the HTTP status is the error table's for the Code.
    StatusMatchesCode,
    /// `message-template`: the Message is its Code's template with the request's values.
    MessageTemplate,
    /// `error-schema`: an error body matches the error schema.
    ErrorSchema,
    /// `success-schema`: a success body matches DescribeExecution's schema.
    SuccessSchema,
    /// `echoed-names`: a success names the flow and execution asked for.
    EchoedNames,
    /// `request-id`: the body has a RequestId that agrees with its header.
    RequestId,
    /// `retry-hint`: a throttled answer's retry hint, if it gives one, is readable and
    /// sensible.
    RetryHint,
    /// `time-bound`: the answer came within the case's time bound.
    TimeBound,
    /// `request-id-unique`: no two answers of the run share a RequestId.
    RequestIdUnique,
    /// `same-answer`: every encoding of one request gets the same answer.
    SameAnswer,
    /// `timing-answer`: each long poll's answer fits its execution's state.
    TimingAnswer,
    /// `timing-at-once`: what must be answered at once is.
    TimingAtOnce,
    /// `timing-wait-honoured`: a long poll outlived by its execution lasts its wait.
    TimingWaitHonoured,
    /// `timing-ends-with-execution`: a long poll ends with its execution.
    TimingEndsWithExecution,
    /// `execution-invariants`: what the polls of one execution say stays consistent.
    ExecutionInvariants,
    /// `execution-history`: every read of one execution in the run agrees with what the
    /// run gave it and with the others.
    ExecutionHistory,
    /// `strict-json`: the body is strict JSON (UTF-8 without a byte-order mark, one value,
    /// no member name twice), on every answer: the cases', set-up's and clean-up's, and
    /// every long poll's.
    StrictJson,
}

/// A rule held to one exchange.
pub(super) type ExchangeRule = fn(&Contract, &Observed<'_>) -> Result<(), Mismatch>;

/// A rule held to the polls of one timing case.
pub(super) type TimelineRule =
    fn(&Contract, &TimingCase, &Timeline, &TimingBounds) -> Result<(), Mismatch>;

/// What a check looks at, and so what finds its failures.
#[derive(Clone, Copy)]
pub(super) enum Rule {
    /// Whether a request got an HTTP answer at all: the runner finds it failed when none
    /// came (or when it could not build the request), as there is no exchange to check.
    Answer,
    /// One exchange on its own: [`super::check`] runs it.
    Exchange(ExchangeRule),
    /// All the answers of a run together: [`super::unique_request_ids`],
    /// [`super::same_answers`], [`super::execution_history`].
    Run,
    /// The polls of one timing case: [`timing::check_timing`] runs it.
    Timeline(TimelineRule),
}

/// One entry of the registry.
struct Spec {
    id: &'static str,
    description: &'static str,
    rule: Rule,
}

impl CheckId {
    /// Every check, in the order `conformance checks` lists them and findings of one
    /// exchange or one timing case are reported.
    pub const ALL: [CheckId; 23] = [
        CheckId::Answered,
        CheckId::No5xx,
        CheckId::ContentTypeJson,
        CheckId::JsonBody,
        CheckId::ExpectedOutcome,
        CheckId::ErrorFamily,
        CheckId::StatusMatchesCode,
        CheckId::MessageTemplate,
        CheckId::ErrorSchema,
        CheckId::SuccessSchema,
        CheckId::EchoedNames,
        CheckId::RequestId,
        CheckId::RetryHint,
        CheckId::TimeBound,
        CheckId::RequestIdUnique,
        CheckId::SameAnswer,
        CheckId::TimingAnswer,
        CheckId::TimingAtOnce,
        CheckId::TimingWaitHonoured,
        CheckId::TimingEndsWithExecution,
        CheckId::ExecutionInvariants,
        CheckId::ExecutionHistory,
        CheckId::StrictJson,
    ];

    /// The check whose id is `id` (as [`CheckId::as_str`] prints it), if one is.
    pub fn named(id: &str) -> Option<CheckId> {
        Self::ALL.into_iter().find(|check| check.as_str() == id)
    }

    /// The stable id reports print (`status-matches-code`).
    pub fn as_str(self) -> &'static str {
        self.spec().id
    }

    /// One line saying what the check holds.
    pub fn description(self) -> &'static str {
        self.spec().description
    }

    /// Whether the check holds an answer of any operation whatever was asked: the wire
    /// format's checks, which need no expectation (the validating proxy holds the answers
    /// of operations other than DescribeExecution to them).
    pub fn of_any_operation(self) -> bool {
        matches!(
            self,
            CheckId::No5xx
                | CheckId::ContentTypeJson
                | CheckId::JsonBody
                | CheckId::ErrorSchema
                | CheckId::RequestId
                | CheckId::RetryHint
                | CheckId::StrictJson
        )
    }

    pub(super) fn rule(self) -> Rule {
        self.spec().rule
    }

    fn spec(self) -> Spec {
        let (id, description, rule) = match self {
            CheckId::Answered => (
                "answered",
                "the target answers with HTTP within the time bound",
                Rule::Answer,
            ),
            CheckId::No5xx => (
                "no-5xx",
                "no answer is a server error (5xx)",
                Rule::Exchange(protocol::no_5xx),
            ),
            CheckId::ContentTypeJson => (
                "content-type-json",
                "the Content-Type is application/json",
                Rule::Exchange(protocol::content_type),
            ),
            CheckId::JsonBody => (
                "json-body",
                "the body is a JSON object (the SDKs cannot read anything else)",
                Rule::Exchange(protocol::json_body),
            ),
            CheckId::ExpectedOutcome => (
                "expected-outcome",
                "the answer (success, or the error Code) is one the contract allows for the request",
                Rule::Exchange(errors::expected_outcome),
            ),
            CheckId::ErrorFamily => (
                "error-family",
                "the answer uses an error family of the API gateway, not the documented code",
                Rule::Exchange(errors::error_family),
            ),
            CheckId::StatusMatchesCode => (
                "status-matches-code",
                "the HTTP status is the one the error-code table gives for the returned Code",
                Rule::Exchange(errors::status_matches_code),
            ),
            CheckId::MessageTemplate => (
                "message-template",
                "the Message matches its Code's template and its %s values are the request's",
                Rule::Exchange(errors::message_template),
            ),
            CheckId::ErrorSchema => (
                "error-schema",
                "an error body matches the error schema (RequestId, Code, Message; HostId, Recommend)",
                Rule::Exchange(|contract, observed| {
                    bodies::schema(contract, observed, BodyKind::Error)
                }),
            ),
            CheckId::SuccessSchema => (
                "success-schema",
                "a success body matches DescribeExecution's schema (fields, types, Status, timestamps)",
                Rule::Exchange(|contract, observed| {
                    bodies::schema(contract, observed, BodyKind::Success)
                }),
            ),
            CheckId::EchoedNames => (
                "echoed-names",
                "a success echoes FlowName and Name exactly as asked",
                Rule::Exchange(bodies::echoed_names),
            ),
            CheckId::RequestId => (
                "request-id",
                "the body has a RequestId, equal to the x-acs-request-id header where one is sent",
                Rule::Exchange(protocol::request_id_agrees),
            ),
            CheckId::RetryHint => (
                "retry-hint",
                "a throttled answer's retry hint, if any, is readable (x-acs-retry-after in milliseconds, Retry-After in seconds or a date) and at most an hour",
                Rule::Exchange(protocol::retry_hint),
            ),
            CheckId::TimeBound => (
                "time-bound",
                "the answer comes within the case's time bound",
                Rule::Exchange(protocol::time_bound),
            ),
            CheckId::RequestIdUnique => (
                "request-id-unique",
                "no two answers of the run share a RequestId",
                Rule::Run,
            ),
            CheckId::SameAnswer => (
                "same-answer",
                "every encoding of one valid request (query, form, JSON body, order, percent-encoding) gets the same status and body, RequestId aside",
                Rule::Run,
            ),
            CheckId::TimingAnswer => (
                "timing-answer",
                "a long poll's answer is the one its execution's state calls for (Running, the terminal status, 404, 400)",
                Rule::Timeline(|contract, case, timeline, _| {
                    timing::answer(contract, &case.scenario, timeline)
                }),
            ),
            CheckId::TimingAtOnce => (
                "timing-at-once",
                "WaitTimeSeconds 0 or absent, a finished or unknown execution, and a rejected wait are answered within the slack",
                Rule::Timeline(|_, case, timeline, bounds| {
                    timing::at_once(&case.scenario, timeline, bounds)
                }),
            ),
            CheckId::TimingWaitHonoured => (
                "timing-wait-honoured",
                "a long poll on an execution that outlives it is answered after its wait, within the slack",
                Rule::Timeline(|_, case, timeline, bounds| {
                    timing::wait_honoured(&case.scenario, timeline, bounds)
                }),
            ),
            CheckId::TimingEndsWithExecution => (
                "timing-ends-with-execution",
                "a long poll on an execution that ends during it is answered within the slack of the end",
                Rule::Timeline(|_, case, timeline, bounds| {
                    timing::ends_with_execution(&case.scenario, timeline, bounds)
                }),
            ),
            CheckId::ExecutionInvariants => (
                "execution-invariants",
                "across polls: status never goes back, StartedTime never changes, StoppedTime exactly when terminal and not before StartedTime, FlowName and Name as asked",
                Rule::Timeline(|contract, _, timeline, _| timing::invariants(contract, timeline)),
            ),
            CheckId::ExecutionHistory => (
                "execution-history",
                "every successful DescribeExecution of one execution in the run (catalog cases and long polls): StoppedTime never changes once set, Output unset until terminal, FlowDefinition byte for byte as the run created the flow (no verdict with --fixtures), Input exactly as the run started it",
                Rule::Run,
            ),
            CheckId::StrictJson => (
                "strict-json",
                "every answer's body (set-up's, clean-up's and long polls' too) is strict JSON: UTF-8 without a byte-order mark, exactly one value, no member name twice in an object (RFC 8259, I-JSON RFC 7493)",
                Rule::Exchange(protocol::strict_json),
            ),
        };
        Spec {
            id,
            description,
            rule,
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.pad(self.as_str())
    }
}

/// Checks order by their id's text, so that sets of them print alphabetically.
impl Ord for CheckId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for CheckId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{CheckId, Rule};

    #[test]
    fn ids_are_unique_and_listed_once() {
        let texts: HashSet<&str> = CheckId::ALL.iter().map(|id| id.as_str()).collect();
        assert_eq!(texts.len(), CheckId::ALL.len());
        let ids: HashSet<CheckId> = CheckId::ALL.into_iter().collect();
        assert_eq!(ids.len(), CheckId::ALL.len());
    }

    #[test]
    fn only_answered_and_the_run_checks_are_found_outside_a_rule() {
        let outside: Vec<CheckId> = CheckId::ALL
            .into_iter()
            .filter(|id| matches!(id.rule(), Rule::Answer | Rule::Run))
            .collect();
        assert_eq!(
            outside,
            [
                CheckId::Answered,
                CheckId::RequestIdUnique,
                CheckId::SameAnswer,
                CheckId::ExecutionHistory
            ]
        );
    }

    #[test]
    fn the_checks_of_any_operation_need_no_expectation() {
        use super::super::canned::{documented_error, failing, success_case};
        use crate::contract::ErrorCode;
        // An answer the case does not expect fails only checks that read the expectation.
        let answer = documented_error(ErrorCode::InvalidArgument);
        let failing = failing(&success_case(), &answer);
        assert!(!failing.is_empty());
        for id in CheckId::ALL.into_iter().filter(|id| id.of_any_operation()) {
            assert!(matches!(id.rule(), Rule::Exchange(_)), "{id}");
            assert!(!failing.contains(&id), "{id}");
        }
    }

    #[test]
    fn sets_of_checks_sort_by_text() {
        let mut ids = vec![CheckId::TimeBound, CheckId::Answered, CheckId::No5xx];
        ids.sort();
        assert_eq!(ids, [CheckId::Answered, CheckId::No5xx, CheckId::TimeBound]);
        assert_eq!(format!("[{:<8}]", CheckId::No5xx), "[no-5xx  ]");
    }
}
