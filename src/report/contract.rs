//! The contract as `conformance contract` prints it: parameters and their rules, the
//! statuses, the error codes, and the open questions with the answers each accepts.

use std::io::{self, Write};

use crate::contract::{API_VERSION, Contract};

/// Writes the contract as a person reads it.
pub fn write_contract(contract: &Contract, out: &mut impl Write) -> io::Result<()> {
    let request = contract.request();
    writeln!(out, "{} (API version {API_VERSION})", request.operation())?;
    writeln!(out)?;
    writeln!(out, "Parameters:")?;
    for parameter in request.parameters() {
        let required = if parameter.required {
            "required"
        } else {
            "optional"
        };
        let kind = if parameter.integer {
            let range = contract.wait_time_seconds();
            format!("integer {} to {}", range.start(), range.end())
        } else {
            let rules = contract.names().rules();
            format!(
                "name: {} to {} characters, first {}, all {}",
                rules.min_length, rules.max_length, rules.first_character, rules.characters
            )
        };
        writeln!(out, "  {:<16} {required:<9} {kind}", parameter.name)?;
    }
    writeln!(out)?;
    writeln!(out, "Statuses: {}", contract.bodies().statuses().join(", "))?;
    writeln!(
        out,
        "Terminal: {}",
        contract.bodies().terminal_statuses().join(", ")
    )?;
    writeln!(out)?;
    writeln!(out, "Error codes:")?;
    for row in contract.errors().rows() {
        let scope = if row.describe_execution {
            ""
        } else {
            "  (other operations)"
        };
        writeln!(
            out,
            "  {} {:<26} {}{scope}",
            row.status.as_u16(),
            row.code,
            row.message.text()
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Open questions (where the contract leaves the answer open; every answer listed is accepted):"
    )?;
    for question in contract.questions().all() {
        writeln!(out, "  {}: {}", question.question, question.text)?;
        writeln!(out, "    accepted: {}", question.accepted)?;
        writeln!(out, "    why: {}", question.why)?;
    }
    Ok(())
}
