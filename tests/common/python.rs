//! The tests' Python: a virtualenv in Cargo's target temp dir with the pinned packages of
//! `tests/python/requirements.txt` (the official SDKs, and xmlschema for the JUnit schema),
//! made by the first test that asks for it (`python3` must exist; set `CONFORMANCE_PYTHON`
//! to use another interpreter).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const REQUIREMENTS: &str = include_str!("../python/requirements.txt");

/// The virtualenv's Python, made on first use.
pub(crate) fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(make_virtualenv) {
        Ok(python) => python,
        Err(error) => panic!("the SDK virtualenv could not be set up: {error}"),
    }
}

fn make_virtualenv() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed == REQUIREMENTS)
        && python.exists()
    {
        return Ok(python);
    }
    let interpreter = std::env::var("CONFORMANCE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run(Command::new(&interpreter)
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/requirements.txt");
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements))?;
    std::fs::write(&marker, REQUIREMENTS).map_err(|error| error.to_string())?;
    Ok(python)
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Runs a scenario of `tests/python/interop.py` (the official SDKs as clients) against
/// `url` and returns the JSON it printed; fails the test if the script fails.
pub(crate) async fn sdk_scenario(name: &str, url: &str) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop.py");
    let output = tokio::process::Command::new(python())
        .arg(&script)
        .arg(name)
        .arg(url)
        .output()
        .await
        .expect("the SDK script runs");
    assert!(
        output.status.success(),
        "scenario {name} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the scenario prints JSON")
}
