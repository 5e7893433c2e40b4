"""The `teachgrad` command: every command and option group through click's CliRunner."""

from __future__ import annotations

import inspect
import json
import math
import re
import os
import stat
from pathlib import Path

import numpy as np

import pytest
from click.testing import CliRunner
from PIL import Image

import teachgrad as tg
from teachgrad.cli import main
from teachgrad.cli import bench, datasets_command, report, train, versus_pytorch
from teachgrad.cli.workloads import Workload

SMALL = ["--n", "60", "--hidden", "8", "--epochs", "2", "--batch-size", "20", "--quiet"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["train"], ["rules"], ["gradcheck"], ["datasets"], ["datasets", "show"], ["eval"], ["bench"]])
def test_help_is_available_everywhere(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_version_is_printed():
    result = run("--version")
    assert result.exit_code == 0 and tg.__version__ in result.output


def test_train_cross_checks_both_paths_and_reports_agreement_and_speed():
    result = run("train", *SMALL)
    assert result.exit_code == 0, result.output
    assert "paths AGREE" in result.output
    lines = result.output.splitlines()
    assert any(line.startswith("reference") and "1.0x" in line for line in lines)
    assert any(line.startswith("numba") and line.rstrip().endswith("x") for line in lines)
    assert sum(line.startswith("epoch") for line in lines) == 2


def test_train_prints_each_epoch_of_a_path_as_it_ends_with_test_accuracy(monkeypatch):
    original = train.run_path

    def fail_on_the_second_path(path, *args):
        if path == "numba":
            raise RuntimeError("the numba path broke")
        return original(path, *args)

    monkeypatch.setattr(train, "run_path", fail_on_the_second_path)
    result = CliRunner().invoke(main, ["train", *SMALL])
    assert result.exit_code == 1 and "the numba path broke" in result.output
    epoch_lines = [line.split(":")[0] for line in result.output.splitlines() if "test acc" in line]
    assert epoch_lines == ["reference epoch 1/2", "reference epoch 2/2"]


def test_train_on_one_path_reports_no_agreement_line():
    result = run("train", *SMALL, "--paths", "numba")
    assert result.exit_code == 0, result.output
    assert "AGREE" not in result.output and "numba" in result.output


def test_train_exits_1_when_paths_disagree(monkeypatch):
    monkeypatch.setattr(report, "PARAMETER_TOLERANCE", -1.0)
    result = run("train", *SMALL)
    assert result.exit_code == 1
    assert "paths DISAGREE" in result.output


@pytest.mark.parametrize("args, message", [
    (["--dataset", "nope"], "'nope' is not one of"),
    (["--model", "rnn"], "'rnn' is not one of"),
    (["--paths", "reference,gpu"], "unknown path(s) gpu"),
    (["--optimizer", "lbfgs"], "'lbfgs' is not one of"),
    (["--epochs", "0"], "0 is not in the range"),
    (["--dataset", "imagefolder"], "--data-dir"),
])
def test_bad_train_options_are_usage_errors(args, message):
    result = CliRunner().invoke(main, ["train", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_unwritable_out_is_a_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(main, ["train", *SMALL, "--out", str(blocker / "sub")])
    assert result.exit_code == 2
    assert "cannot write to" in result.output


def test_runtime_errors_are_one_line_unless_debug(tmp_path):
    empty = tmp_path / "images"
    empty.mkdir()
    result = CliRunner().invoke(main, ["train", "--dataset", "imagefolder", "--data-dir", str(empty), "--quiet"])
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output
    debug = CliRunner().invoke(main, ["--debug", "train", "--dataset", "imagefolder", "--data-dir", str(empty)])
    assert debug.exit_code == 1 and debug.exception is not None and not isinstance(debug.exception, SystemExit)


def test_train_out_writes_every_file(tmp_path):
    out = tmp_path / "run"
    result = run("train", *SMALL, "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "metrics.json").read_text())
    assert [(r["epoch"], r["path"]) for r in rows] == [(1, "reference"), (1, "numba"), (2, "reference"), (2, "numba")]
    csv_lines = (out / "metrics.csv").read_text().splitlines()
    assert csv_lines[0].startswith("epoch,path,loss,accuracy,seconds") and len(csv_lines) == 5
    # (matplotlib's default 100 dots per inch: figures of 10 x 4 and 6 x 5 inches)
    with Image.open(out / "learning_curves.png") as curves, Image.open(out / "decision_boundary.png") as boundary:
        assert (curves.format, curves.size) == ("PNG", (1000, 400)) and (boundary.format, boundary.size) == ("PNG", (600, 500))
    state = tg.load(out / "model.npz")["model_state_dict"]
    assert set(state) == {"body.1.weight", "body.1.bias", "body.3.weight", "body.3.bias", "head.weight", "head.bias"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left behind


def test_train_out_names_every_file_it_wrote(tmp_path):
    result = run("train", *SMALL, "--out", str(tmp_path / "run"))
    assert f"wrote decision_boundary.png, learning_curves.png, metrics.csv, metrics.json, model.npz to {tmp_path / 'run'}" \
        in result.output


def test_train_out_draws_svg_charts_on_request(tmp_path):
    result = run("train", *SMALL, "--format", "svg", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    for name in ("learning_curves.svg", "decision_boundary.svg"):
        text = (tmp_path / name).read_text()
        assert text.startswith("<?xml") and "<svg" in text and len(text) > 10_000


def test_train_out_files_get_the_mode_the_umask_allows(tmp_path):
    previous = os.umask(0o027)
    try:
        run("train", *SMALL, "--out", str(tmp_path / "run"))
    finally:
        os.umask(previous)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "run").iterdir()} == {
        name: 0o640 for name in ["decision_boundary.png", "learning_curves.png", "metrics.csv", "metrics.json", "model.npz"]}


def test_train_checkpoint_records_how_the_model_was_trained(tmp_path):
    run("train", *SMALL, "--seed", "3", "--lr", "0.1", "--optimizer", "sgd", "--out", str(tmp_path))
    record = tg.load(tmp_path / "model.npz")["trained_with"]
    assert record == {"dataset": "moons", "n": 60, "seed": 3, "data_dir": None, "model": "mlp", "hidden": 8, "layers": 2,
                      "epochs": 2, "batch_size": 20, "lr": 0.1, "optimizer": "sgd"}


def test_eval_rebuilds_the_model_and_test_split_from_the_checkpoint(tmp_path):
    run("train", *SMALL, "--seed", "3", "--out", str(tmp_path))
    result = run("eval", "--checkpoint", str(tmp_path / "model.npz"))
    assert result.exit_code == 0, result.output
    accuracy = json.loads((tmp_path / "metrics.json").read_text())[-1]["accuracy"]
    assert f"test acc {accuracy:.4f} on 15 test samples of moons" in result.output


def test_eval_refuses_a_file_without_a_training_record(tmp_path):
    tg.save(tg.nn.Linear(2, 2).state_dict(), tmp_path / "weights.npz")
    result = CliRunner().invoke(main, ["eval", "--checkpoint", str(tmp_path / "weights.npz")])
    assert result.exit_code == 1
    assert "is not a checkpoint written by `teachgrad train --out`" in result.output


@pytest.mark.parametrize("entry, value, message", [
    ("hidden", 9, "its weights do not fit the mlp model its record describes"),
    ("dataset", "nope", "has a damaged training record: dataset='nope'"),
    ("n", "60", "has a damaged training record: dataset='moons', n='60'"),
])
def test_eval_refuses_a_checkpoint_whose_record_does_not_fit(tmp_path, entry, value, message):
    run("train", *SMALL, "--out", str(tmp_path))
    checkpoint = tg.load(tmp_path / "model.npz")
    checkpoint["trained_with"][entry] = value
    tg.save(checkpoint, tmp_path / "model.npz")
    result = CliRunner().invoke(main, ["eval", "--checkpoint", str(tmp_path / "model.npz")])
    assert result.exit_code == 1
    assert message in result.output


def test_rules_shows_one_operation():
    result = run("rules", "mul")
    assert result.exit_code == 0
    assert "dL/da = unbroadcast(g * b, a.shape)" in result.output


def test_rules_markdown_is_the_committed_document():
    result = run("rules", "--markdown")
    committed = (Path(__file__).resolve().parents[2] / "docs" / "backward-rules.md").read_text()
    assert result.output == committed, "docs/backward-rules.md is out of date: teachgrad rules --markdown > docs/backward-rules.md"


def test_rules_of_a_misspelt_operation_suggests_the_closest_name():
    result = CliRunner().invoke(main, ["rules", "relux"])
    assert result.exit_code == 2
    assert "no operation named 'relux' (did you mean 'relu'?)" in result.output
    assert "matmul" not in result.output


@pytest.mark.parametrize("spelling, name", [("ReLU", "relu"), ("relu_", "relu"), ("ReluBackward0", "relu"),
                                            ("MSELoss", "mse_loss"), ("LogSoftmax", "log_softmax")])
def test_rules_accepts_pytorchs_spellings(spelling, name):
    result = run("rules", spelling)
    assert result.exit_code == 0 and result.output.split()[0] == name


def _first_body_line(fn) -> int:
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if line.lstrip().startswith("def ")) + 1


def test_rules_shows_where_forward_and_backward_are():
    from teachgrad.functions.elementwise import ReLU
    output = run("rules", "relu").output
    for method in (ReLU.forward, ReLU.backward):
        assert re.search(rf"ReLU\.{method.__name__} +\S*teachgrad/functions/elementwise\.py:{_first_body_line(method)}\n", output)


def test_rules_of_a_composed_operation_shows_where_its_parts_are():
    output = run("rules", "l1_loss").output  # composed, as in PyTorch (mse_loss is one Function, MseLoss)
    assert "composed of:" in output and "Sub.backward" in output and "Mean.backward" in output


def test_rules_computes_an_example_whose_gradients_match_finite_differences():
    output = run("rules", "mul").output
    for label in ["input 0", "input 1", "output 0", "g (dL/d output 0)"]:
        assert f"  {label} " in output
    blocks = re.findall(r"dL/d input (\d) +(.*?)    \(backward\)\n +by finite diff\. +(.*?)    \(central", output, re.DOTALL)
    assert [b[0] for b in blocks] == ["0", "1"]
    for _, backward, numeric in blocks:
        assert backward.split() == numeric.split()


def test_gradcheck_prints_a_table_with_the_error_sizes():
    result = run("gradcheck", "tanh", "--backend", "numba")
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split() == ["operation", "samples", "result", "max", "abs", "err", "max", "rel", "err"]
    name, samples, verdict, absolute, relative = result.output.splitlines()[1].split()
    assert (name, samples, verdict) == ("tanh", "4", "ok")
    assert 0 < float(absolute) < 1e-6 and 0 < float(relative) < 1e-4


def test_gradcheck_verbose_shows_analytic_and_numeric_entries():
    output = run("gradcheck", "tanh", "-v").output
    assert "tanh 0-d, input 0 (Jacobian 1x1): max abs" in output
    entry = re.search(r"d out\[0\] / d in\[0\]: analytic +(\S+) +numeric +(\S+) +\|diff\| (\S+)", output)
    assert abs(float(entry[1]) - float(entry[2])) < 1e-8 and float(entry[3]) < 1e-8


def test_gradcheck_of_an_unknown_operation_prints_the_error_only():
    result = CliRunner().invoke(main, ["gradcheck", "nope"])
    assert result.exit_code == 2
    assert "operation" not in result.output.splitlines()[0] and "no operation named 'nope'" in result.output


def test_datasets_lists_every_dataset():
    result = run("datasets")
    for name in ["moons", "spiral", "digits", "mnist", "fashion-mnist", "imagefolder"]:
        assert name in result.output


def test_datasets_show_draws_a_scatter_for_a_toy_set(tmp_path):
    result = run("datasets", "show", "spiral", "--out", str(tmp_path / "spiral.png"))
    assert result.exit_code == 0
    with Image.open(tmp_path / "spiral.png") as image:
        assert (image.format, image.size) == ("PNG", (600, 500))


def test_datasets_show_writes_svg_for_an_svg_name(tmp_path):
    result = run("datasets", "show", "moons", "--out", str(tmp_path / "moons.svg"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "moons.svg").read_text()
    assert text.startswith("<?xml") and "<svg" in text


def test_datasets_show_refuses_a_name_that_claims_another_format(tmp_path):
    result = CliRunner().invoke(main, ["datasets", "show", "moons", "--out", str(tmp_path / "moons.jpg")])
    assert result.exit_code == 2
    assert "should end in .png or .svg" in result.output and not (tmp_path / "moons.jpg").exists()


def test_datasets_show_of_a_file_dataset_asks_for_the_options_it_has(tmp_path):
    result = CliRunner().invoke(main, ["datasets", "show", "imagefolder", "--out", str(tmp_path / "m.png")])
    assert result.exit_code == 2
    assert "--data-dir" in result.output and "--dataset" not in result.output


def test_datasets_show_draws_a_grid_for_digits(tmp_path):
    result = run("datasets", "show", "digits", "--n", "16", "--data-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "d.png"))
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "d.png") as image:
        assert (image.format, image.size) == ("PNG", (1000, 320))  # 8 columns of 1.25 in, 2 rows of 1.4 in + 0.4 in


def test_bench_prints_ratios_and_writes_json(tmp_path):
    result = run("bench", "--quick", "--group", "matmul", "--json", str(tmp_path / "bench.json"))
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "bench.json").read_text())
    assert [r["name"].split(" (")[0] for r in rows] == ["matmul float32 n=64", "matmul float32 n=256"]
    first = rows[0]
    assert set(first["seconds"]) == {"numba", "reference", "numpy"} and first["yardstick"] == "numpy"
    assert first["speed_vs_yardstick"]["numpy"] == pytest.approx(1.0)
    assert "(yardstick)" in result.output


def test_bench_pytorch_group_without_torch_times_each_operation_against_numpy(tmp_path, monkeypatch):
    monkeypatch.setattr(versus_pytorch, "import_pytorch", lambda: None)
    monkeypatch.setattr(versus_pytorch, "OPERATION_CALLS", 20)
    result = run("bench", "--quick", "--group", "pytorch", "--json", str(tmp_path / "bench.json"))
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "bench.json").read_text())
    assert [r["name"] for r in rows] == list(versus_pytorch.OPERATIONS)
    assert all(set(r["seconds"]) == {"teachgrad", "numpy"} and r["yardstick"] == "numpy" for r in rows)
    assert all(r["goal_met"] is None for r in rows)


def test_bench_pytorch_group_times_the_same_code_on_any_library_with_pytorchs_api(tmp_path, monkeypatch):
    """With torch present the workloads run once per library; teachgrad stands in for it here."""
    monkeypatch.setattr(versus_pytorch, "import_pytorch", lambda: tg)
    monkeypatch.setattr(versus_pytorch, "OPERATION_CALLS", 20)
    workloads = versus_pytorch.versus_pytorch_workloads(quick=True)
    assert len(workloads) == len(versus_pytorch.OPERATIONS) + 3
    for workload in workloads:
        assert set(workload.run) == {"teachgrad", "pytorch"} and workload.yardstick == "pytorch"
        assert workload.target[0] == "teachgrad" and "PyTorch" in workload.goal
    result = bench.measure(workloads[0], quick=True)
    assert result["goal_met"] in (True, False) and set(result["seconds"]) == {"teachgrad", "pytorch"}


@pytest.mark.parametrize("wanted, met", [(1.5, True), (6.0, False)])
def test_bench_marks_a_goal_met_when_the_label_is_that_much_faster_than_the_yardstick(wanted, met, monkeypatch):
    """A clock that reads each run's duration from the run itself: 2 ms for "fast", 6 ms for "slow"."""
    monkeypatch.setattr(bench, "seconds_of", lambda run: run())
    monkeypatch.setattr(bench, "SETTLE_SECONDS", 0)
    workload = Workload("test", "fixed times", {"fast": lambda: 0.002, "slow": lambda: 0.006},
                        "slow", "fast >= some x slow", rounds=3, target=("fast", wanted))
    result = bench.measure(workload, quick=False)
    assert result["goal_met"] is met
    assert result["speed_vs_yardstick"]["fast"] == pytest.approx(3.0)
    assert ("met" if met else "NOT met") in bench.table([result])


def test_bench_rejects_an_unknown_backend():
    result = CliRunner().invoke(main, ["bench", "--backends", "numba,turbo"])
    assert result.exit_code == 2 and "turbo" in result.output and "reference" in result.output


def test_train_on_cuda_without_a_gpu_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(tg.cuda, "is_available", lambda: False)
    result = CliRunner().invoke(main, ["train", "--device", "cuda", *SMALL])
    assert result.exit_code == 1
    assert "CUDA is not available" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("lr", ["nan", "inf", "-inf", "1e30", "0", "-0.1"])
def test_train_rejects_a_learning_rate_that_is_not_finite_positive_and_at_most_10(lr):
    result = CliRunner().invoke(main, ["train", *SMALL, "--lr", lr])
    assert result.exit_code == 2
    assert "Invalid value for '--lr'" in result.output


def test_train_accepts_the_largest_allowed_learning_rate():
    result = run("train", *SMALL, "--paths", "numba", "--lr", "10")
    assert result.exit_code == 0, result.output


class NaNLoss(tg.nn.CrossEntropyLoss):
    def forward(self, input, target):
        return super().forward(input, target) * float("nan")


def test_train_stops_when_the_loss_becomes_nan_naming_path_epoch_and_step(monkeypatch):
    monkeypatch.setattr(tg.nn, "CrossEntropyLoss", NaNLoss)
    result = CliRunner().invoke(main, ["train", *SMALL])
    assert result.exit_code == 1
    assert "the training loss is nan on the reference path, epoch 1, step 1; training stopped" in result.output
    assert "AGREE" not in result.output


def test_paths_that_both_compute_nan_disagree():
    nan = float("nan")
    results = {path: [report.EpochResult(nan, 0.5, 1.0, {"w": np.array([nan])})] for path in ("reference", "numba")}
    agreement = report.compare_paths(results)
    assert not agreement.agree
    assert math.isnan(agreement.loss_difference[0]) and math.isnan(agreement.parameter_difference[0])


def test_bench_checks_its_json_folder_before_timing_anything(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "all_workloads", lambda *args: pytest.fail("the benchmark ran"))
    result = CliRunner().invoke(main, ["bench", "--quick", "--json", str(tmp_path / "missing" / "x.json")])
    assert result.exit_code == 2
    assert "Invalid value for '--json'" in result.output and "missing does not exist" in result.output


def test_datasets_show_checks_its_out_folder_before_drawing(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets_command, "load_data", lambda *args: pytest.fail("the dataset was built"))
    result = CliRunner().invoke(main, ["datasets", "show", "moons", "--out", str(tmp_path / "missing" / "x.png")])
    assert result.exit_code == 2
    assert "Invalid value for '--out'" in result.output and "missing does not exist" in result.output


def test_train_checks_its_out_folder_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(train, "load_data", lambda *args: pytest.fail("the data was loaded"))
    (tmp_path / "file").write_text("not a folder")
    result = CliRunner().invoke(main, ["train", *SMALL, "--out", str(tmp_path / "file" / "run")])
    assert result.exit_code == 2 and "Invalid value for '--out'" in result.output


def test_train_out_replaces_an_earlier_run_whole(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "confusion_matrix.png").write_bytes(b"from an earlier run on digits")
    result = run("train", *SMALL, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert not (out / "confusion_matrix.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary folder left behind


def test_train_out_failing_half_way_keeps_the_earlier_run_only(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert run("train", *SMALL[:-3], "--epochs", "1", "--quiet", "--out", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def fail_after_the_metrics(path, figure):
        raise OSError(28, "No space left on device")  # metrics.json/.csv are written by now, the first chart fails

    monkeypatch.setattr(train, "save_figure", fail_after_the_metrics)
    result = CliRunner().invoke(main, ["train", *SMALL, "--out", str(out)])
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
