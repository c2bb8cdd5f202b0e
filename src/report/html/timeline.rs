//! A timing case drawn as a timeline in inline SVG: a row per request on the case's clock
//! (StartExecution, StopExecution, each poll, the other operation's requests), each drawn
//! as a bar from its sending to its answer, with the poll's status; the window the timing
//! checks allow each judged answer ([`windows`]) as a band in its row; the execution's
//! start, its end or stop as bands across the rows. A table of the polls follows, for the
//! numbers.

use std::fmt::{self, Write as _};
use std::time::Duration;

use super::Escaped;
use crate::cases::timing::Scenario;
use crate::checks::timing::{
    Answer, Poll, Timeline, TimingBounds, Window, ended_by_itself, windows,
};
use crate::contract::Contract;

/// The drawing's width, and where its plot starts and ends.
const WIDTH: f64 = 960.0;
const PLOT_LEFT: f64 = 170.0;
const PLOT_RIGHT: f64 = 900.0;
/// Above the rows: the bands' labels; below: the axis.
const TOP: f64 = 18.0;
const AXIS: f64 = 30.0;

/// A row of the drawing: one request.
struct Row<'a> {
    label: String,
    sent: Duration,
    answered: Duration,
    /// The poll, for its status; none for StartExecution and StopExecution.
    poll: Option<&'a Poll>,
    answer: Option<Answer>,
}

/// Writes the timeline of a timing case, then its table of polls.
pub(super) fn write_timeline(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
    page: &mut String,
) -> fmt::Result {
    let windows = windows(Contract::embedded(), scenario, timeline, bounds);
    let ended = ended_by_itself(scenario, timeline);
    let mut rows = Vec::new();
    if let Some((sent, answered)) = timeline.started {
        rows.push(Row {
            label: "StartExecution".to_owned(),
            sent,
            answered,
            poll: None,
            answer: None,
        });
    }
    if let Some((sent, answered)) = timeline.stop {
        rows.push(Row {
            label: "StopExecution".to_owned(),
            sent,
            answered,
            poll: None,
            answer: None,
        });
    }
    for (index, poll) in timeline.polls.iter().enumerate() {
        let wait = poll
            .wait
            .map_or_else(|| "no wait".to_owned(), |wait| format!("wait {wait}"));
        rows.push(Row {
            label: format!("poll {} · {wait}", index + 1),
            sent: poll.sent,
            answered: poll.answered(),
            poll: Some(poll),
            answer: Some(Answer::Poll(index)),
        });
    }
    for (index, other) in timeline.beside.iter().enumerate() {
        let when = if index == 0 { "before" } else { "beside" };
        rows.push(Row {
            label: format!("DescribeFlow {} ({when})", index + 1),
            sent: other.sent,
            answered: other.answered(),
            poll: Some(other),
            answer: Some(Answer::Beside(index)),
        });
    }
    if rows.is_empty() {
        return writeln!(page, "<p class=\"note\">no request was answered</p>");
    }
    let end = rows
        .iter()
        .map(|row| row.answered)
        .chain(windows.iter().map(|window| window.to))
        .chain(ended.map(|(_, latest)| latest))
        .max()
        .unwrap_or_default()
        .max(Duration::from_millis(100))
        .as_secs_f64()
        * 1.04;
    let scale = Scale {
        end,
        row: if rows.len() > 16 { 12.0 } else { 20.0 },
    };
    let height = TOP + scale.row * rows.len() as f64 + AXIS;
    writeln!(
        page,
        "<figure class=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"timeline of {} requests\">",
        rows.len()
    )?;
    let bottom = TOP + scale.row * rows.len() as f64;
    axis(&scale, bottom, page)?;
    // The execution's start, its end or stop: bands across every row.
    let marks = [
        (timeline.started, "start", "execution started"),
        (ended, "end", "execution ended"),
        (timeline.stop, "stop", "StopExecution"),
    ];
    for (span, class, label) in marks {
        if let Some((from, to)) = span {
            let (x, width) = (scale.x(from), scale.width(from, to).max(1.5));
            writeln!(
                page,
                "<rect class=\"mark {class}\" x=\"{x:.1}\" y=\"{TOP}\" width=\"{width:.1}\" height=\"{:.1}\"><title>{label}: between {} and {}</title></rect><text class=\"mark-label\" x=\"{x:.1}\" y=\"{:.1}\">{label}</text>",
                bottom - TOP,
                seconds(from),
                seconds(to),
                TOP - 5.0
            )?;
        }
    }
    for (at, row) in rows.iter().enumerate() {
        let y = TOP + scale.row * at as f64;
        let mine: Vec<&Window> = windows
            .iter()
            .filter(|window| Some(window.answer) == row.answer)
            .collect();
        write_row(&scale, y, row, &mine, page)?;
    }
    writeln!(page, "</svg>")?;
    writeln!(
        page,
        "<figcaption>Each bar runs from a request's sending to its answer, on the case's clock; the green band in its row is when the timing check allows the answer (a red outline: outside it); grey bars were throttled (no evidence).</figcaption></figure>"
    )?;
    table(&rows, &windows, page)
}

/// Where times go on the drawing.
struct Scale {
    /// The last second drawn.
    end: f64,
    /// The height of a row.
    row: f64,
}

impl Scale {
    fn x(&self, at: Duration) -> f64 {
        PLOT_LEFT + at.as_secs_f64() / self.end * (PLOT_RIGHT - PLOT_LEFT)
    }

    fn width(&self, from: Duration, to: Duration) -> f64 {
        self.x(to) - self.x(from)
    }
}

fn write_row(
    scale: &Scale,
    y: f64,
    row: &Row<'_>,
    windows: &[&Window],
    page: &mut String,
) -> fmt::Result {
    let font = (scale.row - 2.0).min(12.0);
    let middle = y + scale.row / 2.0;
    writeln!(
        page,
        "<text class=\"row-label\" x=\"{:.1}\" y=\"{middle:.1}\" font-size=\"{font}\">{}</text>",
        PLOT_LEFT - 6.0,
        Escaped(&row.label)
    )?;
    for window in windows {
        writeln!(
            page,
            "<rect class=\"window\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{}\"><title>{} allows the answer between {} and {}</title></rect>",
            scale.x(window.from),
            scale.width(window.from, window.to).max(1.0),
            scale.row,
            window.check,
            seconds(window.from),
            seconds(window.to)
        )?;
    }
    let outside = windows
        .iter()
        .any(|window| !(window.from..=window.to).contains(&row.answered));
    let status = row.poll.map(status_of);
    let class = match row.poll {
        None => "call",
        Some(poll) if poll.status == 429 => "throttled",
        Some(poll) if poll.status >= 500 => "server-error",
        Some(poll) if poll.status >= 400 => "client-error",
        Some(_) => "success",
    };
    let outside_class = if outside { " outside" } else { "" };
    let bar = scale.row * 0.6;
    writeln!(
        page,
        "<rect class=\"bar {class}{outside_class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\"><title>{}: sent {}, answered {} ({} later){}</title></rect>",
        scale.x(row.sent),
        y + (scale.row - bar) / 2.0,
        scale.width(row.sent, row.answered).max(1.5),
        Escaped(&row.label),
        seconds(row.sent),
        seconds(row.answered),
        seconds(row.answered.saturating_sub(row.sent)),
        status
            .as_ref()
            .map(|status| format!(", {}", Escaped(status)))
            .unwrap_or_default()
    )?;
    if let Some(status) = status {
        writeln!(
            page,
            "<text class=\"status\" x=\"{:.1}\" y=\"{middle:.1}\" font-size=\"{font}\">{}</text>",
            scale.x(row.answered) + 4.0,
            Escaped(&status)
        )?;
    }
    Ok(())
}

/// The axis: seconds from the start of the case, at a round step.
fn axis(scale: &Scale, bottom: f64, page: &mut String) -> fmt::Result {
    let step = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0]
        .into_iter()
        .find(|step| scale.end / step <= 12.0)
        .unwrap_or(120.0);
    writeln!(
        page,
        "<line class=\"axis\" x1=\"{PLOT_LEFT}\" y1=\"{bottom:.1}\" x2=\"{PLOT_RIGHT}\" y2=\"{bottom:.1}\"/>"
    )?;
    let mut tick = 0.0;
    while tick <= scale.end {
        let x = scale.x(Duration::from_secs_f64(tick));
        writeln!(
            page,
            "<line class=\"tick\" x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{:.1}\"/><text class=\"tick-label\" x=\"{x:.1}\" y=\"{:.1}\">{}</text>",
            bottom + 4.0,
            bottom + 16.0,
            format_args!("{tick:.1} s")
        )?;
        tick += step;
    }
    Ok(())
}

/// The polls' numbers: sent, answered, took, status and the window each is held to.
fn table(rows: &[Row<'_>], windows: &[Window], page: &mut String) -> fmt::Result {
    writeln!(
        page,
        "<details class=\"polls\"><summary>{} requests in numbers</summary><table><thead><tr><th>request</th><th>sent</th><th>answered</th><th>took</th><th>answer</th><th>allowed</th></tr></thead><tbody>",
        rows.len()
    )?;
    for row in rows {
        let allowed: Vec<String> = windows
            .iter()
            .filter(|window| Some(window.answer) == row.answer)
            .map(|window| {
                format!(
                    "{}: {} to {}",
                    window.check,
                    seconds(window.from),
                    seconds(window.to)
                )
            })
            .collect();
        writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            Escaped(&row.label),
            seconds(row.sent),
            seconds(row.answered),
            seconds(row.answered.saturating_sub(row.sent)),
            Escaped(&row.poll.map(status_of).unwrap_or_default()),
            Escaped(&allowed.join("; "))
        )?;
    }
    writeln!(page, "</tbody></table></details>")
}

/// A poll's answer: its HTTP status and the Status or Code of its body.
fn status_of(poll: &Poll) -> String {
    poll.described()
}

fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}
