//! The faults of strict JSON (`strict-json`): answers whose bodies a forgiving reader
//! still reads, but that are not strict JSON (RFC 8259, I-JSON RFC 7493). Each bends the
//! body's bytes as the last step of an answer (see `reference::wire_form`).

use crate::checks::CheckId;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The operations of set-up and clean-up, whose answers [`JsonFault::BomOnSetup`] bends.
const SET_UP_OPERATIONS: [&str; 4] = [
    "CreateFlow",
    "StartExecution",
    "StopExecution",
    "DeleteFlow",
];

/// Whether `action` is an operation of a run's set-up or clean-up (not DescribeExecution,
/// which the cases ask).
pub(crate) fn is_set_up(action: Option<&str>) -> bool {
    action.is_some_and(|action| SET_UP_OPERATIONS.contains(&action))
}

/// A rule of strict JSON broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonFault {
    /// Every body starts with a byte-order mark.
    Bom,
    /// The bodies of the answers to set-up and clean-up operations (CreateFlow,
    /// StartExecution, StopExecution, DeleteFlow) start with a byte-order mark;
    /// DescribeExecution's do not.
    BomOnSetup,
    /// A second JSON value follows every body.
    TrailingData,
    /// Bodies have RequestId twice, the first with another value.
    DuplicateMember,
    /// Error bodies have a Latin-1 `é` (byte E9) in HostId, labelled UTF-8.
    Latin1,
}

impl JsonFault {
    /// Every fault of strict JSON.
    pub const ALL: [Self; 5] = [
        Self::Bom,
        Self::BomOnSetup,
        Self::TrailingData,
        Self::DuplicateMember,
        Self::Latin1,
    ];

    pub(super) fn suffix(self) -> &'static str {
        match self {
            Self::Bom => "bom",
            Self::BomOnSetup => "bom-on-setup",
            Self::TrailingData => "trailing-data",
            Self::DuplicateMember => "duplicate-member",
            Self::Latin1 => "latin1",
        }
    }

    pub(super) fn description(self) -> &'static str {
        match self {
            Self::Bom => "every body starts with a UTF-8 byte-order mark",
            Self::BomOnSetup => {
                "the bodies of CreateFlow, StartExecution, StopExecution and DeleteFlow (set-up and clean-up) start with a byte-order mark"
            }
            Self::TrailingData => "every body is followed by a second JSON value (\\n{})",
            Self::DuplicateMember => "bodies have RequestId twice, the first with another value",
            Self::Latin1 => {
                "error bodies have a Latin-1 é (byte E9, not UTF-8) in HostId, labelled charset=utf-8"
            }
        }
    }

    pub(super) fn owner(self) -> CheckId {
        CheckId::StrictJson
    }

    /// Whether the fault labels bodies `charset=utf-8` (what it breaks says UTF-8).
    pub(crate) fn labels_utf8(self) -> bool {
        self == Self::Latin1
    }

    /// Bends a body the reference target rendered (a JSON object); `setup` says whether
    /// it answers an operation of set-up or clean-up ([`is_set_up`]).
    pub(crate) fn bend(self, body: &mut Vec<u8>, setup: bool) {
        match self {
            Self::Bom => {
                body.splice(0..0, BOM.iter().copied());
            }
            Self::BomOnSetup if setup => {
                body.splice(0..0, BOM.iter().copied());
            }
            Self::BomOnSetup => {}
            Self::TrailingData => body.extend_from_slice(b"\n{}"),
            Self::DuplicateMember => {
                if let Some(open) = body.iter().position(|&byte| byte == b'{')
                    && contains(body, b"\"RequestId\"")
                {
                    let first = b"\"RequestId\":\"00000000-0000-4000-8000-00000000d0b1\",";
                    body.splice(open + 1..open + 1, first.iter().copied());
                }
            }
            Self::Latin1 => {
                if let Some(name) = find(body, b"\"HostId\"")
                    && let Some(quote) = body[name + 8..].iter().position(|&byte| byte == b'"')
                {
                    let at = name + 8 + quote + 1;
                    body.splice(at..at, b"caf\xE9-".iter().copied());
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::JsonFault;
    use crate::wire::json::{JsonViolation, lenient, strict};

    #[test]
    fn each_fault_breaks_strict_json_and_no_lenient_reading() {
        let error = br#"{"RequestId":"r","HostId":"h","Code":"FlowNotExists","Message":"m"}"#;
        for fault in JsonFault::ALL {
            let mut body = error.to_vec();
            fault.bend(&mut body, true);
            assert!(strict(&body).is_err(), "{fault:?}");
            let read = lenient(&body).unwrap();
            assert_eq!(read["RequestId"], "r", "{fault:?}");
            assert_eq!(read["Code"], "FlowNotExists", "{fault:?}");
        }
        let mut describe = error.to_vec();
        JsonFault::BomOnSetup.bend(&mut describe, false);
        assert_eq!(describe, error);
        let mut duplicated = error.to_vec();
        JsonFault::DuplicateMember.bend(&mut duplicated, false);
        assert!(matches!(
            strict(&duplicated),
            Err(JsonViolation::DuplicateMember { name, .. }) if name == "RequestId"
        ));
    }
}
