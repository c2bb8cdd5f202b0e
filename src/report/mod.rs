//! Reports: consumers of a run's results. Each writes to any `Write`, so its output can be
//! captured in tests. Redaction of secrets happens here and nowhere else.

mod console;
mod redact;

pub use console::{write_checks, write_fuzz, write_list, write_report};
pub use redact::curl;
