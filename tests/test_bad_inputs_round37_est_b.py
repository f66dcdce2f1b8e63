"""Thirty-seventh round (second pass), the comparison's command line (E37-13 ...): each test fails on the commit
before its fix."""

from helpers import cli_error


def test_E37_13_a_data_file_or_a_task_given_first_to_compare_is_named(tmp_path, capsys):
    data = tmp_path / "my.csv"
    data.write_text("t,x,label\n0,1.0,a\n")
    # before: argparse's "unrecognized arguments: .../my.csv", as rnnkit train takes its file first
    for args in (["compare", data, "--out", tmp_path / "r"], ["compare", "--out", tmp_path / "r", data]):
        line = cli_error(args, capsys)
        assert "names a file, but rnnkit compare runs the named tasks only" in line and "rnnkit.tasks.Task" in line
    assert "takes its task as an option: --task adding" in cli_error(["compare", "adding", "--out", tmp_path / "r"],
                                                                     capsys)
