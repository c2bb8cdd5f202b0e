//! The console's progress bar: on standard error, only when that is a terminal (CI logs
//! and pipes get the plain report lines alone), and never in colour.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runner::{Events, RunEvent};

/// A progress bar fed by a run's [`Events`].
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
    failed: Arc<AtomicUsize>,
}

impl Progress {
    /// A progress bar on standard error, if standard error is a terminal.
    pub fn on_terminal() -> Option<Self> {
        std::io::stderr()
            .is_terminal()
            .then(|| Self::drawn_to(ProgressDrawTarget::stderr()))
    }

    /// A progress bar drawn to `target`.
    fn drawn_to(target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>3} setting up the run's fixtures")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        Self {
            bar,
            failed: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The events that move the bar.
    pub fn events(&self) -> Events {
        let progress = self.clone();
        Events::new(move |event| progress.show(event))
    }

    fn show(&self, event: RunEvent<'_>) {
        match event {
            RunEvent::Started { cases } => {
                self.bar.set_length(cases as u64);
                self.bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {elapsed:>3} [{bar:40}] {pos}/{len} cases{msg}",
                    )
                    .expect("a valid template")
                    .progress_chars("=> "),
                );
            }
            RunEvent::Finished { case, passed } => {
                if !passed {
                    let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
                    self.bar
                        .set_message(format!(", {failed} failed (last {case})"));
                }
                self.bar.inc(1);
            }
        }
    }

    /// Takes the bar off the screen, before the report is written.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_move_the_bar() {
        let progress = Progress::drawn_to(ProgressDrawTarget::hidden());
        let events = progress.events();
        events.emit(RunEvent::Started { cases: 3 });
        events.emit(RunEvent::Finished {
            case: "a/1",
            passed: true,
        });
        events.emit(RunEvent::Finished {
            case: "a/2",
            passed: false,
        });
        assert_eq!(progress.bar.length(), Some(3));
        assert_eq!(progress.bar.position(), 2);
        assert_eq!(progress.bar.message(), ", 1 failed (last a/2)");
        progress.finish();
        assert!(progress.bar.is_finished());
    }
}
