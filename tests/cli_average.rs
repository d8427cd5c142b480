//! `alrao average` end to end: malformed input is refused with its place named and nothing
//! written, and the switch it computes from a training run's recorded likelihoods is the
//! switch that training used.
#![cfg(feature = "cli")]

mod common;

use std::path::Path;

use common::{alrao, alrao_small, data_dir};

fn average(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "average",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    alrao(&args)
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Each kind of malformed input gets an error naming the file and the line (and the column
/// where there is one), a parameter out of range or given to a method that does not take it
/// gets an error naming the argument, and an output file already there is left as it was.
#[test]
fn malformed_input_is_located_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.csv");
    std::fs::write(&output, "precious\n").unwrap();
    let cases: [(&str, &str, &[&str]); 8] = [
        ("a,b\n-1,-2\n-1\n", "line 3", &["expected 2 columns"]),
        (
            "a,b\n-1,-2\n-1,abc\n",
            "line 3",
            &["column 2 (`b`)", "`abc` is not a number"],
        ),
        ("a,b\n-1,NaN\n", "line 2", &["column 2 (`b`)", "NaN"]),
        (
            "a,b\n-1,-2\ninf,-2\n",
            "line 3",
            &["column 1 (`a`)", "+inf"],
        ),
        ("", "line 1", &["empty file"]),
        ("a,b\n", "line 2", &["no observations"]),
        (
            "a,b,a\n-1,-2,-3\n",
            "line 1",
            &["column 3 (`a`)", "repeated (first in column 1)"],
        ),
        // a trailing comma in the header names a model with no name
        (
            "a,b,\n-1,-2,-3\n",
            "line 1",
            &["column 3: empty model name"],
        ),
    ];
    for (i, (text, line, needles)) in cases.iter().enumerate() {
        let input = dir.path().join(format!("bad{i}.csv"));
        std::fs::write(&input, text).unwrap();
        let o = average(&input, &output, &[]);
        let err = stderr(&o);
        assert!(!o.status.success(), "case {i} was accepted");
        assert!(
            err.contains(&format!("bad{i}.csv")) && err.contains(line),
            "case {i}: {err}"
        );
        for needle in *needles {
            assert!(err.contains(needle), "case {i} lacks `{needle}`: {err}");
        }
    }
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "a,b\n-1,-2\n").unwrap();
    for (args, name) in [
        (&["--theta", "1"][..], "--theta"),
        (&["--prior", "0.5"][..], "--prior"),
        (&["--method", "bma", "--theta", "0.5"][..], "--theta"),
        (
            &["--method", "fixed-share", "--theta", "0.5"][..],
            "--theta",
        ),
        (&["--alpha", "0.1"][..], "--alpha"),
        (&["--method", "fixed-share", "--alpha", "2"][..], "--alpha"),
    ] {
        let o = average(&good, &output, args);
        assert!(
            !o.status.success() && stderr(&o).contains(name),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "precious\n");
}

/// Line numbers are counted in the file's bytes: right after CRLF line endings, blank lines
/// (which the csv reader skips) and a lone CR, and for text that is not UTF-8; a field
/// holding a line break is shown escaped.
#[test]
fn line_numbers_follow_crlf_blank_lines_and_invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.csv");
    let cases: [(&[u8], &str); 8] = [
        (
            b"a,b\r\n-1,-2\r\n-1,abc\r\n",
            "line 3, column 2 (`b`): `abc` is not a number",
        ),
        (b"a,b\r\n-1,-2\r\n-1\r\n", "line 3: expected 2 columns"),
        (
            b"a,b\n-1,-2\n\n\n-1,abc\n",
            "line 5, column 2 (`b`): `abc` is not a number",
        ),
        (
            b"a,b\r\n\r\n-1,-2\r\n\r\n\r\n-1,abc\r\n",
            "line 6, column 2 (`b`)",
        ),
        (b"\n\na,b\n-1,abc\n", "line 4, column 2 (`b`)"),
        (b"a,b\r-1,-2\r-1,abc\r", "line 3, column 2 (`b`)"),
        (
            b"a,b\n-1,-2\n-1,-\xff\n",
            "line 3: not valid UTF-8 (byte 5 of the line)",
        ),
        // a quoted field holding a line break is shown escaped, on the message's one line
        (
            b"a,b\n-1,\"x\r\ny\"\n",
            "line 2, column 2 (`b`): `x\\r\\ny` is not a number",
        ),
    ];
    for (i, (bytes, expected)) in cases.iter().enumerate() {
        let input = dir.path().join(format!("lines{i}.csv"));
        std::fs::write(&input, bytes).unwrap();
        let o = average(&input, &output, &[]);
        let err = stderr(&o);
        assert!(!o.status.success(), "case {i} was accepted");
        assert!(
            err.contains(&format!("lines{i}.csv, {expected}")),
            "case {i}: expected `{expected}` in {err}"
        );
    }
    // the rows after blank lines and CRLF endings are read as rows: one output row each
    let input = dir.path().join("good.csv");
    std::fs::write(&input, "a,b\r\n\r\n-1,-2\r\n\n-3,-1\r\n").unwrap();
    let o = average(&input, &output, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&output).unwrap().lines().count(), 3);
}

/// `--prior` values that start with `-` reach the program's own check (not the argument
/// parser's "unexpected argument"), and each error names the entry, counted from 1, and its
/// model.
#[test]
fn prior_errors_name_the_entry_and_its_model() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    std::fs::write(&input, "a,b,c\n-1,-2,-3\n").unwrap();
    let cases: [(&str, &str); 5] = [
        ("-0.2,0.7,0.5", "--prior: entry 1 (model `a`) is -0.2"),
        ("0.2,NaN,0.8", "--prior: entry 2 (model `b`) is NaN"),
        ("0.2,0.3,inf", "--prior: entry 3 (model `c`) is inf"),
        ("0.5,0.5", "--prior: 2 values for 3 models"),
        (
            "0.5,0.5,0.5",
            "--prior: the prior over models must sum to 1",
        ),
    ];
    for (prior, expected) in cases {
        let o = average(&input, &output, &["--prior", prior]);
        let err = stderr(&o);
        assert!(!o.status.success(), "--prior {prior} was accepted");
        assert!(
            err.contains(expected),
            "--prior {prior}: `{expected}` not in {err}"
        );
    }
    assert!(!output.exists(), "nothing is written on error");
    let o = average(&input, &output, &["--prior", "0.2,0.3,0.5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // negative values for --theta and --alpha also reach the range checks
    for args in [
        &["--theta", "-0.5"][..],
        &["--method", "fixed-share", "--alpha", "-0.1"][..],
    ] {
        let o = average(&input, &output, args);
        let err = stderr(&o);
        assert!(
            !o.status.success() && err.contains(&format!("{}: must be in", args[args.len() - 2])),
            "{args:?}: {err}"
        );
    }
}

/// `-inf` is a likelihood of zero: accepted, and the posterior stays a distribution.
#[test]
fn zero_likelihood_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    std::fs::write(&input, "a,b,c\n-inf,-1,-2\n-0.5,-inf,-1\n").unwrap();
    for method in ["switch", "bma", "fixed-share"] {
        let o = average(&input, &output, &["--method", method]);
        assert!(o.status.success(), "{method}: {}", stderr(&o));
        let text = std::fs::read_to_string(&output).unwrap();
        let last: Vec<f64> = text
            .lines()
            .last()
            .unwrap()
            .split(',')
            .map(|f| f.parse().unwrap())
            .collect();
        let total: f64 = last[1..4].iter().sum();
        assert!(
            (total - 1.0).abs() < 1e-12 && last.iter().all(|v| v.is_finite()),
            "{text}"
        );
    }
}

/// Training Alrao with two copies records every observation its switch was given; `alrao
/// average --method switch` on that CSV ends each epoch on the posterior the training run
/// recorded for that epoch.
#[test]
fn average_reproduces_the_training_runs_switch() {
    let data = data_dir();
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("switch.csv");
    let o = alrao_small(
        "train",
        data.path(),
        &[
            "--copies",
            "2",
            "--eta-min",
            "1e-3",
            "--eta-max",
            "1",
            "--out",
            out.path().to_str().unwrap(),
            "--switch-csv",
            csv.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let run: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("alrao-seed1.json")).unwrap(),
    )
    .unwrap();
    let posterior_out = out.path().join("posterior.csv");
    let o = average(
        &csv,
        &posterior_out,
        &["--method", "switch", "--theta", "0.999"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<Vec<f64>> = std::fs::read_to_string(&posterior_out)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    // 500 training examples in batches of 16: 32 batches (the last one of 4) per epoch
    assert_eq!(rows.len(), 64);
    for (e, epoch) in run["epochs"].as_array().unwrap().iter().enumerate() {
        let recorded: Vec<f64> = epoch["posterior"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_f64().unwrap())
            .collect();
        let row = &rows[32 * (e + 1) - 1];
        assert_eq!(row[0] as usize, 32 * (e + 1));
        for (j, p) in recorded.iter().enumerate() {
            assert!(
                (row[1 + j] - p).abs() < 1e-12,
                "epoch {}: {row:?} vs {recorded:?}",
                e + 1
            );
        }
    }
}

/// Without `--output` the same CSV goes to standard output, and a model name holding a comma
/// comes out quoted, so that the output reads back with one column per model.
#[test]
fn without_output_the_csv_goes_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    std::fs::write(&input, "\"lr 1e-3, seed 1\",b\n-0.5,-1\n-0.2,-inf\n").unwrap();
    let to_file = average(&input, &output, &[]);
    assert!(to_file.status.success(), "{}", stderr(&to_file));
    let to_stdout = alrao(&["average", input.to_str().unwrap()]);
    assert!(to_stdout.status.success(), "{}", stderr(&to_stdout));
    let text = String::from_utf8(to_stdout.stdout).unwrap();
    assert_eq!(text, std::fs::read_to_string(&output).unwrap());
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "step",
            "posterior_lr 1e-3, seed 1",
            "posterior_b",
            "cumulative_log_loss"
        ]
    );
    assert_eq!(reader.records().count(), 2);
}
